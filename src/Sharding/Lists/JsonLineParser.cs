using System.Text;
using System.Text.Json;
using Pipeline.Sharding.Samples;

namespace Pipeline.Sharding.Lists;

/// <summary>
/// Reads one JSON-lines entry of a URL list with a forward-only <see cref="Utf8JsonReader"/>: the named string fields
/// and the lineage fields (named as in the shard schema) are taken, everything else is skipped without building a
/// document, and the whole line is still checked to be one JSON object. A field given twice counts as its last value.
/// </summary>
internal sealed class JsonLineParser(UrlListColumns columns)
{
    private readonly byte[] _url = Encoding.UTF8.GetBytes(columns.Url);
    private readonly byte[] _caption = Encoding.UTF8.GetBytes(columns.Caption);
    private readonly byte[] _pageUrl = Encoding.UTF8.GetBytes(columns.PageUrl);
    private readonly byte[] _key = Encoding.UTF8.GetBytes(columns.Key);
    private readonly List<int> _ids = [];

    /// <summary>The entry on <paramref name="line"/>, or null and why not.</summary>
    /// <exception cref="JsonException">The line is not valid JSON.</exception>
    /// <exception cref="InvalidOperationException">A string is not valid UTF-8.</exception>
    public (UrlListRecord? Record, string? Reason) Parse(LineSplitter.Line line)
    {
        var reader = new Utf8JsonReader(line.Bytes.Span, isFinalBlock: true, state: default);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            // Anything else that is valid JSON (an array, a number) is still read through, so invalid JSON says so.
            reader.Skip();
            while (reader.Read())
            {
            }

            return (null, "not a JSON object");
        }

        string? url = null, caption = null, pageUrl = null, key = null;
        int? keptFor = null;
        double? keepProbability = null;
        bool? reserve = null;
        var hasIds = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(_url))
            {
                url = NextString(ref reader);
            }
            else if (reader.ValueTextEquals(_caption))
            {
                caption = NextString(ref reader);
            }
            else if (reader.ValueTextEquals(_pageUrl))
            {
                pageUrl = NextString(ref reader);
            }
            else if (reader.ValueTextEquals(_key))
            {
                key = NextString(ref reader);
            }
            else if (reader.ValueTextEquals("matched_entry_ids"u8))
            {
                hasIds = ReadIds(ref reader);
            }
            else if (reader.ValueTextEquals("kept_for_entry"u8))
            {
                reader.Read();
                keptFor = reader.TokenType == JsonTokenType.Number ? reader.GetInt32() : null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("keep_probability"u8))
            {
                reader.Read();
                keepProbability = reader.TokenType == JsonTokenType.Number ? reader.GetDouble() : null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("reserve"u8))
            {
                reader.Read();
                reserve = reader.TokenType switch { JsonTokenType.True => true, JsonTokenType.False => false, _ => null };
                reader.Skip();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Trailing text after the object is an error, as it is for a parsed document.
        while (reader.Read())
        {
        }

        if (url is null)
        {
            return (null, $"no string '{columns.Url}' field");
        }

        var lineage = hasIds ? new PairLineage([.. _ids], keptFor, keepProbability, reserve) : null;
        return (new UrlListRecord(url, caption, pageUrl, key, line.Number, line.Offset, lineage), null);
    }

    /// <summary>The next value as a string; null (and the value skipped) when it is not one.</summary>
    private static string? NextString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    /// <summary>Reads the entry ids into <see cref="_ids"/>; false (and the value skipped) when the value is not an array.</summary>
    private bool ReadIds(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return false;
        }

        _ids.Clear();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number)
            {
                throw new InvalidOperationException("matched_entry_ids holds something other than numbers");
            }

            _ids.Add(reader.GetInt32());
        }

        return true;
    }
}
