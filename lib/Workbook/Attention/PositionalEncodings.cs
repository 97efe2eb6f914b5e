using TorchSharp;
using TorchSharp.Modules;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Attention;

/// <summary>
/// Sinusoidal positional encoding (Notes §6.7.2.1; Notes B "Positional Encoding"; Vaswani et al.):
/// <c>p[t, 2i] = sin(t / 10000^{2i/d})</c>, <c>p[t, 2i+1] = cos(t / 10000^{2i/d})</c>, added to the embeddings.
/// Each pair of dimensions is a clock of its own frequency, from period 2π (fast) to 2π·10000 (slow), so nearby
/// positions get similar vectors. (The notes count i from 1; the 0-based form here is the usual one.)
/// </summary>
public sealed class SinusoidalPositionalEncoding : nn.Module<Tensor, Tensor>
{
    private readonly Tensor table; // [maxLength, dim]

    public SinusoidalPositionalEncoding(long dim, long maxLength = 4096, double @base = 10000.0) : base(nameof(SinusoidalPositionalEncoding))
    {
        Dim = dim;
        MaxLength = maxLength;
        table = Table(maxLength, dim, @base);
        register_buffer("table", table, persistent: false);
    }

    public long Dim { get; }
    public long MaxLength { get; }

    /// <summary>The encodings of positions 0 … length-1: [length, dim] (float32).</summary>
    public static Tensor Table(long length, long dim, double @base = 10000.0)
    {
        if (length <= 0 || dim <= 0)
        {
            throw new ArgumentException($"a positional-encoding table needs positive sizes, got length {length}, dim {dim}.");
        }
        using var scope = NewDisposeScope();
        var positions = arange(length, dtype: ScalarType.Float64).unsqueeze(1);            // [T, 1]
        var pairIndex = arange(0, dim, 2, dtype: ScalarType.Float64);                        // [ceil(d/2)] = 2i
        var frequencies = exp(pairIndex * (-Math.Log(@base) / dim));                        // 1 / base^{2i/d}
        var angles = positions * frequencies.unsqueeze(0);                                   // [T, ceil(d/2)]
        var result = zeros(length, dim, dtype: ScalarType.Float64);                          // [T, d]
        result.index_put_(angles.sin(), TensorIndex.Colon, TensorIndex.Slice(0, null, 2));  // even columns: sin
        result.index_put_(angles.cos().narrow(1, 0, dim / 2), TensorIndex.Colon, TensorIndex.Slice(1, null, 2)); // odd: cos
        return result.to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>x [B, T, d] + p[0..T-1].</summary>
    public override Tensor forward(Tensor x)
    {
        CheckInput(x, Dim, MaxLength, nameof(SinusoidalPositionalEncoding));
        return x + table.narrow(0, 0, x.shape[1]).to(x.dtype);                              // [B, T, d]
    }

    internal static void CheckInput(Tensor x, long dim, long maxLength, string owner)
    {
        if (x.dim() != 3 || x.shape[2] != dim)
        {
            throw new ArgumentException($"{owner}(dim: {dim}) takes [batch, time, {dim}] inputs, got {Shapes.Of(x)}.");
        }
        if (x.shape[1] > maxLength)
        {
            throw new ArgumentException($"{owner} knows positions 0 … {maxLength - 1}, but the input {Shapes.Of(x)} has {x.shape[1]} positions.");
        }
    }
}

/// <summary>
/// Learned absolute positional encoding (Notes §6.7.2.1): one trained vector p_t per position t &lt; maxLength,
/// added to the embeddings: <c>emb(x_t) + p_t</c>. It knows nothing about positions it never saw in training.
/// </summary>
public sealed class LearnedPositionalEncoding : nn.Module<Tensor, Tensor>
{
    public LearnedPositionalEncoding(long maxLength, long dim, double initStd = 0.02) : base(nameof(LearnedPositionalEncoding))
    {
        if (maxLength <= 0 || dim <= 0)
        {
            throw new ArgumentException($"LearnedPositionalEncoding needs positive sizes, got maxLength {maxLength}, dim {dim}.");
        }
        MaxLength = maxLength;
        Dim = dim;
        P = nn.Parameter(randn(maxLength, dim) * initStd);
        RegisterComponents();
    }

    public long MaxLength { get; }
    public long Dim { get; }

    /// <summary>P = [p_0 … p_{T-1}], [maxLength, dim].</summary>
    public Parameter P { get; }

    /// <summary>x [B, T, d] + P[0..T-1].</summary>
    public override Tensor forward(Tensor x)
    {
        SinusoidalPositionalEncoding.CheckInput(x, Dim, MaxLength, nameof(LearnedPositionalEncoding));
        return x + P.narrow(0, 0, x.shape[1]);                                              // [B, T, d]
    }
}

/// <summary>Which relative-position term a score adds (Notes A Q11).</summary>
public enum RelativePositionKind
{
    /// <summary>Learned vectors r_{j-i} inside the score: e_ij = (q_i·k_j + q_i·r_{j-i}) / √d.</summary>
    Vectors,

    /// <summary>A learned scalar per distance (and head): e_ij = q_i·k_j / √d + b_{j-i}.</summary>
    Bias,
}

/// <summary>Relative distances j - i, clipped to [-L, L], as indices 0 … 2L into a table of 2L + 1 entries.</summary>
public static class RelativePositions
{
    /// <summary>[Tq, Tk] long: clip(j - (i + queryOffset), -L, L) + L.</summary>
    public static Tensor Index(long tq, long tk, long maxDistance, long queryOffset = 0)
    {
        if (maxDistance < 0)
        {
            throw new ArgumentException($"the maximum relative distance L must be ≥ 0, got {maxDistance}.");
        }
        using var scope = NewDisposeScope();
        var i = arange(tq, dtype: ScalarType.Int64).unsqueeze(1) + queryOffset;              // [Tq, 1]
        var j = arange(tk, dtype: ScalarType.Int64).unsqueeze(0);                            // [1, Tk]
        return ((j - i).clamp(-maxDistance, maxDistance) + maxDistance).MoveToOuterDisposeScope(); // [Tq, Tk]
    }
}

/// <summary>
/// Relative-position score with learned vectors (Notes A Q11, Shaw et al.):
/// <c>e_ij = (q_i·k_j + q_i·r_{clip(j-i, -L, L)}) / √d</c>. One vector per distance in [-L, L] (2L + 1 of them), shared by
/// every head when used inside <see cref="MultiHeadAttention"/>. The positional part depends only on j - i, so the
/// same pattern works at every position and for sequences longer than those seen in training.
/// </summary>
public sealed class RelativePositionScore : nn.Module<Tensor, Tensor, Tensor>, IScoreFunction
{
    public RelativePositionScore(long dim, long maxDistance) : base(nameof(RelativePositionScore))
    {
        if (dim <= 0 || maxDistance < 0)
        {
            throw new ArgumentException($"RelativePositionScore needs dim > 0 and maxDistance ≥ 0, got dim {dim}, maxDistance {maxDistance}.");
        }
        Dim = dim;
        MaxDistance = maxDistance;
        R = nn.Parameter(randn(2 * maxDistance + 1, dim) / Math.Sqrt(dim));
        RegisterComponents();
    }

    public long Dim { get; }
    public long MaxDistance { get; }

    /// <summary>r_{-L} … r_{L}: [2L + 1, d]; row L + k holds r_k.</summary>
    public Parameter R { get; }

    /// <inheritdoc />
    public string Name => "relative (vectors)";

    /// <inheritdoc />
    public Tensor Score(Tensor queries, Tensor keys) => call(queries, keys);

    /// <summary>The scores [..., Tq, Tk]; callers use <see cref="Score"/> or <c>call</c>.</summary>
    public override Tensor forward(Tensor queries, Tensor keys)
    {
        AttentionChecks.CheckQueriesKeys(queries, keys, sameFeatureSize: true);
        AttentionChecks.CheckLastDim(queries, Dim, "queries", $"RelativePositionScore(dim: {Dim}, maxDistance: {MaxDistance})");
        long tq = queries.shape[^2], tk = keys.shape[^2];
        using var scope = NewDisposeScope();
        var content = queries.matmul(keys.transpose(-2, -1));                               // [..., Tq, Tk]  q_i·k_j
        var byDistance = queries.matmul(R.t());                                             // [..., Tq, 2L+1] q_i·r_k
        var index = RelativePositions.Index(tq, tk, MaxDistance).to(queries.device);        // [Tq, Tk]
        var expanded = index.expand(content.shape);                                         // [..., Tq, Tk]
        var position = byDistance.gather(-1, expanded);                                     // [..., Tq, Tk]  q_i·r_{j-i}
        return ((content + position) / Math.Sqrt(Dim)).MoveToOuterDisposeScope();          // [..., Tq, Tk]
    }
}

/// <summary>
/// Relative-position score with a learned scalar bias per clipped distance (Notes A Q11, "Adding Bias"; as in T5):
/// <c>e_ij = q_i·k_j / √d + b_{clip(j-i, -L, L)}</c>, with one bias table per head. (Notes A writes the content term
/// unscaled; it is scaled here as in every other transformer score, which does not change what the bias does.)
/// For 3-D inputs [B, T, d] use heads = 1; inside <see cref="MultiHeadAttention"/> inputs are [B, H, T, d].
/// </summary>
public sealed class RelativeBiasScore : nn.Module<Tensor, Tensor, Tensor>, IScoreFunction
{
    public RelativeBiasScore(long maxDistance, long heads = 1, bool scaleContent = true) : base(nameof(RelativeBiasScore))
    {
        if (maxDistance < 0 || heads <= 0)
        {
            throw new ArgumentException($"RelativeBiasScore needs maxDistance ≥ 0 and heads > 0, got maxDistance {maxDistance}, heads {heads}.");
        }
        MaxDistance = maxDistance;
        Heads = heads;
        ScaleContent = scaleContent;
        B = nn.Parameter(randn(heads, 2 * maxDistance + 1) * 0.1);
        RegisterComponents();
    }

    public long MaxDistance { get; }
    public long Heads { get; }
    public bool ScaleContent { get; }

    /// <summary>b per head and distance: [H, 2L + 1]; column L + k holds b_k.</summary>
    public Parameter B { get; }

    /// <inheritdoc />
    public string Name => "relative (bias)";

    /// <inheritdoc />
    public Tensor Score(Tensor queries, Tensor keys) => call(queries, keys);

    /// <summary>The scores [..., Tq, Tk]; callers use <see cref="Score"/> or <c>call</c>.</summary>
    public override Tensor forward(Tensor queries, Tensor keys)
    {
        AttentionChecks.CheckQueriesKeys(queries, keys, sameFeatureSize: true);
        var headsInInput = queries.dim() >= 4 ? queries.shape[^3] : 1;
        if (headsInInput != Heads)
        {
            throw new ArgumentException(
                $"queries have shape {Shapes.Of(queries)} but RelativeBiasScore has a bias table for {Heads} head(s): " +
                (queries.dim() >= 4 ? $"dimension -3 ({headsInInput}) must be {Heads}." : "3-D inputs need heads = 1."));
        }
        long tq = queries.shape[^2], tk = keys.shape[^2];
        using var scope = NewDisposeScope();
        var content = queries.matmul(keys.transpose(-2, -1));                               // [..., (H,) Tq, Tk]
        if (ScaleContent)
        {
            content = content / Math.Sqrt(queries.shape[^1]);
        }
        var index = RelativePositions.Index(tq, tk, MaxDistance).to(queries.device);        // [Tq, Tk]
        var bias = B.index_select(1, index.flatten()).view(Heads, tq, tk);                  // [H, Tq, Tk]  b_{j-i}
        if (queries.dim() < 4)
        {
            bias = bias.squeeze(0);                                                          // [Tq, Tk]
        }
        return (content + bias).MoveToOuterDisposeScope();                                  // [..., (H,) Tq, Tk]
    }
}
