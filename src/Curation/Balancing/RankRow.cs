namespace Pipeline.Curation.Balancing;

/// <summary>
/// One scattered match while a band is ranked: the entry's place in the band's (rarity) order, the pair's priority
/// for that entry and its pool ordinal; ordered by place, then priority, then ordinal (the ranking's order).
/// </summary>
internal readonly record struct RankRow(int Place, ulong Priority, long Ordinal) : IComparable<RankRow>
{
    /// <summary>Bytes of a row in a sorted run file: place (4), priority (8), ordinal (8).</summary>
    public const int Bytes = 20;

    /// <inheritdoc/>
    public int CompareTo(RankRow other) =>
        Place != other.Place ? Place.CompareTo(other.Place)
        : Priority != other.Priority ? Priority.CompareTo(other.Priority)
        : Ordinal.CompareTo(other.Ordinal);

    /// <summary>Writes the row to a run file.</summary>
    public void Write(BinaryWriter writer)
    {
        writer.Write(Place);
        writer.Write(Priority);
        writer.Write(Ordinal);
    }

    /// <summary>Reads a row that <see cref="Write"/> wrote; false at the end of the file.</summary>
    public static bool TryRead(BinaryReader reader, out RankRow row)
    {
        if (reader.BaseStream.Position >= reader.BaseStream.Length)
        {
            row = default;
            return false;
        }

        row = new RankRow(reader.ReadInt32(), reader.ReadUInt64(), reader.ReadInt64());
        return true;
    }
}
