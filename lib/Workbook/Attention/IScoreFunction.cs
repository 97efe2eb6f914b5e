using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Attention;

/// <summary>
/// An attention score (alignment) function: how well query i matches key j, before the softmax.
/// Every score function of the notes implements it (Slides D, table "Types of Attention"; Notes A, Q10),
/// so that any of them drops into <see cref="AttentionPooling"/>, a seq2seq decoder or a
/// <see cref="MultiHeadAttention"/> block.
/// </summary>
/// <remarks>
/// Queries are [B, Tq, Dq] and keys [B, Tk, Dk]; the result is [B, Tq, Tk] with e[b, i, j] the score of
/// query i against key j. Extra leading dimensions (e.g. heads: [B, H, Tq, D]) are allowed and kept.
/// </remarks>
public interface IScoreFunction
{
    /// <summary>A short name for tables and charts ("scaled dot").</summary>
    string Name { get; }

    /// <summary>Unnormalised scores e[..., i, j] for queries [..., Tq, Dq] and keys [..., Tk, Dk]: [..., Tq, Tk].</summary>
    Tensor Score(Tensor queries, Tensor keys);
}
