using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Serialization;
using Pipeline.Crawler.Fetching;
using Pipeline.Curation.Jobs;
using Pipeline.Sharding.Samples;
using Pipeline.Trainer.Training;

namespace Pipeline.Orchestrator.Hosting;

/// <summary>
/// How grain calls carry the stage libraries' records (work items, results, options): the libraries know nothing of
/// Orleans, so Orleans serializes their types with its System.Text.Json codec. The orchestrator's own contract
/// records are <c>[GenerateSerializer]</c> and hold library records as typed fields, never as JSON strings.
/// </summary>
internal static class LibraryRecordCodec
{
    private static readonly HashSet<System.Reflection.Assembly> Libraries =
    [
        typeof(WorkItem).Assembly, typeof(FetcherOptions).Assembly, typeof(Sample).Assembly, typeof(TrainingOptions).Assembly,
    ];

    /// <summary>The codec's settings: every public property, nulls included, so a record reads back as it was written.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    /// <summary>Whether grain calls serialize <paramref name="type"/> as JSON: a library type, but not an exception (Orleans carries those itself).</summary>
    public static bool IsLibraryRecord(Type type) =>
        Libraries.Contains(type.Assembly) && !typeof(Exception).IsAssignableFrom(type);

    /// <summary>Registers the codec with a silo's or client's serializer.</summary>
    public static void AddTo(ISerializerBuilder serializer) => serializer.AddJsonSerializer(IsLibraryRecord, Json);
}
