using Workbook.Data.Sequences;
using static TorchSharp.torch;

namespace Workbook.Training;

/// <summary>A padded batch of translation pairs.</summary>
/// <param name="Source">source ids [batch, source time], padded with <see cref="Vocabulary.Pad"/>.</param>
/// <param name="SourceLengths">true source lengths.</param>
/// <param name="DecoderInput">[batch, target time]: Start, y_1, ..., y_n, padding.</param>
/// <param name="Target">[batch, target time]: y_1, ..., y_n, End, padding.</param>
public sealed record Seq2SeqBatch(Tensor Source, long[] SourceLengths, Tensor DecoderInput, Tensor Target)
{
    /// <summary>Builds a batch from examples; throws if a source or target is empty.</summary>
    public static Seq2SeqBatch From(IReadOnlyList<TranslationExample> examples, Vocabulary source, Vocabulary target)
    {
        if (examples.Count == 0)
        {
            throw new ArgumentException("Cannot build a batch from no examples.", nameof(examples));
        }
        var empty = examples.Select((e, i) => (e, i)).Where(p => p.e.Source.Count == 0 || p.e.Target.Count == 0).Select(p => p.i).ToArray();
        if (empty.Length > 0)
        {
            throw new ArgumentException($"Example {empty[0]} has an empty source or target (source length {examples[empty[0]].Source.Count}, target length {examples[empty[0]].Target.Count}).", nameof(examples));
        }
        var sourceIds = examples.Select(e => source.Encode(e.Source)).ToArray();
        var targetIds = examples.Select(e => target.Encode(e.Target)).ToArray();
        int batch = examples.Count, sourceTime = sourceIds.Max(s => s.Length), targetTime = targetIds.Max(t => t.Length) + 1;
        var src = new long[batch * sourceTime];
        var input = new long[batch * targetTime];
        var output = new long[batch * targetTime];
        for (var b = 0; b < batch; b++)
        {
            for (var s = 0; s < sourceIds[b].Length; s++)
            {
                src[b * sourceTime + s] = sourceIds[b][s];
            }
            input[b * targetTime] = Vocabulary.Start;
            for (var t = 0; t < targetIds[b].Length; t++)
            {
                input[b * targetTime + t + 1] = targetIds[b][t];
                output[b * targetTime + t] = targetIds[b][t];
            }
            output[b * targetTime + targetIds[b].Length] = Vocabulary.End;
        }
        return new Seq2SeqBatch(
            tensor(src, new long[] { batch, sourceTime }),
            sourceIds.Select(s => (long)s.Length).ToArray(),
            tensor(input, new long[] { batch, targetTime }),
            tensor(output, new long[] { batch, targetTime }));
    }
}
