using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Optimization;

/// <summary>
/// A generated linear regression problem for comparing batch, stochastic and mini-batch gradient descent
/// (Notes §3.4): X ~ N(0, I) [n, d], y = X w_true + noise. Its loss is the mean squared error
/// L(w) = (1/n) Σ_i (x_iᵀw − y_i)², whose minimiser ŵ (least squares) is known, so progress is measured as the
/// excess loss L(w) − L(ŵ).
/// </summary>
/// <param name="X">inputs, float64 [n, d].</param>
/// <param name="Y">targets, float64 [n].</param>
/// <param name="TrueWeights">the weights the targets were made with, [d].</param>
public sealed record LinearRegressionData(Tensor X, Tensor Y, Tensor TrueWeights)
{
    /// <summary>Number of examples n.</summary>
    public int Count => (int)X.shape[0];

    /// <summary>Number of weights d.</summary>
    public int Dimension => (int)X.shape[1];

    /// <summary><paramref name="count"/> examples in <paramref name="dimension"/> dimensions, noise N(0, σ²), from <paramref name="seed"/>.</summary>
    public static LinearRegressionData Generate(int count, int dimension, double noiseStd, int seed)
    {
        using var generator = new Generator((ulong)seed);
        var x = randn(new long[] { count, dimension }, dtype: float64, generator: generator);              // [n, d]
        var w = randn(new long[] { dimension }, dtype: float64, generator: generator);                     // [d]
        var y = x.matmul(w) + noiseStd * randn(new long[] { count }, dtype: float64, generator: generator); // [n]
        return new LinearRegressionData(x.DetachFromDisposeScope(), y.DetachFromDisposeScope(), w.DetachFromDisposeScope());
    }

    /// <summary>The mean squared error of weights w [d] on the examples <paramref name="rows"/> (all when null), a scalar.</summary>
    public Tensor Loss(Tensor w, Tensor? rows = null)
    {
        var (x, y) = rows is null ? (X, Y) : (X.index_select(0, rows), Y.index_select(0, rows));   // [b, d], [b]
        return (x.matmul(w) - y).pow(2).mean();
    }

    /// <summary>ŵ, the least-squares weights [d] (the minimiser of <see cref="Loss"/> over all examples).</summary>
    public Tensor LeastSquares() => linalg.lstsq(X, Y.unsqueeze(-1)).Solution.squeeze(-1);

    /// <summary>
    /// Per-example gradients of the squared error at w: row i is ∇_w (x_iᵀw − y_i)² = 2 (x_iᵀw − y_i) x_i, [n, d].
    /// The full-batch gradient is their mean.
    /// </summary>
    public Tensor ExampleGradients(Tensor w) => 2 * (X.matmul(w) - Y).unsqueeze(-1) * X;
}
