namespace Pipeline.Sharding.Settings;

/// <summary>A setting is wrong or a configured resource is unusable; the message is shown to the user as is.</summary>
public sealed class PipelineConfigurationException : Exception
{
    public PipelineConfigurationException()
    {
    }

    public PipelineConfigurationException(string message)
        : base(message)
    {
    }

    public PipelineConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
