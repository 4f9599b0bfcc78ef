using System.Globalization;
using System.Text.Json;

namespace Pipeline.Sharding.Samples;

/// <summary>
/// A sample's <c>KEY.json</c> member in a webdataset shard: every Parquet column of <see cref="SampleSchema"/> except
/// the key, caption and image (which are the member names, <c>KEY.txt</c> and <c>KEY.jpg</c>), under the Parquet
/// column names. The column list comes from the schema itself, so a column added there without a value here fails
/// at the first write instead of silently missing from one format.
/// </summary>
public static class SampleJson
{
    private static readonly JsonWriterOptions Options = new() { Indented = false };

    /// <summary>The UTF-8 JSON object of <paramref name="sample"/>'s lineage columns.</summary>
    public static byte[] Write(Sample sample, SampleSchema schema)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(schema);
        using var buffer = new MemoryStream(256);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            foreach (var column in JsonColumns(schema))
            {
                json.WritePropertyName(column);
                WriteValue(json, column, sample);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>A sample from its JSON member and the other members' contents.</summary>
    /// <exception cref="InvalidDataException">The JSON is not an object or a column has the wrong type.</exception>
    public static Sample Read(ReadOnlySpan<byte> json, string key, string caption, byte[] image)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"sample '{key}': the json member is {root.ValueKind}, not an object");
            }

            JsonElement? Get(string name) => root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;
            return new Sample
            {
                Key = key,
                Caption = caption,
                Image = image,
                Url = Get("url")?.GetString() ?? "",
                Width = Get("width")?.GetInt32() ?? 0,
                Height = Get("height")?.GetInt32() ?? 0,
                OriginalWidth = Get("original_width")?.GetInt32() ?? 0,
                OriginalHeight = Get("original_height")?.GetInt32() ?? 0,
                Sha256 = Get("sha256")?.GetString() ?? "",
                MatchedEntryIds = Get("matched_entry_ids") is { } ids ? [.. ids.EnumerateArray().Select(e => e.GetInt32())] : [],
                KeptForEntry = Get("kept_for_entry")?.GetInt32(),
                KeepProbability = Get("keep_probability")?.GetDouble(),
                PerceptualHash = Get("phash")?.GetUInt64(),
                PageUrl = Get("page_url")?.GetString(),
                FetchTime = Get("fetch_time") is { } time ? DateTimeOffset.Parse(time.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUniversalTime() : null,
                Reserve = Get("reserve")?.GetBoolean(),
                Consent = Get("consent")?.GetString(),
                UserAgent = Get("user_agent")?.GetString(),
            };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"sample '{key}': the json member cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>The schema's top-level column names that the JSON member holds, in file order.</summary>
    public static IEnumerable<string> JsonColumns(SampleSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return schema.Parquet.Fields.Select(f => f.Name).Where(n => n != schema.Key.Name && n != schema.Caption.Name && n != schema.Image.Name);
    }

    private static void WriteValue(Utf8JsonWriter json, string column, Sample sample)
    {
        switch (column)
        {
            case "url": json.WriteStringValue(sample.Url); break;
            case "width": json.WriteNumberValue(sample.Width); break;
            case "height": json.WriteNumberValue(sample.Height); break;
            case "original_width": json.WriteNumberValue(sample.OriginalWidth); break;
            case "original_height": json.WriteNumberValue(sample.OriginalHeight); break;
            case "sha256": json.WriteStringValue(sample.Sha256); break;
            case "matched_entry_ids":
                json.WriteStartArray();
                foreach (var id in sample.MatchedEntryIds)
                {
                    json.WriteNumberValue(id);
                }

                json.WriteEndArray();
                break;
            case "kept_for_entry": WriteNullable(json, sample.KeptForEntry, json.WriteNumberValue); break;
            case "keep_probability": WriteNullable(json, sample.KeepProbability, json.WriteNumberValue); break;
            case "phash": WriteNullable(json, sample.PerceptualHash, json.WriteNumberValue); break;
            case "page_url": json.WriteStringValue(sample.PageUrl); break;
            // Microsecond precision in UTC, as the Parquet column stores it.
            case "fetch_time":
                WriteNullable(json, sample.FetchTime, t => json.WriteStringValue(new DateTime(t.UtcTicks - (t.UtcTicks % 10), DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)));
                break;
            case "reserve": WriteNullable(json, sample.Reserve, json.WriteBooleanValue); break;
            case "consent": json.WriteStringValue(sample.Consent); break;
            case "user_agent": json.WriteStringValue(sample.UserAgent); break;
            default: throw new InvalidOperationException($"column '{column}' of the sample schema has no JSON value: add it to {nameof(SampleJson)}");
        }
    }

    private static void WriteNullable<T>(Utf8JsonWriter json, T? value, Action<T> write)
        where T : struct
    {
        if (value is { } v)
        {
            write(v);
        }
        else
        {
            json.WriteNullValue();
        }
    }
}
