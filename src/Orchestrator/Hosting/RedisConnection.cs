using Pipeline.Sharding.Settings;
using StackExchange.Redis;

namespace Pipeline.Orchestrator.Hosting;

/// <summary>Parses the <c>--cluster</c> Redis connection string and checks Redis answers before Orleans is started.</summary>
public static class RedisConnection
{
    /// <summary>Longest wait for Redis to answer the pre-flight check.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Parses a StackExchange.Redis connection string (e.g. <c>127.0.0.1:6379,password=...</c>).</summary>
    /// <exception cref="PipelineConfigurationException">The string is not a valid connection string.</exception>
    public static ConfigurationOptions Parse(string connectionString)
    {
        try
        {
            var options = ConfigurationOptions.Parse(connectionString);
            if (options.EndPoints.Count == 0)
            {
                throw new PipelineConfigurationException($"cluster connection '{connectionString}' names no Redis endpoint (expected host:port)");
            }

            return options;
        }
        catch (ArgumentException ex)
        {
            throw new PipelineConfigurationException($"cluster connection '{connectionString}' is not a Redis connection string: {ex.Message}", ex);
        }
    }

    /// <summary>Connects once and pings, so an unreachable Redis is one clear error rather than Orleans retrying.</summary>
    /// <exception cref="PipelineConfigurationException">Redis does not answer within <see cref="ProbeTimeout"/>.</exception>
    public static async Task EnsureReachableAsync(ConfigurationOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var probe = options.Clone();
        probe.AbortOnConnectFail = true;
        probe.ConnectTimeout = (int)ProbeTimeout.TotalMilliseconds;
        probe.ConnectRetry = 1;
        var endpoints = string.Join(", ", options.EndPoints.Select(e => e.ToString()));
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(probe).WaitAsync(ProbeTimeout * 2, cancellationToken);
            await connection.GetDatabase().PingAsync().WaitAsync(ProbeTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or System.Net.Sockets.SocketException)
        {
            var reason = ex.Message.Split('\n', 2)[0].Trim();
            throw new PipelineConfigurationException($"cannot reach the cluster's Redis at {endpoints}: {reason}", ex);
        }
    }
}
