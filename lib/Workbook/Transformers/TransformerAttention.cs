using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Transformers;

/// <summary>
/// Multi-head scaled dot-product attention as the transformer blocks use it (Notes §6.7.2.2,
/// §6.7.2.4, §6.7.2.5; Notes A, Q12): queries from <c>x</c>, keys and values from <c>memory</c>
/// (= x for self-attention, the encoder's output for cross-attention), split into heads,
///   head_h = softmax(Q_h K_hᵀ / √d_head + bias_h + mask) V_h,   output = W^O concat(head_1..head_H).
/// The causal mask (query i sees keys j ≤ i) and key-padding masks are optional. The forward pass
/// calls libtorch's fused scaled_dot_product_attention; with <see cref="RecordWeights"/> on, it
/// computes the same thing step by step and keeps the attention weights for plotting.
/// Written here because Workbook.Attention was not in main when this was built; the equation and
/// shapes are the same as Workbook.Attention's multi-head attention.
/// </summary>
public sealed class TransformerAttention : nn.Module
{
    private readonly long width;
    private readonly long heads;
    private readonly double dropout;
    private readonly Linear query;
    private readonly Linear keyValue;
    private readonly Linear output;
    private readonly Dropout outputDropout;

    /// <summary><paramref name="heads"/> heads of width <paramref name="width"/>/<paramref name="heads"/>.</summary>
    public TransformerAttention(long width, long heads, double dropout = 0.0) : base(nameof(TransformerAttention))
    {
        if (width % heads != 0)
        {
            throw new ArgumentException($"width {width} is not divisible by {heads} heads", nameof(heads));
        }
        this.width = width;
        this.heads = heads;
        this.dropout = dropout;
        query = nn.Linear(width, width);
        keyValue = nn.Linear(width, 2 * width);
        output = nn.Linear(width, width);
        outputDropout = nn.Dropout(dropout);
        RegisterComponents();
    }

    /// <summary>W^Q (width → width).</summary>
    public Linear Query => query;

    /// <summary>W^K and W^V stacked (width → 2·width): rows [0, width) are W^K, rows [width, 2·width) are W^V.</summary>
    public Linear KeyValue => keyValue;

    /// <summary>W^O (width → width).</summary>
    public Linear Output => output;

    /// <summary>When true, the next forward passes compute attention explicitly and keep <see cref="LastWeights"/>.</summary>
    public bool RecordWeights { get; set; }

    /// <summary>The attention weights of the last forward pass with <see cref="RecordWeights"/> on: [batch, heads, Tq, Tk].</summary>
    public Tensor? LastWeights { get; private set; }

    /// <summary>
    /// Attends from <paramref name="x"/> [B, Tq, width] to <paramref name="memory"/> [B, Tk, width]
    /// (pass <paramref name="x"/> itself for self-attention). <paramref name="keep"/> is a boolean
    /// mask broadcastable to [B, heads, Tq, Tk], true where attention is allowed;
    /// <paramref name="bias"/> [heads, Tq, Tk] is added to the scores (relative positions).
    /// </summary>
    public Tensor Forward(Tensor x, Tensor memory, bool causal = false, Tensor? keep = null, Tensor? bias = null)
    {
        if (x.dim() != 3 || memory.dim() != 3 || x.shape[2] != width || memory.shape[2] != width || x.shape[0] != memory.shape[0])
        {
            throw new ArgumentException(
                $"attention of width {width} needs x [B, Tq, {width}] and memory [B, Tk, {width}] with the same B, got [{string.Join(", ", x.shape)}] and [{string.Join(", ", memory.shape)}]");
        }
        using var scope = NewDisposeScope();
        var (batch, tq, tk) = (x.shape[0], x.shape[1], memory.shape[1]);
        var headWidth = width / heads;
        var q = query.forward(x).view(batch, tq, heads, headWidth).transpose(1, 2);                 // [B, H, Tq, d_head]
        var kv = keyValue.forward(memory).view(batch, tk, 2, heads, headWidth).permute(2, 0, 3, 1, 4); // [2, B, H, Tk, d_head]
        var (k, v) = (kv[0], kv[1]);                                                                 // [B, H, Tk, d_head] each

        // Everything that is not a plain causal mask becomes one additive mask: bias, then -inf where not kept.
        Tensor? additive = null;
        if (causal && (keep is not null || bias is not null || RecordWeights))
        {
            var causalKeep = ones(tq, tk, dtype: ScalarType.Bool, device: x.device).tril(tk - tq); // query i sees keys j ≤ i (aligned at the end)
            keep = keep is null ? causalKeep : keep.logical_and(causalKeep);
            causal = false;
        }
        if (bias is not null || keep is not null || RecordWeights)
        {
            additive = bias is null ? zeros(1, 1, tq, tk, dtype: q.dtype, device: x.device) : bias.unsqueeze(0).to(q.dtype);
            if (keep is not null)
            {
                additive = additive.masked_fill(keep.logical_not(), double.NegativeInfinity);
            }
        }

        Tensor attended;
        if (RecordWeights)
        {
            var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(headWidth) + additive!;         // [B, H, Tq, Tk]
            var weights = scores.softmax(-1);
            LastWeights?.Dispose();
            LastWeights = weights.detach().clone().DetachFromDisposeScope();
            attended = nn.functional.dropout(weights, dropout, training).matmul(v);                 // [B, H, Tq, d_head]
        }
        else
        {
            attended = nn.functional.scaled_dot_product_attention(q, k, v, additive, training ? dropout : 0.0, causal);
        }
        var merged = attended.transpose(1, 2).reshape(batch, tq, width);                              // concat heads: [B, Tq, width]
        return outputDropout.forward(output.forward(merged)).MoveToOuterDisposeScope();             // W^O
    }
}
