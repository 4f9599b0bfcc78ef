namespace Pipeline.Curation.Dedup;

/// <summary>Binary lists of hashes (<c>ulong</c>s) and of <see cref="NearPair"/>s exchanged between the dedup coordinator and its workers.</summary>
public static class NearPairFile
{
    /// <summary>Writes a count and the hashes.</summary>
    public static void WriteHashes(Stream stream, IReadOnlyList<ulong> hashes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(hashes);
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(hashes.Count);
        foreach (var hash in hashes)
        {
            writer.Write(hash);
        }
    }

    /// <summary>Reads what <see cref="WriteHashes"/> wrote.</summary>
    /// <exception cref="InvalidDataException">Truncated; <paramref name="name"/> names the file.</exception>
    public static ulong[] ReadHashes(Stream stream, string name)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            var hashes = new ulong[reader.ReadInt32()];
            for (var i = 0; i < hashes.Length; i++)
            {
                hashes[i] = reader.ReadUInt64();
            }

            return hashes;
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"{name}: truncated hash list", ex);
        }
    }

    /// <summary>
    /// Reads what <see cref="WriteHashes"/> wrote in batches of at most <paramref name="batchSize"/>, each with the
    /// position of its first hash, so a reader holds one batch; <paramref name="count"/> is the list's length, read at once.
    /// </summary>
    /// <exception cref="InvalidDataException">Truncated; <paramref name="name"/> names the file.</exception>
    public static IEnumerable<(int Start, ulong[] Hashes)> ReadHashBatches(Stream stream, string name, int batchSize, out int count)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Span<byte> header = stackalloc byte[4];
        try
        {
            stream.ReadExactly(header);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"{name}: truncated hash list", ex);
        }

        count = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(header);
        return Batches(stream, name, batchSize, count);
    }

    private static IEnumerable<(int Start, ulong[] Hashes)> Batches(Stream stream, string name, int batchSize, int count)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        for (var start = 0; start < count; start += batchSize)
        {
            var batch = new ulong[Math.Min(batchSize, count - start)];
            try
            {
                for (var i = 0; i < batch.Length; i++)
                {
                    batch[i] = reader.ReadUInt64();
                }
            }
            catch (EndOfStreamException ex)
            {
                throw new InvalidDataException($"{name}: truncated hash list ({count} hashes announced, {start} read)", ex);
            }

            yield return (start, batch);
        }
    }

    /// <summary>Writes a count and the pairs.</summary>
    public static void WritePairs(Stream stream, IReadOnlyList<NearPair> pairs)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(pairs);
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(pairs.Count);
        foreach (var pair in pairs)
        {
            writer.Write(pair.A);
            writer.Write(pair.B);
            writer.Write((byte)pair.Distance);
        }
    }

    /// <summary>Reads what <see cref="WritePairs"/> wrote, appending to <paramref name="into"/>.</summary>
    /// <exception cref="InvalidDataException">Truncated; <paramref name="name"/> names the file.</exception>
    public static void ReadPairs(Stream stream, string name, List<NearPair> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                into.Add(new NearPair(reader.ReadInt32(), reader.ReadInt32(), reader.ReadByte()));
            }
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"{name}: truncated pair list", ex);
        }
    }
}
