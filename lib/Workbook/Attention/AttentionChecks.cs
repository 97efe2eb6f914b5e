using TorchSharp;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Attention;

/// <summary>Argument checks shared by the attention code: every message names the shapes involved.</summary>
internal static class AttentionChecks
{
    /// <summary>Queries [..., Tq, Dq] and keys [..., Tk, Dk]: same rank (at least 2) and the same leading (batch) dimensions.</summary>
    public static void CheckQueriesKeys(Tensor queries, Tensor keys, bool sameFeatureSize)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(keys);
        if (queries.dim() < 2 || keys.dim() < 2)
        {
            throw new ArgumentException(
                $"queries {Shapes.Of(queries)} and keys {Shapes.Of(keys)} must be at least 2-D: [..., time, features] (usually [batch, time, features]).");
        }
        if (queries.dim() != keys.dim())
        {
            throw new ArgumentException(
                $"queries have shape {Shapes.Of(queries)} but keys have {Shapes.Of(keys)}: they must have the same number of dimensions.");
        }
        for (var d = 0; d < queries.dim() - 2; d++)
        {
            if (queries.shape[d] != keys.shape[d])
            {
                throw new ArgumentException(
                    $"queries have shape {Shapes.Of(queries)} but keys have {Shapes.Of(keys)}: the batch dimensions (dimension {d}: {queries.shape[d]} vs {keys.shape[d]}) must match.");
            }
        }
        if (sameFeatureSize && queries.shape[^1] != keys.shape[^1])
        {
            throw new ArgumentException(
                $"queries have shape {Shapes.Of(queries)} but keys have {Shapes.Of(keys)}: the last dimensions ({queries.shape[^1]} vs {keys.shape[^1]}) must match for a dot product.");
        }
    }

    /// <summary>Keys [..., Tk, Dk] and values [..., Tk, Dv]: same leading dimensions and the same number of positions.</summary>
    public static void CheckKeysValues(Tensor keys, Tensor values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.dim() != keys.dim())
        {
            throw new ArgumentException(
                $"keys have shape {Shapes.Of(keys)} but values have {Shapes.Of(values)}: they must have the same number of dimensions.");
        }
        for (var d = 0; d < keys.dim() - 1; d++)
        {
            if (keys.shape[d] != values.shape[d])
            {
                throw new ArgumentException(
                    $"keys have shape {Shapes.Of(keys)} but values have {Shapes.Of(values)}: every dimension but the last must match (dimension {d}: {keys.shape[d]} vs {values.shape[d]}); one value per key.");
            }
        }
    }

    /// <summary>The last dimension must be <paramref name="expected"/> (a learnable score's input width).</summary>
    public static void CheckLastDim(Tensor t, long expected, string what, string owner)
    {
        if (t.shape[^1] != expected)
        {
            throw new ArgumentException(
                $"{what} have shape {Shapes.Of(t)} but {owner} was built for {what} of width {expected}: the last dimension ({t.shape[^1]}) must be {expected}.");
        }
    }

    /// <summary>A boolean mask broadcastable to the scores' shape.</summary>
    public static void CheckMask(Tensor? keep, long[] scoresShape)
    {
        if (keep is null)
        {
            return;
        }
        if (keep.dtype != ScalarType.Bool)
        {
            throw new ArgumentException(
                $"the mask {Shapes.Of(keep)} has dtype {keep.dtype} but must be Bool (true = may attend); scores have shape {Shapes.Of(scoresShape)}.");
        }
        if (keep.dim() > scoresShape.Length || !Broadcasts(keep.shape, scoresShape))
        {
            throw new ArgumentException(
                $"the mask has shape {Shapes.Of(keep)} but the scores have shape {Shapes.Of(scoresShape)}: the mask must broadcast to the scores " +
                "(each mask dimension, aligned from the right, equal to the scores' or 1).");
        }
    }

    private static bool Broadcasts(long[] from, long[] to)
    {
        for (var i = 1; i <= from.Length; i++)
        {
            var f = from[^i];
            var t = to[^i];
            if (f != t && f != 1)
            {
                return false;
            }
        }
        return true;
    }
}
