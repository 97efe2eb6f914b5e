using TorchSharp;
using TorchSharp.Modules;
using Workbook.Attention;
using static TorchSharp.torch;

namespace Workbook.Transformers;

/// <summary>
/// One GPT block (pre-norm decoder block without cross-attention; Notes §6.9.3), nanoGPT's <c>Block</c>:
/// <code>
///   x = x + attn(ln_1(x))
///   x = x + mlp(ln_2(x))
/// </code>
/// with causal multi-head self-attention (the fused kernel unless weights are recorded) and a GELU MLP. The blocks of
/// notebook 12's ablations, with switches for norm placement, layer norm and residuals, are <see cref="EncoderBlock"/>
/// and <see cref="DecoderBlock"/> with their <see cref="BlockConfig"/>.
/// </summary>
public sealed class GptBlock : nn.Module<Tensor, Tensor>
{
    private readonly bool causal;
    private readonly LayerNormScratch norm1;
    private readonly MultiHeadAttention attention;
    private readonly LayerNormScratch norm2;
    private readonly FeedForward mlp;

    /// <summary>A block as <paramref name="config"/> describes; <paramref name="causal"/> false lets every position see every other.</summary>
    public GptBlock(GptConfig config, bool causal = true) : base(nameof(GptBlock))
    {
        this.causal = causal;
        norm1 = new LayerNormScratch(config.Width, fused: true);
        attention = config.Positions == PositionalEncodingKind.RelativeBias
            ? MultiHeadAttention.WithRelativePositions(config.Width, config.Heads, config.ContextLength - 1, RelativePositionKind.Bias,
                dropout: config.Dropout, residualDropout: config.Dropout)
            : new MultiHeadAttention(config.Width, config.Heads, dropout: config.Dropout, residualDropout: config.Dropout);
        norm2 = new LayerNormScratch(config.Width, fused: true);
        mlp = new FeedForward(config.Width, config.FeedForwardMultiplier * config.Width, config.Dropout, Activation.Gelu);
        RegisterComponents();
    }

    /// <summary>(Causal) multi-head self-attention.</summary>
    public MultiHeadAttention Attention => attention;

    /// <summary>The position-wise MLP (GELU).</summary>
    public FeedForward Mlp => mlp;

    /// <summary>The projections that write into the residual stream (W^O and the MLP's W₂), which nanoGPT initialises smaller.</summary>
    public IEnumerable<Linear> ResidualProjections => new[] { attention.WO, mlp.Project };

    /// <summary>x [B, T, width] → [B, T, width].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = x + attention.SelfAttend(norm1.call(x), causal: causal);   // x = x + attn(ln_1(x))
        x = x + mlp.call(norm2.call(x));                               // x = x + mlp(ln_2(x))
        return x.MoveToOuterDisposeScope();
    }
}
