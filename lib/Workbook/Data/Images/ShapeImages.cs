using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Data.Images;

/// <summary>Labelled images.</summary>
/// <param name="Images">pixel intensities [count, 1, size, size] (float32; background about 0, shapes about 1, plus noise).</param>
/// <param name="Labels">class indices [count] (int64).</param>
/// <param name="ClassNames">the name of each class index.</param>
public sealed record ImageDataset(Tensor Images, Tensor Labels, IReadOnlyList<string> ClassNames)
{
    /// <summary>Number of images.</summary>
    public long Count => Labels.shape[0];

    /// <summary>Height and width of every image.</summary>
    public long Size => Images.shape[^1];
}

/// <summary>
/// A small image classification data set drawn by the workbook's own code, never downloaded: one filled shape per image
/// (square, circle, cross or triangle) of random size, position and brightness on a dark background, with Gaussian pixel
/// noise. Deterministic from the seed (System.Random), so the same call gives the same images on every machine.
/// </summary>
public static class ShapeImages
{
    /// <summary>The classes, in label order.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = new[] { "square", "circle", "cross", "triangle" };

    /// <summary>
    /// <paramref name="count"/> images of <paramref name="size"/> × <paramref name="size"/> pixels, classes in turn (image i
    /// has class i mod 4). A shape's half-width r is uniform in [3, size/4 + 2] pixels; brightness is uniform in [0.6, 1];
    /// each pixel gets N(0, <paramref name="noise"/>²) added.
    /// </summary>
    public static ImageDataset Generate(int count, int size = 16, double noise = 0.3, int seed = 0)
    {
        if (count < 1 || size < 12 || !(noise >= 0))
        {
            throw new ArgumentException($"shape images need count >= 1, size >= 12 and noise >= 0, got {count}, {size}, {noise}");
        }
        var random = new Random(seed);
        var pixels = new float[count * size * size];
        var labels = new long[count];
        for (var i = 0; i < count; i++)
        {
            var label = i % ClassNames.Count;
            labels[i] = label;
            var radius = random.Next(3, size / 4 + 3);                               // half-width in pixels
            var cx = random.Next(radius, size - radius);                             // the shape stays inside the image
            var cy = random.Next(radius, size - radius);
            var brightness = 0.6 + 0.4 * random.NextDouble();
            var offset = i * size * size;
            for (var y = 0; y < size; y++)
            {
                for (var x = 0; x < size; x++)
                {
                    var inside = Inside(label, x - cx, y - cy, radius);
                    pixels[offset + y * size + x] = (float)((inside ? brightness : 0.0) + noise * Gaussian(random));
                }
            }
        }
        return new ImageDataset(tensor(pixels, new long[] { count, 1, size, size }), tensor(labels), ClassNames); // [count, 1, size, size]
    }

    /// <summary>Whether the pixel at offset (dx, dy) from the centre belongs to a shape of class <paramref name="label"/> and half-width r.</summary>
    private static bool Inside(int label, int dx, int dy, int r)
    {
        var bar = Math.Max(1, r / 3);                                                // half the thickness of a cross's bars
        return label switch
        {
            0 => Math.Abs(dx) <= r && Math.Abs(dy) <= r,                             // square
            1 => dx * dx + dy * dy <= r * r + r,                                     // circle (the +r rounds the rim)
            2 => Math.Abs(dx) <= bar && Math.Abs(dy) <= r || Math.Abs(dy) <= bar && Math.Abs(dx) <= r, // cross
            _ => dy >= -r && dy <= r && 2 * Math.Abs(dx) <= dy + r,                  // triangle, apex up: half-width grows to r at the base
        };
    }

    private static double Gaussian(Random random)
    {
        var u = 1.0 - random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble());
    }
}
