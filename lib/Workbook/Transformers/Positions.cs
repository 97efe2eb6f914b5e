using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Transformers;

/// <summary>How a model learns where each token is (Notes §6.7.2.1; Notes A, Q11).</summary>
public enum PositionalEncodingKind
{
    /// <summary>No position information: the model sees a bag of tokens (plus, in a causal model, what the mask leaks).</summary>
    None,

    /// <summary>A learned vector per absolute position, added to the token embedding (GPT-2, nanoGPT).</summary>
    Learned,

    /// <summary>Fixed sines and cosines of geometrically spaced frequencies, added to the token embedding (Vaswani et al.).</summary>
    Sinusoidal,

    /// <summary>A learned scalar b_{j-i} per head and offset, added to the attention score of query i and key j (relative position bias).</summary>
    RelativeBias,
}

/// <summary>Sinusoidal position encodings (Notes §6.7.2.1).</summary>
public static class SinusoidalPositions
{
    /// <summary>
    /// PE[t, 2k] = sin(t / 10000^(2k/d)), PE[t, 2k+1] = cos(t / 10000^(2k/d)); shape [length, width].
    /// </summary>
    public static Tensor Table(long length, long width)
    {
        using var scope = NewDisposeScope();
        var position = arange(length, dtype: ScalarType.Float32).unsqueeze(1);                          // [T, 1]
        var frequency = exp(arange(0, width, 2, dtype: ScalarType.Float32) * (-Math.Log(10000.0) / width)); // [ceil(d/2)]
        var angle = position * frequency;                                                               // [T, ceil(d/2)]
        var table = zeros(length, width);
        table[TensorIndex.Colon, TensorIndex.Slice(0, null, 2)] = sin(angle);
        table[TensorIndex.Colon, TensorIndex.Slice(1, null, 2)] = cos(angle)[TensorIndex.Colon, TensorIndex.Slice(0, width / 2)];
        return table.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Relative position bias (Notes A, Q11, the b_{j-i} variant): one learned scalar per head for
/// each offset j - i between key j and query i, added to the attention scores before the softmax,
/// so attention can prefer "the previous token" wherever it is in the sequence. Offsets beyond
/// ±(maxDistance - 1) share the outermost value.
/// </summary>
public sealed class RelativePositionBias : nn.Module<long, long, Tensor>
{
    private readonly long maxDistance;
    private readonly Embedding bias;

    /// <summary>Biases for <paramref name="heads"/> heads and offsets in [-(maxDistance-1), maxDistance-1].</summary>
    public RelativePositionBias(long heads, long maxDistance) : base(nameof(RelativePositionBias))
    {
        this.maxDistance = maxDistance;
        bias = nn.Embedding(2 * maxDistance - 1, heads);
        nn.init.zeros_(bias.weight);
        RegisterComponents();
    }

    /// <summary>The bias b[h, i, j] = b_h(j - i), shape [heads, queries, keys].</summary>
    public override Tensor forward(long queries, long keys)
    {
        using var scope = NewDisposeScope();
        var offset = arange(keys).unsqueeze(0) - arange(queries).unsqueeze(1) + (keys - queries);  // j - i, queries aligned to the last keys: [Tq, Tk]
        var index = offset.clamp(-(maxDistance - 1), maxDistance - 1) + (maxDistance - 1);
        return bias.forward(index).permute(2, 0, 1).MoveToOuterDisposeScope();                    // [heads, Tq, Tk]
    }
}
