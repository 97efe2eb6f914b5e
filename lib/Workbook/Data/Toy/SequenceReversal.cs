using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Data.Toy;

/// <summary>One padded batch of a sequence-to-sequence task.</summary>
/// <param name="Source">source tokens [B, Ts], padded with <see cref="SequenceReversal.Pad"/>.</param>
/// <param name="TargetIn">decoder input [B, Tt]: start token, then the target without its last token.</param>
/// <param name="TargetOut">decoder output [B, Tt]: the target followed by the end token, padded.</param>
public sealed record Seq2SeqBatch(Tensor Source, Tensor TargetIn, Tensor TargetOut) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Source.Dispose();
        TargetIn.Dispose();
        TargetOut.Dispose();
    }
}

/// <summary>
/// A generated sequence-to-sequence task: read a string of digits (variable length) and write it
/// backwards. The first output token depends on the last input token, so a model that squeezes
/// the source into one vector (an LSTM encoder-decoder without attention) must remember all of it,
/// while attention can look the right token up.
/// </summary>
public static class SequenceReversal
{
    /// <summary>Padding id.</summary>
    public const int Pad = 0;

    /// <summary>Start-of-target id.</summary>
    public const int Start = 1;

    /// <summary>End-of-target id.</summary>
    public const int End = 2;

    /// <summary>Digits 0-9 are ids 3-12.</summary>
    public const int FirstDigit = 3;

    /// <summary>Ids used: pad, start, end and ten digits.</summary>
    public const int VocabularySize = 13;

    /// <summary>A batch of <paramref name="count"/> digit strings of length in [<paramref name="minLength"/>, <paramref name="maxLength"/>].</summary>
    public static Seq2SeqBatch Batch(int count, int minLength, int maxLength, Random random)
    {
        var source = new long[count, maxLength];
        var targetIn = new long[count, maxLength + 1];
        var targetOut = new long[count, maxLength + 1];
        for (var b = 0; b < count; b++)
        {
            var length = random.Next(minLength, maxLength + 1);
            var digits = Enumerable.Range(0, length).Select(_ => (long)(FirstDigit + random.Next(10))).ToArray();
            var reversed = Enumerable.Reverse(digits).ToArray();
            targetIn[b, 0] = Start;
            for (var t = 0; t < length; t++)
            {
                source[b, t] = digits[t];
                targetOut[b, t] = reversed[t];
                targetIn[b, t + 1] = reversed[t];
            }
            targetOut[b, length] = End;
        }
        return new Seq2SeqBatch(tensor(source), tensor(targetIn), tensor(targetOut));
    }

    /// <summary>Share of sequences whose every non-padding target token (end token included) was predicted exactly.</summary>
    public static double SequenceAccuracy(Tensor predicted, Tensor targetOut)
    {
        using var scope = NewDisposeScope();
        var length = Math.Min(predicted.shape[1], targetOut.shape[1]);
        var relevant = targetOut[.., ..(int)length].ne(Pad);
        var correct = predicted[.., ..(int)length].eq(targetOut[.., ..(int)length]).logical_or(relevant.logical_not());
        return correct.all(1).to(ScalarType.Float32).mean().item<float>();
    }
}
