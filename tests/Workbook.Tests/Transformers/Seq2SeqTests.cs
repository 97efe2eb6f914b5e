using TorchSharp;
using Workbook.Data.Toy;
using Workbook.Transformers;
using static TorchSharp.torch;

namespace Workbook.Tests.Transformers;

public class Seq2SeqTests
{
    [Fact]
    public void ReversalBatchesAreReversedShiftedAndPadded()
    {
        using var batch = SequenceReversal.Batch(50, 2, 7, new Random(4));
        for (var b = 0; b < 50; b++)
        {
            var source = batch.Source[b].data<long>().ToArray().TakeWhile(t => t != SequenceReversal.Pad).ToArray();
            var output = batch.TargetOut[b].data<long>().ToArray();
            var input = batch.TargetIn[b].data<long>().ToArray();
            Assert.InRange(source.Length, 2, 7);
            Assert.Equal(source.Reverse().Append(SequenceReversal.End), output.Take(source.Length + 1));
            Assert.All(output.Skip(source.Length + 1), t => Assert.Equal(SequenceReversal.Pad, t));
            Assert.Equal(SequenceReversal.Start, input[0]);
            Assert.Equal(output.Take(source.Length), input.Skip(1).Take(source.Length));
        }
        Assert.Equal(1.0, SequenceReversal.SequenceAccuracy(batch.TargetOut, batch.TargetOut));
        var wrong = batch.TargetOut.clone();
        wrong[0, 0] = tensor(SequenceReversal.Pad == 0 ? 5L : 0L);
        Assert.Equal(49.0 / 50, SequenceReversal.SequenceAccuracy(wrong, batch.TargetOut), 6);
    }

    [Fact]
    public void LstmBaselineTrainsAndDecodesWithTheRightShape()
    {
        manual_seed(3);
        var model = new LstmSeq2Seq(SequenceReversal.VocabularySize, SequenceReversal.VocabularySize, width: 32);
        var random = new Random(1);
        var history = Seq2SeqTrainer.Train(model, model.Loss, _ => SequenceReversal.Batch(32, 2, 3, random), 150, learningRate: 1e-2);
        Assert.True(history.FinalLoss < history.Losses.Take(10).Average() * 0.6, $"loss {history.Losses[0]} -> {history.FinalLoss}");
        using var test = SequenceReversal.Batch(10, 2, 3, new Random(2));
        Assert.Equal(new long[] { 10, 4 }, model.Greedy(test.Source, SequenceReversal.Start, 4).shape);
    }
}
