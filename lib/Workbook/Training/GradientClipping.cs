using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Training;

/// <summary>
/// Gradient clipping, the standard remedy for exploding gradients in recurrent networks (Notes §6.1.3).
/// Both functions change the parameters' <c>.grad</c> in place, before the optimizer step.
/// </summary>
public static class GradientClipping
{
    /// <summary>Global L2 norm of all gradients, <c>sqrt(Σ_p ||∇p||²)</c> (parameters without a gradient count as 0).</summary>
    public static double GlobalNorm(IEnumerable<Tensor> parameters)
    {
        using var _ = no_grad();
        double sumOfSquares = 0;
        foreach (var p in parameters)
        {
            using var grad = p.grad;
            if (grad is null)
            {
                continue;
            }
            using var norm = grad.norm();
            var value = norm.ToDouble();
            sumOfSquares += value * value;
        }
        return Math.Sqrt(sumOfSquares);
    }

    /// <summary>
    /// Clip by norm: if the global norm <c>N</c> of all gradients exceeds <paramref name="maxNorm"/>, every gradient
    /// is multiplied by <c>maxNorm / (N + 1e-6)</c> (torch's formula, so the result equals
    /// torch.nn.utils.clip_grad_norm_); the direction of the update is kept, only its length is bounded.
    /// Returns <c>N</c>, the norm before clipping.
    /// </summary>
    public static double ClipByNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        if (!(maxNorm > 0))
        {
            throw new ArgumentException($"maxNorm must be positive, got {maxNorm}.", nameof(maxNorm));
        }
        var list = parameters.ToList();
        var total = GlobalNorm(list);
        var coefficient = maxNorm / (total + 1e-6);
        if (coefficient < 1)
        {
            using var _ = no_grad();
            foreach (var p in list)
            {
                using var grad = p.grad;
                grad?.mul_(coefficient);
            }
        }
        return total;
    }

    /// <summary>
    /// Clip by value: every gradient component is clamped to [-clipValue, clipValue]
    /// (changes the direction of the update, unlike <see cref="ClipByNorm"/>).
    /// </summary>
    public static void ClipByValue(IEnumerable<Tensor> parameters, double clipValue)
    {
        if (!(clipValue > 0))
        {
            throw new ArgumentException($"clipValue must be positive, got {clipValue}.", nameof(clipValue));
        }
        using var _ = no_grad();
        foreach (var p in parameters)
        {
            using var grad = p.grad;
            grad?.clamp_(-clipValue, clipValue);
        }
    }
}
