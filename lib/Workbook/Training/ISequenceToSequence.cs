using Workbook.Data.Sequences;
using static TorchSharp.torch;

namespace Workbook.Training;

/// <summary>
/// What <see cref="Seq2SeqTrainer"/> needs from a sequence-to-sequence model, so that every encoder-decoder of the
/// course (the recurrent one of notebook 07, the transformer of notebook 12) is trained and evaluated by the same code
/// on the same batches. The contract lives in core because it belongs to no one topic: a topic implements it. Token ids follow <see cref="Vocabulary"/>: Pad 0, Start 1, End 2.
/// </summary>
public interface ISequenceToSequence
{
    /// <summary>
    /// Mean cross-entropy over the real target tokens (End included, padding ignored); a <paramref name="truthProbability"/>
    /// below 1 asks for scheduled sampling (Notes §6.3.2), which a model may refuse.
    /// </summary>
    Tensor Loss(Seq2SeqBatch batch, double truthProbability = 1.0, Random? random = null);

    /// <summary>Greedy decoding of a batch: the tokens of every example without Start and End, and attention weights if the model has them to show.</summary>
    (int[][] Tokens, Tensor? Weights) Greedy(Tensor source, long[] lengths, int maxLength);
}
