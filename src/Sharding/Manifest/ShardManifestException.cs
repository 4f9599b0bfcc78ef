namespace Pipeline.Sharding.Manifest;

/// <summary>The manifest cannot be read or does not fit what is being done with it.</summary>
public sealed class ShardManifestException : Exception
{
    public ShardManifestException(string message)
        : base(message)
    {
    }

    public ShardManifestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ShardManifestException()
    {
    }
}
