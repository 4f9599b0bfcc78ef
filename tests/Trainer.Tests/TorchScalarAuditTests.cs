using System.Reflection;
using System.Runtime.Loader;
using Pipeline.Trainer.Training;
using Xunit.Abstractions;

namespace Pipeline.Trainer.Tests;

public sealed class TorchScalarAuditTests(ITestOutputHelper output)
{
    [Fact]
    public void Our_code_hands_libtorch_only_scalars_it_holds()
    {
        var assemblies = new List<Assembly> { typeof(ClipTrainer).Assembly, typeof(TorchScalarAuditTests).Assembly };
        foreach (var (project, file) in new[] { ("Pipeline.Orchestrator", "pipeline.dll"), ("Pipeline.Benchmarks", "Pipeline.Benchmarks.dll"), ("Pipeline.Orchestrator.Tests", "Pipeline.Orchestrator.Tests.dll") })
        {
            assemblies.Add(LoadBuilt(project, file));
        }

        var findings = assemblies.SelectMany(TorchScalarAudit.Findings).Distinct().Order().ToList();
        foreach (var finding in findings)
        {
            output.WriteLine(finding);
        }

        Assert.True(findings.Count == 0, $"{findings.Count} calls hand libtorch a Scalar nothing holds:\n{string.Join('\n', findings)}");
    }

    // Tests run from artifacts/bin/<test project>/<configuration>/; test.sh builds the whole solution first.
    private static Assembly LoadBuilt(string project, string file)
    {
        var testDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(testDirectory.Parent!.Parent!.FullName, project, testDirectory.Name, file);
        Assert.True(File.Exists(path), $"{path} was not built; build Pipeline.sln first");
        var context = new AssemblyLoadContext(project);
        var resolver = new AssemblyDependencyResolver(path);
        context.Resolving += (c, name) => resolver.ResolveAssemblyToPath(name) is { } found ? c.LoadFromAssemblyPath(found) : null;
        return context.LoadFromAssemblyPath(path);
    }
}
