using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Workbook.Tensors;

namespace Workbook.DeepNets;

/// <summary>The element-wise non-linearity σ between the layers of an <see cref="Mlp"/>.</summary>
public enum Nonlinearity
{
    /// <summary>max(0, z).</summary>
    Relu,

    /// <summary>tanh(z).</summary>
    Tanh,

    /// <summary>The identity: the network is one linear map, written as several.</summary>
    Identity,
}

/// <summary>Size and wiring of an <see cref="Mlp"/>.</summary>
/// <param name="InputSize">features of an input vector.</param>
/// <param name="HiddenSizes">width of each hidden layer, first to last (empty: a linear model).</param>
/// <param name="OutputSize">width of the output (logits for a classifier).</param>
/// <param name="Activation">the non-linearity after every hidden layer (none after the output layer).</param>
/// <param name="BatchNorm">whether every hidden layer is z → BN(z) → σ (the linear layers then carry no bias: BN's β replaces it).</param>
/// <param name="DropProbability">probability of dropping each hidden activation while training (0: no dropout), with <see cref="InvertedDropout"/>.</param>
public sealed record MlpConfig(int InputSize, IReadOnlyList<int> HiddenSizes, int OutputSize,
    Nonlinearity Activation = Nonlinearity.Relu, bool BatchNorm = false, double DropProbability = 0.0)
{
    /// <summary>A config of <paramref name="depth"/> hidden layers all <paramref name="width"/> wide.</summary>
    public static MlpConfig Deep(int inputSize, int width, int depth, int outputSize, Nonlinearity activation = Nonlinearity.Relu,
        bool batchNorm = false) =>
        new(inputSize, Enumerable.Repeat(width, depth).ToArray(), outputSize, activation, batchNorm);

    /// <summary>Checks the numbers fit together.</summary>
    public void Validate()
    {
        if (InputSize < 1 || OutputSize < 1 || HiddenSizes.Any(h => h < 1))
        {
            throw new ArgumentException($"MLP sizes must be at least 1: input {InputSize}, hidden [{string.Join(", ", HiddenSizes)}], output {OutputSize}");
        }
        if (DropProbability is < 0 or >= 1)
        {
            throw new ArgumentException($"MLP drop probability {DropProbability} is not in [0, 1)");
        }
    }
}

/// <summary>
/// A multi-layer perceptron (Notes §4.1): z⁽ⁱ⁾ = W⁽ⁱ⁾ a⁽ⁱ⁻¹⁾ + b⁽ⁱ⁾, a⁽ⁱ⁾ = σ(z⁽ⁱ⁾) for the hidden layers, and the last
/// layer's z as output (logits), with a⁽⁰⁾ = x. Optionally every hidden z goes through <see cref="BatchNormScratch"/> before σ
/// and every hidden a through <see cref="InvertedDropout"/>. <see cref="Trace"/> keeps every z and a, which is what
/// the hand-written backward pass (<see cref="Backprop"/>) and the activation statistics need.
/// </summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly MlpConfig config;
    private readonly ModuleList<Linear> layers;
    private readonly ModuleList<BatchNormScratch> norms;
    private readonly ModuleList<InvertedDropout> dropouts;

    /// <summary>An MLP with torch's default initialisation of every <c>Linear</c> (see <see cref="Initialisation"/> for others).</summary>
    public Mlp(MlpConfig config) : base(nameof(Mlp))
    {
        config.Validate();
        this.config = config;
        var sizes = new[] { config.InputSize }.Concat(config.HiddenSizes).Append(config.OutputSize).ToArray();
        layers = new ModuleList<Linear>();
        norms = new ModuleList<BatchNormScratch>();
        dropouts = new ModuleList<InvertedDropout>();
        for (var i = 0; i + 1 < sizes.Length; i++)
        {
            var hidden = i + 2 < sizes.Length;
            layers.Add(nn.Linear(sizes[i], sizes[i + 1], hasBias: !(hidden && config.BatchNorm)));
            if (hidden && config.BatchNorm)
            {
                norms.Add(new BatchNormScratch(sizes[i + 1]));
            }
            if (hidden && config.DropProbability > 0)
            {
                dropouts.Add(new InvertedDropout(keepProbability: 1 - config.DropProbability));
            }
        }
        RegisterComponents();
    }

    /// <summary>The configuration this network was built from.</summary>
    public MlpConfig Config => config;

    /// <summary>The linear layers, input side first; the last one produces the output.</summary>
    public IReadOnlyList<Linear> Layers => layers.ToList();

    /// <summary>The batch-norm layers, one per hidden layer (empty without batch norm).</summary>
    public IReadOnlyList<BatchNormScratch> Norms => norms.ToList();

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => Trace(x, keep: false).Output;

    /// <summary>
    /// The forward pass that keeps every pre-activation z⁽ⁱ⁾ and activation a⁽ⁱ⁾ (a⁽⁰⁾ = x; after dropout when there is
    /// dropout). With <paramref name="keep"/> false only the output is kept.
    /// </summary>
    public MlpTrace Trace(Tensor x, bool keep = true)
    {
        if (x.dim() != 2 || x.shape[1] != config.InputSize)
        {
            throw new ArgumentException($"the MLP expects [batch, {config.InputSize}] inputs, got {Shapes.Of(x.shape)}", nameof(x));
        }
        var activations = new List<Tensor> { x };                              // a⁽⁰⁾ = x: [batch, input]
        var preActivations = new List<Tensor>();
        var a = x;
        for (var i = 0; i < layers.Count; i++)
        {
            var z = layers[i].call(a);                                          // [batch, width_i]
            if (i == layers.Count - 1)
            {
                preActivations.Add(z);
                activations.Add(z);                                             // the output layer has no σ
                break;
            }
            if (config.BatchNorm)
            {
                z = norms[i].call(z);                                           // [batch, width_i]
            }
            preActivations.Add(z);
            a = Activate(z, config.Activation);                                 // [batch, width_i]
            if (config.DropProbability > 0)
            {
                a = dropouts[i].call(a);
            }
            activations.Add(a);
        }
        var output = activations[^1];                                           // [batch, output]
        return keep ? new MlpTrace(activations, preActivations) : new MlpTrace(new[] { x, output }, new[] { output });
    }

    /// <summary>σ(z) for the given non-linearity.</summary>
    public static Tensor Activate(Tensor z, Nonlinearity activation) => activation switch
    {
        Nonlinearity.Relu => nn.functional.relu(z),
        Nonlinearity.Tanh => z.tanh(),
        _ => z.alias(),
    };
}

/// <summary>What the forward pass of an <see cref="Mlp"/> computed, layer by layer.</summary>
/// <param name="Activations">a⁽⁰⁾ = x, a⁽¹⁾ … a⁽ᴸ⁻¹⁾ (hidden, after σ), and the output z⁽ᴸ⁾ last: L + 1 tensors [batch, width].</param>
/// <param name="PreActivations">z⁽¹⁾ … z⁽ᴸ⁾ (after batch norm when there is batch norm): L tensors [batch, width].</param>
public sealed record MlpTrace(IReadOnlyList<Tensor> Activations, IReadOnlyList<Tensor> PreActivations)
{
    /// <summary>The network's output z⁽ᴸ⁾, [batch, output].</summary>
    public Tensor Output => Activations[^1];

    /// <summary>The hidden activations a⁽¹⁾ … a⁽ᴸ⁻¹⁾ (not the input, not the output).</summary>
    public IEnumerable<Tensor> Hidden => Activations.Skip(1).Take(Activations.Count - 2);
}
