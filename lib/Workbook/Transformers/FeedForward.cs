using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Transformers;

/// <summary>The non-linearity of a position-wise feed-forward network.</summary>
public enum Activation
{
    /// <summary>max(0, x), as in the original transformer.</summary>
    Relu,

    /// <summary>x·Φ(x), as in GPT (tanh approximation not used).</summary>
    Gelu,
}

/// <summary>
/// Position-wise feed-forward network (Notes §6.7.2.3): the same two-layer MLP applied to every
/// position separately, FFN(x) = W₂ φ(W₁ x + b₁) + b₂, widening to <c>hidden</c> (usually 4 × width)
/// and back. Without it a stack of attention layers would mix positions only linearly in the values.
/// </summary>
public sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    private readonly Linear expand;
    private readonly Linear project;
    private readonly Dropout dropout;
    private readonly Activation activation;

    /// <summary>A width → hidden → width MLP with dropout after the projection.</summary>
    public FeedForward(long width, long hidden, double dropout = 0.0, Activation activation = Activation.Gelu) : base(nameof(FeedForward))
    {
        expand = nn.Linear(width, hidden);
        project = nn.Linear(hidden, width);
        this.dropout = nn.Dropout(dropout);
        this.activation = activation;
        RegisterComponents();
    }

    /// <summary>The first layer, W₁ (width → hidden).</summary>
    public Linear Expand => expand;

    /// <summary>The second layer, W₂ (hidden → width).</summary>
    public Linear Project => project;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var hidden = expand.call(x);                                       // [..., hidden]
        using var activated = activation == Activation.Gelu ? nn.functional.gelu(hidden) : nn.functional.relu(hidden);
        using var projected = project.call(activated);                           // [..., width]
        return dropout.call(projected);
    }
}
