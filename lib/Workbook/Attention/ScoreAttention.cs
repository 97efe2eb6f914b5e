using TorchSharp;
using TorchSharp.Modules;
using Workbook.Recurrent;
using static TorchSharp.torch;

namespace Workbook.Attention;

/// <summary>
/// Decoder attention built from any <see cref="IScoreFunction"/> (Notes §6.5.2-6.5.3; Notes B, Bahdanau and Luong):
/// scores e_j = score(s, h_j) of the decoder state against every encoder state, weights α = softmax(e) over the real
/// source positions, context c = Σ_j α_j h_j (the encoder states are keys and values).
/// <para>
/// Global (Luong) attention looks at every source position. Local attention (Luong's "local-p") first predicts a centre
/// <c>p = (S - 1) · σ(v_pᵀ tanh(W_p s))</c> from the decoder state (S the source length), keeps only positions within
/// <c>D</c> of it and multiplies the weights by a Gaussian <c>exp(-(j - p)² / (2σ²))</c>, σ = D/2, so the decoder reads a
/// window of the source that it moves itself.
/// </para>
/// </summary>
public sealed class ScoreAttention : DecoderAttention
{
    private readonly IScoreFunction score;
    private readonly Linear? positionHidden;
    private readonly Linear? positionOut;

    /// <summary>
    /// Wraps <paramref name="score"/>; <paramref name="localWindow"/> = D turns on local-p attention with a predicted
    /// centre (then <paramref name="queryDim"/>, the decoder state size, is needed).
    /// </summary>
    public ScoreAttention(IScoreFunction score, int? localWindow = null, int queryDim = 0) : base(nameof(ScoreAttention))
    {
        this.score = score ?? throw new ArgumentNullException(nameof(score));
        if (localWindow is { } window)
        {
            if (window < 1 || queryDim < 1)
            {
                throw new ArgumentException($"Local attention needs a window D >= 1 and the query size >= 1, got D = {window}, queryDim = {queryDim}.");
            }
            LocalWindow = window;
            positionHidden = nn.Linear(queryDim, queryDim);
            positionOut = nn.Linear(queryDim, 1, hasBias: false);
        }
        RegisterComponents();
    }

    /// <summary>D, the half-width of the local window; null for global attention.</summary>
    public int? LocalWindow { get; }

    /// <summary>The score function.</summary>
    public IScoreFunction Score => score;

    /// <inheritdoc />
    public override string Name => score.Name + (LocalWindow is null ? " (global)" : $" (local, D = {LocalWindow})");

    /// <inheritdoc />
    public override (Tensor Context, Tensor Weights) forward(Tensor query, Tensor keys, Tensor keep)
    {
        var scores = score.Score(query, keys);                                             // [batch, 1, source]
        if (LocalWindow is not { } window)
        {
            var weights = Masks.MaskedSoftmax(scores, keep);                              // [batch, 1, source]
            return (weights.matmul(keys), weights);                                        // [batch, 1, enc], [batch, 1, source]
        }
        var last = keep.to(query.dtype).sum(-1).reshape(-1, 1, 1) - 1;                     // the last real position, [batch, 1, 1]
        var centre = last * positionOut!.call(positionHidden!.call(query).tanh()).sigmoid(); // p [batch, 1, 1]
        var positions = arange(keys.shape[1], dtype: query.dtype).reshape(1, 1, -1);       // [1, 1, source]
        var distance = positions - centre;                                                 // [batch, 1, source]
        var inWindow = distance.abs().le(window).logical_and(keep);                        // [batch, 1, source]
        var sigma = window / 2.0;
        var gaussian = (-(distance * distance) / (2 * sigma * sigma)).exp();               // [batch, 1, source]
        var local = Masks.MaskedSoftmax(scores, inWindow) * gaussian;                      // [batch, 1, source]
        return (local.matmul(keys), local);
    }
}
