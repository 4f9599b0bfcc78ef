using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Orchestrator.Cli;
using Pipeline.Orchestrator.Dashboard;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Tests;

/// <summary>infra/k8s agrees with the program: every PIPELINE_ variable binds to a real option, and every container's arguments parse.</summary>
public sealed partial class KubernetesManifestTests
{
    private static readonly Dictionary<string, Type> Sections = new(StringComparer.OrdinalIgnoreCase)
    {
        [PipelineOptions.Section] = typeof(PipelineOptions),
        [PipelineDashboardOptions.Section] = typeof(PipelineDashboardOptions),
        [ShardStoreOptions.Section] = typeof(ShardStoreOptions),
    };

    private static string Folder => Path.Combine(RepositoryRoot(), "infra", "k8s");

    [Fact]
    public void Every_pipeline_environment_variable_in_the_manifests_names_a_real_option()
    {
        var names = Directory.GetFiles(Folder, "*.yaml").SelectMany(f => EnvironmentName().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Key: m.Groups[1].Value))).ToList();
        Assert.True(names.Count >= 10, $"only {names.Count} PIPELINE_ variables found");
        foreach (var (file, key) in names)
        {
            var path = key.Split("__");
            var section = Sections.Keys.FirstOrDefault(s => string.Join(':', path[..^1]).Equals(s, StringComparison.OrdinalIgnoreCase));
            Assert.True(section is not null, $"{file}: PIPELINE_{key} is in no known options section");
            var property = Sections[section].GetProperty(path[^1], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            Assert.True(property is not null, $"{file}: PIPELINE_{key}: {Sections[section].Name} has no property {path[^1]}");
        }
    }

    [Fact]
    public void Every_container_command_line_in_the_manifests_parses()
    {
        var commands = Directory.GetFiles(Folder, "*.yaml")
            .SelectMany(f => Arguments().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Args: JsonSerializer.Deserialize<string[]>(m.Groups[1].Value)!)))
            .Where(c => c.File != "redis.yaml")
            .ToList();
        Assert.Equal(3, commands.Count);
        var cli = new PipelineCli(TextWriter.Null, TextWriter.Null);
        foreach (var (file, args) in commands)
        {
            var parse = cli.Parse(args);
            Assert.True(parse.Errors.Count == 0, $"{file}: pipeline {string.Join(' ', args)}: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
            Assert.True(parse.CommandResult.Command.Name is "silo" or "dashboard", $"{file}: runs {parse.CommandResult.Command.Name}");
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Pipeline.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("no Pipeline.sln above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"name:\s*PIPELINE_([A-Za-z0-9_]+)")]
    private static partial Regex EnvironmentName();

    [GeneratedRegex(@"args:\s*(\[[^\]]*\])")]
    private static partial Regex Arguments();
}
