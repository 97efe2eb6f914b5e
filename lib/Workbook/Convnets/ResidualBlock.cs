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
/// </summary>
public sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly bool residual;

    /// <summary>A block on <paramref name="channels"/> channels, with the skip connection when <paramref name="residual"/>.</summary>
    public ResidualBlock(int channels, bool residual = true) : base(nameof(ResidualBlock))
    {
        conv1 = nn.Conv2d(channels, channels, 3, padding: 1);
        conv2 = nn.Conv2d(channels, channels, 3, padding: 1);
        this.residual = residual;
        RegisterComponents();
    }

    /// <summary>Whether the input is added to F(x).</summary>
    public bool IsResidual => residual;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        var f = conv2.call(nn.functional.relu(conv1.call(x)));                     // F(x): [batch, C, H, W]
        return nn.functional.relu(residual ? f + x : f);                            // [batch, C, H, W]
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
