using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Workbook.Training;

namespace Workbook.Convnets;

/// <summary>Sizes of a <see cref="TinyUNet"/>.</summary>
/// <param name="InChannels">input channels (1 for grey images).</param>
/// <param name="Classes">per-pixel classes (5 for background and the four shapes).</param>
/// <param name="Channels">channels at full resolution; twice as many at half and quarter resolution.</param>
/// <param name="Skips">whether the decoder concatenates the encoder's maps of the same resolution (a U-Net, Notes
/// §5.2.3.4); without them the network is the plain bottleneck of §5.2.3.3.</param>
public sealed record TinyUNetConfig(int InChannels = 1, int Classes = 5, int Channels = 8, bool Skips = true);

/// <summary>
/// A two-level U-Net for images whose side is a multiple of 4. Encoder: two 3×3 convolutions at full resolution, a 2×2
/// max pool that remembers where its maxima were, a convolution at half resolution, a plain 2×2 max pool, one at quarter
/// resolution. Decoder: a 2×2 stride-2 transposed convolution back to half resolution, then max un-pooling to full
/// resolution with the first pool's indices (Notes §5.2.3.1-5.2.3.2); at each resolution the encoder's map is
/// concatenated (with <see cref="TinyUNetConfig.Skips"/>). A 1×1 convolution gives per-pixel class logits.
/// </summary>
public sealed class TinyUNet : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d encode1a;
    private readonly Conv2d encode1b;
    private readonly Conv2d encode2;
    private readonly Conv2d middle;
    private readonly ConvTranspose2d up2;
    private readonly Conv2d decode2;
    private readonly Conv2d reduce;
    private readonly MaxUnpool2d unpool;
    private readonly Conv2d decode1;
    private readonly Conv2d classify;
    private readonly bool skips;

    /// <summary>A network as <paramref name="config"/> describes, with torch's default initialisation.</summary>
    public TinyUNet(TinyUNetConfig config) : base(nameof(TinyUNet))
    {
        int c = config.Channels, c2 = 2 * config.Channels;
        skips = config.Skips;
        encode1a = nn.Conv2d(config.InChannels, c, 3, padding: 1);
        encode1b = nn.Conv2d(c, c, 3, padding: 1);
        encode2 = nn.Conv2d(c, c2, 3, padding: 1);
        middle = nn.Conv2d(c2, c2, 3, padding: 1);
        up2 = nn.ConvTranspose2d(c2, c2, 2, stride: 2);
        decode2 = nn.Conv2d(skips ? 2 * c2 : c2, c2, 3, padding: 1);
        reduce = nn.Conv2d(c2, c, 1);
        unpool = nn.MaxUnpool2d(2, 2);
        decode1 = nn.Conv2d(skips ? 2 * c : c, c, 3, padding: 1);
        classify = nn.Conv2d(c, config.Classes, 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        var full = nn.functional.relu(encode1b.call(nn.functional.relu(encode1a.call(x))));  // [batch, c, S, S]
        var (half, where1) = nn.functional.max_pool2d_with_indices(full, new long[] { 2, 2 }, new long[] { 2, 2 });                // [batch, c, S/2, S/2] and the maxima's positions
        var half2 = nn.functional.relu(encode2.call(half));                                    // [batch, 2c, S/2, S/2]
        var quarter = nn.functional.relu(middle.call(nn.functional.max_pool2d(half2, 2)));    // [batch, 2c, S/4, S/4]
        var up = up2.call(quarter);                                                            // [batch, 2c, S/2, S/2]
        var d2 = nn.functional.relu(decode2.call(skips ? cat(new[] { up, half2 }, 1) : up));  // [batch, 2c, S/2, S/2]
        var unpooled = unpool.call(reduce.call(d2), where1, null);                            // [batch, c, S, S]: each value back at its max's place
        var d1 = nn.functional.relu(decode1.call(skips ? cat(new[] { unpooled, full }, 1) : unpooled)); // [batch, c, S, S]
        return classify.call(d1);                                                              // [batch, classes, S, S]
    }
}

/// <summary>Adam on the mean per-pixel cross-entropy of a segmenter.</summary>
/// <param name="Steps">optimizer steps.</param>
/// <param name="BatchSize">images per step, drawn without replacement within each pass.</param>
/// <param name="LearningRate">Adam's learning rate.</param>
/// <param name="Seed">seed of the order in which images are drawn.</param>
public sealed record SegmentationTrainerConfig(int Steps = 300, int BatchSize = 32, double LearningRate = 0.01, int Seed = 0);

/// <summary>Confusion counts and the scores read from them.</summary>
/// <param name="Counts">counts[t, p]: pixels of true class t predicted as p.</param>
public sealed record SegmentationScores(long[,] Counts)
{
    /// <summary>Share of pixels whose class is right.</summary>
    public double PixelAccuracy
    {
        get
        {
            long right = 0, all = 0;
            for (var t = 0; t < Counts.GetLength(0); t++)
            {
                for (var p = 0; p < Counts.GetLength(1); p++)
                {
                    all += Counts[t, p];
                    right += t == p ? Counts[t, p] : 0;
                }
            }
            return (double)right / all;
        }
    }

    /// <summary>Per class: true positives over (true positives + false positives + false negatives); NaN for a class never present nor predicted.</summary>
    public double[] ClassIou => Enumerable.Range(0, Counts.GetLength(0)).Select(c =>
    {
        long tp = Counts[c, c], row = 0, column = 0;
        for (var k = 0; k < Counts.GetLength(0); k++)
        {
            row += Counts[c, k];
            column += Counts[k, c];
        }
        var union = row + column - tp;
        return union > 0 ? (double)tp / union : double.NaN;
    }).ToArray();

    /// <summary>The mean of <see cref="ClassIou"/> over the classes that occur.</summary>
    public double MeanIou => ClassIou.Where(v => !double.IsNaN(v)).Average();
}

/// <summary>Training and scoring a per-pixel classifier (<see cref="TinyUNet"/>) on <see cref="ShapeScene"/>s.</summary>
public static class SegmentationTrainer
{
    /// <summary>Trains <paramref name="model"/> in place on <paramref name="scene"/>'s pixel classes; returns every step's loss.</summary>
    public static IReadOnlyList<double> Train(nn.Module<Tensor, Tensor> model, ShapeScene scene, SegmentationTrainerConfig config)
    {
        var optimizer = optim.Adam(model.parameters(), config.LearningRate);
        var minibatches = new MinibatchCycle((int)scene.Count, config.BatchSize, new Random(config.Seed));
        var losses = new List<double>();
        model.train();
        for (var step = 0; step < config.Steps; step++)
        {
            using var scope = NewDisposeScope();
            var batch = scene.Select(tensor(minibatches.Next()));
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(model.call(batch.Images), batch.PixelClasses); // logits [B, classes, S, S], targets [B, S, S]
            loss.backward();
            optimizer.step();
            losses.Add(loss.ToDouble());
        }
        model.eval();
        return losses;
    }

    /// <summary>The per-pixel predictions (argmax of the logits) [count, S, S].</summary>
    public static Tensor Predict(nn.Module<Tensor, Tensor> model, Tensor images)
    {
        using var _ = no_grad();
        return model.call(images).argmax(1);
    }

    /// <summary>The confusion counts of <paramref name="predicted"/> against <paramref name="truth"/> (both int64 [count, S, S]).</summary>
    public static SegmentationScores Score(Tensor predicted, Tensor truth, int classes)
    {
        using var scope = NewDisposeScope();
        var pairs = (truth.flatten() * classes + predicted.flatten()).bincount(null, classes * classes); // [classes²]
        var flat = pairs.to_type(ScalarType.Int64).data<long>().ToArray();
        var counts = new long[classes, classes];
        for (var i = 0; i < flat.Length; i++)
        {
            counts[i / classes, i % classes] = flat[i];
        }
        return new SegmentationScores(counts);
    }
}
