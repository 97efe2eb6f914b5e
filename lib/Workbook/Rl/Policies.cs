using TorchSharp;
using TorchSharp.Modules;
using Workbook.Rl.Environments;
using Workbook.Training;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Rl;

/// <summary>A stochastic policy π_θ(a|s): maps observations [B, obs] to an action distribution.</summary>
public abstract class Policy : nn.Module<Tensor, ActionDistribution>
{
    protected Policy(string name) : base(name) { }

    /// <summary>Whether actions are discrete (int64 [B]) rather than continuous (float [B, D]).</summary>
    public abstract bool IsDiscrete { get; }

    /// <summary>All trainable parameters flattened into one vector (for TRPO's natural gradient step).</summary>
    public Tensor FlatParameters()
    {
        using var _ = no_grad();
        return ParameterVectors.Flatten(parameters());
    }

    /// <summary>Overwrites the parameters from one flat vector (the inverse of <see cref="FlatParameters"/>).</summary>
    public void SetFlatParameters(Tensor flat)
    {
        using var _ = no_grad();
        nn.utils.vector_to_parameters(flat, parameters());
    }
}

/// <summary>Softmax policy for a discrete action space: logits = MLP(s).</summary>
public sealed class CategoricalPolicy : Policy
{
    private readonly Sequential logits;

    public CategoricalPolicy(int observationDimension, int actionCount, IReadOnlyList<int>? hidden = null) : base(nameof(CategoricalPolicy))
    {
        ObservationDimension = observationDimension;
        ActionCount = actionCount;
        logits = TanhMlp.Create(observationDimension, hidden ?? new[] { 64, 64 }, actionCount, outputGain: 0.01);
        RegisterComponents();
    }

    public int ObservationDimension { get; }
    public int ActionCount { get; }
    public override bool IsDiscrete => true;

    public override ActionDistribution forward(Tensor observations) => new CategoricalDistribution(logits.call(observations));   // [B, A]
}

/// <summary>Diagonal Gaussian policy for a box action space: μ = MLP(s), log σ a learned vector independent of s.</summary>
public sealed class GaussianPolicy : Policy
{
    private readonly Sequential mean;
    private readonly Parameter logStd;

    public GaussianPolicy(int observationDimension, int actionDimension, IReadOnlyList<int>? hidden = null, double initialLogStd = 0.0) : base(nameof(GaussianPolicy))
    {
        ObservationDimension = observationDimension;
        ActionDimension = actionDimension;
        mean = TanhMlp.Create(observationDimension, hidden ?? new[] { 64, 64 }, actionDimension, outputGain: 0.01);
        logStd = nn.Parameter(full(actionDimension, initialLogStd, dtype: ScalarType.Float32));
        RegisterComponents();
    }

    public int ObservationDimension { get; }
    public int ActionDimension { get; }
    public override bool IsDiscrete => false;

    /// <summary>The learned log σ, one per action dimension.</summary>
    public Tensor LogStd => logStd;

    public override ActionDistribution forward(Tensor observations) => new DiagonalGaussianDistribution(mean.call(observations), logStd);   // [B, D]
}

/// <summary>Builds the right policy for an environment's action space.</summary>
public static class Policies
{
    /// <summary>A categorical policy for a discrete space, a diagonal Gaussian policy for a box.</summary>
    public static Policy For(BoxSpace observationSpace, Space actionSpace, IReadOnlyList<int>? hidden = null, double initialLogStd = 0.0) => actionSpace switch
    {
        DiscreteSpace d => new CategoricalPolicy(observationSpace.Dimension, d.Count, hidden),
        BoxSpace b => new GaussianPolicy(observationSpace.Dimension, b.Dimension, hidden, initialLogStd),
        _ => throw new ArgumentException($"No policy for action space {actionSpace}."),
    };

    /// <summary>A policy for a vectorised environment's spaces.</summary>
    public static Policy For(IVectorEnvironment environment, IReadOnlyList<int>? hidden = null, double initialLogStd = 0.0) =>
        For(environment.ObservationSpace, environment.ActionSpace, hidden, initialLogStd);
}
