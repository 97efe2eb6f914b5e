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
/// One GPT block (pre-norm decoder block without cross-attention; Notes §6.9.3):
///   x ← x + CausalSelfAttention(LN₁(x)),   x ← x + MLP(LN₂(x)),
/// both steps through the one add-and-norm implementation that the encoder and decoder blocks use.
/// </summary>
public sealed class GptBlock : nn.Module<Tensor, Tensor>
{
    private readonly bool causal;
    private readonly LayerNorm norm1;
    private readonly TransformerAttention attention;
    private readonly LayerNorm norm2;
    private readonly FeedForward mlp;

    /// <summary>A block as <paramref name="config"/> describes; <paramref name="causal"/> false lets every position see every other.</summary>
    public GptBlock(GptConfig config, bool causal = true) : base(nameof(GptBlock))
    {
        this.causal = causal;
        norm1 = new LayerNorm(config.Width, fused: true);
        attention = new TransformerAttention(config.Width, config.Heads, config.Dropout,
            relativeDistance: config.Positions == PositionalEncodingKind.RelativeBias ? config.ContextLength - 1 : null);
        norm2 = new LayerNorm(config.Width, fused: true);
        mlp = new FeedForward(config.Width, config.FeedForwardMultiplier * config.Width, config.Dropout, Activation.Gelu);
        RegisterComponents();
    }

    /// <summary>(Causal) multi-head self-attention.</summary>
    public TransformerAttention Attention => attention;

    /// <summary>The position-wise MLP (GELU).</summary>
    public FeedForward Mlp => mlp;

    /// <summary>The projections that write into the residual stream (W^O and the MLP's W₂), which nanoGPT initialises smaller.</summary>
    public IEnumerable<Linear> ResidualProjections => new[] { attention.Inner.WO, mlp.Project };

    /// <summary>x [B, T, width] → [B, T, width].</summary>
    public override Tensor forward(Tensor x)
    {
        using var h = AddAndNorm.Apply(x, norm1, AddAndNorm.PreNorm, a => attention.call(a, a, causal, null)); // x + attn(LN(x))
        return AddAndNorm.Apply(h, norm2, AddAndNorm.PreNorm, mlp.call);                                     // x + MLP(LN(x))
    }
}

/// <summary>
/// The stack a <see cref="Gpt"/> and a <see cref="BertEncoder"/> share (nanoGPT's model.py; Notes §6.9):
///   h₀ = E[tokens] + P[positions],  h_l = Block_l(h_{l-1}),  logits = LN_f(h_L) Eᵀ,
/// with the output head tied to the token embedding E. What differs is only whether attention is causal.
/// </summary>
public abstract class LanguageModel : nn.Module<Tensor, Tensor>
{
    private protected LanguageModel(string name) : base(name)
    {
    }

    /// <summary>The configuration.</summary>
    public abstract GptConfig Config { get; }

    /// <summary>True when each position sees only the past (a GPT), false for a bidirectional encoder.</summary>
    public abstract bool IsCausal { get; }

    private protected abstract TransformerStack Stack { get; }

    /// <summary>Number of trainable parameters (the tied head counted once).</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>The blocks, first to last.</summary>
    public IReadOnlyList<GptBlock> Blocks => Stack.Blocks;

    /// <summary>tokens [B, T] (int64, T ≤ context) → logits [B, T, vocabulary] at every position.</summary>
    public override Tensor forward(Tensor tokens) => Stack.call(tokens);

    /// <summary>
    /// The final hidden states [B, T, width] of <paramref name="tokens"/> [B, T], before the head: one vector per
    /// position that depends on the whole visible context (the contextual features of ELMo and BERT, Notes §6.9).
    /// </summary>
    public Tensor Hidden(Tensor tokens) => Stack.Hidden(tokens);

    /// <summary>The token embedding table [vocabulary, width]: one context-free vector per token (a static embedding).</summary>
    public Tensor TokenEmbeddings => Stack.TokenEmbeddings;

    /// <summary>Mean cross-entropy (nats per token) of predicting <paramref name="targets"/> [B, T] from <paramref name="tokens"/> [B, T].</summary>
    public Tensor Loss(Tensor tokens, Tensor targets)
    {
        using var logits = call(tokens);                                                 // [B, T, V]
        return nn.functional.cross_entropy(logits.view(-1, Config.VocabularySize), targets.reshape(-1));
    }

    /// <summary>Turns on or off recording of the attention weights in every block (for attention maps).</summary>
    public void RecordAttention(bool on)
    {
        foreach (var block in Blocks)
        {
            block.Attention.RecordWeights = on;
        }
    }

    /// <summary>The recorded attention weights of each layer: [batch, heads, T, T] per layer.</summary>
    public IReadOnlyList<Tensor?> AttentionWeights => Blocks.Select(b => b.Attention.LastWeights).ToArray();
}

/// <summary>Embeddings, blocks, final norm and tied head, with nanoGPT's initialisation chosen by module type and role.</summary>
internal sealed class TransformerStack : nn.Module<Tensor, Tensor>
{
    private readonly GptConfig config;
    private readonly Embedding tokenEmbedding;
    private readonly Embedding? positionEmbedding;
    private readonly Dropout dropout;
    private readonly ModuleList<GptBlock> blocks;
    private readonly LayerNorm finalNorm;
    private readonly Tensor? sinusoid;

    public TransformerStack(GptConfig config, bool causal) : base(nameof(TransformerStack))
    {
        config.Validate();
        this.config = config;
        tokenEmbedding = nn.Embedding(config.VocabularySize, config.Width);
        if (config.Positions == PositionalEncodingKind.Learned)
        {
            positionEmbedding = nn.Embedding(config.ContextLength, config.Width);
        }
        if (config.Positions == PositionalEncodingKind.Sinusoidal)
        {
            sinusoid = SinusoidalPositionalEncoding.Table(config.ContextLength, config.Width).to(ScalarType.Float32);
            register_buffer("sinusoid", sinusoid, persistent: false);
        }
        dropout = nn.Dropout(config.Dropout);
        blocks = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new GptBlock(config, causal)).ToArray());
        finalNorm = new LayerNorm(config.Width, fused: true);
        RegisterComponents();
        Initialise();
    }

    public IReadOnlyList<GptBlock> Blocks => blocks.ToArray();

    public override Tensor forward(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        var x = Hidden(tokens);                                                          // [B, T, d]
        return nn.functional.linear(x, tokenEmbedding.weight!).MoveToOuterDisposeScope(); // tied head: [B, T, V]
    }

    /// <summary>The final hidden states [B, T, d]: embeddings, blocks, final norm, without the head.</summary>
    public Tensor Hidden(Tensor tokens)
    {
        if (tokens.dim() != 2 || tokens.shape[1] > config.ContextLength || tokens.shape[1] < 1)
        {
            throw new ArgumentException($"GPT input has shape {Shapes.Of(tokens)}: it must be [batch, time] with 1 ≤ time ≤ context {config.ContextLength}", nameof(tokens));
        }
        using var scope = NewDisposeScope();
        var time = tokens.shape[1];
        var x = tokenEmbedding.call(tokens);                                             // [B, T, d]
        if (positionEmbedding is not null)
        {
            x = x + positionEmbedding.call(arange(time, device: tokens.device));         // + P[0..T-1]
        }
        else if (sinusoid is not null)
        {
            x = x + sinusoid[TensorIndex.Slice(0, time)];                                 // + sinusoids [T, d]
        }
        x = dropout.call(x);
        foreach (var block in blocks)
        {
            x = block.call(x);                                                           // [B, T, d]
        }
        return finalNorm.call(x).MoveToOuterDisposeScope();                              // [B, T, d]
    }

    /// <summary>The token embedding table [V, d] (also the tied head).</summary>
    public Tensor TokenEmbeddings => tokenEmbedding.weight!;

    /// <summary>
    /// nanoGPT's _init_weights, by module type: every Linear and Embedding weight ~ N(0, 0.02), Linear biases 0, layer
    /// norms left at gain 1 and shift 0, relative position biases 0 (neutral); and by role: the residual projections of
    /// every block (<see cref="GptBlock.ResidualProjections"/>) ~ N(0, 0.02/√(2·layers)), so the residual stream's
    /// variance does not grow with depth. Modules are visited in registration order, so the draws follow the parameters.
    /// </summary>
    private void Initialise()
    {
        using var noGrad = no_grad();
        var residual = blocks.SelectMany(b => b.ResidualProjections).ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var (_, module) in named_modules())
        {
            switch (module)
            {
                case Linear linear:
                    nn.init.normal_(linear.weight!, 0.0, residual.Contains(linear) ? 0.02 / Math.Sqrt(2.0 * config.Layers) : 0.02);
                    if (linear.bias is not null)
                    {
                        nn.init.zeros_(linear.bias);
                    }
                    break;
                case Embedding embedding:
                    nn.init.normal_(embedding.weight!, 0.0, 0.02);
                    break;
                case RelativeBiasScore relative:
                    foreach (var parameter in relative.parameters())
                    {
                        nn.init.zeros_(parameter);
                    }
                    break;
            }
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
    /// the library's <see cref="NextTokenProbabilities"/>.
    /// </summary>
    public int[] Generate(IReadOnlyList<int> prompt, int newTokens, double temperature = 1.0, int? topK = null, Generator? generator = null,
        Func<Tensor, double, int?, Tensor>? distribution = null)
    {
        if (prompt.Count == 0)
        {
            throw new ArgumentException("the prompt is empty: give at least one token to condition on", nameof(prompt));
        }
        var wasTraining = training;
        eval();
        var sequence = prompt.ToList();
        using (no_grad())
        {
            for (var step = 0; step < newTokens; step++)
            {
                using var scope = NewDisposeScope();
                var window = sequence.Skip(Math.Max(0, sequence.Count - Config.ContextLength)).Select(t => (long)t).ToArray();
                var logits = call(tensor(window).unsqueeze(0))[0, -1];                   // [V]
                var probabilities = (distribution ?? NextTokenProbabilities)(logits.unsqueeze(0), temperature, topK);   // [1, V]
                sequence.Add((int)Draw(probabilities, temperature, generator)[0, 0].item<long>());
            }
        }
        train(wasTraining);
        return sequence.ToArray();
    }

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
    /// Draws <paramref name="count"/> continuations of <paramref name="prompt"/> at once (one forward
    /// pass per new token for the whole batch); same rules as <see cref="Generate"/>.
    /// </summary>
    public int[][] GenerateMany(IReadOnlyList<int> prompt, int count, int newTokens, double temperature = 1.0, int? topK = null, Generator? generator = null,
        Func<Tensor, double, int?, Tensor>? distribution = null)
    {
        if (prompt.Count == 0 || count < 1)
        {
            throw new ArgumentException($"need a non-empty prompt and count ≥ 1, got a prompt of {prompt.Count} tokens and count {count}");
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

/// <summary>
/// A BERT-style bidirectional encoder (Notes §6.9.2): the <see cref="LanguageModel"/> stack without the causal mask, so
/// every position sees the whole window; trained with <see cref="MaskedLanguageModeling"/> to fill in hidden tokens.
/// </summary>
public sealed class BertEncoder : LanguageModel
{
    private readonly TransformerStack stack;

    /// <summary>An encoder of <paramref name="config"/>'s size with the same initialisation as <see cref="Gpt"/>.</summary>
    public BertEncoder(GptConfig config) : base(nameof(BertEncoder))
    {
        stack = new TransformerStack(config, causal: false);
        Config = config;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override GptConfig Config { get; }

    /// <inheritdoc />
    public override bool IsCausal => false;

    private protected override TransformerStack Stack => stack;
}

/// <summary>Saving and loading a <see cref="Gpt"/>'s weights (TorchSharp's module.save / module.load).</summary>
public static class GptCheckpoint
{
    /// <summary>Writes the model's weights to <paramref name="path"/>.</summary>
    public static void Save(Gpt model, string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }
        model.save(path);
    }

    /// <summary>Builds a model of <paramref name="config"/> and loads the weights saved at <paramref name="path"/>.</summary>
    public static Gpt Load(GptConfig config, string path)
    {
        if (!File.Exists(path))
        {
            throw new ArgumentException($"no checkpoint at '{path}'", nameof(path));
        }
        var model = new Gpt(config);
        model.load(path);
        return model;
    }
}
