using TorchSharp;
using TorchSharp.Modules;
using Workbook.Data.Sequences;
using Workbook.Tensors;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Transformers;

/// <summary>Size and wiring of an <see cref="EncoderDecoderTransformer"/>.</summary>
/// <param name="SourceVocabulary">source token ids (padding included).</param>
/// <param name="TargetVocabulary">target token ids (padding, start and end included).</param>
/// <param name="MaxLength">longest source or target sequence.</param>
/// <param name="Layers">encoder blocks and decoder blocks (N each).</param>
/// <param name="Heads">attention heads.</param>
/// <param name="Width">model width d.</param>
/// <param name="Dropout">dropout while training.</param>
/// <param name="Block">norm placement, whether layer norm and residuals are used, activation.</param>
/// <param name="PaddingToken">the id used to pad sources and targets (masked as keys, ignored in the loss).</param>
public sealed record EncoderDecoderConfig(int SourceVocabulary, int TargetVocabulary, int MaxLength = 32, int Layers = 2, int Heads = 4,
    int Width = 64, double Dropout = 0.0, BlockConfig? Block = null, int PaddingToken = 0);

/// <summary>
/// The encoder-decoder transformer (Notes §6.7.3): source tokens are embedded, sinusoidal
/// positions added, and N encoder blocks turn them into the memory; the decoder reads the target
/// shifted right (teacher forcing), with masked self-attention, cross-attention into the memory
/// and feed-forward layers, N times, then a linear layer gives next-token logits.
/// As an <see cref="ISequenceToSequence"/> it trains with the recurrent models' <see cref="Seq2SeqTrainer"/> on the same
/// batches (ids of <see cref="Vocabulary"/>: Pad 0, Start 1, End 2).
/// </summary>
public sealed class EncoderDecoderTransformer : nn.Module<Tensor, Tensor, Tensor>, ISequenceToSequence
{
    private readonly EncoderDecoderConfig config;
    private readonly BlockConfig options;

    private readonly Embedding sourceEmbedding;
    private readonly Embedding targetEmbedding;
    private readonly ModuleList<EncoderBlock> encoder;
    private readonly ModuleList<DecoderBlock> decoder;
    private readonly LayerNormScratch encoderNorm, decoderNorm; // final norms, used with pre-norm blocks (whose outputs are not normalised)
    private readonly Linear head;                        // width → target vocabulary

    private readonly Tensor positions;

    /// <summary>Builds the model of <paramref name="config"/>.</summary>
    public EncoderDecoderTransformer(EncoderDecoderConfig config) : base(nameof(EncoderDecoderTransformer))
    {
        this.config = config;
        options = config.Block ?? new BlockConfig();
        sourceEmbedding = nn.Embedding(config.SourceVocabulary, config.Width);
        targetEmbedding = nn.Embedding(config.TargetVocabulary, config.Width);
        encoder = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new EncoderBlock(config.Width, config.Heads, config.Dropout, options)).ToArray());
        decoder = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new DecoderBlock(config.Width, config.Heads, config.Dropout, options)).ToArray());
        encoderNorm = new LayerNormScratch(config.Width, fused: true);
        decoderNorm = new LayerNormScratch(config.Width, fused: true);
        head = nn.Linear(config.Width, config.TargetVocabulary);
        positions = Workbook.Attention.SinusoidalPositionalEncoding.Table(config.MaxLength, config.Width).to(ScalarType.Float32);
        register_buffer("positions", positions, persistent: false);
        RegisterComponents();
    }

    /// <summary>The configuration.</summary>
    public EncoderDecoderConfig Config => config;

    private bool FinalNorm => options.Norm == NormPlacement.PreNorm && options.UseLayerNorm;

    /// <summary>source [B, Ts] → memory [B, Ts, d] and the key mask of real (non-padding) source tokens [B, 1, 1, Ts].</summary>
    public (Tensor Memory, Tensor Keep) Encode(Tensor source)
    {
        CheckLength(source, "source");
        using var scope = NewDisposeScope();
        var keep = source.ne(config.PaddingToken).view(source.shape[0], 1, 1, source.shape[1]);      // [B, 1, 1, Ts]
        var x = sourceEmbedding.call(source) * Math.Sqrt(config.Width) + positions[..(int)source.shape[1]]; // [B, Ts, d]
        foreach (var block in encoder)
        {
            x = block.call(x, keep);
        }
        if (FinalNorm)
        {
            x = encoderNorm.call(x);
        }
        return (x.MoveToOuterDisposeScope(), keep.MoveToOuterDisposeScope());
    }

    /// <summary>targetIn [B, Tt] (start token first) and the memory → logits [B, Tt, target vocabulary].</summary>
    public Tensor Decode(Tensor targetIn, Tensor memory, Tensor keep)
    {
        CheckLength(targetIn, "target");
        using var scope = NewDisposeScope();
        var y = targetEmbedding.call(targetIn) * Math.Sqrt(config.Width) + positions[..(int)targetIn.shape[1]]; // [B, Tt, d]
        foreach (var block in decoder)
        {
            y = block.call(y, memory, keep);
        }
        if (FinalNorm)
        {
            y = decoderNorm.call(y);
        }
        return head.call(y).MoveToOuterDisposeScope();                                              // [B, Tt, V]
    }

    /// <summary>Teacher-forced logits [B, Tt, V] for source [B, Ts] and the shifted target [B, Tt]; called as <c>model.call(source, targetIn)</c>.</summary>
    public override Tensor forward(Tensor source, Tensor targetIn)
    {
        var (memory, keep) = Encode(source);
        using (memory)
        using (keep)
        {
            return Decode(targetIn, memory, keep);
        }
    }

    /// <summary>Cross-entropy of predicting <paramref name="targetOut"/> (padding ignored) with teacher forcing.</summary>
    public Tensor Loss(Tensor source, Tensor targetIn, Tensor targetOut)
    {
        using var logits = call(source, targetIn);
        return nn.functional.cross_entropy(logits.view(-1, config.TargetVocabulary), targetOut.reshape(-1), ignore_index: config.PaddingToken);
    }

    /// <summary>
    /// <see cref="ISequenceToSequence"/>'s loss: teacher forcing on <see cref="Seq2SeqBatch.DecoderInput"/>. The transformer
    /// computes every target position at once from the true prefix, so scheduled sampling (<paramref name="truthProbability"/> &lt; 1)
    /// is refused.
    /// </summary>
    public Tensor Loss(Seq2SeqBatch batch, double truthProbability = 1.0, Random? random = null)
    {
        if (truthProbability != 1.0)
        {
            throw new ArgumentException($"The transformer trains with teacher forcing only (truth probability 1), got {truthProbability}.", nameof(truthProbability));
        }
        return Loss(batch.Source, batch.DecoderInput, batch.Target);
    }

    /// <summary>
    /// <see cref="ISequenceToSequence"/>'s greedy decoding: up to <paramref name="maxLength"/> tokens per example, cut at the
    /// first <see cref="Vocabulary.End"/>. Padding in <paramref name="source"/> is masked, so <paramref name="lengths"/> is only checked.
    /// </summary>
    public (int[][] Tokens, Tensor? Weights) Greedy(Tensor source, long[] lengths, int maxLength)
    {
        if (maxLength < 1)
        {
            throw new ArgumentException($"maxLength must be at least 1, got {maxLength}.", nameof(maxLength));
        }
        if (lengths.Length != source.shape[0])
        {
            throw new ArgumentException($"{lengths.Length} source lengths for a batch of {source.shape[0]} sources.", nameof(lengths));
        }
        using var scope = NewDisposeScope();
        var batchSize = (int)source.shape[0];
        var ids = Greedy(source, Vocabulary.Start, maxLength).data<long>().ToArray();                // [B · maxLength]
        var tokens = new int[batchSize][];
        for (var b = 0; b < batchSize; b++)
        {
            tokens[b] = ids.Skip(b * maxLength).Take(maxLength).Select(id => (int)id).TakeWhile(id => id != Vocabulary.End).ToArray();
        }
        return (tokens, null);
    }

    /// <summary>Greedy decoding: starts from <paramref name="startToken"/>, appends the most likely token, <paramref name="length"/> times. Returns [B, length].</summary>
    public Tensor Greedy(Tensor source, int startToken, int length)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var wasTraining = training;
        eval();
        var (memory, keep) = Encode(source);
        var output = full(source.shape[0], 1, startToken, dtype: ScalarType.Int64);                    // [B, 1]
        for (var step = 0; step < length; step++)
        {
            var logits = Decode(output, memory, keep);                                                 // [B, t, V]
            var next = logits[.., -1].argmax(-1, keepdim: true);                                       // [B, 1]
            output = cat(new[] { output, next }, 1);
        }
        train(wasTraining);
        return output[.., 1..].MoveToOuterDisposeScope();
    }

    private void CheckLength(Tensor tokens, string what)
    {
        if (tokens.dim() != 2 || tokens.shape[1] > config.MaxLength)
        {
            throw new ArgumentException($"{what} has shape {Shapes.Of(tokens)}: it must be [batch, time] with time ≤ {config.MaxLength}");
        }
    }
}
