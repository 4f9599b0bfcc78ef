namespace Pipeline.Trainer.Tests;

/// <summary>Tests that read the whole process's memory: xunit runs this collection after the others, with nothing beside it.</summary>
[CollectionDefinition(nameof(ProcessMemoryMeasurement), DisableParallelization = true)]
public sealed class ProcessMemoryMeasurement;
