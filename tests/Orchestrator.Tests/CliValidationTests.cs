using System.CommandLine;
using Pipeline.Orchestrator.Cli;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary>
/// Numeric flags and the settings they override, run in this process: a bad value is one error line that names
/// that flag or configuration key (and nothing else, no .NET type), with exit code 2.
/// </summary>
public sealed class CliValidationTests : IDisposable
{
    /// <summary>Each command with the least it needs to parse cleanly, so a flag's error is the only one.</summary>
    private static readonly Dictionary<string, string[]> Commands = new()
    {
        ["crawl extract"] = ["--out", "c.jsonl"],
        ["crawl fetch"] = ["list.txt", "--out", "out"],
        ["crawl refresh"] = ["store"],
        ["curate match"] = ["pool.jsonl", "--entries", "entries.json", "--out", "out"],
        ["curate balance"] = ["--matches", "matches", "--out", "out"],
        ["curate refill"] = ["deduped", "--matches", "matches", "--out", "out"],
        ["curate filter"] = ["in", "--out", "out"],
        ["curate dedup"] = ["in", "--out", "out"],
        ["curate overlap"] = ["in", "--out", "out", "--eval", "eval"],
        ["queries build"] = ["--out", "q.parquet"],
        ["queries stats"] = ["q.parquet"],
        ["demo"] = [],
        ["dashboard"] = [],
        ["doctor"] = [],
        ["shard inspect"] = ["store"],
        ["shard generate"] = ["store"],
        ["shard query"] = ["store", "SELECT 1"],
        ["takedown"] = ["store", "--key", "k"],
        ["silo"] = [],
        ["train"] = ["--shards", "s", "--out", "o"],
        ["train start"] = ["job", "--shards", "s", "--out", "o"],
        ["train export"] = ["--checkpoint", "run", "--out", "model.pt"],
        ["train import"] = ["--model", "model.pt", "--out", "run"],
    };

    private readonly TemporaryFolder _folder = new("cli-validation");

    public void Dispose() => _folder.Dispose();

    /// <summary>Every numeric flag of those commands, with a value below or above its range and the error it gives.</summary>
    public static TheoryData<string, string, string, string> OutOfRange => new()
    {
        { "crawl extract", "--max-pages", "0", "--max-pages must be at least 1, got 0" },
        { "crawl extract", "--max-depth", "-1", "--max-depth must be at least 0, got -1" },
        { "crawl fetch", "--concurrency", "0", "--concurrency must be at least 1, got 0" },
        { "crawl fetch", "--chunk", "-5", "--chunk must be at least 1, got -5" },
        { "crawl fetch", "--size", "0", "--size must be at least 1, got 0" },
        { "crawl fetch", "--quality", "101", "--quality must be between 1 and 100, got 101" },
        { "crawl fetch", "--rate-per-host", "-0.5", "--rate-per-host must be at least 0, got -0.5" },
        { "crawl refresh", "--max-distance", "65", "--max-distance must be between 0 and 64, got 65" },
        { "crawl refresh", "--concurrency", "0", "--concurrency must be at least 1, got 0" },
        { "crawl refresh", "--size", "0", "--size must be at least 1, got 0" },
        { "crawl refresh", "--quality", "0", "--quality must be between 1 and 100, got 0" },
        { "crawl refresh", "--rate-per-host", "-1", "--rate-per-host must be at least 0, got -1" },
        { "curate match", "--threads", "0", "--threads must be at least 1, got 0" },
        { "curate balance", "--threshold", "0", "--threshold must be at least 1, got 0" },
        { "curate balance", "--reserve-factor", "0.5", "--reserve-factor must be at least 1, got 0.5" },
        { "curate balance", "--seed", "-1", "--seed must be between 0 and 18446744073709551615, got -1" },
        { "curate refill", "--threshold", "0", "--threshold must be at least 1, got 0" },
        { "curate refill", "--seed", "-1", "--seed must be between 0 and 18446744073709551615, got -1" },
        { "curate filter", "--parallel", "0", "--parallel must be at least 1, got 0" },
        { "curate filter", "--threads", "0", "--threads must be at least 1, got 0" },
        { "curate filter", "--min-side", "-1", "--min-side must be at least 0, got -1" },
        { "curate filter", "--max-aspect-ratio", "-2", "--max-aspect-ratio must be at least 0, got -2" },
        { "curate filter", "--min-caption-chars", "-1", "--min-caption-chars must be at least 0, got -1" },
        { "curate filter", "--max-caption-chars", "-1", "--max-caption-chars must be at least 0, got -1" },
        { "curate filter", "--min-caption-words", "-1", "--min-caption-words must be at least 0, got -1" },
        { "curate filter", "--max-caption-words", "-1", "--max-caption-words must be at least 0, got -1" },
        { "curate filter", "--min-image-bytes", "-1", "--min-image-bytes must be at least 0, got -1" },
        { "curate filter", "--max-image-bytes", "-1", "--max-image-bytes must be at least 0, got -1" },
        { "curate dedup", "--parallel", "0", "--parallel must be at least 1, got 0" },
        { "curate dedup", "--threads", "-3", "--threads must be at least 1, got -3" },
        { "curate dedup", "--distance", "33", "--distance must be between 0 and 32, got 33" },
        { "curate dedup", "--index-rows", "0", "--index-rows must be at least 1, got 0" },
        { "curate overlap", "--parallel", "0", "--parallel must be at least 1, got 0" },
        { "curate overlap", "--threads", "0", "--threads must be at least 1, got 0" },
        { "curate overlap", "--distance", "-1", "--distance must be between 0 and 32, got -1" },
        { "queries build", "--parallel", "0", "--parallel must be at least 1, got 0" },
        { "queries build", "--min-word-count", "0", "--min-word-count must be at least 1, got 0" },
        { "queries build", "--min-bigram-pmi", "-1", "--min-bigram-pmi must be at least 0, got -1" },
        { "queries build", "--min-bigram-count", "0", "--min-bigram-count must be at least 1, got 0" },
        { "queries build", "--min-title-views", "0", "--min-title-views must be at least 1, got 0" },
        { "queries build", "--min-hourly-views", "0", "--min-hourly-views must be at least 1, got 0" },
        { "queries build", "--max-number", "-2", "--max-number must be at least -1, got -2" },
        { "queries build", "--partition-mb", "-1", "--partition-mb must be between 0 and 1048576, got -1" },
        { "queries build", "--buckets", "4097", "--buckets must be between 1 and 4096, got 4097" },
        { "queries build", "--max-entries-in-memory", "999", "--max-entries-in-memory must be at least 1000, got 999" },
        { "queries stats", "--top", "-1", "--top must be at least 0, got -1" },
        { "demo", "--per-category", "4", "--per-category must be at least 5, got 4" },
        { "demo", "--steps", "0", "--steps must be at least 1, got 0" },
        { "demo", "--port", "65536", "--port must be between 0 and 65535, got 65536" },
        { "demo", "--dashboard-port", "-1", "--dashboard-port must be between 0 and 65535, got -1" },
        { "dashboard", "--port", "70000", "--port must be between 0 and 65535, got 70000" },
        { "doctor", "--silo-port", "70000", "--silo-port must be between 0 and 65535, got 70000" },
        { "doctor", "--gateway-port", "-1", "--gateway-port must be between 0 and 65535, got -1" },
        { "shard inspect", "--rows", "-1", "--rows must be at least 0, got -1" },
        { "shard generate", "--samples", "0", "--samples must be at least 1, got 0" },
        { "shard generate", "--shard-samples", "0", "--shard-samples must be at least 1, got 0" },
        { "shard generate", "--row-group-samples", "-5", "--row-group-samples must be at least 1, got -5" },
        { "shard generate", "--seed", "-1", "--seed must be between 0 and 18446744073709551615, got -1" },
        { "shard generate", "--side", "4", "--side must be between 8 and 4096, got 4" },
        { "shard query", "--limit", "-1", "--limit must be at least 0, got -1" },
        { "takedown", "--distance", "65", "--distance must be between 0 and 64, got 65" },
        { "silo", "--dashboard-port", "70000", "--dashboard-port must be between 0 and 65535, got 70000" },
        { "train", "--steps", "0", "--steps must be at least 1, got 0" },
        { "train", "--accum-freq", "0", "--accum-freq must be at least 1, got 0" },
        { "train", "--batch", "1", "--batch must be at least 2, got 1" },
        { "train", "--lr", "0", "--lr must be above 0, got 0" },
        { "train", "--warmup", "-1", "--warmup must be at least 0, got -1" },
        { "train", "--clip", "-1", "--clip must be above 0, got -1" },
        { "train", "--seed", "-1", "--seed must be between 0 and 18446744073709551615, got -1" },
        { "train", "--checkpoint-every", "0", "--checkpoint-every must be at least 1, got 0" },
        { "train", "--log-every", "0", "--log-every must be at least 1, got 0" },
        { "train", "--eval-every", "-1", "--eval-every must be at least 0, got -1" },
        { "train", "--threads", "0", "--threads must be at least 1, got 0" },
        { "train", "--rank", "-1", "--rank must be at least 0, got -1" },
        { "train", "--world-size", "0", "--world-size must be at least 1, got 0" },
        { "train start", "--steps", "0", "--steps must be at least 1, got 0" },
        { "train start", "--accum-freq", "0", "--accum-freq must be at least 1, got 0" },
        { "train start", "--batch", "1", "--batch must be at least 2, got 1" },
        { "train start", "--lr", "-1", "--lr must be above 0, got -1" },
        { "train start", "--warmup", "-1", "--warmup must be at least 0, got -1" },
        { "train start", "--clip", "0", "--clip must be above 0, got 0" },
        { "train start", "--seed", "-1", "--seed must be between 0 and 18446744073709551615, got -1" },
        { "train start", "--checkpoint-every", "0", "--checkpoint-every must be at least 1, got 0" },
        { "train start", "--log-every", "0", "--log-every must be at least 1, got 0" },
        { "train start", "--eval-every", "-1", "--eval-every must be at least 0, got -1" },
        { "train start", "--threads", "0", "--threads must be at least 1, got 0" },
        { "train start", "--workers", "0", "--workers must be at least 1, got 0" },
        { "train start", "--max-restarts", "-1", "--max-restarts must be at least 0, got -1" },
    };

    /// <summary>Every numeric flag of those commands, found by walking the command tree.</summary>
    public static TheoryData<string, string> NumericFlags()
    {
        var data = new TheoryData<string, string>();
        foreach (var (command, flag) in FindNumericFlags())
        {
            data.Add(command, flag);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public async Task A_value_out_of_range_is_one_error_line_naming_the_flag_and_its_range(string command, string flag, string value, string expected)
    {
        var (code, error) = await InvokeAsync([.. command.Split(' '), .. Commands[command], flag, value]);

        AssertOneError(code, error, expected);
    }

    [Theory]
    [MemberData(nameof(NumericFlags))]
    public async Task A_value_that_is_not_a_number_names_the_flag_and_no_dotnet_type(string command, string flag)
    {
        var alone = new PipelineCli(TextWriter.Null, TextWriter.Null).Parse([.. command.Split(' '), .. Commands[command]]);
        var (code, error) = await InvokeAsync([.. command.Split(' '), .. Commands[command], flag, "abc"]);

        Assert.Empty(alone.Errors);
        AssertOneError(code, error, $"{flag}: 'abc' is not a");
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_numeric_flag_has_an_out_of_range_case()
    {
        var covered = OutOfRange.Select(row => ((string)row[0], (string)row[1])).ToHashSet();

        Assert.DoesNotContain(FindNumericFlags(), f => !covered.Contains(f));
    }

    [Theory]
    [InlineData("train export --checkpoint run --out model.bin", "--out model.bin: the extension chooses the format: .pt, .pth or .safetensors")]
    [InlineData("train export --checkpoint run --out model", "--out model: the extension chooses the format: .pt, .pth or .safetensors")]
    [InlineData("train import --model model.ckpt --out run", "--model model.ckpt: the extension chooses the format: .pt, .pth or .safetensors")]
    public async Task A_weights_file_whose_extension_names_no_format_is_one_error_line_naming_the_flag(string commandLine, string expected)
    {
        var (code, error) = await InvokeAsync(commandLine.Split(' '));

        AssertOneError(code, error, expected);
    }

    [Theory]
    [InlineData("train export --checkpoint run --out m.safetensors")]
    [InlineData("train export --checkpoint run --out m.pth --tokenizer tok")]
    [InlineData("train import --model m.PT --out run")]
    public void A_weights_file_with_a_known_extension_parses_cleanly(string commandLine) =>
        Assert.Empty(new PipelineCli(TextWriter.Null, TextWriter.Null).Parse(commandLine.Split(' ')).Errors);

    [Fact]
    public async Task A_whole_number_too_large_for_its_flag_names_the_range_it_has()
    {
        var (code, error) = await InvokeAsync(["crawl", "fetch", "list.txt", "--out", "out", "--chunk", "99999999999"]);

        AssertOneError(code, error, "--chunk must be between 1 and 2147483647, got 99999999999");
    }

    [Fact]
    public async Task A_fraction_for_a_whole_number_flag_says_so()
    {
        var (code, error) = await InvokeAsync(["crawl", "fetch", "list.txt", "--out", "out", "--chunk", "2.5"]);

        AssertOneError(code, error, "--chunk: '2.5' is not a whole number");
    }

    [Fact]
    public async Task Infinity_is_not_a_rate()
    {
        var (code, error) = await InvokeAsync(["crawl", "fetch", "list.txt", "--out", "out", "--rate-per-host", "Infinity"]);

        AssertOneError(code, error, "--rate-per-host must be a finite number, got Infinity");
    }

    [Theory]
    [InlineData("curate filter", """{"Curation":{"Filters":{"MinSide":-1}}}""", "Curation:Filters:MinSide (--min-side) must be at least 0, got -1")]
    [InlineData("curate filter", """{"Curation":{"Filters":{"MaxAspectRatio":0.5}}}""", "Curation:Filters:MaxAspectRatio (--max-aspect-ratio) must be at least 1, got 0.5")]
    [InlineData("curate filter", """{"Curation":{"Filters":{"MinCaptionWords":9,"MaxCaptionWords":3}}}""", "Curation:Filters:MinCaptionWords (--min-caption-words) is 9, above Curation:Filters:MaxCaptionWords 3")]
    [InlineData("curate dedup", """{"Curation":{"Dedup":{"MaxDistance":40}}}""", "Curation:Dedup:MaxDistance (--distance) must be between 0 and 32, got 40")]
    [InlineData("curate balance", """{"Curation":{"Balancing":{"ReserveFactor":0.9}}}""", "Curation:Balancing:ReserveFactor (--reserve-factor) must be at least 1, got 0.9")]
    [InlineData("queries build", """{"Curation":{"Queries":{"Buckets":5000}}}""", "Curation:Queries:Buckets (--buckets) must be between 1 and 4096, got 5000")]
    [InlineData("queries build", """{"Curation":{"Queries":{"MinBigramPmi":-3}}}""", "Curation:Queries:MinBigramPmi (--min-bigram-pmi) must be at least 0, got -3")]
    [InlineData("crawl extract", """{"Crawler":{"Live":{"MaxPages":0}}}""", "Crawler:Live:MaxPages (--max-pages) must be at least 1, got 0")]
    [InlineData("crawl fetch", """{"Crawler":{"Images":{"Quality":0}}}""", "Crawler:Images:Quality (--quality) must be between 1 and 100, got 0")]
    [InlineData("crawl fetch", """{"Crawler":{"Fetching":{"RequestsPerSecondPerHost":-1}}}""", "Crawler:Fetching:RequestsPerSecondPerHost (--rate-per-host) must be at least 0, got -1")]
    [InlineData("crawl fetch", """{"Crawler":{"Fetching":{"MaxConnectionsPerHost":0}}}""", "Crawler:Fetching:MaxConnectionsPerHost must be at least 1, got 0")]
    [InlineData("crawl fetch", """{"Crawler":{"Fetching":{"CircuitBreakDuration":"00:00:00.1"}}}""", "Crawler:Fetching:CircuitBreakDuration must be between 00:00:00.5000000 and 1.00:00:00, got 00:00:00.1000000")]
    public async Task A_setting_out_of_range_names_its_key_and_flag_and_nothing_else(string command, string configuration, string expected)
    {
        var config = _folder.Combine("pipeline.json");
        await File.WriteAllTextAsync(config, configuration);
        var list = _folder.Combine("list.txt");
        await File.WriteAllTextAsync(list, "http://127.0.0.1:9/a.jpg\n");
        string[] arguments = command switch
        {
            "crawl extract" => ["--seed", "http://127.0.0.1:9/", "--out", _folder.Combine("c.jsonl")],
            "crawl fetch" => [list, "--out", _folder.Combine("out")],
            _ => [.. Commands[command].Select(a => a.Contains('-', StringComparison.Ordinal) ? a : _folder.Combine(a))],
        };

        var (code, error) = await InvokeAsync([.. command.Split(' '), .. arguments, "--config", config]);

        AssertOneError(code, error, expected);
        Assert.Equal($"pipeline: error: {expected}", error.Trim());
    }

    [Fact]
    public void Overrides_hold_only_the_flags_given_as_invariant_text()
    {
        var parse = new PipelineCli(TextWriter.Null, TextWriter.Null).Parse(
            ["crawl", "fetch", "list.txt", "--out", "out", "--rate-per-host", "0.5", "--resize-mode", "center_crop", "--allow-loopback"]);
        var options = parse.CommandResult.Command.Options;
        ConfigurationFlag Flag(string name, Func<object, string?>? convert = null) => new(options.Single(o => o.Name == name), "Key" + name, convert);

        var overrides = ConfigurationFlag.Overrides(parse, [
            Flag("--rate-per-host"), Flag("--resize-mode", mode => ((string)mode).ToUpperInvariant()), Flag("--allow-loopback"),
            Flag("--allow-private-networks"), Flag("--quality"), Flag("--chunk")]);

        Assert.Equal(new Dictionary<string, string?>
        {
            ["Key--rate-per-host"] = "0.5",
            ["Key--resize-mode"] = "CENTER_CROP",
            ["Key--allow-loopback"] = "true",
        }, overrides);
    }

    private static IEnumerable<(string Command, string Flag)> FindNumericFlags()
    {
        // Every command of the tree, so a new command's numeric flag cannot go unchecked; the global flags as doctor's.
        var root = new PipelineCli(TextWriter.Null, TextWriter.Null).Parse([]).RootCommandResult.Command;
        var pending = new Stack<(string Path, Command Command)>([("doctor", root)]);
        while (pending.TryPop(out var current))
        {
            foreach (var child in current.Command.Subcommands)
            {
                pending.Push((current.Command == root ? child.Name : $"{current.Path} {child.Name}", child));
            }

            foreach (var option in current.Command.Options)
            {
                var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
                if ((type.IsPrimitive && type != typeof(bool)) || type == typeof(decimal))
                {
                    yield return (current.Path, option.Name);
                }
            }
        }
    }

    private static async Task<(int Code, string Error)> InvokeAsync(string[] arguments)
    {
        var error = new StringWriter();
        var code = await new PipelineCli(TextWriter.Null, error).InvokeAsync(arguments);
        return (code, error.ToString());
    }

    private static void AssertOneError(int code, string error, string expected)
    {
        Assert.True(code == 2, $"exit code {code}: {error}");
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith($"pipeline: error: {expected}", line, StringComparison.Ordinal);
    }
}
