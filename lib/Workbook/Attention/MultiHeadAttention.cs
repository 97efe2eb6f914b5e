using TorchSharp;
using TorchSharp.Modules;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Attention;

/// <summary>Output [B, Tq, E] of a multi-head attention and each head's weights [B, H, Tq, Tk] (for heatmaps).</summary>
public sealed record MultiHeadAttentionResult(Tensor Output, Tensor Weights) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Output.Dispose();
        Weights.Dispose();
    }
}

/// <summary>
/// Multi-head attention (Notes §6.7.2.2; Notes A Q12; Slides D "Multi-Head Attention"): project the inputs to queries,
/// keys and values, split each into H heads of width d = E/H, let every head attend on its own, concatenate the heads
/// and mix them with W^O:
/// <code>
///   head_h = softmax(score(Q W^Q_h, K W^K_h) + mask) V W^V_h        (score = q·k/√d by default)
///   MultiHead(Q, K, V) = Concat(head_1, …, head_H) W^O
/// </code>
/// Self-attention passes the same sequence three times (<see cref="SelfAttend"/>), cross-attention takes queries from
/// the decoder and keys/values from the encoder (<see cref="CrossAttend"/>, Notes §6.7.2.5). Any
/// <see cref="IScoreFunction"/> can replace the scaled dot product, e.g. the relative-position scores
/// (<see cref="WithRelativePositions"/>, Notes A Q11). Masks: true = may attend; [Tq, Tk], [B or 1, Tq or 1, Tk]
/// (the head dimension is inserted) or [B or 1, H or 1, Tq or 1, Tk].
/// <para>
/// Two paths, one function (nanoGPT's <c>if self.flash: ... else:</c>): <see cref="Attend"/> writes the equations out
/// and returns the weights; the module call, <see cref="SelfAttend"/> and <see cref="CrossAttend"/> hand the same
/// projections to libtorch's fused <c>scaled_dot_product_attention</c> when the score is the plain scaled dot product,
/// <see cref="RecordWeights"/> is off and the mask is one the kernel takes, and otherwise run <see cref="Attend"/>.
/// </para>
/// </summary>
public sealed class MultiHeadAttention : nn.Module<Tensor, Tensor, Tensor, Tensor?, Tensor>
{
    private readonly Linear wq;
    private readonly Linear wk;
    private readonly Linear wv;
    private readonly Linear wo;
    private readonly Dropout? attentionDropout;
    private readonly IScoreFunction? score;
    private readonly Dropout? residualDropout;
    private readonly double dropout;
    private Tensor? lastWeights;

    /// <param name="modelDim">E, the width of queries and of the output.</param>
    /// <param name="heads">H; must divide E.</param>
    /// <param name="score">score function applied per head to [B, H, T, d]; null = scaled dot product (fast path).</param>
    /// <param name="bias">whether the four projections have biases.</param>
    /// <param name="dropout">dropout on the attention weights while training.</param>
    /// <param name="keyDim">width of the key source (cross-attention from a different width); default E.</param>
    /// <param name="valueDim">width of the value source; default E.</param>
    /// <param name="residualDropout">dropout on the output W^O concat(heads) while training (nanoGPT's resid_dropout, before the residual sum).</param>
    public MultiHeadAttention(long modelDim, long heads, IScoreFunction? score = null, bool bias = true,
        double dropout = 0.0, long? keyDim = null, long? valueDim = null, double residualDropout = 0.0) : base(nameof(MultiHeadAttention))
    {
        if (modelDim <= 0 || heads <= 0)
        {
            throw new ArgumentException($"MultiHeadAttention needs a positive model width and head count, got modelDim {modelDim}, heads {heads}.");
        }
        if (modelDim % heads != 0)
        {
            throw new ArgumentException(
                $"heads ({heads}) must divide the model width ({modelDim}): each head gets modelDim / heads features, and {modelDim} / {heads} is not whole.");
        }
        if (dropout is < 0 or >= 1 || residualDropout is < 0 or >= 1)
        {
            throw new ArgumentException($"dropout must lie in [0, 1), got {dropout} on the weights and {residualDropout} on the output.");
        }
        ModelDim = modelDim;
        Heads = heads;
        HeadDim = modelDim / heads;
        KeyDim = keyDim ?? modelDim;
        ValueDim = valueDim ?? modelDim;
        wq = nn.Linear(modelDim, modelDim, hasBias: bias);
        wk = nn.Linear(KeyDim, modelDim, hasBias: bias);
        wv = nn.Linear(ValueDim, modelDim, hasBias: bias);
        wo = nn.Linear(modelDim, modelDim, hasBias: bias);
        attentionDropout = dropout > 0 ? nn.Dropout(dropout) : null;
        this.dropout = dropout;
        this.score = score;
        this.residualDropout = residualDropout > 0 ? nn.Dropout(residualDropout) : null;
        RegisterComponents(); // also registers a learnable score function (field "score") as a sub-module
    }

    /// <summary>A multi-head attention whose heads add learned relative-position terms to their scores (Notes A Q11).</summary>
    /// <param name="modelDim">E.</param>
    /// <param name="heads">H; must divide E.</param>
    /// <param name="maxDistance">L: distances j - i beyond ±L share the vector (or bias) of ±L.</param>
    /// <param name="kind">vectors r_{j-i} inside the score, shared by all heads, or a per-head scalar bias b_{j-i}.</param>
    /// <param name="bias">whether the projections have biases.</param>
    /// <param name="dropout">dropout on the attention weights while training.</param>
    /// <param name="residualDropout">dropout on the output while training.</param>
    public static MultiHeadAttention WithRelativePositions(long modelDim, long heads, long maxDistance,
        RelativePositionKind kind = RelativePositionKind.Vectors, bool bias = true, double dropout = 0.0, double residualDropout = 0.0)
    {
        if (heads <= 0 || modelDim % heads != 0)
        {
            throw new ArgumentException(
                $"heads ({heads}) must divide the model width ({modelDim}): each head gets modelDim / heads features.");
        }
        IScoreFunction relative = kind == RelativePositionKind.Vectors
            ? new RelativePositionScore(modelDim / heads, maxDistance)
            : new RelativeBiasScore(maxDistance, heads);
        return new MultiHeadAttention(modelDim, heads, relative, bias, dropout, residualDropout: residualDropout);
    }

    public long ModelDim { get; }
    public long Heads { get; }
    public long HeadDim { get; }
    public long KeyDim { get; }
    public long ValueDim { get; }

    /// <summary>The score function of the heads (null = scaled dot product).</summary>
    public IScoreFunction? ScoreFunction => score;

    /// <summary>W^Q, W^K, W^V (all heads stacked: rows h·d … (h+1)·d - 1 belong to head h) and W^O.</summary>
    public Linear WQ => wq;
    public Linear WK => wk;
    public Linear WV => wv;
    public Linear WO => wo;

    /// <summary>
    /// When true, every forward pass runs the written-out path and keeps a detached copy of the per-head weights in
    /// <see cref="LastWeights"/> (for attention maps); when false the fused kernel may run instead.
    /// </summary>
    public bool RecordWeights { get; set; }

    /// <summary>Per-head weights [B, H, Tq, Tk] of the last forward pass made with <see cref="RecordWeights"/> on.</summary>
    public Tensor? LastWeights => lastWeights;

    /// <summary>Output [B, Tq, E] for query [B, Tq, E], key [B, Tk, E_k], value [B, Tk, E_v] and an optional mask.</summary>
    public override Tensor forward(Tensor query, Tensor key, Tensor value, Tensor? keep) => Output(query, key, value, keep, causal: false);

    /// <summary>Self-attention: queries, keys and values all from x [B, T, E]; <paramref name="causal"/> adds the causal mask.</summary>
    public Tensor SelfAttend(Tensor x, Tensor? keep = null, bool causal = false) => Output(x, x, x, keep, causal);

    /// <summary>Cross-attention: queries from the decoder x [B, Tq, E], keys and values from the encoder's memory [B, Tk, E_k].</summary>
    public Tensor CrossAttend(Tensor x, Tensor memory, Tensor? keep = null) => Output(x, memory, memory, keep, causal: false);

    /// <summary>
    /// Whether a call runs the fused kernel: plain scaled dot product, no weights recorded, and a mask the kernel takes
    /// (its causal mask is the square lower triangle and cannot be combined with another mask).
    /// </summary>
    private bool Fused(Tensor query, Tensor key, Tensor? keep, bool causal) =>
        score is null && !RecordWeights && !(causal && (keep is not null || query.shape[1] != key.shape[1]));

    // The output alone, by the fused kernel when it computes the same function, else written out.
    private Tensor Output(Tensor query, Tensor key, Tensor value, Tensor? keep, bool causal)
    {
        if (!Fused(query, key, keep, causal))
        {
            using var result = Attend(query, key, value, keep, causal);
            return result.Output.alias();
        }
        CheckInputs(query, key, value);
        long batch = query.shape[0], tq = query.shape[1], tk = key.shape[1];
        using var scope = NewDisposeScope();
        var mask = HeadMask(keep, batch, tq, tk, causal: false, query.device);                 // [.., .., Tq, Tk] or null
        var q = SplitHeads(wq.call(query));                                                    // [B, H, Tq, d]
        var k = SplitHeads(wk.call(key));                                                      // [B, H, Tk, d]
        var v = SplitHeads(wv.call(value));                                                    // [B, H, Tk, d]
        var heads = nn.functional.scaled_dot_product_attention(q, k, v, mask, training ? dropout : 0.0, causal); // [B, H, Tq, d]
        var output = wo.call(heads.transpose(1, 2).reshape(batch, tq, ModelDim));             // W^O concat(heads): [B, Tq, E]
        return (residualDropout is null ? output : residualDropout.call(output)).MoveToOuterDisposeScope();
    }

    /// <summary>The output and every head's weights [B, H, Tq, Tk], always by the written-out path.</summary>
    public MultiHeadAttentionResult Attend(Tensor query, Tensor key, Tensor value, Tensor? keep = null, bool causal = false)
    {
        CheckInputs(query, key, value);
        long batch = query.shape[0], tq = query.shape[1], tk = key.shape[1];
        var mask = HeadMask(keep, batch, tq, tk, causal, query.device);
        using var scope = NewDisposeScope();

        var q = SplitHeads(wq.call(query));                        // [B, H, Tq, d]
        var k = SplitHeads(wk.call(key));                          // [B, H, Tk, d]
        var v = SplitHeads(wv.call(value));                        // [B, H, Tk, d]

        var scores = score is null
            ? q.mul(1.0 / Math.Sqrt(HeadDim)).matmul(k.transpose(-2, -1)) // [B, H, Tq, Tk] = q·k/√d
            : score.Score(q, k);                                      // [B, H, Tq, Tk]
        var weights = Masks.MaskedSoftmax(scores, mask);              // [B, H, Tq, Tk]
        mask?.Dispose();
        var used = attentionDropout is null ? weights : attentionDropout.call(weights); // [B, H, Tq, Tk]
        var heads = used.matmul(v);                                   // [B, H, Tq, d]
        var concatenated = heads.transpose(1, 2).reshape(batch, tq, ModelDim); // [B, Tq, H·d = E]
        var projected = wo.call(concatenated);                        // [B, Tq, E]
        var output = residualDropout is null ? projected : residualDropout.call(projected); // [B, Tq, E]

        if (RecordWeights)
        {
            lastWeights?.Dispose();
            lastWeights = weights.detach().clone().DetachFromDisposeScope();
        }
        return new MultiHeadAttentionResult(output.MoveToOuterDisposeScope(), weights.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Copies the weights of TorchSharp's <c>torch.nn.MultiheadAttention</c> (same E, H; packed in_proj_weight
    /// [3E, E] = [W^Q; W^K; W^V], in_proj_bias [3E], out_proj) into this module, so both compute the same function.
    /// </summary>
    public void CopyFrom(TorchSharp.Modules.MultiheadAttention reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var parameters = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        if (!parameters.TryGetValue("in_proj_weight", out var inWeight))
        {
            throw new ArgumentException("the reference MultiheadAttention has separate q/k/v projection weights (kdim/vdim ≠ E); only the packed in_proj_weight layout is supported.");
        }
        if (inWeight.shape[0] != 3 * ModelDim || inWeight.shape[1] != ModelDim || KeyDim != ModelDim || ValueDim != ModelDim)
        {
            throw new ArgumentException(
                $"the reference's in_proj_weight has shape {Shapes.Of(inWeight)} but this module (E = {ModelDim}, key width {KeyDim}, value width {ValueDim}) needs [{3 * ModelDim}, {ModelDim}].");
        }
        using var noGrad = no_grad();
        var chunks = inWeight.chunk(3, 0);                            // 3 x [E, E]
        wq.weight!.copy_(chunks[0]);
        wk.weight!.copy_(chunks[1]);
        wv.weight!.copy_(chunks[2]);
        wo.weight!.copy_(parameters["out_proj.weight"]);
        if (parameters.TryGetValue("in_proj_bias", out var inBias) && wq.bias is not null)
        {
            var biases = inBias.chunk(3, 0);                          // 3 x [E]
            wq.bias!.copy_(biases[0]);
            wk.bias!.copy_(biases[1]);
            wv.bias!.copy_(biases[2]);
            wo.bias!.copy_(parameters["out_proj.bias"]);
        }
    }

    // [B, T, E] -> [B, H, T, d]
    private Tensor SplitHeads(Tensor x) => x.view(x.shape[0], x.shape[1], Heads, HeadDim).transpose(1, 2);

    private void CheckInputs(Tensor query, Tensor key, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (query.dim() != 3 || key.dim() != 3 || value.dim() != 3)
        {
            throw new ArgumentException(
                $"MultiHeadAttention takes [batch, time, features] inputs, got query {Shapes.Of(query)}, key {Shapes.Of(key)}, value {Shapes.Of(value)}.");
        }
        if (query.shape[^1] != ModelDim || key.shape[^1] != KeyDim || value.shape[^1] != ValueDim)
        {
            throw new ArgumentException(
                $"query {Shapes.Of(query)}, key {Shapes.Of(key)}, value {Shapes.Of(value)} do not fit this MultiHeadAttention: their last dimensions must be {ModelDim}, {KeyDim}, {ValueDim}.");
        }
        if (key.shape[0] != query.shape[0] || value.shape[0] != query.shape[0])
        {
            throw new ArgumentException(
                $"query {Shapes.Of(query)}, key {Shapes.Of(key)} and value {Shapes.Of(value)} must have the same batch size.");
        }
        if (key.shape[1] != value.shape[1])
        {
            throw new ArgumentException(
                $"key {Shapes.Of(key)} and value {Shapes.Of(value)} must have the same number of positions (one value per key).");
        }
    }

    // A mask as given -> [.., .., Tq, Tk] broadcastable to [B, H, Tq, Tk], combined with the causal mask if asked.
    private Tensor? HeadMask(Tensor? keep, long batch, long tq, long tk, bool causal, Device device)
    {
        Tensor? mask = null;
        if (keep is not null)
        {
            var expected = new[] { batch, Heads, tq, tk };
            if (keep.dim() is < 2 or > 4)
            {
                throw new ArgumentException(
                    $"the mask has shape {Shapes.Of(keep)} but must be [Tq, Tk], [B, Tq, Tk] or [B, H, Tq, Tk] with scores {Shapes.Of(expected)} (B = {batch}, H = {Heads}, Tq = {tq}, Tk = {tk}).");
            }
            mask = keep.dim() == 3 ? keep.unsqueeze(1) : keep.alias(); // [B, 1, Tq, Tk] or as given
            try
            {
                AttentionChecks.CheckMask(mask, expected);
            }
            catch (ArgumentException)
            {
                mask.Dispose();
                throw new ArgumentException(
                    $"the mask has shape {Shapes.Of(keep)} but the attention scores have shape {Shapes.Of(expected)} (B = {batch}, H = {Heads}, Tq = {tq}, Tk = {tk}): " +
                    "use a Bool mask [Tq, Tk], [B or 1, Tq or 1, Tk] or [B or 1, H or 1, Tq or 1, Tk].");
            }
        }
        if (causal)
        {
            using var triangle = Masks.Causal(tq, tk).to(device);     // [Tq, Tk]
            var combined = Masks.Combine(mask, triangle);
            mask?.Dispose();
            mask = combined;
        }
        return mask;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lastWeights?.Dispose();
            lastWeights = null;
        }
        base.Dispose(disposing);
    }
}
