using TorchSharp;
using TorchSharp.Modules;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Attention;

/// <summary>
/// Dot-product score (Luong): <c>e_ij = q_i · k_j</c>, i.e. <c>E = Q Kᵀ</c>. Notes §6.5.2, Slides D "Dot-Product", Notes A Q10.
/// Queries and keys must have the same width.
/// </summary>
public sealed class DotProductScore : IScoreFunction
{
    /// <inheritdoc />
    public string Name => "dot";

    /// <inheritdoc />
    public Tensor Score(Tensor queries, Tensor keys)
    {
        AttentionChecks.CheckQueriesKeys(queries, keys, sameFeatureSize: true);
        return queries.matmul(keys.transpose(-2, -1)); // [..., Tq, D] @ [..., D, Tk] -> [..., Tq, Tk]
    }
}

/// <summary>
/// Scaled dot-product score (Vaswani): <c>e_ij = q_i · k_j / √d_k</c>. Slides D "Scaled Dot-Product" and the
/// "Thinking Machines" example (112/8 = 14, 96/8 = 12); Notes A Q10. Dividing by √d_k keeps the scores' spread
/// independent of the width, so the softmax does not saturate as d_k grows.
/// </summary>
public sealed class ScaledDotProductScore : IScoreFunction
{
    /// <inheritdoc />
    public string Name => "scaled dot";

    /// <inheritdoc />
    public Tensor Score(Tensor queries, Tensor keys)
    {
        AttentionChecks.CheckQueriesKeys(queries, keys, sameFeatureSize: true);
        var scale = 1.0 / Math.Sqrt(queries.shape[^1]);
        return queries.matmul(keys.transpose(-2, -1)).mul_(scale); // [..., Tq, Tk]
    }
}

/// <summary>
/// Content-based (cosine) score (Graves): <c>e_ij = q_i · k_j / (‖q_i‖ ‖k_j‖)</c>, always in [-1, 1].
/// Slides D "Content-base attention", Notes A Q10. Only directions count, not lengths.
/// </summary>
/// <param name="epsilon">guards the division for an all-zero vector (its scores are 0).</param>
public sealed class CosineScore(double epsilon = 1e-8) : IScoreFunction
{
    /// <inheritdoc />
    public string Name => "cosine";

    /// <inheritdoc />
    public Tensor Score(Tensor queries, Tensor keys)
    {
        AttentionChecks.CheckQueriesKeys(queries, keys, sameFeatureSize: true);
        using var scope = NewDisposeScope();
        var qNorm = queries.norm(-1, keepdim: true).clamp_min(epsilon); // [..., Tq, 1]
        var kNorm = keys.norm(-1, keepdim: true).clamp_min(epsilon);    // [..., Tk, 1]
        var qUnit = queries / qNorm;                                     // [..., Tq, D]
        var kUnit = keys / kNorm;                                        // [..., Tk, D]
        return qUnit.matmul(kUnit.transpose(-2, -1)).MoveToOuterDisposeScope(); // [..., Tq, Tk]
    }
}

/// <summary>
/// Additive (Bahdanau) score: <c>e_ij = vᵀ tanh(W_q q_i + W_k k_j + b)</c> (Notes A Q10; Slides D "Additive",
/// written there as <c>v_aᵀ tanh(W_a [s_{t-1}; h_i])</c>, the same thing with W_a = [W_q W_k]).
/// A one-hidden-layer network scores each pair; queries and keys may have different widths.
/// </summary>
public sealed class AdditiveScore : nn.Module<Tensor, Tensor, Tensor>, IScoreFunction
{
    private readonly Linear queryProjection; // W_q (no bias)
    private readonly Linear keyProjection;   // W_k, its bias is b
    private readonly Linear scoreVector;     // vᵀ (no bias)

    /// <summary>Creates W_q [hidden, queryDim], W_k [hidden, keyDim], b [hidden] and v [hidden].</summary>
    public AdditiveScore(long queryDim, long keyDim, long hiddenDim) : base(nameof(AdditiveScore))
    {
        if (queryDim <= 0 || keyDim <= 0 || hiddenDim <= 0)
        {
            throw new ArgumentException($"AdditiveScore needs positive sizes, got queryDim {queryDim}, keyDim {keyDim}, hiddenDim {hiddenDim}.");
        }
        QueryDim = queryDim;
        KeyDim = keyDim;
        HiddenDim = hiddenDim;
        queryProjection = nn.Linear(queryDim, hiddenDim, hasBias: false);
        keyProjection = nn.Linear(keyDim, hiddenDim, hasBias: true);
        scoreVector = nn.Linear(hiddenDim, 1, hasBias: false);
        RegisterComponents();
    }

    public long QueryDim { get; }
    public long KeyDim { get; }
    public long HiddenDim { get; }

    /// <summary>W_q, [hidden, queryDim].</summary>
    public Parameter Wq => queryProjection.weight!;
    /// <summary>W_k, [hidden, keyDim].</summary>
    public Parameter Wk => keyProjection.weight!;
    /// <summary>b, [hidden].</summary>
    public Parameter B => keyProjection.bias!;
    /// <summary>v as a row, [1, hidden].</summary>
    public Parameter V => scoreVector.weight!;

    /// <inheritdoc />
    public string Name => "additive";

    /// <inheritdoc />
    public Tensor Score(Tensor queries, Tensor keys) => call(queries, keys);

    /// <summary>The scores [..., Tq, Tk]; callers use <see cref="Score"/> or <c>call</c>.</summary>
    public override Tensor forward(Tensor queries, Tensor keys)
    {
        Exercises.ExerciseGuard.ThrowIfBlocked("AdditiveScore");
        AttentionChecks.CheckQueriesKeys(queries, keys, sameFeatureSize: false);
        AttentionChecks.CheckLastDim(queries, QueryDim, "queries", $"AdditiveScore(queryDim: {QueryDim}, keyDim: {KeyDim})");
        AttentionChecks.CheckLastDim(keys, KeyDim, "keys", $"AdditiveScore(queryDim: {QueryDim}, keyDim: {KeyDim})");
        using var scope = NewDisposeScope();
        var q = queryProjection.call(queries).unsqueeze(-2);         // [..., Tq, 1, H]
        var k = keyProjection.call(keys).unsqueeze(-3);              // [..., 1, Tk, H]
        var hidden = (q + k).tanh_();                                   // [..., Tq, Tk, H]
        return scoreVector.call(hidden).squeeze(-1).MoveToOuterDisposeScope(); // [..., Tq, Tk]
    }
}

/// <summary>
/// General (Luong bilinear) score: <c>e_ij = q_iᵀ W k_j</c>, i.e. <c>E = Q W Kᵀ</c> with one learned matrix
/// W [queryDim, keyDim] (Slides D "General"; Notes §6.5.3: W_kᵀW_q folded into one matrix).
/// </summary>
public sealed class GeneralScore : nn.Module<Tensor, Tensor, Tensor>, IScoreFunction
{
    /// <summary>Creates W [queryDim, keyDim], initialised uniformly in ±1/√keyDim.</summary>
    public GeneralScore(long queryDim, long keyDim) : base(nameof(GeneralScore))
    {
        if (queryDim <= 0 || keyDim <= 0)
        {
            throw new ArgumentException($"GeneralScore needs positive sizes, got queryDim {queryDim}, keyDim {keyDim}.");
        }
        QueryDim = queryDim;
        KeyDim = keyDim;
        var bound = 1.0 / Math.Sqrt(keyDim);
        W = nn.Parameter(empty(queryDim, keyDim).uniform_(-bound, bound));
        RegisterComponents();
    }

    public long QueryDim { get; }
    public long KeyDim { get; }

    /// <summary>W, [queryDim, keyDim].</summary>
    public Parameter W { get; }

    /// <inheritdoc />
    public string Name => "general";

    /// <inheritdoc />
    public Tensor Score(Tensor queries, Tensor keys) => call(queries, keys);

    /// <summary>The scores [..., Tq, Tk]; callers use <see cref="Score"/> or <c>call</c>.</summary>
    public override Tensor forward(Tensor queries, Tensor keys)
    {
        AttentionChecks.CheckQueriesKeys(queries, keys, sameFeatureSize: false);
        AttentionChecks.CheckLastDim(queries, QueryDim, "queries", $"GeneralScore(queryDim: {QueryDim}, keyDim: {KeyDim})");
        AttentionChecks.CheckLastDim(keys, KeyDim, "keys", $"GeneralScore(queryDim: {QueryDim}, keyDim: {KeyDim})");
        using var scope = NewDisposeScope();
        var projected = queries.matmul(W);                               // [..., Tq, Dk]
        return projected.matmul(keys.transpose(-2, -1)).MoveToOuterDisposeScope(); // [..., Tq, Tk]
    }
}

/// <summary>
/// Location-based score (Luong): <c>α_t = softmax(W_a s_t)</c>: the scores come from the query (decoder state)
/// alone, one per source position, <c>e_tj = (W_a s_t)_j</c>; the keys' contents are ignored, only their number Tk
/// is used (Slides D "Location-Base"). W_a has one row per position up to maxKeys; for Tk keys the
/// first Tk scores are used, so the softmax runs over the positions that exist.
/// </summary>
public sealed class LocationScore : nn.Module<Tensor, Tensor, Tensor>, IScoreFunction
{
    private readonly Linear positions; // W_a [maxKeys, queryDim] and its bias

    public LocationScore(long queryDim, long maxKeys) : base(nameof(LocationScore))
    {
        if (queryDim <= 0 || maxKeys <= 0)
        {
            throw new ArgumentException($"LocationScore needs positive sizes, got queryDim {queryDim}, maxKeys {maxKeys}.");
        }
        QueryDim = queryDim;
        MaxKeys = maxKeys;
        positions = nn.Linear(queryDim, maxKeys, hasBias: true);
        RegisterComponents();
    }

    public long QueryDim { get; }
    public long MaxKeys { get; }

    /// <summary>W_a, [maxKeys, queryDim].</summary>
    public Parameter Wa => positions.weight!;
    /// <summary>W_a's bias, [maxKeys].</summary>
    public Parameter Bias => positions.bias!;

    /// <inheritdoc />
    public string Name => "location";

    /// <inheritdoc />
    public Tensor Score(Tensor queries, Tensor keys) => call(queries, keys);

    /// <summary>The scores [..., Tq, Tk]; callers use <see cref="Score"/> or <c>call</c>.</summary>
    public override Tensor forward(Tensor queries, Tensor keys)
    {
        AttentionChecks.CheckQueriesKeys(queries, keys, sameFeatureSize: false);
        AttentionChecks.CheckLastDim(queries, QueryDim, "queries", $"LocationScore(queryDim: {QueryDim}, maxKeys: {MaxKeys})");
        var keyCount = keys.shape[^2];
        if (keyCount > MaxKeys)
        {
            throw new ArgumentException(
                $"keys have shape {Shapes.Of(keys)}: {keyCount} positions, but LocationScore(queryDim: {QueryDim}, maxKeys: {MaxKeys}) scores at most {MaxKeys}.");
        }
        using var scope = NewDisposeScope();
        var all = positions.call(queries);                            // [..., Tq, maxKeys]
        return all.narrow(-1, 0, keyCount).contiguous().MoveToOuterDisposeScope(); // [..., Tq, Tk]
    }
}
