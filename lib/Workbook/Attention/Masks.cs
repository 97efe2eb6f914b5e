using TorchSharp;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Attention;

/// <summary>
/// Boolean attention masks, <c>true</c> = the query may attend to that key, and the masked softmax that uses them.
/// A mask is broadcast against the scores [B, (H,) Tq, Tk]: [Tq, Tk] (causal) applies to every sequence,
/// [B, 1, Tk] (padding) to every query of sequence b. (<see cref="MultiHeadAttention"/> inserts the head dimension
/// into a 3-D mask for you.)
/// </summary>
public static class Masks
{
    /// <summary>
    /// Causal ("masked decoding", Notes §6.7.2.4; Notes A Q12): query i may see keys j ≤ i + <paramref name="offset"/>.
    /// [Tq, Tk]. With offset 0 this is the lower triangle, as in torch's <c>is_causal</c>; when the Tq queries are the
    /// last Tq of Tk positions (decoding with cached keys) pass offset = Tk - Tq.
    /// </summary>
    public static Tensor Causal(long tq, long tk, long offset = 0)
    {
        if (tq <= 0 || tk <= 0)
        {
            throw new ArgumentException($"a causal mask needs positive sizes, got Tq = {tq}, Tk = {tk}.");
        }
        return ones(tq, tk, dtype: ScalarType.Bool).tril(offset); // [Tq, Tk]
    }

    /// <summary>
    /// Padding mask from sequence lengths: key j of sequence b is real when j &lt; lengths[b]. [B, 1, maxLength],
    /// so it broadcasts over the queries.
    /// </summary>
    public static Tensor Padding(long[] lengths, long maxLength)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        foreach (var length in lengths)
        {
            if (length < 0 || length > maxLength)
            {
                throw new ArgumentException(
                    $"sequence lengths [{string.Join(", ", lengths)}] must lie in [0, {maxLength}] (maxLength {maxLength}).");
            }
        }
        using var scope = NewDisposeScope();
        var positions = arange(maxLength, dtype: ScalarType.Int64).unsqueeze(0); // [1, T]
        var limits = tensor(lengths, dtype: ScalarType.Int64).unsqueeze(1);        // [B, 1]
        return (positions < limits).unsqueeze(1).MoveToOuterDisposeScope();       // [B, 1, T]
    }

    /// <summary>Both masks allow it (logical and, broadcast). Either may be null; null when both are.</summary>
    public static Tensor? Combine(Tensor? first, Tensor? second)
    {
        if (first is null)
        {
            return second?.alias();
        }
        if (second is null)
        {
            return first.alias();
        }
        if (first.dtype != ScalarType.Bool || second.dtype != ScalarType.Bool)
        {
            throw new ArgumentException($"masks must be Bool, got {first.dtype} {Shapes.Of(first)} and {second.dtype} {Shapes.Of(second)}.");
        }
        try
        {
            return first.logical_and(second);
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            throw new ArgumentException(
                $"masks of shapes {Shapes.Of(first)} and {Shapes.Of(second)} do not broadcast together.", e);
        }
    }

    /// <summary>
    /// Softmax over the keys (last dimension) where masked scores count as −∞: masked positions get weight exactly 0,
    /// and a row with every key masked gets all-zero weights (never NaN). <paramref name="keep"/> null = plain softmax.
    /// </summary>
    public static Tensor MaskedSoftmax(Tensor scores, Tensor? keep)
    {
        Exercises.ExerciseGuard.ThrowIfBlocked("Masks.MaskedSoftmax");
        ArgumentNullException.ThrowIfNull(scores);
        if (keep is null)
        {
            return scores.softmax(-1);                              // [..., Tq, Tk]
        }
        AttentionChecks.CheckMask(keep, scores.shape);
        using var scope = NewDisposeScope();
        var dropped = keep.logical_not();                            // broadcastable to [..., Tq, Tk]
        var filled = scores.masked_fill(dropped, double.NegativeInfinity); // [..., Tq, Tk]
        var weights = filled.softmax(-1);                            // NaN only in fully masked rows
        return weights.masked_fill(dropped, 0.0).MoveToOuterDisposeScope(); // [..., Tq, Tk], those rows now 0
    }
}
