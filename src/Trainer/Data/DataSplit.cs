namespace Pipeline.Trainer.Data;

/// <summary>How the ranks of a data-parallel run share the samples.</summary>
public enum DataSplit
{
    /// <summary>Each rank reads its own row groups (dealt by the shard reader): no sample is read twice. The default.</summary>
    RowGroups,

    /// <summary>
    /// Every rank reads the one global sequence and decodes only its slice of each global batch, so W ranks of
    /// batch B/W see exactly the batches one process of batch B would: for reproducing a run at another scale.
    /// </summary>
    BatchSlices,
}
