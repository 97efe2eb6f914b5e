using TorchSharp;
using Workbook.Data.Sequences;
using Workbook.Recurrent;
using Workbook.Training;
using Workbook.Transformers;
using static TorchSharp.torch;

namespace Workbook.Tests.Transformers;

/// <summary>The transformer trains and decodes through the recurrent models' trainer, on the same number-words batches.</summary>
public class Seq2SeqTests
{
    private static Vocabulary Source => NumberWords.SourceVocabulary;

    private static Vocabulary Target => NumberWords.TargetVocabulary;

    private static EncoderDecoderTransformer NewTransformer(int layers = 1, int width = 32) =>
        new(new EncoderDecoderConfig(Source.Count, Target.Count, MaxLength: 16, Layers: layers, Heads: 2, Width: width));

    [Fact]
    public void TransformerLearnsShortNumbersWithTheSharedTrainer()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var data = NumberWords.Generate(0, 400, 0, 100, 1, 3);
        var model = NewTransformer();
        var calls = new List<int>();
        var history = Seq2SeqTrainer.Train(model, data.Train, Source, Target,
            new Seq2SeqTrainerConfig(Steps: 250, BatchSize: 32, LearningRate: 3e-3, Seed: 0, EvaluateEvery: 100),
            m =>
            {
                Assert.False(m.training);   // evaluations run in eval mode
                calls.Add(calls.Count);
                return Seq2SeqTrainer.GreedyAccuracy(m, data.Test, Source, Target);
            });
        Assert.Equal(new[] { 100, 200, 250 }, history.Evaluations.Select(e => e.Step));
        var log = history.Log;   // the library's one history shape: a row per step, the evaluations where they ran
        Assert.Equal(250, log.Count);
        Assert.Equal(history.Losses, log.Column("loss"));
        Assert.Equal(new[] { 100.0, 200, 250 }, log.Column("step").Where((_, k) => !double.IsNaN(log.Column("evaluation")[k])));
        Assert.Equal(3, calls.Count);
        Assert.True(history.Seconds > 0 && history.Evaluations.Select(e => e.Seconds).SequenceEqual(history.Evaluations.Select(e => e.Seconds).Order()));
        Assert.True(history.FinalLoss < 0.3 * history.Losses.Take(20).Average(), $"loss {history.Losses.Take(20).Average():F3} -> {history.FinalLoss:F3}");
        var accuracy = Seq2SeqTrainer.GreedyAccuracy(model, data.Test, Source, Target);
        Assert.Equal(accuracy, history.Evaluations[^1].Value);
        Assert.True(accuracy > 0.25, $"exact-match accuracy on held-out 1-3 digit numbers {accuracy:F2} <= 0.25 (seeds 0 to 3 gave 0.45 to 0.66)");
    }

    [Fact]
    public void GreedyTokensStopBeforeEndAndRespectTheLimit()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var data = NumberWords.Generate(1, 10, 0, 20, 1, 4);
        var model = NewTransformer();
        var batch = Seq2SeqBatch.From(data.Test, Source, Target);
        var (tokens, weights) = model.Greedy(batch.Source, batch.SourceLengths, 5);
        Assert.Null(weights);
        Assert.Equal(20, tokens.Length);
        Assert.All(tokens, t =>
        {
            Assert.InRange(t.Length, 0, 5);
            Assert.DoesNotContain(Vocabulary.End, t);
        });
        // The same decoding as the fixed-length decoder, cut at End.
        var full = model.Greedy(batch.Source, Vocabulary.Start, 5).data<long>().ToArray();
        for (var b = 0; b < 20; b++)
        {
            Assert.Equal(full.Skip(5 * b).Take(5).Select(id => (int)id).TakeWhile(id => id != Vocabulary.End), tokens[b]);
        }
    }

    [Fact]
    public void BadRequestsNameTheProblem()
    {
        using var scope = NewDisposeScope();
        var data = NumberWords.Generate(2, 10, 0, 4, 1, 3);
        var model = NewTransformer();
        var batch = Seq2SeqBatch.From(data.Train.Take(4).ToArray(), Source, Target);
        var sampling = Assert.Throws<ArgumentException>(() => model.Loss(batch, 0.5));
        Assert.Contains("teacher forcing only", sampling.Message);
        var tooLong = Assert.Throws<ArgumentException>(() => model.Greedy(batch.Source, batch.SourceLengths, 17));
        Assert.Contains("time ≤ 16", tooLong.Message);
        Assert.Throws<ArgumentException>(() => model.Greedy(batch.Source, new long[] { 1, 2 }, 4));
        Assert.Throws<ArgumentException>(() => model.Greedy(batch.Source, batch.SourceLengths, 0));
    }
}
