using TorchSharp;
using Workbook.Data.Sequences;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Recurrent;

/// <summary>
/// Evaluations that only the recurrent <see cref="Seq2Seq"/> supports: beam search through its step decoder and the
/// teacher-forced versus free-running token accuracy. Greedy accuracy of any <see cref="ISequenceToSequence"/> is
/// <see cref="Seq2SeqTrainer.GreedyAccuracy"/>.
/// </summary>
public static class Seq2SeqEvaluation
{
    /// <summary>Beam-search results for every example (one at a time); <paramref name="step"/> replaces the library's pruning step (a student's <see cref="BeamStep"/>).</summary>
    public static IReadOnlyList<BeamResult> BeamOutputs(Seq2Seq model, IReadOnlyList<TranslationExample> examples, Vocabulary source, int beamWidth, double lengthNormalization = 1.0, int extraLength = 2,
        BeamStep? step = null)
    {
        var results = new List<BeamResult>(examples.Count);
        foreach (var example in examples)
        {
            using var scope = NewDisposeScope();
            var decoder = model.StepDecoder(source.Encode(example.Source));
            results.Add(Decoding.BeamSearch(decoder, beamWidth, example.Target.Count + extraLength, lengthNormalization, step: step));
        }
        return results;
    }

    /// <summary>
    /// Per-token accuracy when the decoder is fed the ground truth (teacher forcing) and when it is fed its own
    /// predictions (free running, greedy); their gap measures exposure bias (Notes §6.3.2).
    /// </summary>
    public static (double TeacherForced, double FreeRunning) TokenAccuracies(Seq2Seq model, IReadOnlyList<TranslationExample> examples, Vocabulary source, Vocabulary target)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var batch = Seq2SeqBatch.From(examples, source, target);
        var real = batch.Target.ne(Vocabulary.Pad);                                            // [batch, time]
        var forced = model.Logits(batch, 1.0, null).argmax(2);                                 // [batch, time]
        var forcedAccuracy = forced.eq(batch.Target).logical_and(real).sum().ToDouble() / real.sum().ToDouble();
        var (tokens, _) = model.Greedy(batch.Source, batch.SourceLengths, (int)batch.Target.shape[1]);
        long correct = 0, total = 0;
        var targets = batch.Target.data<long>().ToArray();
        var time = (int)batch.Target.shape[1];
        for (var b = 0; b < tokens.Length; b++)
        {
            var withEnd = tokens[b].Append(Vocabulary.End).ToArray();
            for (var t = 0; t < time && targets[b * time + t] != Vocabulary.Pad; t++)
            {
                total++;
                if (t < withEnd.Length && withEnd[t] == targets[b * time + t])
                {
                    correct++;
                }
            }
        }
        return (forcedAccuracy, correct / (double)total);
    }
}
