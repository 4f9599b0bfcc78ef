using NetVips;

namespace Pipeline.Benchmarks;

/// <summary>
/// A folder of web-like JPEG photos for the fetch benchmark: sides of 300 to 1,200 pixels in the aspect ratios cameras
/// and sites use, smooth colour fields (Perlin noise at a scale of its own per channel) under fine texture and sensor
/// grain, so they compress like photographs (about 1 to 3 bits per pixel), saved at qualities of 75 to 92, one in
/// six progressive. Each image is a pure function of the seed and its number.
/// </summary>
internal static class WebPhotoSet
{
    private static readonly (int Width, int Height)[] Aspects = [(4, 3), (3, 2), (16, 9), (1, 1), (3, 4), (2, 3), (5, 4)];

    /// <summary>Writes <paramref name="count"/> photos named <c>NNNNNN.jpg</c> into <paramref name="folder"/> (keeping those already there) and returns their paths.</summary>
    public static IReadOnlyList<string> Write(string folder, int count, int seed)
    {
        Directory.CreateDirectory(folder);
        var paths = new string[count];
        Parallel.For(0, count, i =>
        {
            var path = Path.Combine(folder, $"{i:D6}.jpg");
            if (!File.Exists(path))
            {
                // Written under another name first, so an interrupted run leaves no truncated photo to reuse.
                File.WriteAllBytes(path + ".partial", Photo(seed, i));
                File.Move(path + ".partial", path);
            }

            paths[i] = path;
        });
        return paths;
    }

    private static byte[] Photo(int seed, int index)
    {
        var random = new Random(HashCode.Combine(seed, index));
        var (aw, ah) = Aspects[random.Next(Aspects.Length)];
        var larger = random.Next(300, 1201);
        var (width, height) = aw >= ah
            ? (larger, Math.Max(300, larger * ah / aw))
            : (Math.Max(300, larger * aw / ah), larger);

        var channels = new Image[3];
        try
        {
            for (var c = 0; c < 3; c++)
            {
                using var field = Image.Perlin(width, height, cellSize: random.Next(48, 320), seed: random.Next());
                using var texture = Image.Perlin(width, height, cellSize: random.Next(4, 16), seed: random.Next());
                using var broad = field * random.Next(70, 130) + random.Next(90, 170);
                channels[c] = broad + texture * random.Next(10, 40);
            }

            using var joined = channels[0].Bandjoin(channels[1], channels[2]);
            using var grain = Image.Gaussnoise(width, height, sigma: random.Next(4, 13));
            using var noisy = joined + grain;
            using var clipped = noisy.Cast(Enums.BandFormat.Uchar);
            using var srgb = clipped.Copy(interpretation: Enums.Interpretation.Srgb);
            return srgb.JpegsaveBuffer(q: random.Next(75, 93), interlace: random.Next(6) == 0, keep: Enums.ForeignKeep.None);
        }
        finally
        {
            foreach (var channel in channels)
            {
                channel?.Dispose();
            }
        }
    }
}
