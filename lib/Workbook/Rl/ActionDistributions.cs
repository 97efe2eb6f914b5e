using TorchSharp;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Rl;

/// <summary>
/// π(·|s) for a batch of states: what every policy-gradient algorithm needs from a policy.
/// Shapes: B states; actions [B] (int64) for discrete spaces or [B, D] (float32) for boxes.
/// </summary>
public abstract class ActionDistribution
{
    /// <summary>log π(a|s) per state: [B].</summary>
    public abstract Tensor LogProb(Tensor actions);

    /// <summary>H(π(·|s)) per state: [B].</summary>
    public abstract Tensor Entropy();

    /// <summary>One sampled action per state (uses TorchSharp's seeded generator).</summary>
    public abstract Tensor Sample();

    /// <summary>The most likely action per state (argmax, or the Gaussian's mean).</summary>
    public abstract Tensor Mode();

    /// <summary>KL(<paramref name="old"/> ‖ this) per state: [B]. <paramref name="old"/> must be the same kind of distribution.</summary>
    public abstract Tensor KlFrom(ActionDistribution old);

    /// <summary>The same distribution cut from the autograd graph (a fixed "old policy").</summary>
    public abstract ActionDistribution Detach();

    /// <summary>The distributions of the states at <paramref name="indices"/> (int64 [M]) only (for minibatches).</summary>
    public abstract ActionDistribution Select(Tensor indices);
}

/// <summary>Softmax over logits [B, A].</summary>
public sealed class CategoricalDistribution : ActionDistribution
{
    public CategoricalDistribution(Tensor logits)
    {
        if (logits.dim() != 2)
        {
            throw new ArgumentException($"Categorical logits must have shape [batch, actions], got {Shapes.Of(logits)}.", nameof(logits));
        }
        Logits = logits;
        LogProbabilities = logits.log_softmax(-1);   // [B, A]
    }

    public Tensor Logits { get; }
    /// <summary>log π(a|s) for every action: [B, A].</summary>
    public Tensor LogProbabilities { get; }
    /// <summary>π(a|s) for every action: [B, A].</summary>
    public Tensor Probabilities => LogProbabilities.exp();

    public override Tensor LogProb(Tensor actions)
    {
        if (actions.dim() != 1 || actions.shape[0] != Logits.shape[0])
        {
            throw new ArgumentException($"Discrete actions must have shape [{Logits.shape[0]}], got {Shapes.Of(actions)}.", nameof(actions));
        }
        return LogProbabilities.gather(1, actions.to_type(ScalarType.Int64).unsqueeze(-1)).squeeze(-1);   // [B]
    }

    public override Tensor Entropy() => -(Probabilities * LogProbabilities).sum(-1);   // [B]

    public override Tensor Sample()
    {
        using var _ = no_grad();
        return Probabilities.multinomial(1).squeeze(-1);   // [B] int64
    }

    public override Tensor Mode() => Logits.argmax(-1);

    /// <summary>KL(p_old ‖ p) = Σ_a p_old(a) (log p_old(a) − log p(a)).</summary>
    public override Tensor KlFrom(ActionDistribution old)
    {
        var o = old as CategoricalDistribution ?? throw new ArgumentException("KL between a categorical and a non-categorical distribution.", nameof(old));
        return (o.Probabilities * (o.LogProbabilities - LogProbabilities)).sum(-1);
    }

    public override ActionDistribution Detach() => new CategoricalDistribution(Logits.detach());

    public override ActionDistribution Select(Tensor indices) => new CategoricalDistribution(Logits.index_select(0, indices));
}

/// <summary>
/// A Gaussian with diagonal covariance: mean [B, D] from the network, log σ [D] learned per action
/// dimension (Notes A, Q4: output μ and σ, sample, and use log N(a; μ, σ²) as log π(a|s)).
/// <code>log π(a|s) = Σ_j −(a_j − μ_j)² / (2σ_j²) − log σ_j − ½ log 2π;   H = Σ_j log σ_j + ½ (1 + log 2π)</code>
/// </summary>
public sealed class DiagonalGaussianDistribution : ActionDistribution
{
    private static readonly double HalfLogTwoPi = 0.5 * Math.Log(2 * Math.PI);

    public DiagonalGaussianDistribution(Tensor mean, Tensor logStd)
    {
        if (mean.dim() != 2)
        {
            throw new ArgumentException($"Gaussian means must have shape [batch, action dimension], got {Shapes.Of(mean)}.", nameof(mean));
        }
        Mean = mean;
        LogStd = logStd.expand_as(mean);   // [B, D]
    }

    public Tensor Mean { get; }
    public Tensor LogStd { get; }
    public Tensor Std => LogStd.exp();

    public override Tensor LogProb(Tensor actions)
    {
        if (!actions.shape.SequenceEqual(Mean.shape))
        {
            throw new ArgumentException($"Continuous actions must have shape {Shapes.Of(Mean)}, got {Shapes.Of(actions)}.", nameof(actions));
        }
        var z = (actions - Mean) / Std;
        return (-0.5 * z * z - LogStd - HalfLogTwoPi).sum(-1);   // [B]
    }

    public override Tensor Entropy() => (LogStd + 0.5 + HalfLogTwoPi).sum(-1);   // [B]

    public override Tensor Sample()
    {
        using var _ = no_grad();
        return Mean + Std * randn_like(Mean);   // [B, D]
    }

    public override Tensor Mode() => Mean.detach();

    /// <summary>KL(N(μ_o, σ_o²) ‖ N(μ, σ²)) = Σ_j log(σ_j/σ_o,j) + (σ_o,j² + (μ_o,j − μ_j)²) / (2σ_j²) − ½.</summary>
    public override Tensor KlFrom(ActionDistribution old)
    {
        var o = old as DiagonalGaussianDistribution ?? throw new ArgumentException("KL between a Gaussian and a non-Gaussian distribution.", nameof(old));
        var variance = (2 * LogStd).exp();
        var oldVariance = (2 * o.LogStd).exp();
        var meanGap = o.Mean - Mean;
        return (LogStd - o.LogStd + (oldVariance + meanGap * meanGap) / (2 * variance) - 0.5).sum(-1);   // [B]
    }

    public override ActionDistribution Detach() => new DiagonalGaussianDistribution(Mean.detach(), LogStd.detach());

    public override ActionDistribution Select(Tensor indices) => new DiagonalGaussianDistribution(Mean.index_select(0, indices), LogStd.index_select(0, indices));
}
