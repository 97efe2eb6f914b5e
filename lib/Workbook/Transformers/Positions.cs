namespace Workbook.Transformers;

/// <summary>How a model learns where each token is (Notes §6.7.2.1; Notes A, Q11).</summary>
public enum PositionalEncodingKind
{
    /// <summary>No position information: the model sees a bag of tokens (plus, in a causal model, what the mask leaks).</summary>
    None,

    /// <summary>A learned vector per absolute position, added to the token embedding (GPT-2, nanoGPT).</summary>
    Learned,

    /// <summary>Fixed sines and cosines of geometrically spaced frequencies, added to the token embedding
    /// (Workbook.Attention.SinusoidalPositionalEncoding.Table).</summary>
    Sinusoidal,

    /// <summary>A learned scalar b_{j-i} per head and offset, added to the attention score of query i and key j
    /// (Workbook.Attention.RelativeBiasScore).</summary>
    RelativeBias,
}
