namespace Pipeline.Trainer.Tokenization;

/// <summary>
/// GPT-2/CLIP's reversible map from the 256 byte values to printable characters: printable Latin-1 bytes map to
/// themselves, the others to U+0100 onwards. BPE symbols are strings of these characters, so a vocabulary file
/// holds any byte sequence as readable JSON.
/// </summary>
public static class ByteUnicodeMap
{
    private static readonly char[] ByteToChar = Build();
    private static readonly Dictionary<char, byte> CharToByte = ByteToChar.Select((c, b) => (c, b)).ToDictionary(p => p.c, p => (byte)p.b);

    /// <summary>The character that stands for <paramref name="value"/>.</summary>
    public static char ToChar(byte value) => ByteToChar[value];

    /// <summary>The byte a mapped character stands for; false for characters outside the map.</summary>
    public static bool TryToByte(char symbol, out byte value) => CharToByte.TryGetValue(symbol, out value);

    /// <summary>All 256 characters in CLIP's vocabulary order (printable bytes first, then the rest).</summary>
    public static IReadOnlyList<char> VocabularyOrder { get; } = BuildOrder();

    private static char[] Build()
    {
        var map = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            map[b] = IsPrintable(b) ? (char)b : (char)next++;
        }

        return map;
    }

    private static char[] BuildOrder()
    {
        // CLIP lists the printable bytes in byte order, then the remapped ones.
        var printable = Enumerable.Range(0, 256).Where(IsPrintable);
        var rest = Enumerable.Range(0, 256).Where(b => !IsPrintable(b));
        return [.. printable.Concat(rest).Select(b => ByteToChar[b])];
    }

    private static bool IsPrintable(int b) => b is (>= '!' and <= '~') or (>= 0xA1 and <= 0xAC) or (>= 0xAE and <= 0xFF);
}
