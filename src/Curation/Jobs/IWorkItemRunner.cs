namespace Pipeline.Curation.Jobs;

/// <summary>Runs work items somewhere: in this process, or on a worker of an Orleans cluster.</summary>
public interface IWorkItemRunner
{
    /// <summary>Runs <paramref name="item"/> to completion; running an item twice does its work once.</summary>
    Task<WorkItemResult> RunAsync(WorkItem item, CancellationToken cancellationToken);
}
