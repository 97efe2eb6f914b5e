using TorchSharp;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Recurrent;

/// <summary>Gradients that backpropagation through time computes for an <see cref="RnnCell"/>.</summary>
/// <param name="Weight">dL/dW, [hidden, hidden + input].</param>
/// <param name="Bias">dL/db, [hidden].</param>
/// <param name="Inputs">dL/dx_t for every t, [batch, time, input].</param>
/// <param name="InitialHidden">dL/dh_0, [batch, hidden].</param>
public sealed record RnnGradients(Tensor Weight, Tensor Bias, Tensor Inputs, Tensor InitialHidden);

/// <summary>
/// Backpropagation through time for the vanilla RNN, written by hand (Notes §6.1.2). The weights are used at
/// every step, so their gradient is accumulated (<c>+=</c>) over the steps, while the delta flowing back
/// through the hidden state adds the loss's own gradient at each step:
/// <code>
/// δ_T = 0;  for t = T..1:
///   g   = dL/dh_t + δ_t                 (loss at step t, plus everything later steps send back)
///   ā   = g ⊙ (1 - h_t²)               (through tanh)
///   dW += āᵀ [h_{t-1}; x_t],   db += Σ_batch ā
///   [δ_{t-1}; dL/dx_t] = ā W            (split into the hidden part and the input part)
/// </code>
/// The factor ā W applied T - t times is why the gradient reaching early steps shrinks or grows
/// geometrically (Notes §6.1.3).
/// </summary>
public static class RnnBptt
{
    /// <summary>
    /// Gradients of a loss <c>L(h_1..h_T)</c> given its direct gradients <paramref name="lossGradients"/> = dL/dh_t
    /// [batch, time, hidden] (zeros at steps where the loss does not look), the <paramref name="inputs"/>
    /// [batch, time, input] and the hidden states of the forward run with initial state <paramref name="initialHidden"/> [batch, hidden].
    /// </summary>
    public static RnnGradients Backward(RnnCell cell, Tensor inputs, Tensor initialHidden, Tensor hiddens, Tensor lossGradients)
    {
        if (inputs.dim() != 3 || inputs.shape[1] == 0)
        {
            throw new ArgumentException($"inputs must be [batch, time >= 1, input], got {Shapes.Of(inputs)}.", nameof(inputs));
        }
        if (!hiddens.shape.SequenceEqual(lossGradients.shape) || hiddens.shape[0] != inputs.shape[0] || hiddens.shape[1] != inputs.shape[1])
        {
            throw new ArgumentException(
                $"hiddens {Shapes.Of(hiddens)} and lossGradients {Shapes.Of(lossGradients)} must both be [batch, time, hidden] with the batch and time of inputs {Shapes.Of(inputs)}.");
        }
        using var _ = no_grad();
        var weight = cell.Weight.detach();                                  // [hidden, hidden + input]
        var hiddenSize = cell.HiddenSize;
        long time = inputs.shape[1];
        var dWeight = zeros_like(weight);                                   // [hidden, hidden + input]
        var dBias = zeros(hiddenSize, dtype: weight.dtype);                 // [hidden]
        var dInputs = zeros_like(inputs);                                   // [batch, time, input]
        var delta = zeros_like(initialHidden);                              // [batch, hidden]
        for (var t = time - 1; t >= 0; t--)
        {
            var h = hiddens[.., t, ..];                                     // [batch, hidden]
            var previous = t == 0 ? initialHidden : hiddens[.., t - 1, ..]; // [batch, hidden]
            var g = lossGradients[.., t, ..] + delta;                       // [batch, hidden]
            var aBar = g * (1 - h * h);                                     // ā_t = dL/d(W[h_{t-1}; x_t] + b), through the tanh: [batch, hidden]
            var stacked = cat(new[] { previous, inputs[.., t, ..] }, 1);    // [batch, hidden + input]
            dWeight.add_(aBar.t().matmul(stacked));                         // Σ_t ā_t [h_{t-1}; x_t]ᵀ: [hidden, hidden + input]
            dBias.add_(aBar.sum(dim: 0));                                   // [hidden]
            var back = aBar.matmul(weight);                                 // Wᵀ ā_t, batch as rows: [batch, hidden + input]
            delta = back[.., ..hiddenSize];                                 // [batch, hidden]
            dInputs[.., t, ..] = back[.., hiddenSize..];                    // [batch, input]
        }
        return new RnnGradients(dWeight, dBias, dInputs, delta);
    }

    /// <summary>
    /// ||dL/dx_t|| for every step t when the loss looks only at the last hidden state, L = w · h_T, computed with
    /// <see cref="Backward"/>; the curve of Notes §6.1.3 (vanishing when the recurrent Jacobians shrink, exploding when they grow).
    /// Returns one norm per step, averaged over the batch.
    /// </summary>
    public static double[] InputGradientNorms(RnnCell cell, Tensor inputs, Tensor readout)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var batch = inputs.shape[0];
        var initial = zeros(batch, cell.HiddenSize, dtype: inputs.dtype);  // [batch, hidden]
        var run = SequenceRunner.Run(cell, inputs, new RecurrentState(initial));
        var lossGradients = zeros_like(run.Outputs);                        // [batch, time, hidden]
        lossGradients[.., -1, ..] = readout.expand(batch, cell.HiddenSize); // dL/dh_T = w
        var gradients = Backward(cell, inputs, initial, run.Outputs, lossGradients);
        var norms = gradients.Inputs.norm(2, true).squeeze(2).mean(new long[] { 0 }); // [time]
        return norms.data<double>().ToArray();
    }
}
