using Pipeline.Orchestrator.Dashboard;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Tests;

/// <summary>Options are records, which print their members: the secrets among them never reach the printed form.</summary>
public sealed class OptionsSecretTests
{
    [Fact]
    public void Printed_options_say_a_secret_is_set_but_not_what_it_is()
    {
        var store = new ShardStoreOptions { AzureConnectionString = "AccountKey=s3cr3t-key", AzureSasToken = "sig=s3cr3t-sas", BlockSizeBytes = 1024 };
        var dashboard = new PipelineDashboardOptions { Token = "s3cr3t-token", Port = 9 };

        foreach (var printed in new[] { store.ToString(), dashboard.ToString() })
        {
            Assert.DoesNotContain("s3cr3t", printed, StringComparison.Ordinal);
            Assert.Contains("(set)", printed, StringComparison.Ordinal);
        }

        Assert.Contains("BlockSizeBytes = 1024", store.ToString(), StringComparison.Ordinal);
        Assert.Contains("Port = 9", dashboard.ToString(), StringComparison.Ordinal);
        Assert.Equal(store, store with { });
    }
}
