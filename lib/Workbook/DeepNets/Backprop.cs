using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.DeepNets;

/// <summary>dL/dW and dL/db of one linear layer.</summary>
/// <param name="Weight">dL/dW, [out, in] (the layout of <c>Linear.weight</c>).</param>
/// <param name="Bias">dL/db, [out].</param>
public sealed record LayerGradients(Tensor Weight, Tensor Bias);

/// <summary>
/// Backpropagation for an <see cref="Mlp"/>, written by hand (Notes §4.2, Algorithm 7): start from δ = dL/dz⁽ᴸ⁾ and walk
/// the layers from the output back to the input; at each linear layer z = W a + b,
/// <code>
///   dL/dW = δᵀ a⁽ⁱ⁻¹⁾     dL/db = Σ_batch δ          (the layer's parameters: "df/dθ · δ")
///   δ ← (δ W) ⊙ σ'(z⁽ⁱ⁻¹⁾)                          (the layer's input, through the non-linearity: "df/dx · δ")
/// </code>
/// Every quantity is read from the forward pass's <see cref="MlpTrace"/>; nothing is recomputed.
/// </summary>
public static class Backprop
{
    /// <summary>
    /// Gradients of every layer (input side first) and dL/dx, given the trace of the forward pass and
    /// <paramref name="outputGradient"/> = dL/dz⁽ᴸ⁾ [batch, output]. Only for MLPs without batch norm and dropout.
    /// </summary>
    public static (IReadOnlyList<LayerGradients> Layers, Tensor Input) Backward(Mlp mlp, MlpTrace trace, Tensor outputGradient)
    {
        if (mlp.Config.BatchNorm || mlp.Config.DropProbability > 0)
        {
            throw new ArgumentException("the hand-written backward pass covers linear layers and σ only: build the MLP without batch norm and dropout", nameof(mlp));
        }
        var layers = mlp.Layers;
        if (trace.Activations.Count != layers.Count + 1)
        {
            throw new ArgumentException($"the trace has {trace.Activations.Count} activations but the MLP has {layers.Count} layers: trace it with keep: true", nameof(trace));
        }
        using var _ = no_grad();
        var gradients = new LayerGradients[layers.Count];
        var delta = outputGradient;                                                 // dL/dz⁽ᴸ⁾: [batch, out]
        for (var i = layers.Count - 1; i >= 0; i--)
        {
            var input = trace.Activations[i].detach();                              // a⁽ⁱ⁾ feeding layer i: [batch, in]
            var weight = layers[i].weight!.detach();                                // [out, in]
            gradients[i] = new LayerGradients(delta.t().matmul(input), delta.sum(dim: 0)); // [out, in], [out]
            var back = delta.matmul(weight);                                        // dL/da⁽ⁱ⁾: [batch, in]
            delta = i == 0 ? back : back * Derivative(trace.PreActivations[i - 1].detach(), trace.Activations[i].detach(), mlp.Config.Activation);
        }
        return (gradients, delta);
    }

    /// <summary>σ'(z) element-wise, given z and a = σ(z) [batch, width].</summary>
    public static Tensor Derivative(Tensor z, Tensor a, Nonlinearity activation) => activation switch
    {
        Nonlinearity.Relu => (z > 0).to_type(z.dtype),                              // 1 where the unit is on
        Nonlinearity.Tanh => 1 - a * a,                                             // tanh' = 1 - tanh²
        _ => ones_like(z),
    };

    /// <summary>
    /// dL/dlogits of the mean cross-entropy L = -(1/B) Σ_b log softmax(z_b)[y_b]: (softmax(z) - onehot(y)) / B, [batch, classes].
    /// </summary>
    public static Tensor CrossEntropyGradient(Tensor logits, Tensor targets)
    {
        using var _ = no_grad();
        var probabilities = softmax(logits.detach(), 1);                            // [batch, classes]
        var oneHot = nn.functional.one_hot(targets, logits.shape[1]).to_type(logits.dtype); // [batch, classes]
        return (probabilities - oneHot) / logits.shape[0];
    }

    /// <summary>
    /// The relative error of two gradients, max |a - b| / max(max |a|, max |b|, 1e-300): the number a gradient check
    /// reports (about 1e-15 for a correct float64 backward pass, about 1e-7 for float32; a bug gives something near 1).
    /// </summary>
    public static double RelativeError(Tensor a, Tensor b)
    {
        using var _ = no_grad();
        var difference = (a - b).abs().max().ToDouble();
        var scale = Math.Max(Math.Max(a.abs().max().ToDouble(), b.abs().max().ToDouble()), 1e-300);
        return difference / scale;
    }

    /// <summary>
    /// Central finite differences (L(θ + h eₖ) - L(θ - h eₖ)) / 2h at the flat positions <paramref name="indices"/> of
    /// <paramref name="parameter"/>, with <paramref name="loss"/> evaluated afresh each time: the gradient check that needs
    /// no backward pass at all. The parameter is restored afterwards. Use float64: in float32 rounding swamps the difference.
    /// </summary>
    public static double[] NumericalGradient(Func<double> loss, Tensor parameter, IReadOnlyList<long> indices, double h = 1e-6)
    {
        var result = new double[indices.Count];
        using var _ = no_grad();
        var flat = parameter.view(-1);                                              // a view: writes change the parameter
        for (var k = 0; k < indices.Count; k++)
        {
            var original = flat[indices[k]].ToDouble();
            flat[indices[k]].fill_(original + h);
            var plus = loss();
            flat[indices[k]].fill_(original - h);
            var minus = loss();
            flat[indices[k]].fill_(original);
            result[k] = (plus - minus) / (2 * h);
        }
        return result;
    }
}
