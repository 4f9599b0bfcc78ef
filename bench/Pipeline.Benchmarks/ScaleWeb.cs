using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using Pipeline.Sharding.Reading;

namespace Pipeline.Benchmarks;

/// <summary>
/// The scale harness's generated web: what the image URL of image id <c>n</c> holds, as a pure function of n, so the
/// loopback server and the fetch bypass agree. Most ids are small PNGs (64 to 128 pixels a side) of a bilinearly
/// smoothed 8x8 grid of random colours, whose perceptual hashes are as good as independent; the rest plant what the
/// later stages act on, in fixed shares: dead links (3%), pages instead of images (0.5%), exact copies of an earlier
/// id's image (2%), near copies (an earlier id's grid at 1.25 times the size, 1%), images too small for the filter
/// (1%) and too elongated for it (1%).
/// </summary>
/// <remarks>
/// The PNGs are written here (rows stored in zlib without compression) rather than with libvips, whose per-image
/// overhead (about a millisecond on this machine) would have the server take a third of the two cores from the fetch.
/// </remarks>
internal static class ScaleWeb
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The path of image <paramref name="id"/> on the server.</summary>
    public static string PathOf(long id) => $"/i/{id}.png";

    /// <summary>The image id in a URL this web made, or null.</summary>
    public static long? IdOf(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var start = url.LastIndexOf("/i/", StringComparison.Ordinal);
        var end = url.LastIndexOf(".png", StringComparison.Ordinal);
        return start >= 0 && end > start + 3 && long.TryParse(url.AsSpan(start + 3, end - start - 3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : null;
    }

    /// <summary>What image <paramref name="id"/>'s URL holds.</summary>
    public static ScaleImage Describe(long id)
    {
        var hash = SplitMix64.Mix(0x5CA1EUL, (ulong)id);
        var share = (int)(hash % 1000);
        var earlier = id > 0 ? (long)((hash >> 20) % (ulong)id) : 0;
        return share switch
        {
            < 30 => new ScaleImage(404, false, id, 0, 0, false),
            < 35 => new ScaleImage(200, false, id, 0, 0, false),
            < 55 when id > 0 => Describe(earlier),
            < 65 when id > 0 => Drawn(earlier, 1.25, elongated: false, nearCopy: true),
            < 75 => Drawn(id, 0.5, elongated: false, nearCopy: false),
            < 85 => Drawn(id, 4.0, elongated: true, nearCopy: false),
            _ => Drawn(id, 1.0, elongated: false, nearCopy: false),
        };
    }

    /// <summary>What the server answers for image <paramref name="id"/>.</summary>
    public static ScaleResponse Respond(long id)
    {
        var image = Describe(id);
        return image switch
        {
            { Status: not 200 } => new ScaleResponse(image.Status, "text/plain", "gone"u8.ToArray()),
            { IsImage: false } => new ScaleResponse(200, "text/html", "<!doctype html><title>not an image</title>"u8.ToArray()),
            _ => new ScaleResponse(200, "image/png", Png(image)),
        };
    }

    /// <summary>
    /// A stand-in for the 64-bit perceptual hash of <paramref name="image"/>, for the bypass that draws no pixels:
    /// a hash of its grid, so distinct grids are as far apart as real images' hashes, exact copies equal and near
    /// copies one bit away (within dedup's k = 8, as their real hashes are).
    /// </summary>
    public static ulong PerceptualHashOf(ScaleImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var hash = SplitMix64.Mix(0x9A5AUL, (ulong)image.Grid);
        return image.NearCopy ? hash ^ (1UL << (int)(hash % 64)) : hash;
    }

    private static ScaleImage Drawn(long grid, double scale, bool elongated, bool nearCopy)
    {
        var random = Cells(grid, out _);
        // 64 to 128 pixels a side; 0.5 puts it below the filter's 64, "elongated" makes it 4:1 at 256 to 512 wide.
        var width = (int)((64 + random.Next(65)) * scale);
        var height = elongated ? width / 4 : (int)((64 + random.Next(65)) * scale);
        return new ScaleImage(200, true, grid, width, height, nearCopy);
    }

    /// <summary>The grid's random colours; the generator goes on to give its size.</summary>
    private static SplitMix64 Cells(long grid, out byte[] cells)
    {
        var random = new SplitMix64(SplitMix64.Mix(0x6121DUL, (ulong)grid));
        cells = new byte[8 * 8 * 3];
        for (var i = 0; i < cells.Length; i++)
        {
            cells[i] = (byte)random.Next(256);
        }

        return random;
    }

    private static byte[] Png(ScaleImage image)
    {
        Cells(image.Grid, out var cells);
        var (width, height) = (image.Width, image.Height);
        var stride = (width * 3) + 1;
        var rows = new byte[height * stride];
        for (var y = 0; y < height; y++)
        {
            var gy = Math.Clamp(((y + 0.5) * 8 / height) - 0.5, 0, 7);
            var y0 = (int)gy;
            var y1 = Math.Min(7, y0 + 1);
            var fy = gy - y0;
            for (var x = 0; x < width; x++)
            {
                var gx = Math.Clamp(((x + 0.5) * 8 / width) - 0.5, 0, 7);
                var x0 = (int)gx;
                var x1 = Math.Min(7, x0 + 1);
                var fx = gx - x0;
                for (var c = 0; c < 3; c++)
                {
                    var top = (cells[(((y0 * 8) + x0) * 3) + c] * (1 - fx)) + (cells[(((y0 * 8) + x1) * 3) + c] * fx);
                    var bottom = (cells[(((y1 * 8) + x0) * 3) + c] * (1 - fx)) + (cells[(((y1 * 8) + x1) * 3) + c] * fx);
                    rows[(y * stride) + 1 + (x * 3) + c] = (byte)((top * (1 - fy)) + (bottom * fy) + 0.5);
                }
            }
        }

        using var png = new MemoryStream();
        png.Write(Signature);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bits per sample
        header[9] = 2; // RGB
        Chunk(png, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.NoCompression, leaveOpen: true))
            {
                zlib.Write(rows);
            }

            Chunk(png, "IDAT", compressed.ToArray());
        }

        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(MemoryStream png, string type, byte[] data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        png.Write(typeBytes);
        png.Write(data);
        var crc = new Crc32();
        crc.Append(typeBytes);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(number, crc.GetCurrentHashAsUInt32());
        png.Write(number);
    }
}
