using TorchSharp;
using TorchSharp.Modules;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Transformers;

/// <summary>
/// Size and wiring of a <see cref="Gpt"/>. The defaults are nanoGPT's "baby" CPU model.
/// </summary>
/// <param name="VocabularySize">number of token ids.</param>
/// <param name="ContextLength">the longest sequence the model reads (T).</param>
/// <param name="Layers">number of blocks.</param>
/// <param name="Heads">attention heads per block (Width must be divisible by Heads).</param>
/// <param name="Width">embedding width d.</param>
/// <param name="Dropout">dropout on embeddings, attention weights and sublayer outputs while training.</param>
/// <param name="Positions">how positions are encoded.</param>
/// <param name="Causal">true for a GPT (each position sees only the past); false gives the same stack as a bidirectional, BERT-style encoder.</param>
/// <param name="FeedForwardMultiplier">the MLP's hidden width in multiples of Width.</param>
public sealed record GptConfig(int VocabularySize, int ContextLength = 64, int Layers = 4, int Heads = 4, int Width = 128, double Dropout = 0.0,
    PositionalEncodingKind Positions = PositionalEncodingKind.Learned, bool Causal = true, int FeedForwardMultiplier = 4)
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
///   x ← x + CausalSelfAttention(LN₁(x)),   x ← x + MLP(LN₂(x)).
/// </summary>
public sealed class GptBlock : nn.Module<Tensor, Tensor>
{
    private readonly bool causal;

    /// <summary>Norm before attention.</summary>
    public readonly LayerNorm norm1;

    /// <summary>(Causal) multi-head self-attention.</summary>
    public readonly TransformerAttention attention;

    /// <summary>Norm before the MLP.</summary>
    public readonly LayerNorm norm2;

    /// <summary>The position-wise MLP (GELU).</summary>
    public readonly FeedForward mlp;

    /// <summary>A block as <paramref name="config"/> describes.</summary>
    public GptBlock(GptConfig config) : base(nameof(GptBlock))
    {
        causal = config.Causal;
        norm1 = new LayerNorm(config.Width, fused: true);
        attention = new TransformerAttention(config.Width, config.Heads, config.Dropout,
            relativeDistance: config.Positions == PositionalEncodingKind.RelativeBias ? config.ContextLength - 1 : null);
        norm2 = new LayerNorm(config.Width, fused: true);
        mlp = new FeedForward(config.Width, config.FeedForwardMultiplier * config.Width, config.Dropout, Activation.Gelu);
        RegisterComponents();
    }

    /// <summary>x [B, T, width] → [B, T, width].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var normed = norm1.forward(x);
        x = x + attention.Forward(normed, normed, causal);                               // x + attn(LN(x))
        x = x + mlp.forward(norm2.forward(x));                                          // x + MLP(LN(x))
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// A decoder-only transformer language model in the style of nanoGPT's model.py (Notes §6.9.3;
/// Slides D, next-token prediction and the nanoGPT activity):
///   h₀ = E[tokens] + P[positions],  h_l = Block_l(h_{l-1}),  logits = LN_f(h_L) Eᵀ,
/// with the output head tied to the token embedding E. Trained to predict token t+1 from tokens
/// 0..t; the causal mask keeps every position from seeing its future.
/// </summary>
public sealed class Gpt : nn.Module<Tensor, Tensor>
{
    private readonly GptConfig config;

    /// <summary>Token embedding E [vocabulary, width], also the output head.</summary>
    public readonly Embedding tokenEmbedding;

    /// <summary>Learned position embedding P [context, width] (Learned positions only).</summary>
    public readonly Embedding? positionEmbedding;

    /// <summary>Dropout after the embeddings.</summary>
    public readonly Dropout dropout;

    /// <summary>The blocks.</summary>
    public readonly ModuleList<GptBlock> blocks;

    /// <summary>The final layer norm.</summary>
    public readonly LayerNorm finalNorm;

    private readonly Tensor? sinusoid;

    /// <summary>A GPT with nanoGPT's initialisation (N(0, 0.02), residual projections scaled by 1/√(2·layers)).</summary>
    public Gpt(GptConfig config) : base(nameof(Gpt))
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
            sinusoid = Workbook.Attention.SinusoidalPositionalEncoding.Table(config.ContextLength, config.Width).to(ScalarType.Float32);
            register_buffer("sinusoid", sinusoid, persistent: false);
        }
        dropout = nn.Dropout(config.Dropout);
        blocks = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new GptBlock(config)).ToArray());
        finalNorm = new LayerNorm(config.Width, fused: true);
        RegisterComponents();
        Initialise();
    }

    /// <summary>The configuration.</summary>
    public GptConfig Config => config;

    /// <summary>Number of trainable parameters (the tied head counted once).</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>tokens [B, T] (int64, T ≤ context) → logits [B, T, vocabulary] for the next token at every position.</summary>
    public override Tensor forward(Tensor tokens)
    {
        if (tokens.dim() != 2 || tokens.shape[1] > config.ContextLength || tokens.shape[1] < 1)
        {
            throw new ArgumentException($"GPT input has shape {Shapes.Of(tokens)}: it must be [batch, time] with 1 ≤ time ≤ context {config.ContextLength}", nameof(tokens));
        }
        using var scope = NewDisposeScope();
        var time = tokens.shape[1];
        var x = tokenEmbedding.forward(tokens);                                          // [B, T, d]
        if (positionEmbedding is not null)
        {
            x = x + positionEmbedding.forward(arange(time, device: tokens.device));      // + P[0..T-1]
        }
        else if (sinusoid is not null)
        {
            x = x + sinusoid[TensorIndex.Slice(0, time)];
        }
        x = dropout.forward(x);
        foreach (var block in blocks)
        {
            x = block.forward(x);                                                        // [B, T, d]
        }
        x = finalNorm.forward(x);
        return nn.functional.linear(x, tokenEmbedding.weight!).MoveToOuterDisposeScope(); // tied head: [B, T, V]
    }

    /// <summary>Mean cross-entropy (nats per token) of predicting <paramref name="targets"/> [B, T] from <paramref name="tokens"/> [B, T].</summary>
    public Tensor Loss(Tensor tokens, Tensor targets)
    {
        using var logits = forward(tokens);
        return nn.functional.cross_entropy(logits.view(-1, config.VocabularySize), targets.reshape(-1));
    }

    /// <summary>Turns on or off recording of the attention weights in every block (for attention maps).</summary>
    public void RecordAttention(bool on)
    {
        foreach (var block in blocks)
        {
            block.attention.RecordWeights = on;
        }
    }

    /// <summary>The recorded attention weights of each layer: [batch, heads, T, T] per layer.</summary>
    public IReadOnlyList<Tensor?> AttentionWeights => blocks.Select(b => b.attention.LastWeights).ToArray();

    /// <summary>
    /// Continues <paramref name="prompt"/> by <paramref name="newTokens"/> tokens, one at a time:
    /// logits of the last position / temperature, keep the top k, softmax, sample
    /// (temperature 0 takes the most likely token). Reproducible through <paramref name="generator"/>.
    /// </summary>
    public int[] Generate(IReadOnlyList<int> prompt, int newTokens, double temperature = 1.0, int? topK = null, Generator? generator = null)
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
                var window = sequence.Skip(Math.Max(0, sequence.Count - config.ContextLength)).Select(t => (long)t).ToArray();
                var logits = forward(tensor(window).unsqueeze(0))[0, -1];                   // [V]
                int next;
                if (temperature <= 0)
                {
                    next = (int)logits.argmax().item<long>();
                }
                else
                {
                    logits = logits / temperature;
                    if (topK is { } k && k < config.VocabularySize)
                    {
                        var kth = logits.topk(k).values[-1];
                        logits = logits.masked_fill(logits < kth, double.NegativeInfinity);
                    }
                    next = (int)multinomial(logits.softmax(-1), 1, generator: generator).item<long>();
                }
                sequence.Add(next);
            }
        }
        train(wasTraining);
        return sequence.ToArray();
    }

    /// <summary>
    /// Draws <paramref name="count"/> continuations of <paramref name="prompt"/> at once (one forward
    /// pass per new token for the whole batch); same rules as <see cref="Generate"/>.
    /// </summary>
    public int[][] GenerateMany(IReadOnlyList<int> prompt, int count, int newTokens, double temperature = 1.0, int? topK = null, Generator? generator = null)
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
                var window = sequences.shape[1] > config.ContextLength ? sequences[.., ^config.ContextLength..] : sequences;
                var logits = forward(window)[.., -1];                                                    // [N, V]
                Tensor next;
                if (temperature <= 0)
                {
                    next = logits.argmax(-1, keepdim: true);
                }
                else
                {
                    logits = logits / temperature;
                    if (topK is { } k && k < config.VocabularySize)
                    {
                        var kth = logits.topk(k, dim: -1).values[.., ^1..];                                // [N, 1]
                        logits = logits.masked_fill(logits < kth, double.NegativeInfinity);
                    }
                    next = multinomial(logits.softmax(-1), 1, generator: generator);                      // [N, 1]
                }
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

    private void Initialise()
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith("norm1.weight") || name.EndsWith("norm2.weight") || name.EndsWith("finalNorm.weight"))
            {
                continue; // layer norm gains stay 1
            }
            if (name.EndsWith(".bias"))
            {
                nn.init.zeros_(parameter);
            }
            else if (name.Contains(".score."))
            {
                nn.init.zeros_(parameter); // relative position biases start neutral
            }
            else
            {
                // nanoGPT: residual projections scaled down so the residual stream's variance does not grow with depth.
                var std = name.EndsWith("wo.weight") || name.EndsWith("project.weight")
                    ? 0.02 / Math.Sqrt(2.0 * config.Layers)
                    : 0.02;
                nn.init.normal_(parameter, 0.0, std);
            }
        }
    }
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
