using TorchSharp;
using TorchSharp.Modules;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Transformers;

/// <summary>
/// BERT's recipe for a sentence task (Notes §6.9.2): put a <c>[CLS]</c> token in front of the sentence, run the
/// encoder, and classify from the final hidden state at that first position with one linear layer. Fine-tuning trains
/// the head and every weight of the encoder together.
/// </summary>
public sealed class SentenceClassifier : nn.Module<Tensor, Tensor>
{
    private readonly LanguageModel encoder;
    private readonly Linear head;

    /// <summary>A classifier of <paramref name="classes"/> classes on top of <paramref name="encoder"/> (pretrained or not).</summary>
    public SentenceClassifier(LanguageModel encoder, int classes) : base(nameof(SentenceClassifier))
    {
        this.encoder = encoder;
        head = nn.Linear(encoder.Config.Width, classes);
        RegisterComponents();
    }

    /// <summary>tokens [B, T], <c>[CLS]</c> first → class logits [B, classes].</summary>
    public override Tensor forward(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        var cls = encoder.Hidden(tokens)[.., 0, ..];                          // [B, width]: the [CLS] position
        return head.call(cls).MoveToOuterDisposeScope();                      // [B, classes]
    }
}

/// <summary>Turning token sequences into the fixed-size batches a sentence classifier reads.</summary>
public static class SentenceBatches
{
    /// <summary>
    /// [N, length] int64: <paramref name="cls"/>, the sentence, then <paramref name="pad"/> up to <paramref name="length"/>.
    /// A sentence longer than length − 1 tokens is an error (naming it), not silently cut.
    /// </summary>
    public static Tensor Encode(IReadOnlyList<int[]> sentences, int cls, int pad, int length)
    {
        var data = new long[sentences.Count * length];
        for (var i = 0; i < sentences.Count; i++)
        {
            if (sentences[i].Length > length - 1)
            {
                throw new ArgumentException($"sentence {i} has {sentences[i].Length} tokens; with [CLS] it does not fit in length {length}.", nameof(sentences));
            }
            data[i * length] = cls;
            for (var t = 0; t < length - 1; t++)
            {
                data[i * length + 1 + t] = t < sentences[i].Length ? sentences[i][t] : pad;
            }
        }
        return tensor(data, new long[] { sentences.Count, length });
    }

    /// <summary>
    /// BERT's sentence-pair input (the next-sentence objective, Notes §6.9.2): [N, length] int64 rows
    /// <c>[CLS] a [SEP] b [SEP]</c> then <paramref name="pad"/>. A pair that does not fit is an error naming it.
    /// </summary>
    public static Tensor EncodePairs(IReadOnlyList<(int[] A, int[] B)> pairs, int cls, int sep, int pad, int length)
    {
        var data = new long[pairs.Count * length];
        for (var i = 0; i < pairs.Count; i++)
        {
            var (a, b) = pairs[i];
            if (a.Length + b.Length + 3 > length)
            {
                throw new ArgumentException($"pair {i} has {a.Length} + {b.Length} tokens; with [CLS] and two [SEP] it does not fit in length {length}.", nameof(pairs));
            }
            var row = new[] { cls }.Concat(a).Append(sep).Concat(b).Append(sep).ToArray();
            for (var t = 0; t < length; t++)
            {
                data[i * length + t] = t < row.Length ? row[t] : pad;
            }
        }
        return tensor(data, new long[] { pairs.Count, length });
    }
}

/// <summary>Minibatch Adam training of a classifier on (tokens or features, labels), and its accuracy.</summary>
public static class SentenceClassifierTraining
{
    /// <summary>
    /// Trains <paramref name="model"/> on inputs [N, ...] and int64 labels [N] for <paramref name="steps"/> minibatches of
    /// <paramref name="batchSize"/> drawn with <paramref name="seed"/>; returns the loss of every step.
    /// </summary>
    public static double[] Train(nn.Module<Tensor, Tensor> model, Tensor inputs, Tensor labels, int steps, int batchSize = 32, double learningRate = 1e-3, int seed = 0)
    {
        if (inputs.shape[0] != labels.shape[0] || labels.dim() != 1)
        {
            throw new ArgumentException($"inputs {Shapes.Of(inputs)} and labels {Shapes.Of(labels)}: labels must be [N] with N = inputs.shape[0].");
        }
        using var generator = new Generator((ulong)seed);
        var optimizer = optim.Adam(model.parameters(), learningRate);
        var losses = new double[steps];
        model.train();
        for (var step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var index = randint(inputs.shape[0], new long[] { Math.Min(batchSize, inputs.shape[0]) }, generator: generator);   // [B]
            var loss = nn.functional.cross_entropy(model.call(inputs[index]), labels[index]);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            losses[step] = loss.ToDouble();
        }
        model.eval();
        return losses;
    }

    /// <summary>Share of <paramref name="inputs"/> whose most likely class is the label (eval mode, no gradients).</summary>
    public static double Accuracy(nn.Module<Tensor, Tensor> model, Tensor inputs, Tensor labels)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        return model.call(inputs).argmax(1).eq(labels).to(ScalarType.Float32).mean().ToDouble();
    }
}
