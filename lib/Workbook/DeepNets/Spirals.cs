using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.DeepNets;

/// <summary>A labelled classification data set.</summary>
/// <param name="Inputs">features [count, ...] (float32).</param>
/// <param name="Labels">class indices [count] (int64).</param>
/// <param name="Classes">number of classes.</param>
public sealed record ClassificationData(Tensor Inputs, Tensor Labels, int Classes)
{
    /// <summary>Number of examples.</summary>
    public long Count => Labels.shape[0];

    /// <summary>The examples at positions <paramref name="start"/> … start + count - 1.</summary>
    public ClassificationData Slice(long start, long count) => new(Inputs.narrow(0, start, count), Labels.narrow(0, start, count), Classes);
}

/// <summary>
/// Interleaved spirals in the plane, one arm per class, with Gaussian noise on the angle: a small problem that a linear
/// model cannot solve and an MLP can, generated deterministically from a seed (System.Random, not torch's generator).
/// </summary>
public static class Spirals
{
    /// <summary>
    /// <paramref name="count"/> points, classes in turn (point i has class i mod <paramref name="classes"/>), radius uniform
    /// in [0.05, 1], angle 2π·(class/classes + turns·radius) plus N(0, <paramref name="noise"/>²) radians.
    /// </summary>
    public static ClassificationData Generate(int count, int classes = 3, double noise = 0.2, double turns = 1.0, int seed = 0)
    {
        if (count < 1 || classes < 2 || !(noise >= 0))
        {
            throw new ArgumentException($"spirals need count >= 1, classes >= 2 and noise >= 0, got {count}, {classes}, {noise}");
        }
        var random = new Random(seed);
        var points = new float[count * 2];
        var labels = new long[count];
        for (var i = 0; i < count; i++)
        {
            var label = i % classes;
            var radius = 0.05 + 0.95 * random.NextDouble();
            var angle = 2 * Math.PI * ((double)label / classes + turns * radius) + noise * Gaussian(random);
            points[2 * i] = (float)(radius * Math.Cos(angle));
            points[2 * i + 1] = (float)(radius * Math.Sin(angle));
            labels[i] = label;
        }
        return new ClassificationData(tensor(points, new long[] { count, 2 }), tensor(labels), classes); // [count, 2], [count]
    }

    /// <summary>A standard normal draw (Box-Muller).</summary>
    internal static double Gaussian(Random random)
    {
        var u = 1.0 - random.NextDouble();                                          // (0, 1]: log(u) is finite
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble());
    }
}
