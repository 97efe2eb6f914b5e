using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Recurrent;

/// <summary>
/// GRU step (Notes §6.2.3: an LSTM slimmed down to two gates, with no separate cell state and no output gate):
/// <code>
/// r = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)          reset gate
/// z = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)          update gate (z = 1 keeps h_{t-1}: the "remember" path)
/// n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t-1} + b_hn)) candidate
/// h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}
/// </code>
/// Here the input part and the hidden part need separate matrices, because the reset gate multiplies only
/// the hidden part of the candidate. Both are stored in torch's layout and gate order <c>[r, z, n]</c>:
/// <see cref="InputWeight"/> = <c>weight_ih</c> [3·hidden, input], <see cref="HiddenWeight"/> = <c>weight_hh</c> [3·hidden, hidden].
/// </summary>
public sealed class GruCell : RecurrentCell
{
    private readonly Parameter inputWeight;

    private readonly Parameter hiddenWeight;

    private readonly Parameter inputBias;

    private readonly Parameter hiddenBias;

    /// <summary>Creates a cell with torch's default initialisation.</summary>
    public GruCell(int inputSize, int hiddenSize) : base(nameof(GruCell), inputSize, hiddenSize)
    {
        inputWeight = UniformParameter(3 * hiddenSize, inputSize);
        hiddenWeight = UniformParameter(3 * hiddenSize, hiddenSize);
        inputBias = UniformParameter(3 * hiddenSize);
        hiddenBias = UniformParameter(3 * hiddenSize);
        RegisterComponents();
    }

    /// <summary>b_h [3·hidden].</summary>
    public Parameter HiddenBias => hiddenBias;

    /// <summary>b_i [3·hidden].</summary>
    public Parameter InputBias => inputBias;

    /// <summary>W_h [3·hidden, hidden], blocks r, z, n.</summary>
    public Parameter HiddenWeight => hiddenWeight;

    /// <summary>W_i [3·hidden, input], blocks r, z, n.</summary>
    public Parameter InputWeight => inputWeight;

    /// <inheritdoc />
    public override CellKind Kind => CellKind.Gru;

    /// <inheritdoc />
    public override RecurrentState forward(Tensor x, RecurrentState state)
    {
        CheckStep(x, state);
        var h = state.Hidden;                                                    // [batch, hidden]
        var fromInput = nn.functional.linear(x, InputWeight, InputBias).chunk(3, 1);   // 3 × [batch, hidden]
        var fromHidden = nn.functional.linear(h, HiddenWeight, HiddenBias).chunk(3, 1); // 3 × [batch, hidden]
        var reset = (fromInput[0] + fromHidden[0]).sigmoid();                    // r [batch, hidden]
        var update = (fromInput[1] + fromHidden[1]).sigmoid();                   // z [batch, hidden]
        var candidate = (fromInput[2] + reset * fromHidden[2]).tanh();           // n [batch, hidden]
        var hidden = (1 - update) * candidate + update * h;                      // h_t [batch, hidden]
        return new RecurrentState(hidden);
    }

    /// <inheritdoc />
    public override void LoadTorchWeights(Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh)
    {
        CheckShape(weightIh, nameof(weightIh), 3 * HiddenSize, InputSize);
        CheckShape(weightHh, nameof(weightHh), 3 * HiddenSize, HiddenSize);
        CheckShape(biasIh, nameof(biasIh), 3 * HiddenSize);
        CheckShape(biasHh, nameof(biasHh), 3 * HiddenSize);
        using var _ = no_grad();
        InputWeight.copy_(weightIh);
        HiddenWeight.copy_(weightHh);
        InputBias.copy_(biasIh);
        HiddenBias.copy_(biasHh);
    }
}
