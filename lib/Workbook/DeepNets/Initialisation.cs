using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.DeepNets;

/// <summary>How the weights of a linear layer z = W a + b (W of shape [out, in], fan-in D_a = in) are drawn (Notes §4.4).</summary>
public enum InitScheme
{
    /// <summary>W ~ N(0, 10⁻⁴): variance 10⁻⁴, standard deviation 0.01, whatever the width (Notes §4.4.1).</summary>
    SmallNormal,

    /// <summary>W ~ N(0, 1/D_a): variance 1/D_a, so Var z = Var a for a linear or tanh layer near 0 (Notes §4.4.2).</summary>
    Xavier,

    /// <summary>W ~ N(0, 2/D_a): twice Xavier's variance, to make up for the half that a ReLU zeroes (Notes §4.4.2.1).</summary>
    He,

    /// <summary>W = gain · an orthogonal matrix from the SVD of a Gaussian one: every singular value is the gain (Notes §4.4.4).</summary>
    Orthogonal,
}

/// <summary>Weight initialisation schemes (Notes §4.4) and the spread of activations they give in a deep network.</summary>
public static class Initialisation
{
    /// <summary>The variance of <see cref="InitScheme.SmallNormal"/>.</summary>
    public const double SmallVariance = 1e-4;

    /// <summary>
    /// The standard deviation of each weight under a Gaussian scheme with fan-in <paramref name="fanIn"/>: 0.01, √(1/D_a)
    /// or √(2/D_a). For <see cref="InitScheme.Orthogonal"/> every entry has variance gain²/max(in, out), which is returned.
    /// </summary>
    public static double StandardDeviation(InitScheme scheme, long fanIn, long fanOut = 0, double orthogonalGain = 1.0) => scheme switch
    {
        InitScheme.SmallNormal => Math.Sqrt(SmallVariance),
        InitScheme.Xavier => Math.Sqrt(1.0 / fanIn),
        InitScheme.He => Math.Sqrt(2.0 / fanIn),
        _ => orthogonalGain / Math.Sqrt(Math.Max(fanIn, fanOut)),
    };

    /// <summary>
    /// A [rows, columns] matrix with orthonormal rows or columns (whichever there are fewer of), times <paramref name="gain"/>:
    /// the SVD A = U S Vᵀ of a Gaussian A, keeping U when it has the shape needed and Vᵀ otherwise (Notes §4.4.4).
    /// </summary>
    public static Tensor Orthogonal(long rows, long columns, double gain = 1.0, ScalarType dtype = ScalarType.Float32)
    {
        using var scope = NewDisposeScope();
        var gaussian = randn(rows, columns, dtype: ScalarType.Float64);             // [rows, columns]
        var (u, _, vh) = linalg.svd(gaussian, fullMatrices: false);                 // U [rows, k], Vᵀ [k, columns], k = min
        var q = rows >= columns ? u : vh;                                           // [rows, columns]
        return (q * gain).to_type(dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Re-draws the weight of <paramref name="layer"/> with <paramref name="scheme"/> and sets its bias (if any) to <paramref name="biasValue"/> (Notes §4.4.3).</summary>
    public static void Apply(Linear layer, InitScheme scheme, double orthogonalGain = 1.0, double biasValue = 0.0)
    {
        using var _ = no_grad();
        var weight = layer.weight!;                                                 // [out, in]
        long fanOut = weight.shape[0], fanIn = weight.shape[1];
        if (scheme == InitScheme.Orthogonal)
        {
            weight.copy_(Orthogonal(fanOut, fanIn, orthogonalGain, weight.dtype));
        }
        else
        {
            weight.normal_(0, StandardDeviation(scheme, fanIn));
        }
        layer.bias?.fill_(biasValue);
    }

    /// <summary>Applies <see cref="Apply(Linear, InitScheme, double, double)"/> to every layer of <paramref name="mlp"/>.</summary>
    public static Mlp Apply(Mlp mlp, InitScheme scheme, double orthogonalGain = 1.0, double biasValue = 0.0)
    {
        foreach (var layer in mlp.Layers)
        {
            Apply(layer, scheme, orthogonalGain, biasValue);
        }
        return mlp;
    }

    /// <summary>
    /// The root mean square √E[a²] of the activations a⁽¹⁾ … a⁽ᵈᵉᵖᵗʰ⁾ (over batch and units; the quantity the variance
    /// argument of Notes §4.4.2 tracks) of a <paramref name="depth"/>-layer
    /// net of constant <paramref name="width"/>, fed x ~ N(0, 1) [batch, width], with weights drawn by <paramref name="scheme"/>
    /// and zero biases: how the signal's size changes with depth (Notes §4.4.1-4.4.4). Element 0 is the input's.
    /// </summary>
    public static double[] ActivationSpread(InitScheme scheme, Nonlinearity activation, int depth = 20, int width = 256, int batch = 512,
        double orthogonalGain = 1.0)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var mlp = Apply(new Mlp(MlpConfig.Deep(width, width, depth - 1, width, activation)), scheme, orthogonalGain);
        var x = randn(batch, width);                                                // [batch, width]
        var trace = mlp.Trace(x);
        static double Rms(Tensor a) => a.pow(2).mean().sqrt().ToDouble();
        var spread = new List<double> { Rms(x) };
        spread.AddRange(trace.Hidden.Select(Rms));
        spread.Add(Rms(Mlp.Activate(trace.Output, activation)));                    // the last layer, through σ as the others
        return spread.ToArray();
    }
}
