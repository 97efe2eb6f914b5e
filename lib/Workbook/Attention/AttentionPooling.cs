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
        ArgumentNullException.ThrowIfNull(score);
        Shapes.CheckQueriesKeys(queries, keys, sameFeatureSize: false);
        Shapes.CheckKeysValues(keys, values);
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
        Shapes.CheckQueriesKeys(queries, keys, sameFeatureSize: true);
        Shapes.CheckKeysValues(keys, values);
        using var scope = NewDisposeScope();
        var factor = scale ?? 1.0 / Math.Sqrt(queries.shape[^1]);
        var scores = queries.matmul(keys.transpose(-2, -1)).mul_(factor); // [..., Tq, Tk]
        var mask = causal ? Masks.Combine(keep, Masks.Causal(queries.shape[^2], keys.shape[^2]).to(queries.device)) : keep;
        var weights = Masks.MaskedSoftmax(scores, mask);             // [..., Tq, Tk]
        var context = weights.matmul(values);                        // [..., Tq, Dv]
        return new AttentionResult(context.MoveToOuterDisposeScope(), weights.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The same computation, context only, written for speed: the scale is folded into the query before the product
    /// (<c>baddbmm</c>/<c>matmul</c>), the mask is applied in place and, without autograd, the softmax is done in place
    /// on the score buffer. A fully masked row gives zeros, as in <see cref="Masks.MaskedSoftmax"/>.
    /// </summary>
    public static Tensor Context(Tensor queries, Tensor keys, Tensor values, Tensor? keep = null, bool causal = false)
    {
        Shapes.CheckQueriesKeys(queries, keys, sameFeatureSize: true);
        Shapes.CheckKeysValues(keys, values);
        using var scope = NewDisposeScope();
        var factor = 1.0 / Math.Sqrt(queries.shape[^1]);
        var mask = causal ? Masks.Combine(keep, Masks.Causal(queries.shape[^2], keys.shape[^2]).to(queries.device)) : keep;
        Shapes.CheckMask(mask, ScoreShape(queries, keys));
        var scores = (queries * factor).matmul(keys.transpose(-2, -1)); // [..., Tq, Tk]
        Tensor weights;
        var inPlace = !(is_grad_enabled() && (queries.requires_grad || keys.requires_grad || values.requires_grad));
        if (mask is not null)
        {
            var dropped = mask.logical_not();
            if (inPlace)
            {
                scores.masked_fill_(dropped, double.NegativeInfinity);
                weights = SoftmaxInPlace(scores);                   // [..., Tq, Tk]
                weights.nan_to_num_(0.0);                           // fully masked rows: NaN -> 0
            }
            else
            {
                weights = Masks.MaskedSoftmax(scores, mask);
            }
        }
        else
        {
            weights = inPlace ? SoftmaxInPlace(scores) : scores.softmax(-1);
        }
        return weights.matmul(values).MoveToOuterDisposeScope();    // [..., Tq, Dv]
    }

    private static long[] ScoreShape(Tensor queries, Tensor keys)
    {
        var shape = (long[])queries.shape.Clone();
        shape[^1] = keys.shape[^2];
        return shape;
    }

    // exp(x - max) / sum, reusing x's buffer (no autograd).
    private static Tensor SoftmaxInPlace(Tensor scores)
    {
        var max = scores.amax(new long[] { -1 }, keepdim: true);     // [..., Tq, 1]
        scores.sub_(max).exp_();
        var sum = scores.sum(-1, keepdim: true);                     // [..., Tq, 1]
        return scores.div_(sum);
    }
}
