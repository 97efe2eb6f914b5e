using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Recurrent;

/// <summary>
/// LSTM step (Notes §6.2.1-6.2.2). ONE weight matrix acts on the stacked <c>[h_{t-1}; x_t]</c> and
/// gives four pre-activations of size <c>hidden</c> each:
/// <code>
/// [ī; f̄; ḡ; ō] = W [h_{t-1}; x_t] + b                   W: [4·hidden, hidden + input]
/// i = σ(ī)  (input gate)   f = σ(f̄)  (forget gate)   g = tanh(ḡ)  (candidate)   o = σ(ō)  (output gate)
/// c_t = f ⊙ c_{t-1} + i ⊙ g                               (the notes' cell state a_t)
/// h_t = o ⊙ tanh(c_t)
/// </code>
/// Gate order: rows 0..H-1 of W are the input gate i, H..2H-1 the forget gate f, 2H..3H-1 the
/// candidate g, 3H..4H-1 the output gate o. This is torch's order <c>[i, f, g, o]</c> for
/// <c>weight_ih</c>/<c>weight_hh</c>, so <c>W = [weight_hh | weight_ih]</c> (columns) and
/// <c>b = bias_ih + bias_hh</c>; the notes list the gates as f, i, g, o, which is only a naming order.
/// The notes write <c>h_t = a_t · o_t</c>; torch (and this cell) squash the cell state with tanh first,
/// which keeps h_t in (-1, 1).
/// </summary>
public sealed class LstmCell : RecurrentCell
{
    private readonly Parameter weight;

    private readonly Parameter bias;

    /// <summary>Creates a cell with torch's default initialisation.</summary>
    public LstmCell(int inputSize, int hiddenSize) : base(nameof(LstmCell), inputSize, hiddenSize)
    {
        weight = UniformParameter(4 * hiddenSize, hiddenSize + inputSize);
        bias = UniformParameter(4 * hiddenSize);
        RegisterComponents();
    }

    /// <summary>b [4·hidden], same gate order.</summary>
    public Parameter Bias => bias;

    /// <summary>W [4·hidden, hidden + input], gate blocks in the order i, f, g, o.</summary>
    public Parameter Weight => weight;

    /// <inheritdoc />
    public override CellKind Kind => CellKind.Lstm;

    /// <summary>Sets the forget gate's bias to <paramref name="value"/> (1 is a common choice: remember by default).</summary>
    public void SetForgetBias(double value)
    {
        using var _ = no_grad();
        Bias[HiddenSize..(2 * HiddenSize)].fill_(value);
    }

    /// <inheritdoc />
    public override RecurrentState InitialState(long batch, ScalarType? dtype = null)
    {
        var type = dtype ?? Weight.dtype;
        return new RecurrentState(zeros(batch, HiddenSize, dtype: type), zeros(batch, HiddenSize, dtype: type)); // [batch, hidden] each
    }

    /// <inheritdoc />
    public override RecurrentState forward(Tensor x, RecurrentState state)
    {
        CheckStep(x, state);
        var previousCell = state.Cell ?? throw new ArgumentException("An LSTM state needs a cell state c_{t-1} (RecurrentState.Cell is null).", nameof(state));
        var stacked = cat(new[] { state.Hidden, x }, 1);              // [batch, hidden + input]
        var gates = nn.functional.linear(stacked, Weight, Bias);       // [batch, 4·hidden]
        var chunks = gates.chunk(4, 1);                                // 4 × [batch, hidden]
        var inputGate = chunks[0].sigmoid();                           // i  [batch, hidden]
        var forgetGate = chunks[1].sigmoid();                          // f  [batch, hidden]
        var candidate = chunks[2].tanh();                              // g  [batch, hidden]
        var outputGate = chunks[3].sigmoid();                          // o  [batch, hidden]
        var cell = forgetGate * previousCell + inputGate * candidate;  // c_t [batch, hidden]
        var hidden = outputGate * cell.tanh();                         // h_t [batch, hidden]
        return new RecurrentState(hidden, cell);
    }

    /// <inheritdoc />
    public override void LoadTorchWeights(Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh)
    {
        CheckShape(weightIh, nameof(weightIh), 4 * HiddenSize, InputSize);
        CheckShape(weightHh, nameof(weightHh), 4 * HiddenSize, HiddenSize);
        CheckShape(biasIh, nameof(biasIh), 4 * HiddenSize);
        CheckShape(biasHh, nameof(biasHh), 4 * HiddenSize);
        using var _ = no_grad();
        Weight.copy_(cat(new[] { weightHh, weightIh }, 1)); // [4·hidden, hidden + input]
        Bias.copy_(biasIh + biasHh);                        // [4·hidden]
    }
}
