using TorchSharp;
using static TorchSharp.torch;
using Workbook.Tensors;

namespace Workbook.Foundations;

/// <summary>Bias² and variance of a set of predictors, each averaged over the test inputs.</summary>
/// <param name="BiasSquared">E_x[(f̄(x) − f(x))²], f̄ the mean prediction over training sets.</param>
/// <param name="Variance">E_x E_D[(f_D(x) − f̄(x))²].</param>
public sealed record BiasVarianceParts(double BiasSquared, double Variance);

/// <summary>
/// The bias-variance decomposition computed from predictions (Notes §2.2). With predictions f_D(x) of
/// T predictors (one per training set D) at M test inputs and the true values f(x):
/// <code>
/// f̄(x)     = (1/T) Σ_D f_D(x)
/// bias²    = (1/M) Σ_x (f̄(x) − f(x))²
/// variance = (1/M) Σ_x (1/T) Σ_D (f_D(x) − f̄(x))²
/// </code>
/// With these sample averages the identity mean (f_D(x) − f(x))² = bias² + variance holds exactly (the cross term
/// is Σ_D (f_D(x) − f̄(x)) = 0 by the definition of f̄), not only in expectation.
/// </summary>
/// <remarks>
/// Internal: it is the answer to notebook 01's first exercise (<see cref="FoundationsExercises.CheckBiasVariance"/>);
/// the notebook reads the decomposition through <see cref="BiasVarianceExperiment"/>.
/// </remarks>
internal static class BiasVariance
{
    /// <summary>Bias² and variance from predictions [T, M] (training set, test input) and true values [M].</summary>
    public static BiasVarianceParts Decompose(Tensor predictions, Tensor truth)
    {
        if (predictions.dim() != 2 || truth.dim() != 1 || predictions.shape[1] != truth.shape[0])
        {
            throw new ArgumentException(
                $"predictions must be [sets, points] and truth [points], got {Shapes.Of(predictions.shape)} and {Shapes.Of(truth.shape)}");
        }
        using var scope = NewDisposeScope();
        var mean = predictions.mean(new long[] { 0 });                          // f̄, [M]
        var biasSquared = (mean - truth).pow(2).mean().item<double>();
        var variance = (predictions - mean).pow(2).mean().item<double>();     // [T, M] -> scalar; divides by T (not T − 1)
        return new BiasVarianceParts(biasSquared, variance);
    }
}
