using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Optimization;

/// <summary>
/// Rosenbrock's banana f(x, y) = (a − x)² + b (y − x²)² (a = 1, b = 100): a narrow curved valley along y = x² whose
/// floor falls gently to the minimum at (a, a²). Finding the valley is easy; following its bend is what separates
/// optimisers. Not convex, and its Hessian's condition number is about 2500 at the minimum.
/// </summary>
/// <param name="A">a, the minimum is at (a, a²).</param>
/// <param name="B">b, the steepness of the valley's walls.</param>
public sealed class Rosenbrock(double A = 1, double B = 100) : TestFunction
{
    /// <inheritdoc />
    public override string Name => "Rosenbrock";

    /// <inheritdoc />
    public override (double X, double Y) Minimum => (A, A * A);

    /// <inheritdoc />
    public override (double X, double Y) Start => (-1.2, 1.0);

    /// <inheritdoc />
    public override (double Min, double Max) XRange => (-2, 2);

    /// <inheritdoc />
    public override (double Min, double Max) YRange => (-1, 3);

    /// <inheritdoc />
    public override Tensor Value(Tensor theta)
    {
        var x = theta[0];
        var y = theta[1];
        return (A - x).pow(2) + B * (y - x * x).pow(2);
    }

    /// <inheritdoc />
    public override double At(double x, double y) => (A - x) * (A - x) + B * (y - x * x) * (y - x * x);
}
