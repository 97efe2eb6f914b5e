using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Foundations;

/// <summary>
/// A fitted polynomial f_θ(x) = Σ_j θ_j x^j. <see cref="Weights"/> may carry a leading batch dimension
/// (one polynomial per training set), in which case predictions get the same leading dimension.
/// </summary>
/// <param name="Weights">θ, float64 [..., degree + 1], constant term first.</param>
public sealed record PolynomialModel(Tensor Weights)
{
    /// <summary>The polynomial's degree.</summary>
    public int Degree => (int)Weights.shape[^1] - 1;

    /// <summary>
    /// f_θ(x). One polynomial (Weights [p]) takes inputs of any shape [...] and gives the same shape; a batch of
    /// polynomials (Weights [T, p]) takes inputs [m] shared by all of them and gives [T, m].
    /// </summary>
    public Tensor Predict(Tensor x)
    {
        using var scope = NewDisposeScope();
        var design = PolynomialFeatures.Design(x, Degree);                          // [..., p]
        if (Weights.dim() == 1)
        {
            return design.matmul(Weights).MoveToOuterDisposeScope();               // [..., p] @ [p] -> [...]
        }
        if (x.dim() != 1)
        {
            throw new ArgumentException(
                $"a batch of polynomials (weights [{string.Join(", ", Weights.shape)}]) predicts at shared inputs [m], got [{string.Join(", ", x.shape)}]", nameof(x));
        }
        return Weights.matmul(design.t()).MoveToOuterDisposeScope();               // [T, p] @ [p, m] -> [T, m]
    }

    /// <summary>The squared length ‖θ‖² of the coefficient vector(s), [...] (a plain number for one polynomial).</summary>
    public Tensor SquaredNorm() => Weights.pow(2).sum(-1);

    /// <summary>f_θ as a function of one number (for drawing); only for a single polynomial (Weights [degree + 1]).</summary>
    public double At(double x)
    {
        if (Weights.dim() != 1)
        {
            throw new InvalidOperationException($"At(x) evaluates one polynomial, but Weights holds a batch [{string.Join(", ", Weights.shape)}]; use Predict");
        }
        var value = 0.0;
        var w = Weights.detach().cpu().to_type(ScalarType.Float64).data<double>().ToArray();
        for (var j = w.Length - 1; j >= 0; j--)
        {
            value = value * x + w[j];   // Horner's rule
        }
        return value;
    }
}
