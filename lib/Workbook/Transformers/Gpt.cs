using TorchSharp;
using TorchSharp.Modules;
using Workbook.Attention;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Transformers;

/// <summary>
/// Size and wiring of a <see cref="Gpt"/> (and of a <see cref="BertEncoder"/>, the same stack without the causal mask).
/// The defaults are nanoGPT's "baby" CPU model.
/// </summary>
/// <param name="VocabularySize">number of token ids.</param>
/// <param name="ContextLength">the longest sequence the model reads (T).</param>
/// <param name="Layers">number of blocks.</param>
/// <param name="Heads">attention heads per block (Width must be divisible by Heads).</param>
/// <param name="Width">embedding width d.</param>
/// <param name="Dropout">dropout on embeddings, attention weights and sublayer outputs while training.</param>
/// <param name="Positions">how positions are encoded.</param>
/// <param name="FeedForwardMultiplier">the MLP's hidden width in multiples of Width.</param>
public sealed record GptConfig(int VocabularySize, int ContextLength = 64, int Layers = 4, int Heads = 4, int Width = 128, double Dropout = 0.0,
    PositionalEncodingKind Positions = PositionalEncodingKind.Learned, int FeedForwardMultiplier = 4)
{
    /// <summary>Checks the numbers fit together.</summary>
    public void Validate()
    {
        if (VocabularySize < 1 || ContextLength < 1 || Layers < 1 || Heads < 1 || Width < 1)
        {
            throw new ArgumentException($"GPT config has a size below 1: {this}");
        }
        if (Width % Heads != 0)
        {
            throw new ArgumentException($"GPT width {Width} is not divisible by {Heads} heads");
        }
        if (Dropout is < 0 or >= 1)
        {
            throw new ArgumentException($"GPT dropout {Dropout} is not in [0, 1)");
        }
    }
}

/// <summary>
/// A decoder-only transformer language model in the style of nanoGPT's model.py (Notes §6.9.3;
/// Slides D, next-token prediction and the nanoGPT activity): the <see cref="LanguageModel"/> stack with causal
/// attention, trained to predict token t+1 from tokens 0..t; the causal mask keeps every position from seeing its future.
/// </summary>
public sealed class Gpt : LanguageModel
{
    private readonly TransformerStack stack;

    /// <summary>A GPT with nanoGPT's initialisation (N(0, 0.02), residual projections scaled by 1/√(2·layers)).</summary>
    public Gpt(GptConfig config) : base(nameof(Gpt))
    {
        stack = new TransformerStack(config, causal: true);
        Config = config;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override GptConfig Config { get; }

    /// <inheritdoc />
    public override bool IsCausal => true;

    private protected override TransformerStack Stack => stack;

    /// <summary>
    /// Continues <paramref name="prompt"/> by <paramref name="newTokens"/> tokens, one at a time:
    /// logits of the last position / temperature, keep the top k, softmax, sample
    /// (temperature 0 takes the most likely token). Reproducible through <paramref name="generator"/>. A
    /// <c>distribution</c> (logits [N, V], temperature, top k → probabilities [N, V], a student's for example) replaces
    /// the library's <see cref="NextTokenProbabilities"/>. The one-sample case of <see cref="GenerateMany"/>.
    /// </summary>
    public int[] Generate(IReadOnlyList<int> prompt, int newTokens, double temperature = 1.0, int? topK = null, Generator? generator = null,
        Func<Tensor, double, int?, Tensor>? distribution = null) =>
        GenerateMany(prompt, 1, newTokens, temperature, topK, generator, distribution)[0];

    /// <summary>
    /// The sampling distribution of the next token (the notes predict the next word, §6.3.1, and decode greedily or by
    /// beam search, §6.4.2; temperature and top-k follow nanoGPT's sampler): logits [N, V] divided by the temperature, everything
    /// below the k-th largest logit of its row set to −∞ (ties with the k-th stay), softmax; temperature ≤ 0 is the
    /// limit, all mass on the row's first largest logit. Internal on purpose: notebook 14's exercise is to write it
    /// (<see cref="TransformerExercises.CheckNextTokenDistribution"/>).
    /// </summary>
    internal static Tensor NextTokenProbabilities(Tensor logits, double temperature, int? topK)
    {
        if (temperature <= 0)
        {
            return nn.functional.one_hot(logits.argmax(-1), logits.shape[^1]).to(logits.dtype);      // [N, V]
        }
        var scaled = logits / temperature;
        if (topK is { } k && k < logits.shape[^1])
        {
            var kth = scaled.topk(k, dim: -1).values.narrow(-1, k - 1, 1);                             // [N, 1]
            scaled = scaled.masked_fill(scaled < kth, double.NegativeInfinity);
        }
        return scaled.softmax(-1);                                                                      // [N, V]
    }

    // One token per row: the mode at temperature 0, else a draw from the row's distribution.
    private static Tensor Draw(Tensor probabilities, double temperature, Generator? generator) =>
        temperature <= 0 ? probabilities.argmax(-1, keepdim: true) : multinomial(probabilities, 1, generator: generator);   // [N, 1]

    /// <summary>
    /// Draws <paramref name="count"/> continuations of <paramref name="prompt"/> at once (one forward pass per new token
    /// for the whole batch), each token as <see cref="Generate"/> describes.
    /// </summary>
    public int[][] GenerateMany(IReadOnlyList<int> prompt, int count, int newTokens, double temperature = 1.0, int? topK = null, Generator? generator = null,
        Func<Tensor, double, int?, Tensor>? distribution = null)
    {
        if (prompt.Count == 0)
        {
            throw new ArgumentException("the prompt is empty: give at least one token to condition on", nameof(prompt));
        }
        if (count < 1)
        {
            throw new ArgumentException($"need count ≥ 1 continuations, got {count}", nameof(count));
        }
        var wasTraining = training;
        eval();
        var sequences = tensor(prompt.Select(t => (long)t).ToArray()).unsqueeze(0).repeat(count, 1);     // [N, P]
        using (no_grad())
        {
            for (var step = 0; step < newTokens; step++)
            {
                using var scope = NewDisposeScope();
                var window = sequences.shape[1] > Config.ContextLength ? sequences[.., ^Config.ContextLength..] : sequences;
                var logits = call(window)[.., -1];                                                    // [N, V]
                var next = Draw((distribution ?? NextTokenProbabilities)(logits, temperature, topK), temperature, generator);   // [N, 1]
                var grown = cat(new[] { sequences, next }, 1).DetachFromDisposeScope();
                sequences.Dispose();
                sequences = grown;
            }
        }
        train(wasTraining);
        var data = sequences.data<long>().ToArray();
        var length = (int)sequences.shape[1];
        sequences.Dispose();
        return Enumerable.Range(0, count).Select(i => data.Skip(i * length).Take(length).Select(v => (int)v).ToArray()).ToArray();
    }
}
