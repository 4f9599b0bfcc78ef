using System.Net;
using System.Net.Sockets;

namespace Pipeline.TestServices;

/// <summary>Finds TCP ports on 127.0.0.1 that nothing listens on, so servers started side by side never collide.</summary>
public static class FreePort
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A port that was free a moment ago and that this process has not handed out before: the OS may give the same
    /// ephemeral port to two binds in a row (a test once got one port for its web server and its silo).
    /// </summary>
    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (HandedOut)
            {
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
