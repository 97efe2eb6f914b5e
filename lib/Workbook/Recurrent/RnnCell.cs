using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Recurrent;

/// <summary>
/// Vanilla RNN step (Notes §6.1.1): the previous hidden state and the input are stacked and go
/// through one affine layer and a tanh,
/// <code>h_t = tanh(W [h_{t-1}; x_t] + b)</code>
/// with <c>W</c> of shape [hidden, hidden + input]. torch.nn.RNN writes the same thing as
/// <c>tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)</c>: <c>W = [W_hh | W_ih]</c> (columns) and <c>b = b_ih + b_hh</c>.
/// </summary>
public sealed class RnnCell : RecurrentCell
{
    private readonly Parameter weight;

    private readonly Parameter bias;

    /// <summary>Creates a cell with torch's default initialisation.</summary>
    public RnnCell(int inputSize, int hiddenSize) : base(nameof(RnnCell), inputSize, hiddenSize)
    {
        weight = UniformParameter(hiddenSize, hiddenSize + inputSize);
        bias = UniformParameter(hiddenSize);
        RegisterComponents();
    }

    /// <summary>b [hidden].</summary>
    public Parameter Bias => bias;

    /// <summary>W [hidden, hidden + input]: the first <c>hidden</c> columns act on h_{t-1}, the rest on x_t.</summary>
    public Parameter Weight => weight;

    /// <inheritdoc />
    public override CellKind Kind => CellKind.Rnn;

    /// <summary>The part of W acting on h_{t-1}, [hidden, hidden] (a view: writing to it changes W).</summary>
    public Tensor RecurrentWeight => Weight[.., ..HiddenSize];

    /// <summary>The part of W acting on x_t, [hidden, input] (a view).</summary>
    public Tensor InputWeight => Weight[.., HiddenSize..];

    /// <inheritdoc />
    public override RecurrentState forward(Tensor x, RecurrentState state)
    {
        CheckStep(x, state);
        var stacked = cat(new[] { state.Hidden, x }, 1);          // [batch, hidden + input]
        var hidden = nn.functional.linear(stacked, Weight, Bias);  // [batch, hidden]
        return new RecurrentState(hidden.tanh());                  // [batch, hidden]
    }

    /// <inheritdoc />
    public override void LoadTorchWeights(Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh)
    {
        CheckShape(weightIh, nameof(weightIh), HiddenSize, InputSize);
        CheckShape(weightHh, nameof(weightHh), HiddenSize, HiddenSize);
        CheckShape(biasIh, nameof(biasIh), HiddenSize);
        CheckShape(biasHh, nameof(biasHh), HiddenSize);
        using var _ = no_grad();
        Weight.copy_(cat(new[] { weightHh, weightIh }, 1)); // [hidden, hidden + input]
        Bias.copy_(biasIh + biasHh);                        // [hidden]
    }
}
