using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Attention;

/// <summary>
/// What attention produced: the context (the weighted sum of the values) and the weights themselves, so that
/// they can be drawn. Context [B, Tq, Dv], Weights [B, Tq, Tk] (with extra leading dimensions, e.g. heads, if the
/// inputs had them). The caller owns (and disposes) both tensors.
/// </summary>
public sealed record AttentionResult(Tensor Context, Tensor Weights) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Context.Dispose();
        Weights.Dispose();
    }
}

/// <summary>
/// Attention pooling (Notes §6.5.2; Slides D "Attention Alignment"): score every key against every query,
/// turn the scores into weights with a (masked) softmax over the keys, and average the values with them:
/// <c>α_ij = softmax_j(score(q_i, k_j))</c>, <c>c_i = Σ_j α_ij v_j</c>.
/// </summary>
public static class AttentionPooling
{
    /// <summary>
    /// Queries [B, Tq, Dq], keys [B, Tk, Dk], values [B, Tk, Dv], optional mask (true = may attend) broadcastable to
    /// [B, Tq, Tk] → context [B, Tq, Dv] and weights [B, Tq, Tk].
    /// </summary>
    public static AttentionResult Attend(IScoreFunction score, Tensor queries, Tensor keys, Tensor values, Tensor? keep = null)
    {
        Exercises.ExerciseGuard.ThrowIfBlocked("AttentionPooling.Attend");
        ArgumentNullException.ThrowIfNull(score);
        AttentionChecks.CheckQueriesKeys(queries, keys, sameFeatureSize: false);
        AttentionChecks.CheckKeysValues(keys, values);
        using var scope = NewDisposeScope();
        var scores = score.Score(queries, keys);                     // [B, Tq, Tk]
        var weights = Masks.MaskedSoftmax(scores, keep);             // [B, Tq, Tk]
        var context = weights.matmul(values);                        // [B, Tq, Tk] @ [B, Tk, Dv] -> [B, Tq, Dv]
        return new AttentionResult(context.MoveToOuterDisposeScope(), weights.MoveToOuterDisposeScope());
    }
}

/// <summary>
/// Scaled dot-product attention as one function (Slides D "Scaled Dot Product Attention"; Notes B):
/// <c>Attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V</c>, with an optional mask. Works for any leading dimensions
/// ([B, Tq, D] or [B, H, Tq, D]).
/// </summary>
public static class DotProductAttention
{
    /// <summary>
    /// Context and weights of <c>softmax(QKᵀ/√d_k) V</c>. Queries [..., Tq, Dk], keys [..., Tk, Dk], values [..., Tk, Dv],
    /// keep (true = may attend) broadcastable to [..., Tq, Tk]; <paramref name="causal"/> adds <see cref="Masks.Causal"/>.
    /// <paramref name="scale"/> defaults to 1/√d_k.
    /// </summary>
    public static AttentionResult Attend(Tensor queries, Tensor keys, Tensor values, Tensor? keep = null, bool causal = false, double? scale = null)
    {
        Exercises.ExerciseGuard.ThrowIfBlocked("DotProductAttention.Attend");
        AttentionChecks.CheckQueriesKeys(queries, keys, sameFeatureSize: true);
        AttentionChecks.CheckKeysValues(keys, values);
        using var scope = NewDisposeScope();
        var factor = scale ?? 1.0 / Math.Sqrt(queries.shape[^1]);
        var scores = queries.matmul(keys.transpose(-2, -1)).mul_(factor); // [..., Tq, Tk]
        var mask = causal ? Masks.Combine(keep, Masks.Causal(queries.shape[^2], keys.shape[^2]).to(queries.device)) : keep;
        var weights = Masks.MaskedSoftmax(scores, mask);             // [..., Tq, Tk]
        var context = weights.matmul(values);                        // [..., Tq, Dv]
        return new AttentionResult(context.MoveToOuterDisposeScope(), weights.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The same computation, context only, written for speed. The scale is folded into the query before the product
    /// (one multiply of [.., Tq, d] instead of one of [.., Tq, Tk]); without autograd the queries are processed in
    /// blocks of rows so that each block's scores stay small (about <paramref name="blockElements"/> numbers, reused by the
    /// allocator instead of fresh pages), and the mask is applied in place on that block.
    /// A fully masked row gives zeros, as in <see cref="Masks.MaskedSoftmax"/>.
    /// </summary>
    public static Tensor Context(Tensor queries, Tensor keys, Tensor values, Tensor? keep = null, bool causal = false, long blockElements = 1 << 20)
    {
        Exercises.ExerciseGuard.ThrowIfBlocked("DotProductAttention.Context");
        AttentionChecks.CheckQueriesKeys(queries, keys, sameFeatureSize: true);
        AttentionChecks.CheckKeysValues(keys, values);
        using var scope = NewDisposeScope();
        var factor = 1.0 / Math.Sqrt(queries.shape[^1]);
        var mask = causal ? Masks.Combine(keep, Masks.Causal(queries.shape[^2], keys.shape[^2]).to(queries.device)) : keep;
        AttentionChecks.CheckMask(mask, ScoreShape(queries, keys));
        var scaledQueries = queries * factor;                               // [..., Tq, d]
        var keysT = keys.transpose(-2, -1);                                 // [..., d, Tk]
        var needsGrad = is_grad_enabled() && (queries.requires_grad || keys.requires_grad || values.requires_grad);
        if (needsGrad)
        {
            var weights = Masks.MaskedSoftmax(scaledQueries.matmul(keysT), mask); // [..., Tq, Tk]
            return weights.matmul(values).MoveToOuterDisposeScope();        // [..., Tq, Dv]
        }

        long tq = queries.shape[^2], tk = keys.shape[^2];
        var perRow = Math.Max(1L, queries.NumberOfElements / queries.shape[^1] / tq * tk); // scores per query row (all batch dims)
        var rows = Math.Clamp(blockElements / perRow, 1L, tq);
        var blocks = new List<Tensor>();
        for (long start = 0; start < tq; start += rows)
        {
            using var blockScope = NewDisposeScope();                          // frees this block's scores before the next
            var count = Math.Min(rows, tq - start);
            var scores = scaledQueries.narrow(-2, start, count).matmul(keysT);   // [..., rows, Tk]
            if (mask is not null)
            {
                var blockMask = mask.dim() >= 2 && mask.shape[^2] > 1 ? mask.narrow(-2, start, count) : mask;
                scores.masked_fill_(blockMask.logical_not(), double.NegativeInfinity);
            }
            var weights = scores.softmax(-1);                                 // [..., rows, Tk] (one fused kernel; the
                                                                              // block buffer is reused by the allocator)
            if (mask is not null)
            {
                weights.nan_to_num_(0.0);                                     // fully masked rows: NaN -> 0
            }
            blocks.Add(weights.matmul(values).MoveToOuterDisposeScope());     // [..., rows, Dv]
        }
        var context = blocks.Count == 1 ? blocks[0] : cat(blocks, -2);        // [..., Tq, Dv]
        return context.MoveToOuterDisposeScope();
    }

    private static long[] ScoreShape(Tensor queries, Tensor keys)
    {
        var shape = (long[])queries.shape.Clone();
        shape[^1] = keys.shape[^2];
        return shape;
    }

}
