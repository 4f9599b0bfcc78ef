using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipeline.Sharding.Conversion;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Progress;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Verification;
using Pipeline.Sharding.Writing;
using Pipeline.TestServices;

namespace Pipeline.Sharding.Tests;

public sealed class WebdatasetShardTests : IDisposable
{
    // Debian's python3 (infra/setup.sh); its tarfile is what webdataset itself reads tars with.
    private const string DebianPython = "/usr/bin/python3";

    // Groups members as webdataset does (key = base name up to its first dot) and prints one JSON object per sample.
    private const string ReadTars = """
        import hashlib, json, sys, tarfile
        out = []
        for path in sys.argv[1:]:
            with open(path, "rb") as raw:
                magic = raw.read(512)[257:263]
            with tarfile.open(path, "r:") as tar:
                current = None
                for member in tar:
                    base = member.name.rsplit("/", 1)[-1]
                    key, ext = base.split(".", 1)
                    if current is None or current["key"] != key:
                        current = {"tar": path, "magic": magic.decode("latin-1"), "key": key, "members": []}
                        out.append(current)
                    data = tar.extractfile(member).read()
                    current["members"].append(ext)
                    if ext == "jpg":
                        current["jpg_sha256"] = hashlib.sha256(data).hexdigest()
                    elif ext == "txt":
                        current["txt"] = data.decode("utf-8")
                    elif ext == "json":
                        current["json"] = json.loads(data.decode("utf-8"))
        json.dump(out, sys.stdout)
        """;

    private readonly TemporaryFolder _folder = new("webdataset");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Webdataset_tars_read_by_python_tarfile_hold_the_same_samples_as_parquet()
    {
        const int count = 250;
        var parquet = new LocalFolderStore(_folder.Combine("parquet"));
        var tars = new LocalFolderStore(_folder.Combine("wds"));
        await TestSamples.WriteAsync(parquet, count, shardSamples: 100, rowGroupSamples: 30);

        // Written out of key order: each tar must still list its samples in key order.
        var order = Enumerable.Range(0, count).OrderBy(i => (i * 7919) % count).ToList();
        await using (var writer = new ShardWriter(tars, new ShardWriterOptions { TargetSamples = 100, RowGroupSamples = 30, Format = ShardFormat.Webdataset }))
        {
            foreach (var i in order)
            {
                await writer.WriteAsync(TestSamples.Create(i), CancellationToken.None);
            }

            Assert.Equal(3, (await writer.CompleteAsync(CancellationToken.None)).Count);
        }

        var manifest = await new ManifestStore(tars).LoadAsync(CancellationToken.None);
        Assert.All(manifest.Shards, s => Assert.Equal(ShardFormat.Webdataset, s.Format));
        Assert.All(manifest.Shards, s => Assert.EndsWith(".tar", s.Path, StringComparison.Ordinal));
        Assert.Equal([30, 30, 30, 10], manifest.Shards[0].RowGroups.Select(g => g.Rows));

        var expected = new Dictionary<string, Sample>(StringComparer.Ordinal);
        foreach (var entry in (await new ManifestStore(parquet).LoadAsync(CancellationToken.None)).Shards)
        {
            await using var reader = await ShardFileReader.OpenAsync(parquet, entry, CancellationToken.None);
            for (var g = 0; g < entry.RowGroups.Count; g++)
            {
                foreach (var sample in await reader.ReadRowGroupAsync(g, CancellationToken.None))
                {
                    expected.Add(sample.Key, sample);
                }
            }
        }

        using var samples = JsonDocument.Parse(await RunPythonAsync(ReadTars, manifest.Shards.Select(s => tars.Describe(s.Path))));
        var jsonColumns = SampleJson.JsonColumns(SampleSchema.For(ImageEncoding.Jpg)).ToList();
        Assert.Equal(
            SampleSchema.For(ImageEncoding.Jpg).Parquet.Fields.Select(f => f.Name).Except(["key", "caption", "jpg"]),
            jsonColumns);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? previousTar = null, previousKey = null;
        foreach (var found in samples.RootElement.EnumerateArray())
        {
            var key = found.GetProperty("key").GetString()!;
            var tar = found.GetProperty("tar").GetString()!;
            Assert.Equal("ustar\0", found.GetProperty("magic").GetString());
            Assert.Equal(["jpg", "json", "txt"], found.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
            Assert.True(seen.Add(key), $"{key} appears twice");
            if (tar == previousTar)
            {
                Assert.True(string.CompareOrdinal(previousKey, key) < 0, $"{previousKey} before {key} in {tar}");
            }

            (previousTar, previousKey) = (tar, key);
            var want = expected[key];
            Assert.Equal(want.Sha256, found.GetProperty("jpg_sha256").GetString());
            Assert.Equal(want.Caption, found.GetProperty("txt").GetString());
            var json = found.GetProperty("json");
            Assert.Equal(jsonColumns, json.EnumerateObject().Select(p => p.Name));
            Assert.Equal(want.Url, json.GetProperty("url").GetString());
            Assert.Equal(want.Width, json.GetProperty("width").GetInt32());
            Assert.Equal(want.Height, json.GetProperty("height").GetInt32());
            Assert.Equal(want.OriginalWidth, json.GetProperty("original_width").GetInt32());
            Assert.Equal(want.OriginalHeight, json.GetProperty("original_height").GetInt32());
            Assert.Equal(want.Sha256, json.GetProperty("sha256").GetString());
            Assert.Equal(want.MatchedEntryIds, json.GetProperty("matched_entry_ids").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(want.KeptForEntry, Nullable(json, "kept_for_entry", e => e.GetInt32()));
            Assert.Equal(want.KeepProbability, Nullable(json, "keep_probability", e => e.GetDouble()));
            Assert.Equal(want.PerceptualHash, Nullable(json, "phash", e => e.GetUInt64()));
            Assert.Equal(want.PageUrl, json.GetProperty("page_url").GetString());
            Assert.Equal(want.FetchTime, Nullable(json, "fetch_time", e => DateTimeOffset.Parse(e.GetString()!, CultureInfo.InvariantCulture)));
            Assert.Equal(want.Reserve, Nullable(json, "reserve", e => e.GetBoolean()));
        }

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));

        // Our own reader agrees, and verification passes.
        foreach (var entry in manifest.Shards)
        {
            await using var reader = await ShardFileReader.OpenAsync(tars, entry, CancellationToken.None);
            Assert.Equal(ImageEncoding.Jpg, reader.Schema.Encoding);
            for (var g = 0; g < entry.RowGroups.Count; g++)
            {
                foreach (var sample in await reader.ReadRowGroupAsync(g, CancellationToken.None))
                {
                    TestSamples.AssertSame(expected[sample.Key], sample);
                }
            }
        }

        var report = await ShardVerifier.VerifyAsync(tars, null, CancellationToken.None);
        Assert.Empty(report.Problems);
        Assert.Equal(count, report.Samples);
    }

    [Fact]
    public async Task Webdataset_conversion_round_trip_gives_identical_samples_and_resumes()
    {
        var parquet = new LocalFolderStore(_folder.Combine("parquet"));
        var tars = new LocalFolderStore(_folder.Combine("wds"));
        var back = new LocalFolderStore(_folder.Combine("back"));
        await TestSamples.WriteAsync(parquet, 130, shardSamples: 50, rowGroupSamples: 20);

        var lines = new List<StageProgress>();
        var there = await ShardConverter.ConvertAsync(parquet, tars, ShardFormat.Webdataset, new ImmediateProgress<StageProgress>(lines.Add), CancellationToken.None);
        Assert.Equal(new ConversionSummary(3, 3, 0, 130), there);
        Assert.Equal(["convert: shard part-00000 (1/3) committed 50 samples", "convert: shard part-00001 (2/3) committed 50 samples", "convert: shard part-00002 (3/3) committed 30 samples"], lines.Select(l => l.ToString()));
        var again = await ShardConverter.ConvertAsync(parquet, tars, ShardFormat.Webdataset, null, CancellationToken.None);
        Assert.Equal(new ConversionSummary(3, 0, 3, 130), again);

        Assert.Equal(new ConversionSummary(3, 3, 0, 130), await ShardConverter.ConvertAsync(tars, back, ShardFormat.Parquet, null, CancellationToken.None));
        var original = await new ManifestStore(parquet).LoadAsync(CancellationToken.None);
        var converted = await new ManifestStore(tars).LoadAsync(CancellationToken.None);
        var roundTrip = await new ManifestStore(back).LoadAsync(CancellationToken.None);
        Assert.Equal(original.Shards.Select(s => s.Name), roundTrip.Shards.Select(s => s.Name));
        Assert.Equal(original.Shards.Select(s => s.RowGroups.Select(g => g.Rows)), converted.Shards.Select(s => s.RowGroups.Select(g => g.Rows)));
        Assert.All(roundTrip.Shards, s => Assert.Null(s.Format));

        var index = 0;
        foreach (var entry in roundTrip.Shards)
        {
            await using var reader = await ShardFileReader.OpenAsync(back, entry, CancellationToken.None);
            for (var g = 0; g < entry.RowGroups.Count; g++)
            {
                foreach (var sample in await reader.ReadRowGroupAsync(g, CancellationToken.None))
                {
                    TestSamples.AssertSame(TestSamples.Create(index++), sample);
                }
            }
        }

        Assert.Equal(130, index);
        await Assert.ThrowsAsync<ArgumentException>(() => ShardConverter.ConvertAsync(parquet, parquet, ShardFormat.Webdataset, null, CancellationToken.None));
        await Assert.ThrowsAsync<ShardManifestException>(() => ShardConverter.ConvertAsync(new LocalFolderStore(_folder.Combine("empty")), tars, ShardFormat.Parquet, null, CancellationToken.None));
    }

    [Fact]
    public async Task Webdataset_stream_reader_reads_every_sample_once()
    {
        var tars = new LocalFolderStore(_folder.Combine("wds"));
        await TestSamples.WriteAsync(tars, 90, shardSamples: 40, rowGroupSamples: 15, format: ShardFormat.Webdataset);
        var manifest = await new ManifestStore(tars).LoadAsync(CancellationToken.None);
        var keys = new List<string>();
        await foreach (var sample in new ShardStreamReader(tars, manifest, new ShardStreamOptions { Seed = 3, ShuffleBuffer = 20, Epochs = 1 }).ReadAsync())
        {
            TestSamples.AssertSame(TestSamples.Create(int.Parse(sample.Key[4..], CultureInfo.InvariantCulture)), sample);
            keys.Add(sample.Key);
        }

        Assert.Equal(Enumerable.Range(0, 90).Select(i => TestSamples.Create(i).Key), keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Webdataset_truncated_or_damaged_tar_is_reported_naming_the_file()
    {
        var tars = new LocalFolderStore(_folder.Combine("wds"));
        var entry = (await TestSamples.WriteAsync(tars, 40, shardSamples: 100, rowGroupSamples: 20, format: ShardFormat.Webdataset)).Single().Entry;
        var path = tars.Describe(entry.Path);
        var bytes = await File.ReadAllBytesAsync(path);

        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)]);
        var truncated = await Assert.ThrowsAsync<ShardCorruptException>(() => ShardFileReader.OpenAsync(tars, entry, CancellationToken.None));
        Assert.Contains(path, truncated.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", truncated.Message, StringComparison.Ordinal);
        var report = await ShardVerifier.VerifyAsync(tars, null, CancellationToken.None);
        Assert.Contains(report.Problems, p => p.IsError && p.Message.Contains("truncated", StringComparison.Ordinal) && p.Message.Contains(path, StringComparison.Ordinal));

        var damaged = bytes.ToArray();
        damaged[entry.RowGroups[1].Offset + 700] ^= 0xff;
        await File.WriteAllBytesAsync(path, damaged);
        await using (var reader = await ShardFileReader.OpenAsync(tars, entry, CancellationToken.None))
        {
            var error = await Assert.ThrowsAsync<ShardCorruptException>(() => reader.ReadRowGroupAsync(1, CancellationToken.None));
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
            Assert.Contains("row group 1", error.Message, StringComparison.Ordinal);
        }

        report = await ShardVerifier.VerifyAsync(tars, null, CancellationToken.None);
        Assert.Contains(report.Problems, p => p.IsError && p.Message.Contains("checksum mismatch", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.IsError && p.Message.Contains("SHA-256", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Webdataset_sample_without_its_caption_member_is_an_error_naming_the_key()
    {
        using var tar = new MemoryStream();
        await using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var (name, content) in new[] { ("a.jpg", "x"u8.ToArray()), ("a.json", "{}"u8.ToArray()), ("a.txt", "cap"u8.ToArray()), ("b.jpg", "y"u8.ToArray()), ("b.json", "{}"u8.ToArray()) })
            {
                await writer.WriteEntryAsync(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
            }
        }

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => WebdatasetSampleDecoder.DecodeAsync(tar.ToArray(), ImageEncoding.Jpg, CancellationToken.None));
        Assert.Contains("sample 'b' lacks 'b.txt'", error.Message, StringComparison.Ordinal);
    }

    private static T? Nullable<T>(JsonElement json, string name, Func<JsonElement, T> read)
        where T : struct =>
        json.GetProperty(name).ValueKind == JsonValueKind.Null ? null : read(json.GetProperty(name));

    private async Task<string> RunPythonAsync(string script, IEnumerable<string> arguments)
    {
        var file = _folder.Combine("read_tars.py");
        await File.WriteAllTextAsync(file, script, Encoding.UTF8);
        var start = new ProcessStartInfo(DebianPython) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(file);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"python exited {process.ExitCode}: {await error}");
        return await output;
    }
}
