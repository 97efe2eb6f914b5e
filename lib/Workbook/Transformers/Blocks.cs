using TorchSharp;
using Workbook.Attention;
using static TorchSharp.torch;

namespace Workbook.Transformers;

/// <summary>Where a block normalises (Notes §6.7.3: "add and norm").</summary>
public enum NormPlacement
{
    /// <summary>x + Sublayer(LayerNorm(x)): GPT-2 and most modern models; trains without warm-up tricks.</summary>
    PreNorm,

    /// <summary>
    /// LayerNorm(x + Sublayer(x)): the original transformer (Vaswani et al., 2017). Notes §6.7.3.1 can be read as
    /// x + LayerNorm(Sublayer(x)); that is not what this computes (notebook 12 says which and why).
    /// </summary>
    PostNorm,
}

/// <summary>
/// How a block is wired: where layer norm sits, and whether layer norm and the residual
/// connections are there at all (the ablations of notebook 12).
/// </summary>
/// <param name="Norm">pre-norm x + F(LN(x)) or post-norm LN(x + F(x)).</param>
/// <param name="UseLayerNorm">false drops every layer norm of the block (ablation).</param>
/// <param name="UseResidual">false drops both residual connections (ablation).</param>
/// <param name="Activation">the feed-forward layer's non-linearity.</param>
/// <param name="FeedForwardMultiplier">the feed-forward layer's hidden width as a multiple of the model width (4 in the original).</param>
/// <param name="FusedLayerNorm">true uses TorchSharp's fused layer_norm; false the written-out mean/variance formula (the same numbers up to rounding).</param>
public sealed record BlockConfig(NormPlacement Norm = NormPlacement.PreNorm, bool UseLayerNorm = true, bool UseResidual = true,
    Activation Activation = Activation.Relu, int FeedForwardMultiplier = 4, bool FusedLayerNorm = true);

/// <summary>
/// One "add and norm" step around a sublayer, wired as <see cref="BlockConfig"/> says: where the switches of the
/// encoder and decoder blocks (the ablations of notebook 12) take effect. <see cref="GptBlock"/> has no switches and
/// writes its two pre-norm equations out.
/// </summary>
internal static class AddAndNorm
{
    /// <summary><paramref name="x"/> [..., width] through <paramref name="sublayer"/> with <paramref name="norm"/> placed as <paramref name="options"/> says.</summary>
    public static Tensor Apply(Tensor x, LayerNormScratch norm, BlockConfig options, Func<Tensor, Tensor> sublayer)
    {
        if (options.Norm == NormPlacement.PreNorm)
        {
            using var normalised = options.UseLayerNorm ? norm.call(x) : x.alias();
            using var update = sublayer(normalised);
            return options.UseResidual ? x + update : update.alias();                 // x + F(LN(x))
        }
        using var output = sublayer(x);
        using var sum = options.UseResidual ? x + output : output.alias();
        return options.UseLayerNorm ? norm.call(sum) : sum.alias();                 // LN(x + F(x))
    }
}

/// <summary>
/// Transformer encoder block (Notes §6.7.3.1): self-attention over the whole sequence, add and
/// norm, position-wise feed-forward, add and norm. Pre-norm: h = x + MHA(LN₁(x)), y = h + FFN(LN₂(h));
/// post-norm: h = LN₁(x + MHA(x)), y = LN₂(h + FFN(h)).
/// Called as <c>block.call(x, keep)</c>: x [B, T, width] → [B, T, width]; keep masks padded keys ([B, 1, 1, T], true = real token).
/// </summary>
public sealed class EncoderBlock : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly BlockConfig options;
    private readonly MultiHeadAttention attention;
    private readonly LayerNormScratch norm1;
    private readonly FeedForward feedForward;
    private readonly LayerNormScratch norm2;

    /// <summary>An encoder block of <paramref name="width"/> with <paramref name="heads"/> heads.</summary>
    public EncoderBlock(long width, long heads, double dropout = 0.0, BlockConfig? options = null) : base(nameof(EncoderBlock))
    {
        this.options = options ?? new BlockConfig();
        attention = new MultiHeadAttention(width, heads, dropout: dropout, residualDropout: dropout);
        norm1 = new LayerNormScratch(width, fused: this.options.FusedLayerNorm);
        feedForward = new FeedForward(width, this.options.FeedForwardMultiplier * width, dropout, this.options.Activation);
        norm2 = new LayerNormScratch(width, fused: this.options.FusedLayerNorm);
        RegisterComponents();
    }

    /// <summary>Self-attention.</summary>
    public MultiHeadAttention Attention => attention;

    /// <summary>Norm of the attention sublayer.</summary>
    public LayerNormScratch Norm1 => norm1;

    /// <summary>Position-wise feed-forward network.</summary>
    public FeedForward FeedForward => feedForward;

    /// <summary>Norm of the feed-forward sublayer.</summary>
    public LayerNormScratch Norm2 => norm2;

    /// <inheritdoc />
    public override Tensor forward(Tensor x, Tensor? keep)
    {
        using var h = AddAndNorm.Apply(x, norm1, options, a => attention.SelfAttend(a, keep));   // [B, T, width]
        return AddAndNorm.Apply(h, norm2, options, feedForward.call);                                // [B, T, width]
    }
}

/// <summary>
/// Transformer decoder block (Notes §6.7.3.2): masked (causal) self-attention, add and norm;
/// cross-attention whose queries come from the decoder and keys and values from the encoder's
/// output (§6.7.2.5), add and norm; feed-forward, add and norm.
/// Called as <c>block.call(y, memory, memoryKeep)</c>: y [B, Tt, width] attends causally to itself and to memory
/// [B, Ts, width]; memoryKeep masks padded source positions ([B, 1, 1, Ts]).
/// </summary>
public sealed class DecoderBlock : nn.Module<Tensor, Tensor, Tensor?, Tensor>
{
    private readonly BlockConfig options;
    private readonly MultiHeadAttention selfAttention;
    private readonly LayerNormScratch norm1;
    private readonly MultiHeadAttention crossAttention;
    private readonly LayerNormScratch norm2;
    private readonly FeedForward feedForward;
    private readonly LayerNormScratch norm3;

    /// <summary>A decoder block of <paramref name="width"/> with <paramref name="heads"/> heads.</summary>
    public DecoderBlock(long width, long heads, double dropout = 0.0, BlockConfig? options = null) : base(nameof(DecoderBlock))
    {
        this.options = options ?? new BlockConfig();
        selfAttention = new MultiHeadAttention(width, heads, dropout: dropout, residualDropout: dropout);
        norm1 = new LayerNormScratch(width, fused: this.options.FusedLayerNorm);
        crossAttention = new MultiHeadAttention(width, heads, dropout: dropout, residualDropout: dropout);
        norm2 = new LayerNormScratch(width, fused: this.options.FusedLayerNorm);
        feedForward = new FeedForward(width, this.options.FeedForwardMultiplier * width, dropout, this.options.Activation);
        norm3 = new LayerNormScratch(width, fused: this.options.FusedLayerNorm);
        RegisterComponents();
    }

    /// <summary>Masked self-attention.</summary>
    public MultiHeadAttention SelfAttention => selfAttention;

    /// <summary>Cross-attention to the encoder's output.</summary>
    public MultiHeadAttention CrossAttention => crossAttention;

    /// <summary>Position-wise feed-forward network.</summary>
    public FeedForward FeedForward => feedForward;

    /// <summary>The norms of the three sublayers, in order.</summary>
    public IReadOnlyList<LayerNormScratch> Norms => new[] { norm1, norm2, norm3 };

    /// <inheritdoc />
    public override Tensor forward(Tensor y, Tensor memory, Tensor? memoryKeep)
    {
        using var h1 = AddAndNorm.Apply(y, norm1, options, a => selfAttention.SelfAttend(a, causal: true));             // [B, Tt, width]
        using var h2 = AddAndNorm.Apply(h1, norm2, options, a => crossAttention.CrossAttend(a, memory, memoryKeep)); // [B, Tt, width]
        return AddAndNorm.Apply(h2, norm3, options, feedForward.call);                                              // [B, Tt, width]
    }
}
