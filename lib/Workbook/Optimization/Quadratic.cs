using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Optimization;

/// <summary>
/// The quadratic bowl f(θ) = ½ (θ − θ*)ᵀ A (θ − θ*) in two dimensions, A symmetric positive definite: every smooth loss
/// looks like this near a minimum. Its difficulty for gradient descent is the condition number κ = λ_max(A)/λ_min(A):
/// the contours are ellipses √κ times longer than wide.
/// </summary>
public sealed class Quadratic : TestFunction
{
    private readonly double a11, a12, a22;

    /// <summary>The quadratic with Hessian [[a11, a12], [a12, a22]] and minimiser <paramref name="minimum"/>.</summary>
    public Quadratic(double a11, double a12, double a22, (double X, double Y) minimum, (double X, double Y)? start = null)
    {
        if (!(a11 > 0) || !(a11 * a22 - a12 * a12 > 0))
        {
            throw new ArgumentException($"the Hessian [[{a11}, {a12}], [{a12}, {a22}]] is not positive definite");
        }
        (this.a11, this.a12, this.a22) = (a11, a12, a22);
        Minimum = minimum;
        Start = start ?? (minimum.X - 4, minimum.Y + 3);
        var trace = a11 + a22;
        var root = Math.Sqrt((a11 - a22) * (a11 - a22) + 4 * a12 * a12);
        (SmallestEigenvalue, LargestEigenvalue) = ((trace - root) / 2, (trace + root) / 2);
    }

    /// <summary>
    /// An ill-conditioned bowl: eigenvalues 1 and <paramref name="kappa"/>, the steep axis turned by
    /// <paramref name="angleDegrees"/> from the y axis (0: axis-aligned), minimum at the origin.
    /// </summary>
    public static Quadratic IllConditioned(double kappa, double angleDegrees = 0, (double X, double Y)? start = null)
    {
        if (!(kappa >= 1))
        {
            throw new ArgumentException($"a condition number is at least 1, got {kappa}", nameof(kappa));
        }
        var t = angleDegrees * Math.PI / 180;
        var (c, s) = (Math.Cos(t), Math.Sin(t));
        // A = R diag(1, κ) Rᵀ with R the rotation by t: the flat axis (eigenvalue 1) is (c, s), the steep one (−s, c).
        return new Quadratic(c * c + kappa * s * s, (1 - kappa) * c * s, s * s + kappa * c * c, (0, 0), start);
    }

    /// <summary>λ_max(A), the curvature along the steepest direction (L: a gradient step is stable for α &lt; 2/L).</summary>
    public double LargestEigenvalue { get; }

    /// <summary>λ_min(A), the curvature along the flattest direction.</summary>
    public double SmallestEigenvalue { get; }

    /// <summary>κ = λ_max / λ_min.</summary>
    public double ConditionNumber => LargestEigenvalue / SmallestEigenvalue;

    /// <inheritdoc />
    public override string Name => $"quadratic, κ = {ConditionNumber:G3}";

    /// <inheritdoc />
    public override (double X, double Y) Minimum { get; }

    /// <inheritdoc />
    public override (double X, double Y) Start { get; }

    /// <inheritdoc />
    public override (double Min, double Max) XRange => (Minimum.X - 5, Minimum.X + 5);

    /// <inheritdoc />
    public override (double Min, double Max) YRange => (Minimum.Y - 4, Minimum.Y + 4);

    /// <inheritdoc />
    public override Tensor Value(Tensor theta)
    {
        var dx = theta[0] - Minimum.X;
        var dy = theta[1] - Minimum.Y;
        return 0.5 * (a11 * dx * dx + 2 * a12 * dx * dy + a22 * dy * dy);
    }

    /// <inheritdoc />
    public override double At(double x, double y)
    {
        var (dx, dy) = (x - Minimum.X, y - Minimum.Y);
        return 0.5 * (a11 * dx * dx + 2 * a12 * dx * dy + a22 * dy * dy);
    }
}
