using TorchSharp;
using TorchSharp.Modules;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Recurrent;

/// <summary>Settings of a multi-layer, optionally bidirectional recurrent network.</summary>
/// <param name="Kind">RNN, LSTM or GRU cells.</param>
/// <param name="InputSize">features per input step.</param>
/// <param name="HiddenSize">hidden size of every cell.</param>
/// <param name="Layers">stacked layers (Notes §6.1.4.2).</param>
/// <param name="Bidirectional">a second, reversed cell per layer (Notes §6.1.4.3); outputs are [forward; backward].</param>
public sealed record RecurrentConfig(CellKind Kind, int InputSize, int HiddenSize, int Layers = 1, bool Bidirectional = false);

/// <summary>Outputs of a <see cref="StackedRecurrent"/>, in torch's layout.</summary>
/// <param name="Outputs">last layer's hidden states, [batch, time, directions·hidden].</param>
/// <param name="FinalHidden">h_n, [layers·directions, batch, hidden] (index = layer·directions + direction).</param>
/// <param name="FinalCell">c_n for LSTMs, same shape; null otherwise.</param>
public sealed record StackedOutput(Tensor Outputs, Tensor FinalHidden, Tensor? FinalCell);

/// <summary>
/// Multi-layer and bidirectional recurrent network built from <see cref="RecurrentCell"/>s
/// (Notes §6.1.4.2-6.1.4.3): layer l reads the hidden states of layer l-1 (both directions concatenated),
/// the backward cell reads the sequence from its end. Same inputs, outputs and weight layout as
/// torch.nn.RNN/LSTM/GRU with batch_first = true (see <see cref="LoadFromTorch"/>).
/// </summary>
public sealed class StackedRecurrent : nn.Module<Tensor, RecurrentState?, StackedOutput>
{
    private readonly ModuleList<RecurrentCell> cells = new();

    /// <summary>Creates the cells: layers × directions.</summary>
    public StackedRecurrent(RecurrentConfig config) : base(nameof(StackedRecurrent))
    {
        if (config.Layers < 1)
        {
            throw new ArgumentException($"A recurrent network needs at least one layer, got Layers = {config.Layers}.", nameof(config));
        }
        Config = config;
        for (var layer = 0; layer < config.Layers; layer++)
        {
            var input = layer == 0 ? config.InputSize : Directions * config.HiddenSize;
            for (var direction = 0; direction < Directions; direction++)
            {
                cells.Add(RecurrentCell.Create(config.Kind, input, config.HiddenSize));
            }
        }
        RegisterComponents();
    }

    /// <summary>The settings.</summary>
    public RecurrentConfig Config { get; }

    /// <summary>1, or 2 when bidirectional.</summary>
    public int Directions => Config.Bidirectional ? 2 : 1;

    /// <summary>The cell of a layer and direction (0 forward, 1 backward).</summary>
    public RecurrentCell Cell(int layer, int direction = 0) => cells[layer * Directions + direction];

    /// <summary>
    /// Runs the network over <paramref name="inputs"/> [batch, time, input]. <paramref name="initial"/> holds
    /// h_0 (and c_0) as [layers·directions, batch, hidden], zeros when null.
    /// </summary>
    public override StackedOutput forward(Tensor inputs, RecurrentState? initial) => Run(inputs, initial, null);

    /// <summary>Like <see cref="forward"/>, for a padded batch whose true lengths are <paramref name="lengths"/>.</summary>
    public StackedOutput Run(Tensor inputs, RecurrentState? initial = null, long[]? lengths = null)
    {
        if (inputs.dim() != 3 || inputs.shape[2] != Config.InputSize)
        {
            throw new ArgumentException($"inputs must have shape [batch, time, {Config.InputSize}] but has shape {Shapes.Of(inputs)}.", nameof(inputs));
        }
        var count = Config.Layers * Directions;
        if (initial is not null && (initial.Hidden.dim() != 3 || initial.Hidden.shape[0] != count || initial.Hidden.shape[1] != inputs.shape[0]))
        {
            throw new ArgumentException(
                $"initial hidden state has shape {Shapes.Of(initial.Hidden)} but must be [{count}, {inputs.shape[0]}, {Config.HiddenSize}] (layers·directions, batch, hidden).",
                nameof(initial));
        }
        var layerInput = inputs;                                       // [batch, time, input]
        var finals = new List<RecurrentState>();
        for (var layer = 0; layer < Config.Layers; layer++)
        {
            var outputs = new List<Tensor>();
            for (var direction = 0; direction < Directions; direction++)
            {
                var index = layer * Directions + direction;
                RecurrentState? start = initial is null ? null : new RecurrentState(initial.Hidden[index], initial.Cell?[index]);
                var run = SequenceRunner.Run(cells[index], layerInput, start, reverse: direction == 1, lengths);
                outputs.Add(run.Outputs);                              // [batch, time, hidden]
                finals.Add(run.Final);
            }
            layerInput = Directions == 1 ? outputs[0] : cat(outputs, 2); // [batch, time, directions·hidden]
        }
        var finalHidden = stack(finals.Select(s => s.Hidden), 0);      // [layers·directions, batch, hidden]
        var finalCell = Config.Kind == CellKind.Lstm ? stack(finals.Select(s => s.Cell!), 0) : null;
        return new StackedOutput(layerInput, finalHidden, finalCell);
    }

    /// <summary>
    /// Copies every weight of a TorchSharp torch.nn.RNN / LSTM / GRU with the same sizes (and bias = true)
    /// into the from-scratch cells: parameters <c>weight_ih_l{k}</c>, <c>weight_hh_l{k}</c>, <c>bias_ih_l{k}</c>,
    /// <c>bias_hh_l{k}</c>, with the suffix <c>_reverse</c> for the backward direction.
    /// </summary>
    public void LoadFromTorch(nn.Module torchLayer)
    {
        var parameters = torchLayer.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        for (var layer = 0; layer < Config.Layers; layer++)
        {
            for (var direction = 0; direction < Directions; direction++)
            {
                var suffix = $"_l{layer}" + (direction == 1 ? "_reverse" : "");
                Tensor Get(string name) => parameters.TryGetValue(name + suffix, out var p)
                    ? p
                    : throw new ArgumentException($"The TorchSharp layer has no parameter '{name + suffix}' (it has: {string.Join(", ", parameters.Keys)}).", nameof(torchLayer));
                Cell(layer, direction).LoadTorchWeights(Get("weight_ih"), Get("weight_hh"), Get("bias_ih"), Get("bias_hh"));
            }
        }
    }
}
