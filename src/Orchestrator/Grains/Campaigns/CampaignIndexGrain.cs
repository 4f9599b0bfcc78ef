using Pipeline.Orchestrator.Hosting;

namespace Pipeline.Orchestrator.Grains.Campaigns;

/// <summary>Keeps the campaign names in grain storage.</summary>
public sealed class CampaignIndexGrain(
    [PersistentState("campaign-index", PipelineStorage.Name)] IPersistentState<CampaignIndexState> state) : Grain, ICampaignIndexGrain
{
    public async Task Add(string name)
    {
        if (state.State.Names.Add(name))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> GetNames() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Names]);
}
