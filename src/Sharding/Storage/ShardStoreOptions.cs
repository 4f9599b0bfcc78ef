namespace Pipeline.Sharding.Storage;

/// <summary>How to reach shard storage; bound from the configuration section <c>Sharding:Storage</c>.</summary>
public sealed record ShardStoreOptions
{
    public const string Section = "Sharding:Storage";

    /// <summary>
    /// Azure Storage connection string, used for <c>azure://container/prefix</c> locations (and for https
    /// locations when no SAS token or identity is configured). A secret: set it from configuration or
    /// <c>PIPELINE_Sharding__Storage__AzureConnectionString</c>, never on the command line.
    /// </summary>
    public string? AzureConnectionString { get; set; }

    /// <summary>SAS token (without or with the leading '?') for an https container location.</summary>
    public string? AzureSasToken { get; set; }

    /// <summary>Authenticate https locations with Azure.Identity's DefaultAzureCredential (managed identity, CLI login, ...).</summary>
    public bool AzureUseIdentity { get; set; }

    /// <summary>Size of the blocks a shard is uploaded in.</summary>
    public int BlockSizeBytes { get; set; } = 8 << 20;

    // A record prints its members; the secrets must not reach a log line or an exception message.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"AzureConnectionString = {(AzureConnectionString is null ? "null" : "(set)")}, AzureSasToken = {(AzureSasToken is null ? "null" : "(set)")}, ");
        builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"AzureUseIdentity = {AzureUseIdentity}, BlockSizeBytes = {BlockSizeBytes}");
        return true;
    }
}
