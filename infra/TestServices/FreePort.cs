using System.Net;
using System.Net.Sockets;

namespace Pipeline.TestServices;

/// <summary>Finds TCP ports on 127.0.0.1 that nothing listens on, so servers started side by side never collide.</summary>
public static class FreePort
{
    /// <summary>A port that was free a moment ago (the OS hands out ephemeral ports round-robin, so reuse is unlikely).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
