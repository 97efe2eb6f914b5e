using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.DeepNets;

/// <summary>
/// Inverted dropout (Notes §4.6.4). While training, each activation is kept with probability p (the notes' p: the
/// probability of <em>keeping</em>; torch's Dropout takes the probability of dropping, 1 - p) and divided by p, so
/// <code>  E[ã] = p · (a / p) + (1 - p) · 0 = a,  </code>
/// and at test time the layer does nothing. The other correct convention, of the original dropout paper, leaves the kept
/// activations as they are while training and multiplies the weights that read them by p at test time
/// (see <see cref="DropoutExpectation"/>, which measures both and the mistaken 1/p at test time).
/// </summary>
public sealed class InvertedDropout : nn.Module<Tensor, Tensor>
{
    private readonly double keepProbability;

    /// <summary>Keeps each activation with probability <paramref name="keepProbability"/> in (0, 1] while training.</summary>
    public InvertedDropout(double keepProbability) : base(nameof(InvertedDropout))
    {
        if (keepProbability is <= 0 or > 1)
        {
            throw new ArgumentException($"the keep probability must be in (0, 1], got {keepProbability}", nameof(keepProbability));
        }
        this.keepProbability = keepProbability;
        RegisterComponents();
    }

    /// <summary>p, the probability that an activation is kept while training.</summary>
    public double KeepProbability => keepProbability;

    /// <inheritdoc />
    public override Tensor forward(Tensor a)
    {
        if (!training || keepProbability == 1)
        {
            return a.alias();                                                       // test time: the identity
        }
        var mask = (rand_like(a) < keepProbability).to_type(a.dtype);                // 1 with probability p: same shape as a
        return a * mask / keepProbability;
    }
}

/// <summary>
/// Expected training-time output over test-time output, Σ_units E_masks[ã] / Σ_units ã_test, for three rules; 1 means
/// the network sees activations of the same size at test time as on average while training.
/// </summary>
/// <param name="Inverted">divide the kept activations by p while training, nothing at test time (should be 1).</param>
/// <param name="WeightsTimesP">keep activations unscaled while training, multiply by p at test time (should be 1).</param>
/// <param name="WeightsTimesOneOverP">the notes' wording: unscaled while training, multiply by 1/p at test time (gives p²).</param>
/// <param name="InvertedWorstUnit">the largest per-unit |E_masks[ã_j] / a_j - 1| under inverted dropout: sampling noise only.</param>
/// <param name="Masks">how many masks the expectation averaged over.</param>
public sealed record DropoutExpectation(double Inverted, double WeightsTimesP, double WeightsTimesOneOverP, double InvertedWorstUnit, int Masks)
{
    /// <summary>
    /// Measures the three rules on <paramref name="activations"/> [batch, width] (positive, e.g. after a ReLU) by averaging
    /// <paramref name="masks"/> random training-mode masks (torch's global generator).
    /// </summary>
    public static DropoutExpectation Measure(Tensor activations, double keepProbability, int masks = 2000)
    {
        if (masks < 1)
        {
            throw new ArgumentException($"need at least one mask, got {masks}", nameof(masks));
        }
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var dropout = new InvertedDropout(keepProbability);
        dropout.train();
        var sum = zeros_like(activations);                                          // Σ over masks of ã: [batch, width]
        for (var m = 0; m < masks; m++)
        {
            sum.add_(dropout.call(activations));
        }
        var invertedMean = sum / masks;                                             // E[a · mask / p]
        var plainMean = invertedMean * keepProbability;                             // E[a · mask]: the same masks, unscaled
        var total = activations.sum().ToDouble();
        var inverted = invertedMean.sum().ToDouble() / total;                       // test output: a
        var timesP = plainMean.sum().ToDouble() / (keepProbability * total);        // test output: p · a
        var timesOneOverP = plainMean.sum().ToDouble() / (total / keepProbability); // test output: a / p
        var nonzero = activations.abs() > 1e-12;
        var ratio = where(nonzero, invertedMean / where(nonzero, activations, ones_like(activations)), ones_like(activations));
        var worst = (ratio - 1).abs().max().ToDouble();
        return new DropoutExpectation(inverted, timesP, timesOneOverP, worst, masks);
    }
}
