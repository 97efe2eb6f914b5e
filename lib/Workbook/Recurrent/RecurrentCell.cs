using TorchSharp;
using TorchSharp.Modules;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Recurrent;

/// <summary>
/// The state a recurrent cell carries from one time step to the next: the hidden state
/// <c>h</c> [batch, hidden], and for an LSTM also the cell state <c>c</c> (the notes' <c>a_t</c>,
/// Notes §6.2.1) [batch, hidden]; <see cref="Cell"/> is null for RNN and GRU cells.
/// </summary>
public sealed record RecurrentState(Tensor Hidden, Tensor? Cell = null)
{
    /// <summary>The same state cut off from the autograd graph (truncated BPTT, Notes §6.1.2).</summary>
    public RecurrentState Detach() => new(Hidden.detach(), Cell?.detach());

    /// <summary>Keeps this state where <paramref name="keep"/> [batch, 1] is 1 and takes <paramref name="other"/> where it is 0.</summary>
    public RecurrentState Where(Tensor keep, RecurrentState other) => new(
        keep * Hidden + (1 - keep) * other.Hidden,                                          // [batch, hidden]
        Cell is null || other.Cell is null ? Cell : keep * Cell + (1 - keep) * other.Cell); // [batch, hidden]
}

/// <summary>The three cell types of Notes §6.1-6.2.3.</summary>
public enum CellKind
{
    /// <summary>Vanilla (Elman) RNN with tanh, Notes §6.1.1.</summary>
    Rnn,
    /// <summary>Long short-term memory, Notes §6.2.1.</summary>
    Lstm,
    /// <summary>Gated recurrent unit, Notes §6.2.3.</summary>
    Gru,
}

/// <summary>
/// One time step of a recurrent network: <c>(x_t [batch, input], state_{t-1}) -> state_t</c>.
/// The cells are written from the notes' equations; each also loads the weights of the matching
/// TorchSharp layer (<see cref="LoadTorchWeights"/>) so that tests can show they compute the same thing.
/// </summary>
public abstract class RecurrentCell : nn.Module<Tensor, RecurrentState, RecurrentState>
{
    /// <summary>Creates a cell; checks that both sizes are positive.</summary>
    protected RecurrentCell(string name, int inputSize, int hiddenSize) : base(name)
    {
        if (inputSize < 1 || hiddenSize < 1)
        {
            throw new ArgumentException($"{name} needs inputSize >= 1 and hiddenSize >= 1, got inputSize = {inputSize}, hiddenSize = {hiddenSize}.");
        }
        InputSize = inputSize;
        HiddenSize = hiddenSize;
    }

    /// <summary>Size of x_t.</summary>
    public int InputSize { get; }

    /// <summary>Size of h_t.</summary>
    public int HiddenSize { get; }

    /// <summary>Which cell this is.</summary>
    public abstract CellKind Kind { get; }

    /// <summary>All-zero state for a batch (the convention of torch.nn.RNN/LSTM/GRU).</summary>
    public virtual RecurrentState InitialState(long batch, ScalarType? dtype = null)
    {
        var type = dtype ?? parameters().First().dtype;
        return new RecurrentState(zeros(batch, HiddenSize, dtype: type)); // [batch, hidden]
    }

    /// <summary>One step; the same as <c>call(x, state)</c>.</summary>
    public RecurrentState Step(Tensor x, RecurrentState state) => call(x, state);

    /// <summary>
    /// Copies the weights of one layer and direction of a TorchSharp recurrent layer
    /// (its <c>weight_ih_lK</c>, <c>weight_hh_lK</c>, <c>bias_ih_lK</c>, <c>bias_hh_lK</c>) into this cell.
    /// </summary>
    public abstract void LoadTorchWeights(Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh);

    /// <summary>Throws a clear ArgumentException when x or the state do not fit this cell.</summary>
    protected void CheckStep(Tensor x, RecurrentState state)
    {
        if (x.dim() != 2 || x.shape[1] != InputSize)
        {
            throw new ArgumentException($"{GetName()} expects x_t of shape [batch, {InputSize}] but got {Shapes.Of(x)}.", nameof(x));
        }
        if (state.Hidden.dim() != 2 || state.Hidden.shape[0] != x.shape[0] || state.Hidden.shape[1] != HiddenSize)
        {
            throw new ArgumentException(
                $"{GetName()} expects a hidden state of shape [{x.shape[0]}, {HiddenSize}] (batch of x_t, hidden size) but got {Shapes.Of(state.Hidden)}.",
                nameof(state));
        }
    }

    /// <summary>Checks the shape of a TorchSharp weight before copying it.</summary>
    protected static void CheckShape(Tensor t, string name, params long[] expected)
    {
        if (!t.shape.SequenceEqual(expected))
        {
            throw new ArgumentException($"{name} has shape {Shapes.Of(t)} but this cell needs {Shapes.Of(expected)}.", name);
        }
    }

    /// <summary>Uniform(-1/sqrt(hidden), 1/sqrt(hidden)), torch's default initialisation for recurrent layers.</summary>
    protected Parameter UniformParameter(params long[] shape)
    {
        var bound = 1.0 / Math.Sqrt(HiddenSize);
        return new Parameter(empty(shape).uniform_(-bound, bound));
    }

    /// <summary>Creates a cell of the given kind.</summary>
    public static RecurrentCell Create(CellKind kind, int inputSize, int hiddenSize) => kind switch
    {
        CellKind.Rnn => new RnnCell(inputSize, hiddenSize),
        CellKind.Lstm => new LstmCell(inputSize, hiddenSize),
        CellKind.Gru => new GruCell(inputSize, hiddenSize),
        _ => throw new ArgumentException($"Unknown cell kind {kind}.", nameof(kind)),
    };
}
