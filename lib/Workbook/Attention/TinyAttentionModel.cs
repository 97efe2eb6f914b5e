using TorchSharp;
using TorchSharp.Modules;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Attention;

/// <summary>How a <see cref="TinyAttentionModel"/> learns where tokens are.</summary>
public enum PositionEncoding
{
    /// <summary>No position information at all: attention sees a bag of tokens (Notes §6.7.2.1).</summary>
    None,
    /// <summary>Fixed sinusoids added to the embeddings.</summary>
    Sinusoidal,
    /// <summary>One learned vector per absolute position, added to the embeddings.</summary>
    Learned,
    /// <summary>Learned vectors r_{j-i} inside the attention score (Notes A Q11).</summary>
    RelativeVectors,
    /// <summary>A learned scalar bias b_{j-i} per head added to the score (Notes A Q11).</summary>
    RelativeBias,
}

/// <summary>Settings of a <see cref="TinyAttentionModel"/>.</summary>
/// <param name="Vocabulary">number of token ids.</param>
/// <param name="ModelDim">embedding and attention width E.</param>
/// <param name="Heads">attention heads (divides E).</param>
/// <param name="Position">how positions are encoded.</param>
/// <param name="MaxLength">longest sequence for absolute encodings.</param>
/// <param name="MaxDistance">L, the clipping distance of relative encodings.</param>
/// <param name="Targets">how many tokens to predict at each position (one classifier each).</param>
/// <param name="Causal">whether position t may only look at positions ≤ t.</param>
public sealed record TinyAttentionConfig(
    long Vocabulary = 10,
    long ModelDim = 32,
    long Heads = 2,
    PositionEncoding Position = PositionEncoding.Learned,
    long MaxLength = 64,
    long MaxDistance = 8,
    long Targets = 1,
    bool Causal = true);

/// <summary>
/// The smallest model in which attention has to do the work: token embedding (+ absolute position encoding) → one
/// multi-head attention layer → a linear read-out per target. No feed-forward block and no residual, so whatever the
/// read-out sees went through the attention weights, which makes the heads' jobs visible in their heatmaps.
/// Input token ids [B, T] → logits [B, T, Targets, Vocabulary].
/// </summary>
public sealed class TinyAttentionModel : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embedding;
    private readonly nn.Module<Tensor, Tensor>? absolutePosition;
    private readonly MultiHeadAttention attention;
    private readonly Linear readout;

    public TinyAttentionModel(TinyAttentionConfig config) : base(nameof(TinyAttentionModel))
    {
        Config = config;
        embedding = nn.Embedding(config.Vocabulary, config.ModelDim);
        absolutePosition = config.Position switch
        {
            PositionEncoding.Sinusoidal => new SinusoidalPositionalEncoding(config.ModelDim, config.MaxLength),
            PositionEncoding.Learned => new LearnedPositionalEncoding(config.MaxLength, config.ModelDim, initStd: 1.0),
            _ => null,
        };
        attention = config.Position switch
        {
            PositionEncoding.RelativeVectors => MultiHeadAttention.WithRelativePositions(config.ModelDim, config.Heads, config.MaxDistance, RelativePositionKind.Vectors),
            PositionEncoding.RelativeBias => MultiHeadAttention.WithRelativePositions(config.ModelDim, config.Heads, config.MaxDistance, RelativePositionKind.Bias),
            _ => new MultiHeadAttention(config.ModelDim, config.Heads),
        };
        readout = nn.Linear(config.ModelDim, config.Targets * config.Vocabulary);
        RegisterComponents();
    }

    public TinyAttentionConfig Config { get; }

    /// <summary>The attention layer (set <see cref="MultiHeadAttention.RecordWeights"/> to draw its heads).</summary>
    public MultiHeadAttention Attention => attention;

    /// <summary>Token ids [B, T] → logits [B, T, Targets, Vocabulary].</summary>
    public override Tensor forward(Tensor tokens)
    {
        if (tokens.dim() != 2)
        {
            throw new ArgumentException($"TinyAttentionModel takes token ids [batch, time], got {Shapes.Of(tokens)}.");
        }
        long batch = tokens.shape[0], time = tokens.shape[1];
        using var scope = NewDisposeScope();
        var h = embedding.call(tokens);                                       // [B, T, E]
        if (absolutePosition is not null)
        {
            h = absolutePosition.call(h);                                     // [B, T, E]
        }
        var attended = attention.SelfAttend(h, causal: Config.Causal);           // [B, T, E]
        var logits = readout.call(attended);                                  // [B, T, Targets·V]
        return logits.view(batch, time, Config.Targets, Config.Vocabulary).MoveToOuterDisposeScope(); // [B, T, Targets, V]
    }
}

/// <summary>A batch of a generated task: token ids [B, T] and targets [B, T, K] (−100 = no target here).</summary>
public sealed record TaskBatch(Tensor Inputs, Tensor Targets) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
    }
}

/// <summary>Generated sequence tasks whose answers need attention to particular positions.</summary>
public static class AttentionTasks
{
    /// <summary>"No target" marker, ignored by the loss and the accuracy.</summary>
    public const long Ignore = -100;

    /// <summary>
    /// Copy back: at position t predict the token at t - <paramref name="offset"/> (no target for t &lt; offset).
    /// Only the relative position matters. Uses torch's generator (seed it with Seeds.Set).
    /// </summary>
    public static TaskBatch CopyBack(long batch, long length, long vocabulary, long offset)
    {
        var inputs = randint(vocabulary, new[] { batch, length });                      // [B, T]
        var targets = full(batch, length, Ignore, dtype: ScalarType.Int64);              // [B, T]
        if (length > offset)
        {
            targets.narrow(1, offset, length - offset).copy_(inputs.narrow(1, 0, length - offset));
        }
        return new TaskBatch(inputs, targets.unsqueeze(-1));                             // [B, T, 1]
    }

    /// <summary>
    /// Two jobs at once: at position t predict the previous token x_{t-1} and the first token x_0. One head can copy
    /// the previous token, another can look at the start. Targets [B, T, 2] (no previous-token target at t = 0).
    /// </summary>
    public static TaskBatch PreviousAndFirst(long batch, long length, long vocabulary)
    {
        var inputs = randint(vocabulary, new[] { batch, length });                      // [B, T]
        var previous = full(batch, length, Ignore, dtype: ScalarType.Int64);             // [B, T]
        previous.narrow(1, 1, length - 1).copy_(inputs.narrow(1, 0, length - 1));
        var first = inputs.narrow(1, 0, 1).expand(batch, length);                        // [B, T]
        return new TaskBatch(inputs, stack(new[] { previous, first }, -1));              // [B, T, 2]
    }
}

/// <summary>Training and scoring of small sequence models on <see cref="TaskBatch"/>es.</summary>
public static class SequenceTraining
{
    /// <summary>
    /// Adam on cross-entropy, one fresh batch per step; returns the loss per step.
    /// </summary>
    public static List<double> Train(nn.Module<Tensor, Tensor> model, Func<TaskBatch> nextBatch, int steps, double learningRate = 3e-3)
    {
        var losses = new List<double>(steps);
        using var optimizer = optim.Adam(model.parameters(), learningRate);
        model.train();
        for (var step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            using var batch = nextBatch();
            var logits = model.call(batch.Inputs);                                    // [B, T, K, V]
            var loss = nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[^1]), batch.Targets.reshape(-1), ignore_index: AttentionTasks.Ignore);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }
        model.eval();
        return losses;
    }

    /// <summary>Share of targeted positions predicted right, for each target k: [K] accuracies.</summary>
    public static double[] Accuracy(nn.Module<Tensor, Tensor> model, TaskBatch batch)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        var predicted = model.call(batch.Inputs).argmax(-1);                          // [B, T, K]
        var counted = batch.Targets != AttentionTasks.Ignore;                            // [B, T, K]
        var correct = (predicted == batch.Targets) & counted;
        var perTarget = correct.sum(new long[] { 0, 1 }).to_type(ScalarType.Float64) /
                        counted.sum(new long[] { 0, 1 }).to_type(ScalarType.Float64);     // [K]
        return perTarget.data<double>().ToArray();
    }
}
