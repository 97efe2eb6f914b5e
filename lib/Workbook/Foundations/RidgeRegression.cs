using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Foundations;

/// <summary>
/// Least squares with an L2 penalty, solved in closed form: the θ that minimises
/// <c>J(θ) = ‖y − Φθ‖² + λ‖θ‖²</c> satisfies the normal equations <c>(ΦᵀΦ + λI) θ = Φᵀy</c>.
/// λ = 0 is ordinary least squares. (Notes §2.3: the penalty is the negative log of a Gaussian prior on θ.)
/// </summary>
public static class RidgeRegression
{
    /// <summary>
    /// θ for a design matrix Φ [..., n, p] and targets y [..., n] (batched: one solution per leading index),
    /// returning [..., p]. Solved as the stacked least-squares problem ‖[Φ; √λ I] θ − [y; 0]‖², whose normal
    /// equations are exactly those above, with torch.linalg.lstsq: this avoids forming ΦᵀΦ, whose condition
    /// number is the square of Φ's (large for high-degree monomials), so the answer keeps more digits.
    /// </summary>
    /// <param name="design">Φ, [..., n, p].</param>
    /// <param name="targets">y, [..., n].</param>
    /// <param name="lambda">λ ≥ 0, the penalty weight (on every coefficient, the constant term included).</param>
    public static Tensor Solve(Tensor design, Tensor targets, double lambda = 0)
    {
        if (!(lambda >= 0))
        {
            throw new ArgumentException($"the penalty λ must be >= 0, got {lambda}", nameof(lambda));
        }
        if (design.dim() < 2 || !design.shape[..^1].SequenceEqual(targets.shape))
        {
            throw new ArgumentException(
                $"the design matrix must be [..., n, p] and the targets [..., n], got [{string.Join(", ", design.shape)}] and [{string.Join(", ", targets.shape)}]");
        }
        using var scope = NewDisposeScope();
        var p = design.shape[^1];
        var b = targets.unsqueeze(-1);                                                     // [..., n, 1]
        Tensor a = design;                                                                 // [..., n, p]
        if (lambda > 0)
        {
            var batch = design.shape[..^2];
            var penalty = (Math.Sqrt(lambda) * eye(p, dtype: design.dtype, device: design.device))
                .expand(batch.Append(p).Append(p).ToArray());                              // [..., p, p]
            a = cat(new[] { design, penalty }, -2);                                        // [..., n + p, p]
            b = cat(new[] { b, zeros(batch.Append(p).Append(1L).ToArray(), dtype: b.dtype, device: b.device) }, -2); // [..., n + p, 1]
        }
        var solution = linalg.lstsq(a, b).Solution;                                        // [..., p, 1]
        return solution.squeeze(-1).MoveToOuterDisposeScope();                            // [..., p]
    }

    /// <summary>
    /// The objective <c>J(θ) = ‖y − Φθ‖² + λ‖θ‖²</c> (summed over points, not averaged) for design [n, p],
    /// targets [n] and θ [p]; differentiable in θ.
    /// </summary>
    public static Tensor Objective(Tensor design, Tensor targets, Tensor theta, double lambda) =>
        (targets - design.matmul(theta)).pow(2).sum() + lambda * theta.pow(2).sum();
}
