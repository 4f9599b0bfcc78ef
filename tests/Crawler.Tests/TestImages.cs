using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using NetVips;
using Pipeline.Crawler.Images;

namespace Pipeline.Crawler.Tests;

/// <summary>Images in real formats, made by the tests.</summary>
internal static class TestImages
{
    public static byte[] Jpeg(int width = 640, int height = 480) => TestPattern.GradientJpeg(width, height);

    /// <summary>A half-transparent red RGBA PNG.</summary>
    public static byte[] TransparentPng(int width, int height)
    {
        using var black = Image.Black(width, height, bands: 4);
        using var red = black.NewFromImage(255, 0, 0, 128);
        using var rgba = red.Copy(interpretation: Enums.Interpretation.Srgb);
        return rgba.PngsaveBuffer();
    }

    /// <summary>A valid PNG that declares <paramref name="width"/> x <paramref name="height"/> but carries almost no data: a decompression bomb's header.</summary>
    public static byte[] PngHeaderOnly(int width, int height)
    {
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        Chunk(output, "IHDR", ihdr);
        using (var deflated = new MemoryStream())
        {
            using (var z = new ZLibStream(deflated, CompressionLevel.Optimal, leaveOpen: true))
            {
                z.Write(new byte[4096]);
            }

            Chunk(output, "IDAT", deflated.ToArray());
        }

        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    private static void Chunk(Stream output, string type, byte[] data)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        System.Text.Encoding.ASCII.GetBytes(type, header.AsSpan(4));
        output.Write(header);
        output.Write(data);
        var crc = new Crc32();
        crc.Append(header.AsSpan(4));
        crc.Append(data);
        var sum = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(sum, crc.GetCurrentHashAsUInt32());
        output.Write(sum);
    }
}
