using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Transformers;

/// <summary>
/// The baseline for notebook 12: an LSTM encoder-decoder without attention (Notes §6.3), built on
/// torch.nn.LSTM. The encoder's final hidden and cell states are the decoder's initial states, the
/// only path from source to target. Same Loss/Greedy shape as <see cref="EncoderDecoderTransformer"/>.
/// </summary>
public sealed class LstmSeq2Seq : nn.Module
{
    private readonly int paddingToken;

    /// <summary>Source and target embeddings.</summary>
    public readonly Embedding sourceEmbedding, targetEmbedding;

    /// <summary>Encoder and decoder LSTMs.</summary>
    public readonly LSTM encoder, decoder;

    /// <summary>Output layer.</summary>
    public readonly Linear head;

    /// <summary>An LSTM seq2seq of hidden width <paramref name="width"/> with <paramref name="layers"/> layers.</summary>
    public LstmSeq2Seq(int sourceVocabulary, int targetVocabulary, int width, int layers = 1, int paddingToken = 0) : base(nameof(LstmSeq2Seq))
    {
        this.paddingToken = paddingToken;
        sourceEmbedding = nn.Embedding(sourceVocabulary, width);
        targetEmbedding = nn.Embedding(targetVocabulary, width);
        encoder = nn.LSTM(width, width, layers, batchFirst: true);
        decoder = nn.LSTM(width, width, layers, batchFirst: true);
        head = nn.Linear(width, targetVocabulary);
        RegisterComponents();
    }

    private (Tensor H, Tensor C) Encode(Tensor source)
    {
        // Padding sits at the end of each source; running over it is harmless for this baseline (the model learns to ignore it).
        var (_, h, c) = encoder.forward(sourceEmbedding.forward(source));
        return (h, c);
    }

    /// <summary>Teacher-forced cross-entropy, padding ignored.</summary>
    public Tensor Loss(Tensor source, Tensor targetIn, Tensor targetOut)
    {
        using var scope = NewDisposeScope();
        var (h, c) = Encode(source);
        var (output, _, _) = decoder.forward(targetEmbedding.forward(targetIn), (h, c));       // [B, Tt, width]
        var logits = head.forward(output);                                                    // [B, Tt, V]
        return nn.functional.cross_entropy(logits.view(-1, logits.shape[2]), targetOut.reshape(-1), ignore_index: paddingToken).MoveToOuterDisposeScope();
    }

    /// <summary>Greedy decoding for <paramref name="length"/> steps: [B, length].</summary>
    public Tensor Greedy(Tensor source, int startToken, int length)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var wasTraining = training;
        eval();
        var (h, c) = Encode(source);
        var token = full(source.shape[0], 1, startToken, dtype: ScalarType.Int64);               // [B, 1]
        var outputs = new List<Tensor>();
        for (var step = 0; step < length; step++)
        {
            var (output, h2, c2) = decoder.forward(targetEmbedding.forward(token), (h, c));
            (h, c) = (h2, c2);
            token = head.forward(output).argmax(-1);                                          // [B, 1]
            outputs.Add(token);
        }
        train(wasTraining);
        return cat(outputs, 1).MoveToOuterDisposeScope();
    }
}
