using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Workbook.Tensors;

namespace Workbook.DeepNets;

/// <summary>
/// Batch normalisation over the batch dimension, written out (Notes §4.3). In training mode each feature j of a batch
/// [B, features] is standardised with the batch's own statistics and then scaled and shifted by learned γ, β:
/// <code>
///   μ_j = (1/B) Σ_b a_bj      σ²_j = (1/B) Σ_b (a_bj - μ_j)²      ā_bj = (a_bj - μ_j) / √(σ²_j + ε) · γ_j + β_j
/// </code>
/// and running estimates of the mean and variance are updated, r ← (1 - m) r + m · (batch statistic), where the
/// variance fed to the running estimate is the unbiased one, Σ(…)² / (B - 1). In evaluation mode the running estimates
/// replace the batch statistics, so a prediction does not depend on the other examples in its batch. These are
/// torch.nn.BatchNorm1d's rules; the parameter and buffer names are torch's too, so a state dict loads either way.
/// Named with d2l's suffix for a class written from scratch, so it never shadows <c>TorchSharp.Modules.BatchNorm</c>.
/// </summary>
public sealed class BatchNormScratch : nn.Module<Tensor, Tensor>
{
    private readonly long features;
    private readonly double epsilon;
    private readonly double momentum;
    // Not readonly: Module.to(dtype) replaces parameters and buffers and writes the new ones into these fields.
    private Parameter weight;
    private Parameter bias;
    private Tensor running_mean;
    private Tensor running_var;
    private Tensor num_batches_tracked;

    /// <summary>Batch norm of <paramref name="features"/> features; γ starts at 1, β at 0, the running mean at 0 and the running variance at 1.</summary>
    /// <param name="features">the feature dimension (dimension 1 of the input).</param>
    /// <param name="epsilon">added to the variance inside the square root.</param>
    /// <param name="momentum">weight m of the newest batch in the running estimates.</param>
    public BatchNormScratch(long features, double epsilon = 1e-5, double momentum = 0.1) : base(nameof(BatchNormScratch))
    {
        if (features < 1 || !(epsilon >= 0) || momentum is < 0 or > 1)
        {
            throw new ArgumentException($"batch norm needs features >= 1, epsilon >= 0 and momentum in [0, 1], got {features}, {epsilon}, {momentum}");
        }
        this.features = features;
        this.epsilon = epsilon;
        this.momentum = momentum;
        weight = new Parameter(ones(features));
        bias = new Parameter(zeros(features));
        running_mean = zeros(features);
        running_var = ones(features);
        num_batches_tracked = tensor(0L);
        RegisterComponents();
    }

    /// <summary>γ [features].</summary>
    public Parameter Weight => weight;

    /// <summary>β [features].</summary>
    public Parameter Bias => bias;

    /// <summary>The running estimate of each feature's mean [features], used in evaluation mode.</summary>
    public Tensor RunningMean => running_mean;

    /// <summary>The running estimate of each feature's variance [features], used in evaluation mode.</summary>
    public Tensor RunningVariance => running_var;

    /// <summary>How many training batches have updated the running estimates.</summary>
    public long BatchesTracked => num_batches_tracked.ToInt64();

    /// <inheritdoc />
    public override Tensor forward(Tensor a)
    {
        if (a.dim() != 2 || a.shape[1] != features)
        {
            throw new ArgumentException($"batch norm of {features} features expects [batch, {features}], got {Shapes.Of(a.shape)}", nameof(a));
        }
        Tensor mean, variance;
        if (training)
        {
            if (a.shape[0] < 2)
            {
                throw new ArgumentException("batch norm in training mode needs at least 2 examples per batch: one example has no variance", nameof(a));
            }
            mean = a.mean(new long[] { 0 });                                        // μ: [features]
            variance = (a - mean).pow(2).mean(new long[] { 0 });                    // σ² (biased, 1/B): [features]
            using (no_grad())
            {
                var batch = a.shape[0];
                var unbiased = variance.detach() * batch / (batch - 1);             // Σ(…)² / (B - 1)
                RunningMean.mul_(1 - momentum).add_(mean.detach() * momentum);
                RunningVariance.mul_(1 - momentum).add_(unbiased * momentum);
                num_batches_tracked.add_(1);
            }
        }
        else
        {
            mean = RunningMean;                                                     // [features]
            variance = RunningVariance;                                             // [features]
        }
        var normalised = (a - mean) / (variance + epsilon).sqrt();                  // [batch, features]
        return normalised * Weight + Bias;                                          // · γ + β
    }
}
