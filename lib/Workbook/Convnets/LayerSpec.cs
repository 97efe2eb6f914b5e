using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Convnets;

/// <summary>The shape of a feature map: channels × height × width, or a flat vector of <see cref="Channels"/> features.</summary>
/// <param name="Channels">channels (or features, when flat).</param>
/// <param name="Height">height in pixels (1 when flat).</param>
/// <param name="Width">width in pixels (1 when flat).</param>
/// <param name="Flat">whether this is a vector (after a fully connected layer).</param>
public sealed record FeatureShape(long Channels, long Height, long Width, bool Flat = false)
{
    /// <summary>A flat vector of <paramref name="features"/>.</summary>
    public static FeatureShape Vector(long features) => new(features, 1, 1, Flat: true);

    /// <summary>Numbers in one example's feature map, C·H·W.</summary>
    public long Elements => Channels * Height * Width;

    /// <summary>The shape of one example as a tensor has it: [C, H, W] or [features].</summary>
    public long[] TensorShape => Flat ? new[] { Channels } : new[] { Channels, Height, Width };

    /// <inheritdoc />
    public override string ToString() => Flat ? Channels.ToString(CultureInfo.InvariantCulture) : $"{Channels}×{Height}×{Width}";
}

/// <summary>Kinds of layer a <see cref="LayerSpec"/> describes.</summary>
public enum LayerKind
{
    /// <summary>2-D convolution.</summary>
    Conv,

    /// <summary>Max pooling.</summary>
    MaxPool,

    /// <summary>Average pooling.</summary>
    AvgPool,

    /// <summary>Average over the whole map: C×H×W → C.</summary>
    GlobalAvgPool,

    /// <summary>Batch norm over channels (2 parameters per channel).</summary>
    BatchNorm,

    /// <summary>ReLU (no parameters, shape unchanged).</summary>
    Relu,

    /// <summary>Fully connected; a feature map is flattened first.</summary>
    Linear,

    /// <summary>main(x) + shortcut(x), the shortcut being the identity when it has no layers (Notes §5.1.3.4).</summary>
    Residual,
}

/// <summary>
/// One layer of a network described by its hyper-parameters, enough to compute its output shape and its parameter
/// count without building it, and to build it as a TorchSharp module (which the tests use to check both).
/// </summary>
/// <param name="Name">a label for tables.</param>
/// <param name="Kind">what the layer does.</param>
/// <param name="Channels">output channels of a convolution, output features of a linear layer (0 otherwise).</param>
/// <param name="Kernel">kernel size k (square) of a convolution or pooling.</param>
/// <param name="Stride">stride s.</param>
/// <param name="Padding">zero padding p on every side.</param>
/// <param name="Dilation">dilation d: the kernel's taps are d pixels apart, so it spans d(k - 1) + 1 pixels.</param>
/// <param name="Bias">whether a convolution or linear layer has a bias.</param>
/// <param name="Main">a residual block's main path.</param>
/// <param name="Shortcut">a residual block's shortcut (empty: the identity).</param>
public sealed record LayerSpec(string Name, LayerKind Kind, int Channels = 0, int Kernel = 1, int Stride = 1, int Padding = 0, int Dilation = 1,
    bool Bias = true, IReadOnlyList<LayerSpec>? Main = null, IReadOnlyList<LayerSpec>? Shortcut = null)
{
    /// <summary>A k×k convolution to <paramref name="channels"/> channels.</summary>
    public static LayerSpec Conv(string name, int channels, int kernel, int stride = 1, int padding = 0, int dilation = 1, bool bias = true) =>
        new(name, LayerKind.Conv, channels, kernel, stride, padding, dilation, bias);

    /// <summary>k×k max pooling; the stride defaults to k (torch's default).</summary>
    public static LayerSpec MaxPool(string name, int kernel, int? stride = null, int padding = 0) =>
        new(name, LayerKind.MaxPool, Kernel: kernel, Stride: stride ?? kernel, Padding: padding);

    /// <summary>k×k average pooling; the stride defaults to k.</summary>
    public static LayerSpec AvgPool(string name, int kernel, int? stride = null, int padding = 0) =>
        new(name, LayerKind.AvgPool, Kernel: kernel, Stride: stride ?? kernel, Padding: padding);

    /// <summary>Global average pooling.</summary>
    public static LayerSpec GlobalAvgPool(string name) => new(name, LayerKind.GlobalAvgPool);

    /// <summary>Batch norm over the channels.</summary>
    public static LayerSpec BatchNorm(string name) => new(name, LayerKind.BatchNorm);

    /// <summary>A ReLU.</summary>
    public static LayerSpec Relu(string name) => new(name, LayerKind.Relu);

    /// <summary>A fully connected layer to <paramref name="features"/> outputs.</summary>
    public static LayerSpec Linear(string name, int features, bool bias = true) => new(name, LayerKind.Linear, features, Bias: bias);

    /// <summary>A residual block, main(x) + shortcut(x); no shortcut layers means the identity.</summary>
    public static LayerSpec Residual(string name, IReadOnlyList<LayerSpec> main, IReadOnlyList<LayerSpec>? shortcut = null) =>
        new(name, LayerKind.Residual, Main: main, Shortcut: shortcut ?? Array.Empty<LayerSpec>());

    /// <summary>The output shape for an input of shape <paramref name="input"/>.</summary>
    public FeatureShape OutputShape(FeatureShape input)
    {
        switch (Kind)
        {
            case LayerKind.Conv:
            case LayerKind.MaxPool:
            case LayerKind.AvgPool:
                RequireMap(input);
                var dilation = Kind == LayerKind.Conv ? Dilation : 1;
                var height = ShapeArithmetic.OutputSize(input.Height, Kernel, Stride, Padding, dilation);
                var width = ShapeArithmetic.OutputSize(input.Width, Kernel, Stride, Padding, dilation);
                if (height < 1 || width < 1)
                {
                    throw new ArgumentException($"layer {Name}: a {Kernel}×{Kernel} window (dilation {dilation}, padding {Padding}) does not fit a {input} map");
                }
                return new FeatureShape(Kind == LayerKind.Conv ? Channels : input.Channels, height, width);
            case LayerKind.GlobalAvgPool:
                RequireMap(input);
                return FeatureShape.Vector(input.Channels);
            case LayerKind.Linear:
                return FeatureShape.Vector(Channels);
            case LayerKind.Residual:
                var main = ShapeArithmetic.Through(input, Main!);
                var shortcut = ShapeArithmetic.Through(input, Shortcut!);
                if (main != shortcut)
                {
                    throw new ArgumentException($"residual block {Name}: the main path gives {main} but the shortcut gives {shortcut}; they must match to be added");
                }
                return main;
            default:
                return input;
        }
    }

    /// <summary>The number of learned parameters for an input of shape <paramref name="input"/>.</summary>
    public long Parameters(FeatureShape input) => Kind switch
    {
        LayerKind.Conv => (long)Channels * input.Channels * Kernel * Kernel + (Bias ? Channels : 0),   // C_out · C_in · k² + C_out
        LayerKind.Linear => (long)Channels * input.Elements + (Bias ? Channels : 0),                   // out · in + out
        LayerKind.BatchNorm => 2 * input.Channels,                                                      // γ and β per channel
        LayerKind.Residual => ShapeArithmetic.ParameterCount(input, Main!) + ShapeArithmetic.ParameterCount(input, Shortcut!),
        _ => 0,
    };

    /// <summary>This layer as a TorchSharp module for an input of shape <paramref name="input"/>.</summary>
    public nn.Module<Tensor, Tensor> Build(FeatureShape input) => Kind switch
    {
        LayerKind.Conv => nn.Conv2d(input.Channels, Channels, Kernel, Stride, Padding, Dilation, bias: Bias),
        LayerKind.MaxPool => nn.MaxPool2d(Kernel, Stride, Padding),
        LayerKind.AvgPool => nn.AvgPool2d(Kernel, Stride, Padding),
        LayerKind.GlobalAvgPool => nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten()),
        LayerKind.BatchNorm => nn.BatchNorm2d(input.Channels),
        LayerKind.Relu => nn.ReLU(),
        LayerKind.Linear => input.Flat
            ? nn.Linear(input.Elements, Channels, hasBias: Bias)
            : nn.Sequential(nn.Flatten(), nn.Linear(input.Elements, Channels, hasBias: Bias)),
        _ => new ResidualModule(ShapeArithmetic.Build(input, Main!), Shortcut!.Count == 0 ? null : ShapeArithmetic.Build(input, Shortcut!)),
    };

    /// <summary>What the layer does, in a few words: "conv 3×3, 64, stride 2, pad 1".</summary>
    public string Describe() => Kind switch
    {
        LayerKind.Conv => $"conv {Kernel}×{Kernel}, {Channels}" + (Stride != 1 ? $", stride {Stride}" : "") + (Padding != 0 ? $", pad {Padding}" : "")
                          + (Dilation != 1 ? $", dilation {Dilation}" : "") + (Bias ? "" : ", no bias"),
        LayerKind.MaxPool or LayerKind.AvgPool => $"{(Kind == LayerKind.MaxPool ? "max" : "avg")} pool {Kernel}×{Kernel}" + (Stride != Kernel ? $", stride {Stride}" : "")
                          + (Padding != 0 ? $", pad {Padding}" : ""),
        LayerKind.GlobalAvgPool => "global avg pool",
        LayerKind.BatchNorm => "batch norm",
        LayerKind.Relu => "ReLU",
        LayerKind.Linear => $"fully connected, {Channels}",
        _ => $"residual: [{string.Join(", ", Main!.Select(l => l.Describe()))}] + " + (Shortcut!.Count == 0 ? "identity" : $"[{string.Join(", ", Shortcut!.Select(l => l.Describe()))}]"),
    };

    private void RequireMap(FeatureShape input)
    {
        if (input.Flat)
        {
            throw new ArgumentException($"layer {Name} ({Kind}) needs a C×H×W feature map, got a flat vector of {input.Channels}");
        }
    }
}

/// <summary>main(x) + shortcut(x) (the identity when there is no shortcut module), for layers built from a <see cref="LayerSpec"/>.</summary>
public sealed class ResidualModule : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> main;
    private readonly nn.Module<Tensor, Tensor>? shortcut;

    /// <summary>A block adding <paramref name="main"/>'s output to <paramref name="shortcut"/>'s (or to the input itself).</summary>
    public ResidualModule(nn.Module<Tensor, Tensor> main, nn.Module<Tensor, Tensor>? shortcut) : base(nameof(ResidualModule))
    {
        this.main = main;
        this.shortcut = shortcut;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => main.call(x) + (shortcut is null ? x : shortcut.call(x));   // [batch, C, H, W]
}
