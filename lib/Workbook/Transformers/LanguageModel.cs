using TorchSharp;
using TorchSharp.Modules;
using Workbook.Attention;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Transformers;

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

    /// <summary>
    /// Records the attention weights of every block (for attention maps): sets <see cref="MultiHeadAttention.RecordWeights"/>
    /// of each block's attention, so the blocks run the written-out path and keep their weights in <see cref="AttentionWeights"/>.
    /// </summary>
    public bool RecordWeights
    {
        get => Blocks.All(b => b.Attention.RecordWeights);
        set
        {
            foreach (var block in Blocks)
            {
                block.Attention.RecordWeights = value;
            }
        }
    }

    /// <summary>The attention weights of each layer recorded with <see cref="RecordWeights"/> on: [batch, heads, T, T] per layer.</summary>
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
    private readonly LayerNormScratch finalNorm;
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
        finalNorm = new LayerNormScratch(config.Width, fused: true);
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
