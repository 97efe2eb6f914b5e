using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Transformers;

/// <summary>
/// BERT's masked-language-model objective (Notes §6.9.2.1; Slides D, infill): of every window,
/// 15% of the positions are selected; a selected token is replaced by [MASK] 80% of the time, by a
/// random token 10% of the time and left as it is 10% of the time, and the model (a bidirectional
/// stack: a <see cref="BertEncoder"/>) must predict the original token at the selected
/// positions only. The loss is the mean cross-entropy over selected positions.
/// </summary>
public sealed class MaskedLanguageModeling : ITrainingObjective
{
    /// <summary>Target value of positions that are not predicted (ignored by the loss).</summary>
    public const long Ignore = -100;

    /// <summary>An objective whose mask token is <paramref name="maskToken"/> and whose random replacements come from [0, <paramref name="ordinaryTokens"/>).</summary>
    public MaskedLanguageModeling(int maskToken, int ordinaryTokens, double selectRate = 0.15, double maskRate = 0.8, double randomRate = 0.1)
    {
        if (selectRate is <= 0 or > 1 || maskRate < 0 || randomRate < 0 || maskRate + randomRate > 1)
        {
            throw new ArgumentException($"rates must satisfy 0 < select ≤ 1 and mask + random ≤ 1, got select {selectRate}, mask {maskRate}, random {randomRate}");
        }
        MaskToken = maskToken;
        OrdinaryTokens = ordinaryTokens;
        SelectRate = selectRate;
        MaskRate = maskRate;
        RandomRate = randomRate;
    }

    /// <summary>The id of [MASK].</summary>
    public int MaskToken { get; }

    /// <summary>Random replacements are drawn from ids 0 .. OrdinaryTokens-1.</summary>
    public int OrdinaryTokens { get; }

    /// <summary>Share of positions selected for prediction (0.15).</summary>
    public double SelectRate { get; }

    /// <summary>Share of selected positions replaced by [MASK] (0.8).</summary>
    public double MaskRate { get; }

    /// <summary>Share of selected positions replaced by a random token (0.1); the rest keep their token.</summary>
    public double RandomRate { get; }

    /// <inheritdoc />
    public string Name => "masked-lm";

    /// <summary>
    /// Corrupts <paramref name="tokens"/> [B, T]: returns the model's inputs and the targets
    /// (the original token at selected positions, <see cref="Ignore"/> elsewhere).
    /// </summary>
    public (Tensor Inputs, Tensor Targets) Corrupt(Tensor tokens, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var selected = rand(tokens.shape, generator: generator) < SelectRate;                     // [B, T] bool
        var choice = rand(tokens.shape, generator: generator);                                    // which corruption
        var random = randint(0, OrdinaryTokens, tokens.shape, dtype: tokens.dtype, generator: generator);
        var toMask = selected.logical_and(choice < MaskRate);
        var toRandom = selected.logical_and(choice >= MaskRate).logical_and(choice < MaskRate + RandomRate);
        var inputs = tokens.masked_fill(toMask, MaskToken);                                        // 80%: [MASK]
        inputs = where(toRandom, random, inputs);                                                  // 10%: random token
        var targets = tokens.masked_fill(selected.logical_not(), Ignore);                         // predict selected only
        return (inputs.MoveToOuterDisposeScope(), targets.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public Tensor Loss(LanguageModel model, Tensor windows, Generator generator)
    {
        if (model.IsCausal)
        {
            throw new ArgumentException("masked-LM training needs a bidirectional model: train a BertEncoder, not a Gpt");
        }
        using var tokens = windows[.., ..^1];
        var (inputs, targets) = Corrupt(tokens, generator);
        using var logits = model.call(inputs);                                                 // [B, T, V]
        using var _ = inputs;
        using var __ = targets;
        return nn.functional.cross_entropy(logits.view(-1, model.Config.VocabularySize), targets.reshape(-1), ignore_index: Ignore);
    }

    /// <summary>
    /// Fills every position of <paramref name="tokens"/> that holds [MASK] with the model's most
    /// likely token (one pass; the other positions are returned unchanged).
    /// </summary>
    public int[] FillMasks(LanguageModel model, IReadOnlyList<int> tokens)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var wasTraining = model.training;
        model.eval();
        var input = tensor(tokens.Select(t => (long)t).ToArray()).unsqueeze(0);                   // [1, T]
        var logits = model.call(input)[0];                                                      // [T, V]
        logits[.., MaskToken] = tensor(float.NegativeInfinity);                                     // never predict [MASK]
        var best = logits.argmax(-1).data<long>().ToArray();
        model.train(wasTraining);
        return tokens.Select((t, i) => t == MaskToken ? (int)best[i] : t).ToArray();
    }
}
