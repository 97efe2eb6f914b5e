using Workbook.Data.Grammar;
using Workbook.Tests.Core;
using Workbook.Transformers;
using static TorchSharp.torch;

namespace Workbook.Tests.Transformers;

[Collection(GlobalStateCollection.Name)]   // seeds torch's global generator
public sealed class SentenceClassifierTests
{
    [Fact]
    public void TheAgreementTaskFlipsOnlyTheVerbAndTheGrammarRejectsEveryFlip()
    {
        var grammar = EnglishGrammar.Create();
        var task = AgreementTask.Create(grammar, 400, seed: 1);

        Assert.Equal(200, task.Count(t => t.Grammatical));
        Assert.All(task, t => Assert.Equal(t.Grammatical, grammar.Accepts(ProbabilisticGrammar.Render(t.Words))));
        Assert.Equal(task.Select(t => string.Join(' ', t.Words)), AgreementTask.Create(grammar, 400, seed: 1).Select(t => string.Join(' ', t.Words)));
    }

    [Fact]
    public void TheAgreementTaskBalancesTheVerbsNumberAndSwapsAVerbForItsSameRankPartner()
    {
        var grammar = EnglishGrammar.Create();
        var task = AgreementTask.Create(grammar, 400, seed: 2);
        string Verb(LabelledSentence s) => s.Words.First(w => grammar.CategoryOf[w].StartsWith("verb-", StringComparison.Ordinal));
        bool Singular(string verb) => grammar.CategoryOf[verb].EndsWith("-singular", StringComparison.Ordinal);
        foreach (var label in new[] { true, false })
        {
            Assert.Equal(100, task.Count(t => t.Grammatical == label && Singular(Verb(t))));   // half of each half
        }
        Assert.Equal("see", EnglishGrammar.OtherNumberVerb["sees"]);
        Assert.Equal("sleeps", EnglishGrammar.OtherNumberVerb["sleep"]);
        Assert.All(EnglishGrammar.OtherNumberVerb, p => Assert.Equal(p.Key, EnglishGrammar.OtherNumberVerb[p.Value]));
    }

    [Fact]
    public void BatchesPutClsFirstAndPadTheRestAndNameWhatDoesNotFit()
    {
        var single = SentenceBatches.Encode(new[] { new[] { 5, 6 } }, cls: 1, pad: 0, length: 5);
        Assert.Equal(new long[] { 1, 5, 6, 0, 0 }, single.data<long>().ToArray());
        var pair = SentenceBatches.EncodePairs(new[] { (new[] { 5 }, new[] { 7, 8 }) }, cls: 1, sep: 2, pad: 0, length: 8);
        Assert.Equal(new long[] { 1, 5, 2, 7, 8, 2, 0, 0 }, pair.data<long>().ToArray());
        Assert.Contains("sentence 0 has 5 tokens", Assert.Throws<ArgumentException>(() => SentenceBatches.Encode(new[] { new[] { 1, 2, 3, 4, 5 } }, 1, 0, 5)).Message);
        Assert.Contains("pair 0", Assert.Throws<ArgumentException>(() => SentenceBatches.EncodePairs(new[] { (new[] { 1, 2 }, new[] { 3, 4 }) }, 1, 2, 0, 6)).Message);
    }

    [Fact]
    public void HiddenStatesTimesTheEmbeddingTableAreTheLogits()
    {
        manual_seed(0);
        var encoder = new BertEncoder(new GptConfig(20, ContextLength: 8, Layers: 1, Heads: 2, Width: 16));
        encoder.eval();
        using var _ = no_grad();
        var tokens = randint(20, new long[] { 3, 8 });
        var hidden = encoder.Hidden(tokens);                                            // [3, 8, 16]
        Assert.Equal(new long[] { 3, 8, 16 }, hidden.shape);
        Assert.True(hidden.matmul(encoder.TokenEmbeddings.t()).allclose(encoder.call(tokens), atol: 1e-5));
        var classifier = new SentenceClassifier(encoder, 2);
        Assert.Equal(new long[] { 3, 2 }, classifier.call(tokens).shape);
    }

    [Fact]
    public void FineTuningFitsASmallSeparableTask()
    {
        manual_seed(0);
        var encoder = new BertEncoder(new GptConfig(6, ContextLength: 4, Layers: 1, Heads: 2, Width: 16));
        var classifier = new SentenceClassifier(encoder, 2);
        // [CLS] = 5, then a filler 0-2, then 3 or 1, then 2: the label is whether token 3 is there
        var rows = Enumerable.Range(0, 64).Select(i => new[] { 5L, i % 3, i % 2 == 0 ? 3 : 1, 2 }).ToArray();
        var inputs = tensor(rows.SelectMany(r => r).ToArray(), new long[] { 64, 4 });
        var labels = tensor(rows.Select(r => r.Contains(3L) ? 1L : 0L).ToArray());
        var losses = SentenceClassifierTraining.Train(classifier, inputs, labels, steps: 150, batchSize: 32, learningRate: 3e-3, seed: 1);
        Assert.True(losses.TakeLast(10).Average() < 0.5 * losses.Take(10).Average(), $"loss {losses.Take(10).Average():F3} -> {losses.TakeLast(10).Average():F3}");
        Assert.True(SentenceClassifierTraining.Accuracy(classifier, inputs, labels) >= 0.95);
    }

    [Fact]
    public void TheMaskedMeanCheckPassesTheReferenceAndFailsAnUnmaskedMean()
    {
        Assert.True(TransformerExercises.CheckMaskedMean((h, keep) =>
        {
            var k = keep.to(ScalarType.Float64).unsqueeze(-1);
            return (h * k).sum(1) / k.sum(1).clamp_min(1);
        }).Passed);
        var wrong = TransformerExercises.CheckMaskedMean((h, keep) => h.mean(new long[] { 1 }));
        Assert.False(wrong.Passed);
        Assert.Contains("masked mean", wrong.ToString());
        Assert.False(TransformerExercises.CheckMaskedMean((h, keep) => throw new NotImplementedException("Exercise")).Attempted);
    }
}
