namespace Pipeline.Curation.Queries;

/// <summary>Runs query work items somewhere: in this process, or on a worker of an Orleans cluster.</summary>
public interface IQueryWorkRunner
{
    /// <summary>Runs <paramref name="item"/> to completion; running an item twice does its work once.</summary>
    Task<QueryWorkResult> RunAsync(QueryWorkItem item, CancellationToken cancellationToken);
}
