using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Foundations;

/// <summary>
/// The design matrix of polynomial regression: a row φ(x) = (1, x, x², ..., x^degree) per input, so that a
/// polynomial of that degree is the linear model f_θ(x) = φ(x)ᵀθ. Fitting a curve becomes linear least squares.
/// </summary>
public static class PolynomialFeatures
{
    /// <summary>
    /// Φ with Φ[..., i, j] = x[..., i]^j for j = 0..degree: inputs [..., n] give [..., n, degree + 1]
    /// (a leading batch dimension of many training sets is kept).
    /// </summary>
    public static Tensor Design(Tensor x, int degree)
    {
        if (degree < 0)
        {
            throw new ArgumentException($"a polynomial degree must be at least 0, got {degree}", nameof(degree));
        }
        var powers = arange(degree + 1, dtype: x.dtype, device: x.device);   // [degree + 1]
        return x.unsqueeze(-1).pow(powers);                                   // [..., n, 1] ^ [degree + 1] -> [..., n, degree + 1]
    }
}
