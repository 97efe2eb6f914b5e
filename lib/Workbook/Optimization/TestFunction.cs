using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Optimization;

/// <summary>
/// A loss of two parameters θ = (x, y) for watching optimisers move: evaluable on a tensor (for autograd) and on
/// plain numbers (for contour charts), with its minimiser and a suggested start and plotting window.
/// </summary>
public abstract class TestFunction
{
    /// <summary>The function's name, for titles.</summary>
    public abstract string Name { get; }

    /// <summary>The loss at θ [2] (any floating dtype), a scalar tensor, differentiable.</summary>
    public abstract Tensor Value(Tensor theta);

    /// <summary>The loss at (x, y), as a number.</summary>
    public abstract double At(double x, double y);

    /// <summary>The global minimiser.</summary>
    public abstract (double X, double Y) Minimum { get; }

    /// <summary>A start point that shows the function's difficulty.</summary>
    public abstract (double X, double Y) Start { get; }

    /// <summary>The x interval a chart should show.</summary>
    public abstract (double Min, double Max) XRange { get; }

    /// <summary>The y interval a chart should show.</summary>
    public abstract (double Min, double Max) YRange { get; }

    /// <summary>The minimum value (0 for the functions here).</summary>
    public double MinimumValue => At(Minimum.X, Minimum.Y);
}
