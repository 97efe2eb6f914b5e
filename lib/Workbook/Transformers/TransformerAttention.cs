using TorchSharp;
using TorchSharp.Modules;
using Workbook.Attention;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Transformers;

/// <summary>
/// Multi-head attention as the transformer blocks use it (Notes §6.7.2.2, §6.7.2.4, §6.7.2.5;
/// Notes A, Q12): a <see cref="MultiHeadAttention"/> from Workbook.Attention (its W^Q, W^K, W^V,
/// W^O and score function), plus output dropout and a fast path,
///   head_h = softmax(Q_h K_hᵀ / √d_head + mask) V_h,   output = W^O concat(head_1..head_H).
/// When the score is the plain scaled dot product and no weights are wanted, the forward pass calls
/// libtorch's fused scaled_dot_product_attention on the same projections (same function, much
/// faster when training); otherwise, or with <see cref="RecordWeights"/> on, it runs
/// <see cref="MultiHeadAttention.Attend"/> step by step and keeps the weights for plotting.
/// </summary>
public sealed class TransformerAttention : nn.Module<Tensor, Tensor, bool, Tensor?, Tensor>
{
    private readonly long width;
    private readonly long heads;
    private readonly double dropout;
    private readonly MultiHeadAttention attention;
    private readonly Dropout outputDropout;

    /// <summary><paramref name="heads"/> heads of width <paramref name="width"/>/<paramref name="heads"/>;
    /// with <paramref name="relativeDistance"/> set, each head adds a learned bias b_{j-i} to its scores.</summary>
    public TransformerAttention(long width, long heads, double dropout = 0.0, long? relativeDistance = null) : base(nameof(TransformerAttention))
    {
        this.width = width;
        this.heads = heads;
        this.dropout = dropout;
        attention = relativeDistance is { } distance
            ? MultiHeadAttention.WithRelativePositions(width, heads, distance, RelativePositionKind.Bias, dropout: dropout)
            : new MultiHeadAttention(width, heads, dropout: dropout);
        outputDropout = nn.Dropout(dropout);
        RegisterComponents();
    }

    /// <summary>The Workbook.Attention module holding W^Q, W^K, W^V, W^O (and the relative bias, if any).</summary>
    public MultiHeadAttention Inner => attention;

    /// <summary>When true, the next forward passes compute attention explicitly and keep <see cref="LastWeights"/>.</summary>
    public bool RecordWeights { get; set; }

    /// <summary>The attention weights of the last forward pass with <see cref="RecordWeights"/> on: [batch, heads, Tq, Tk].</summary>
    public Tensor? LastWeights { get; private set; }

    /// <summary>
    /// Attends from <paramref name="x"/> [B, Tq, width] to <paramref name="memory"/> [B, Tk, width]
    /// (pass <paramref name="x"/> itself for self-attention). <paramref name="keep"/> is a boolean
    /// mask broadcastable to [B, heads, Tq, Tk], true where attention is allowed. Called as
    /// <c>attention.call(x, memory, causal, keep)</c>.
    /// </summary>
    public override Tensor forward(Tensor x, Tensor memory, bool causal, Tensor? keep)
    {
        if (x.dim() != 3 || memory.dim() != 3 || x.shape[2] != width || memory.shape[2] != width || x.shape[0] != memory.shape[0])
        {
            throw new ArgumentException(
                $"attention of width {width} needs x [B, Tq, {width}] and memory [B, Tk, {width}] with the same B, got {Shapes.Of(x)} and {Shapes.Of(memory)}");
        }
        using var scope = NewDisposeScope();
        Tensor output;
        // The fused kernel's causal mask is the plain square one; other combinations take the step-by-step path.
        if (attention.ScoreFunction is null && !RecordWeights && !(causal && (keep is not null || x.shape[1] != memory.shape[1])))
        {
            var (batch, tq, tk) = (x.shape[0], x.shape[1], memory.shape[1]);
            var headWidth = width / heads;
            var q = attention.WQ.call(x).view(batch, tq, heads, headWidth).transpose(1, 2);       // [B, H, Tq, d]
            var k = attention.WK.call(memory).view(batch, tk, heads, headWidth).transpose(1, 2);  // [B, H, Tk, d]
            var v = attention.WV.call(memory).view(batch, tk, heads, headWidth).transpose(1, 2);  // [B, H, Tk, d]
            var attended = nn.functional.scaled_dot_product_attention(q, k, v, keep, training ? dropout : 0.0, causal); // [B, H, Tq, d]
            output = attention.WO.call(attended.transpose(1, 2).reshape(batch, tq, width));       // W^O concat(heads): [B, Tq, width]
        }
        else
        {
            attention.KeepWeights = RecordWeights;
            output = attention.Attend(x, memory, memory, keep, causal).Output;                         // [B, Tq, width]
            if (RecordWeights)
            {
                LastWeights?.Dispose();
                LastWeights = attention.LastWeights!.clone().DetachFromDisposeScope();                 // [B, H, Tq, Tk]
            }
        }
        return outputDropout.call(output).MoveToOuterDisposeScope();
    }
}
