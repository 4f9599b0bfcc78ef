using Pipeline.Orchestrator.Cli;

return await new PipelineCli(Console.Out, Console.Error).InvokeAsync(args);
