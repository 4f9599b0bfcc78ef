using System.Globalization;
using System.Security.Cryptography;
using NetVips;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;

namespace Pipeline.Trainer.Synthetic;

/// <summary>
/// A captioned data set whose content is known: coloured shapes (circle, square, cross) of random size and place
/// on a light background, captioned with varied sentences naming the colour and the shape. A model that learns
/// from it can be checked zero-shot on held-out images of the 12 colour-shape classes (chance is 1/12).
/// </summary>
public static class ShapesDataset
{
    /// <summary>The colours and their RGB values.</summary>
    public static IReadOnlyList<(string Name, double[] Rgb)> Colors { get; } =
        [("red", [220, 30, 30]), ("green", [30, 170, 40]), ("blue", [30, 60, 220]), ("yellow", [235, 210, 20])];

    public static IReadOnlyList<string> Shapes { get; } = ["circle", "square", "cross"];

    private static readonly string[] CaptionTemplates =
        ["a {0} {1}", "a photo of a {0} {1}.", "{0} {1} on a white background", "a drawing of a {1} that is {0}", "the {1} is {0}!", "A {0} {1}, centred or not."];

    /// <summary>Class names, "colour shape", in label order.</summary>
    public static IReadOnlyList<string> Classes { get; } = [.. Colors.SelectMany(c => Shapes.Select(s => $"{c.Name} {s}"))];

    /// <summary>A PNG of class <paramref name="label"/>, placed and sized by <paramref name="random"/>.</summary>
    public static byte[] Draw(int label, int size, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var (_, rgb) = Colors[label / Shapes.Count];
        var shape = Shapes[label % Shapes.Count];
        var background = 235 + random.Next(20);
        using var canvas = Image.Black(size, size, bands: 3).NewFromImage(background, background, background).Cast(Enums.BandFormat.Uchar);
        var radius = (int)(size * (0.18 + (0.14 * random.NextDouble())));
        var cx = radius + random.Next(Math.Max(1, size - (2 * radius)));
        var cy = radius + random.Next(Math.Max(1, size - (2 * radius)));
        using var drawn = canvas.Mutate(image =>
        {
            switch (shape)
            {
                case "circle":
                    image.DrawCircle(rgb, cx, cy, radius, fill: true);
                    break;
                case "square":
                    image.DrawRect(rgb, cx - radius, cy - radius, 2 * radius, 2 * radius, fill: true);
                    break;
                default:
                    var arm = Math.Max(2, radius / 3);
                    image.DrawRect(rgb, cx - radius, cy - arm, 2 * radius, 2 * arm, fill: true);
                    image.DrawRect(rgb, cx - arm, cy - radius, 2 * arm, 2 * radius, fill: true);
                    break;
            }
        });
        return drawn.PngsaveBuffer();
    }

    /// <summary>A caption for class <paramref name="label"/>.</summary>
    public static string Caption(int label, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return string.Format(CultureInfo.InvariantCulture, CaptionTemplates[random.Next(CaptionTemplates.Length)], Colors[label / Shapes.Count].Name, Shapes[label % Shapes.Count]);
    }

    /// <summary>Writes <paramref name="count"/> captioned samples as shards into <paramref name="store"/>.</summary>
    public static async Task<IReadOnlyList<ShardCommit>> WriteShardsAsync(IShardStore store, int count, int imageSize, int seed, int shardSamples, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        await using var writer = new ShardWriter(store, new ShardWriterOptions { TargetSamples = shardSamples, RowGroupSamples = Math.Max(1, shardSamples / 4) });
        for (var i = 0; i < count; i++)
        {
            var label = random.Next(Classes.Count);
            var image = Draw(label, imageSize, random);
            await writer.WriteAsync(
                new Sample
                {
                    Key = string.Create(CultureInfo.InvariantCulture, $"shape-{seed}-{i:D7}"),
                    Url = string.Create(CultureInfo.InvariantCulture, $"https://shapes.invalid/{seed}/{i}.png"),
                    Caption = Caption(label, random),
                    Width = imageSize,
                    Height = imageSize,
                    OriginalWidth = imageSize,
                    OriginalHeight = imageSize,
                    Sha256 = Convert.ToHexStringLower(SHA256.HashData(image)),
                    Image = image,
                },
                cancellationToken);
        }

        return await writer.CompleteAsync(cancellationToken);
    }

    /// <summary>Writes <paramref name="perClass"/> images of every class as <c>FOLDER/colour_shape/N.png</c>, for zero-shot evaluation.</summary>
    public static void WriteEvaluationFolder(string folder, int perClass, int imageSize, int seed)
    {
        var random = new Random(seed);
        for (var label = 0; label < Classes.Count; label++)
        {
            var classFolder = Path.Combine(folder, Classes[label].Replace(' ', '_'));
            Directory.CreateDirectory(classFolder);
            for (var i = 0; i < perClass; i++)
            {
                File.WriteAllBytes(Path.Combine(classFolder, string.Create(CultureInfo.InvariantCulture, $"{i:D4}.png")), Draw(label, imageSize, random));
            }
        }
    }
}
