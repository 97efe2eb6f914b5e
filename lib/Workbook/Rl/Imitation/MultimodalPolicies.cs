using TorchSharp;
using TorchSharp.Modules;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Rl.Imitation;

/// <summary>
/// A mixture of K diagonal Gaussians per state (Notes §7.1.4.2, option 1): weights w_k = softmax(logits), means μ_k [D],
/// log σ_k [D]. <code>log π(a|s) = logsumexp_k ( log w_k + Σ_j log N(a_j; μ_kj, σ_kj²) )</code>
/// It can put mass on two separate actions at once, which a single Gaussian cannot. Its entropy and KL have no closed
/// form, so <see cref="Entropy"/> and <see cref="KlFrom"/> are not available (imitation does not need them).
/// </summary>
public sealed class GaussianMixtureDistribution : ActionDistribution
{
    private static readonly double HalfLogTwoPi = 0.5 * Math.Log(2 * Math.PI);

    /// <param name="logits">[B, K] unnormalised log weights.</param>
    /// <param name="means">[B, K, D].</param>
    /// <param name="logStd">[B, K, D].</param>
    public GaussianMixtureDistribution(Tensor logits, Tensor means, Tensor logStd)
    {
        if (logits.dim() != 2 || means.dim() != 3 || !means.shape.SequenceEqual(logStd.shape) || means.shape[1] != logits.shape[1])
        {
            throw new ArgumentException($"A Gaussian mixture needs logits [B, K], means and log σ [B, K, D]; got {Shapes.Of(logits)}, {Shapes.Of(means)}, {Shapes.Of(logStd)}.");
        }
        Logits = logits;
        Means = means;
        LogStd = logStd;
    }

    public Tensor Logits { get; }
    public Tensor Means { get; }
    public Tensor LogStd { get; }

    /// <summary>The components' weights w_k: [B, K].</summary>
    public Tensor Weights => Logits.softmax(-1);

    public override Tensor LogProb(Tensor actions)
    {
        if (actions.dim() != 2 || actions.shape[0] != Means.shape[0] || actions.shape[1] != Means.shape[2])
        {
            throw new ArgumentException($"Continuous actions must have shape [{Means.shape[0]}, {Means.shape[2]}], got {Shapes.Of(actions)}.", nameof(actions));
        }
        var z = (actions.unsqueeze(1) - Means) / LogStd.exp();                                      // [B, K, D]
        var componentLogProb = (-0.5 * z * z - LogStd - HalfLogTwoPi).sum(-1);                      // [B, K]
        return (Logits.log_softmax(-1) + componentLogProb).logsumexp(-1);                           // [B]
    }

    public override Tensor Entropy() =>
        throw new NotSupportedException("A Gaussian mixture's entropy has no closed form.");

    public override Tensor Sample()
    {
        using var _ = no_grad();
        var k = Weights.multinomial(1);                                                             // [B, 1]
        var index = k.unsqueeze(-1).expand(-1, 1, Means.shape[2]);                                  // [B, 1, D]
        var mean = Means.gather(1, index).squeeze(1);                                               // [B, D]
        var std = LogStd.exp().gather(1, index).squeeze(1);
        return mean + std * randn_like(mean);
    }

    /// <summary>The mean of the heaviest component (a mode of the mixture when its components are well apart).</summary>
    public override Tensor Mode()
    {
        using var _ = no_grad();
        var index = Logits.argmax(-1, keepdim: true).unsqueeze(-1).expand(-1, 1, Means.shape[2]);  // [B, 1, D]
        return Means.gather(1, index).squeeze(1);                                                   // [B, D]
    }

    public override Tensor KlFrom(ActionDistribution old) =>
        throw new NotSupportedException("The KL divergence between Gaussian mixtures has no closed form.");

    public override ActionDistribution Detach() => new GaussianMixtureDistribution(Logits.detach(), Means.detach(), LogStd.detach());

    public override ActionDistribution Select(Tensor indices) =>
        new GaussianMixtureDistribution(Logits.index_select(0, indices), Means.index_select(0, indices), LogStd.index_select(0, indices));
}

/// <summary>
/// Every action dimension cut into K bins over its range, with a softmax over the bins per dimension (Notes §7.1.4.2,
/// option 3, discretisation; Notes A, Q4 on discretising continuous actions). A softmax can be multimodal. An action's
/// log-probability is that of its bin; a sampled or greedy action is its bin's centre. The dimensions are independent
/// given the state (per-dimension discretisation; the notes' autoregressive variant would condition each dimension on the
/// ones before it, which a one-dimensional action does not need).
/// </summary>
public sealed class BinnedDistribution : ActionDistribution
{
    /// <param name="logits">[B, D, K].</param>
    /// <param name="low">the lower end of each dimension's range, [D].</param>
    /// <param name="high">the upper end, [D].</param>
    public BinnedDistribution(Tensor logits, double[] low, double[] high)
    {
        if (logits.dim() != 3 || logits.shape[1] != low.Length || low.Length != high.Length)
        {
            throw new ArgumentException($"Binned logits must have shape [B, D, K] with D = {low.Length}, got {Shapes.Of(logits)}.", nameof(logits));
        }
        Logits = logits;
        Low = low;
        High = high;
    }

    public Tensor Logits { get; }
    public double[] Low { get; }
    public double[] High { get; }
    public int Bins => (int)Logits.shape[2];

    /// <summary>Bin centres per dimension: [D, K].</summary>
    public Tensor Centres()
    {
        var k = Bins;
        var rows = Low.Select((lo, d) => Enumerable.Range(0, k).Select(i => (float)(lo + (High[d] - lo) * (i + 0.5) / k)).ToArray()).ToArray();
        return tensor(rows.SelectMany(r => r).ToArray(), new long[] { Low.Length, k });
    }

    /// <summary>The bin index of each action coordinate: int64 [B, D].</summary>
    public Tensor BinOf(Tensor actions)
    {
        using var _ = no_grad();
        var low = tensor(Low.Select(v => (float)v).ToArray());
        var width = tensor(Low.Select((lo, d) => (float)((High[d] - lo) / Bins)).ToArray());
        return ((actions - low) / width).floor().clamp(0, Bins - 1).to_type(ScalarType.Int64);
    }

    public override Tensor LogProb(Tensor actions) =>
        Logits.log_softmax(-1).gather(2, BinOf(actions).unsqueeze(-1)).squeeze(-1).sum(-1);   // [B]

    public override Tensor Entropy()
    {
        var logP = Logits.log_softmax(-1);
        return -(logP.exp() * logP).sum(-1).sum(-1);   // [B]
    }

    public override Tensor Sample()
    {
        using var _ = no_grad();
        var (b, d) = (Logits.shape[0], Logits.shape[1]);
        var bins = Logits.softmax(-1).reshape(b * d, Bins).multinomial(1).reshape(b, d);   // [B, D]
        return FromBins(bins);
    }

    public override Tensor Mode()
    {
        using var _ = no_grad();
        return FromBins(Logits.argmax(-1));
    }

    public override Tensor KlFrom(ActionDistribution old)
    {
        var o = old as BinnedDistribution ?? throw new ArgumentException("KL between a binned and another kind of distribution.", nameof(old));
        var (logOld, logNew) = (o.Logits.log_softmax(-1), Logits.log_softmax(-1));
        return (logOld.exp() * (logOld - logNew)).sum(-1).sum(-1);
    }

    public override ActionDistribution Detach() => new BinnedDistribution(Logits.detach(), Low, High);

    public override ActionDistribution Select(Tensor indices) => new BinnedDistribution(Logits.index_select(0, indices), Low, High);

    private Tensor FromBins(Tensor bins) =>
        Centres().unsqueeze(0).expand(bins.shape[0], -1, -1).gather(2, bins.unsqueeze(-1)).squeeze(-1);   // [B, D]
}

/// <summary>A mixture-of-Gaussians policy: a tanh MLP trunk, then heads for K weights, K means and K log σ per action dimension.</summary>
public sealed class MixturePolicy : Policy
{
    private readonly Sequential trunk;
    private readonly Linear logits;
    private readonly Linear means;
    private readonly Linear logStd;

    /// <param name="observationDimension">input size.</param>
    /// <param name="actionDimension">D.</param>
    /// <param name="components">K.</param>
    /// <param name="hidden">trunk widths (64, 64 when null).</param>
    /// <param name="actionLow">the action range's lower end: the K means start spread evenly over the range, so that the components differ from the start.</param>
    /// <param name="actionHigh">the upper end.</param>
    public MixturePolicy(int observationDimension, int actionDimension, int components = 5, IReadOnlyList<int>? hidden = null,
        double actionLow = -1, double actionHigh = 1) : base(nameof(MixturePolicy))
    {
        var widths = hidden ?? new[] { 64, 64 };
        ActionDimension = actionDimension;
        Components = components;
        trunk = TanhMlp.Create(observationDimension, widths.Take(widths.Count - 1).ToArray(), widths[^1], outputGain: Math.Sqrt(2));
        logits = nn.Linear(widths[^1], components);
        means = nn.Linear(widths[^1], components * actionDimension);
        logStd = nn.Linear(widths[^1], components * actionDimension);
        using (no_grad())
        {
            var spread = Enumerable.Range(0, components).SelectMany(k => Enumerable.Repeat(
                (float)(components == 1 ? 0.5 * (actionLow + actionHigh) : actionLow + (actionHigh - actionLow) * k / (components - 1)), actionDimension)).ToArray();
            means.bias!.copy_(tensor(spread));
            logStd.bias!.fill_(-1.0);
        }
        RegisterComponents();
    }

    public int ActionDimension { get; }
    public int Components { get; }
    public override bool IsDiscrete => false;

    public override ActionDistribution forward(Tensor observations)
    {
        var h = trunk.call(observations).tanh();                                                     // [B, hidden]
        var b = observations.shape[0];
        return new GaussianMixtureDistribution(
            logits.call(h),                                                                          // [B, K]
            means.call(h).reshape(b, Components, ActionDimension),                                   // [B, K, D]
            logStd.call(h).reshape(b, Components, ActionDimension).clamp(-3, 1));                    // [B, K, D]
    }
}

/// <summary>A discretised policy: a tanh MLP whose output is K logits per action dimension (see <see cref="BinnedDistribution"/>).</summary>
public sealed class BinnedPolicy : Policy
{
    private readonly Sequential net;
    private readonly double[] low;
    private readonly double[] high;

    public BinnedPolicy(int observationDimension, double[] actionLow, double[] actionHigh, int bins = 21, IReadOnlyList<int>? hidden = null) : base(nameof(BinnedPolicy))
    {
        low = (double[])actionLow.Clone();
        high = (double[])actionHigh.Clone();
        Bins = bins;
        net = TanhMlp.Create(observationDimension, hidden ?? new[] { 64, 64 }, low.Length * bins, outputGain: 0.01);
        RegisterComponents();
    }

    public int Bins { get; }
    public override bool IsDiscrete => false;

    public override ActionDistribution forward(Tensor observations) =>
        new BinnedDistribution(net.call(observations).reshape(observations.shape[0], low.Length, Bins), low, high);   // [B, D, K]
}
