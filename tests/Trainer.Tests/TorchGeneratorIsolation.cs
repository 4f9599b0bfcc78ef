namespace Pipeline.Trainer.Tests;

/// <summary>Tests that compare runs drawn from libtorch's process-wide random generator, run with no other test alongside.</summary>
[CollectionDefinition(nameof(TorchGeneratorIsolation), DisableParallelization = true)]
public sealed class TorchGeneratorIsolation;
