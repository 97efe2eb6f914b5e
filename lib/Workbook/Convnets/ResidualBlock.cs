using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Convnets;

/// <summary>
/// Two 3×3 convolutions with "same" padding and a ReLU between them, F(x) = conv₂(relu(conv₁(x))), followed by a ReLU;
/// with <c>residual: true</c> the block's input is added before that last ReLU (Notes §5.1.3.4):
/// <code>  plain:  H(x) = relu(F(x))        residual:  H(x) = relu(F(x) + x)  </code>
/// The residual form's Jacobian is ∂H/∂x = D (∂F/∂x + I), D the ReLU's 0/1 mask, so a gradient can pass through the
/// identity part even when ∂F/∂x is small, instead of being multiplied by every ∂F/∂x of a deep stack.
/// With <c>batchNorm: true</c> each convolution is followed by a batch norm (no bias then), as in ResNet:
/// F(x) = bn₂(conv₂(relu(bn₁(conv₁(x))))).
/// </summary>
public sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d? norm1;
    private readonly BatchNorm2d? norm2;
    private readonly bool residual;

    /// <summary>
    /// A block on <paramref name="channels"/> channels, with the skip connection when <paramref name="residual"/>, and a
    /// batch norm after each convolution when <paramref name="batchNorm"/>.
    /// </summary>
    public ResidualBlock(int channels, bool residual = true, bool batchNorm = false) : base(nameof(ResidualBlock))
    {
        conv1 = nn.Conv2d(channels, channels, 3, padding: 1, bias: !batchNorm);
        conv2 = nn.Conv2d(channels, channels, 3, padding: 1, bias: !batchNorm);
        if (batchNorm)
        {
            norm1 = nn.BatchNorm2d(channels);
            norm2 = nn.BatchNorm2d(channels);
        }
        this.residual = residual;
        RegisterComponents();
    }

    /// <summary>Whether the input is added to F(x).</summary>
    public bool IsResidual => residual;

    /// <summary>The block's two convolutions.</summary>
    public IReadOnlyList<Conv2d> Convolutions => new[] { conv1, conv2 };

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        var h = conv1.call(x);                                                      // [batch, C, H, W]
        if (norm1 is not null) h = norm1.call(h);
        var f = conv2.call(nn.functional.relu(h));
        if (norm2 is not null) f = norm2.call(f);                                   // F(x): [batch, C, H, W]
        return nn.functional.relu(residual ? f + x : f);                            // [batch, C, H, W]
    }
}

/// <summary>
/// A classifier made of a deep stack of <see cref="ResidualBlock"/>s, the shape of ResNet's CIFAR networks in miniature:
/// a 3×3 stride-2 stem convolution (batch norm, ReLU) that halves the image, <c>blocks</c> blocks on the same channels,
/// a global average pool and one linear layer to the class logits (Notes §5.1.3.4). With <c>blocks</c> blocks it has
/// 2·blocks + 2 weight layers.
/// </summary>
public sealed class StackClassifier : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d stem;
    private readonly BatchNorm2d stemNorm;
    private readonly ModuleList<ResidualBlock> blocks;
    private readonly Linear head;

    /// <summary>
    /// <paramref name="blocks"/> blocks of <paramref name="channels"/> channels (plain or residual, each with batch norm),
    /// on images of <paramref name="inChannels"/> channels, for <paramref name="classes"/> classes; every convolution
    /// He-initialised (Notes §4.4.2.1) as ResNet is.
    /// </summary>
    public StackClassifier(int blocks, int channels, bool residual, int inChannels = 1, int classes = 4) : base(nameof(StackClassifier))
    {
        stem = nn.Conv2d(inChannels, channels, 3, stride: 2, padding: 1, bias: false);
        stemNorm = nn.BatchNorm2d(channels);
        this.blocks = nn.ModuleList(Enumerable.Range(0, blocks).Select(_ => new ResidualBlock(channels, residual, batchNorm: true)).ToArray());
        head = nn.Linear(channels, classes);
        RegisterComponents();
        GradientFlow.HeInitialise(new[] { stem }.Concat(this.blocks.SelectMany(b => b.Convolutions)));
    }

    /// <summary>Weight layers: the stem, two convolutions per block, the linear head.</summary>
    public int WeightLayers => 2 * blocks.Count + 2;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        var h = nn.functional.relu(stemNorm.call(stem.call(x)));                    // [batch, C, S/2, S/2]
        foreach (var block in blocks)
        {
            h = block.call(h);
        }
        return head.call(h.mean(new long[] { 2, 3 }));                              // [batch, classes]
    }
}

/// <summary>How large the gradient is at the input of every block of a deep stack (Notes §5.1.3.4).</summary>
public static class GradientFlow
{
    /// <summary>
    /// A stack of <paramref name="blocks"/> <see cref="ResidualBlock"/>s (plain or residual) on <paramref name="channels"/> channels.
    /// </summary>
    public static IReadOnlyList<ResidualBlock> Stack(int blocks, int channels, bool residual) =>
        Enumerable.Range(0, blocks).Select(_ => new ResidualBlock(channels, residual)).ToList();

    /// <summary>
    /// Re-draws every convolution's weights with He's variance 2 / (C_in k²) (Notes §4.4.2.1, notebook 03: a ReLU
    /// network's signal then keeps its size) and sets their biases, if any, to 0.
    /// </summary>
    public static void HeInitialise(IEnumerable<Conv2d> convolutions)
    {
        using var _ = no_grad();
        foreach (var conv in convolutions)
        {
            var weight = conv.weight!;                                               // [C_out, C_in, k, k]
            var fanIn = weight.shape[1] * weight.shape[2] * weight.shape[3];
            weight.normal_(0, Math.Sqrt(2.0 / fanIn));
            conv.bias?.zero_();
        }
    }

    /// <summary><see cref="HeInitialise(IEnumerable{Conv2d})"/> on both convolutions of every block; returns the blocks.</summary>
    public static IReadOnlyList<ResidualBlock> HeInitialise(IReadOnlyList<ResidualBlock> blocks)
    {
        HeInitialise(blocks.SelectMany(b => b.Convolutions));
        return blocks;
    }

    /// <summary>
    /// ‖∂L/∂h_l‖ for the input h_0 = x of the stack and the output h_l of every block l = 1 … L, for the loss L = Σ r ⊙ h_L
    /// with a fixed random r of the output's shape (so ∂L/∂h_L = r). Index 0 is the stack's input, the last the output.
    /// </summary>
    public static double[] InputGradientNorms(IReadOnlyList<nn.Module<Tensor, Tensor>> blocks, Tensor x, Tensor readout)
    {
        using var scope = NewDisposeScope();
        var states = new List<Tensor> { x.detach().requires_grad_(true) };           // h_0: [batch, C, H, W]
        foreach (var block in blocks)
        {
            states.Add(block.call(states[^1]));                                      // h_l: [batch, C, H, W]
        }
        var loss = (states[^1] * readout).sum();
        var gradients = torch.autograd.grad(new[] { loss }, states);                 // ∂L/∂h_l for every l
        return gradients.Select(g => g.norm().ToDouble()).ToArray();
    }
}
