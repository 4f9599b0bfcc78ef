using System.Text;

namespace Pipeline.Curation.Dedup;

/// <summary>
/// Binary file of one shard's <see cref="SampleSignature"/>s: "PSIG", version 2, count, then the records: about
/// 1.8 KB a sample with its fingerprint, written once per shard, so every worker of a cluster can read every shard's.
/// </summary>
public static class SignatureFile
{
    private const uint Magic = 0x47495350; // "PSIG"
    private const int Version = 2;

    /// <summary>Writes <paramref name="signatures"/> to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, IReadOnlyCollection<SampleSignature> signatures)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(signatures);
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write(signatures.Count);
        foreach (var s in signatures)
        {
            writer.Write(s.Row);
            writer.Write(s.Key);
            WriteUInt128(writer, s.UrlCaption);
            WriteUInt128(writer, s.ImageCaption);
            writer.Write(s.PerceptualHash.HasValue);
            writer.Write(s.PerceptualHash ?? 0);
            writer.Write(s.NearHash.HasValue);
            writer.Write(s.NearHash ?? 0);
            writer.Write(s.Pixels);
            writer.Write(s.Problem ?? string.Empty);
            writer.Write(s.Fingerprint is not null);
            if (s.Fingerprint is { } f)
            {
                writer.Write(f.Width);
                writer.Write(f.Height);
                writer.Write(f.Colour);
                writer.Write(f.Grey);
                writer.Write(f.Chroma);
            }
        }
    }

    /// <summary>Reads a file written by <see cref="Write"/>.</summary>
    /// <exception cref="InvalidDataException">Not a signature file, or truncated; <paramref name="name"/> names it.</exception>
    public static List<SampleSignature> Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (reader.ReadUInt32() != Magic || reader.ReadInt32() != Version)
            {
                throw new InvalidDataException($"{name}: not a version {Version} signature file (from an older version? rerun dedup into a new output)");
            }

            var count = reader.ReadInt32();
            var list = new List<SampleSignature>(count);
            for (var i = 0; i < count; i++)
            {
                var row = reader.ReadInt32();
                var key = reader.ReadString();
                var url = ReadUInt128(reader);
                var image = ReadUInt128(reader);
                var hasHash = reader.ReadBoolean();
                var hash = reader.ReadUInt64();
                var hasNearHash = reader.ReadBoolean();
                var nearHash = reader.ReadUInt64();
                var pixels = reader.ReadInt64();
                var problem = reader.ReadString();
                var fingerprint = reader.ReadBoolean()
                    ? new ImageFingerprint(reader.ReadInt32(), reader.ReadInt32(), ReadExactly(reader, ImageFingerprint.ColourLength), ReadExactly(reader, ImageFingerprint.GreyLength), ReadExactly(reader, ImageFingerprint.ChromaLength))
                    : null;
                list.Add(new SampleSignature(row, key, url, image, hasHash ? hash : null, hasNearHash ? nearHash : null, pixels, problem.Length == 0 ? null : problem, fingerprint));
            }

            return list;
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"{name}: truncated signature file", ex);
        }
    }

    private static void WriteUInt128(BinaryWriter writer, UInt128 value)
    {
        writer.Write((ulong)(value >> 64));
        writer.Write((ulong)value);
    }

    private static UInt128 ReadUInt128(BinaryReader reader) => new(reader.ReadUInt64(), reader.ReadUInt64());

    private static byte[] ReadExactly(BinaryReader reader, int count)
    {
        var bytes = reader.ReadBytes(count);
        return bytes.Length == count ? bytes : throw new EndOfStreamException();
    }
}
