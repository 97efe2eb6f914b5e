using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Foundations;

/// <summary>
/// Linear regression read as Bayesian inference (Notes §2.3.1): the likelihood y_i ~ N(φ(x_i)ᵀθ, σ²) and the
/// prior θ_j ~ N(0, τ²) independently. The maximum a posteriori (MAP) θ minimises −log p(D|θ) − log p(θ), which is
/// <c>‖y − Φθ‖²/(2σ²) + ‖θ‖²/(2τ²)</c> plus constants: ridge regression with λ = σ²/τ².
/// The functions below are the exact log densities (constants included), so that this can be checked rather than assumed.
/// </summary>
public static class BayesianRegression
{
    /// <summary>−log p(D | θ) = Σ_i [(y_i − φ_iᵀθ)²/(2σ²) + log σ + ½ log 2π], for design [n, p], targets [n], θ [p].</summary>
    public static Tensor NegativeLogLikelihood(Tensor design, Tensor targets, Tensor theta, double noiseStd)
    {
        var residuals = targets - design.matmul(theta);                                      // [n]
        var n = targets.shape[0];
        return residuals.pow(2).sum() / (2 * noiseStd * noiseStd) + n * (Math.Log(noiseStd) + 0.5 * Math.Log(2 * Math.PI));
    }

    /// <summary>−log p(θ) = Σ_j [θ_j²/(2τ²) + log τ + ½ log 2π] for the prior θ_j ~ N(0, τ²), θ [p].</summary>
    public static Tensor NegativeLogPrior(Tensor theta, double priorStd)
    {
        var p = theta.shape[0];
        return theta.pow(2).sum() / (2 * priorStd * priorStd) + p * (Math.Log(priorStd) + 0.5 * Math.Log(2 * Math.PI));
    }

    /// <summary>−log p(θ | D) up to the constant log p(D): the sum of the two terms above.</summary>
    public static Tensor NegativeLogPosterior(Tensor design, Tensor targets, Tensor theta, double noiseStd, double priorStd) =>
        NegativeLogLikelihood(design, targets, theta, noiseStd) + NegativeLogPrior(theta, priorStd);

    /// <summary>The ridge penalty whose minimiser is the MAP estimate: λ = σ²/τ² (for J = ‖y − Φθ‖² + λ‖θ‖²).</summary>
    public static double EquivalentPenalty(double noiseStd, double priorStd) => noiseStd * noiseStd / (priorStd * priorStd);

    /// <summary>The Hessian of −log p(θ | D): ΦᵀΦ/σ² + I/τ², [p, p] (constant: the posterior is Gaussian).</summary>
    public static Tensor PosteriorHessian(Tensor design, double noiseStd, double priorStd) =>
        design.t().matmul(design) / (noiseStd * noiseStd) + eye(design.shape[1], dtype: design.dtype) / (priorStd * priorStd);
}
