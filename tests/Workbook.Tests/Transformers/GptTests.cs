using TorchSharp;
using Workbook.Data.Grammar;
using Workbook.Text;
using Workbook.Transformers;
using static TorchSharp.torch;

namespace Workbook.Tests.Transformers;

public class GptTests
{
    private static GptConfig Small(PositionalEncodingKind positions = PositionalEncodingKind.Learned) =>
        new(VocabularySize: 30, ContextLength: 16, Layers: 2, Heads: 2, Width: 32, Dropout: 0.0, Positions: positions);

    [Theory]
    [InlineData(PositionalEncodingKind.Learned)]
    [InlineData(PositionalEncodingKind.Sinusoidal)]
    [InlineData(PositionalEncodingKind.RelativeBias)]
    [InlineData(PositionalEncodingKind.None)]
    public void ChangingAFutureTokenNeverChangesEarlierLogits(PositionalEncodingKind positions)
    {
        manual_seed(5);
        var model = new Gpt(Small(positions));
        model.eval();
        if (positions == PositionalEncodingKind.RelativeBias)
        {
            using var noGrad = no_grad();
            var biases = model.named_parameters().Where(p => p.name.Contains(".score.")).ToArray();
            Assert.Equal(2, biases.Length);
            foreach (var (_, bias) in biases)
            {
                bias.normal_(0, 1); // non-zero biases so the test means something
            }
        }
        var tokens = randint(0, 30, new long[] { 2, 16 });
        using var before = model.forward(tokens);
        for (var t = 1; t < 16; t += 3)
        {
            var changed = tokens.clone();
            changed[.., t] = (changed[.., t] + 1) % 30;
            using var after = model.forward(changed);
            Assert.Equal(0.0, (after[.., ..t] - before[.., ..t]).abs().max().item<float>());
            Assert.True((after[.., t] - before[.., t]).abs().max().item<float>() > 1e-6, "the changed position itself must change");
        }
    }

    [Fact]
    public void BidirectionalStackSeesTheFuture()
    {
        manual_seed(6);
        var model = new BertEncoder(Small());
        model.eval();
        var tokens = randint(0, 30, new long[] { 1, 16 });
        var changed = tokens.clone();
        changed[0, 10] = (changed[0, 10] + 1) % 30;
        Assert.True((model.forward(changed)[0, 0] - model.forward(tokens)[0, 0]).abs().max().item<float>() > 1e-7);
    }

    [Fact]
    public void SaveThenLoadGivesIdenticalLogits()
    {
        manual_seed(7);
        var config = Small(PositionalEncodingKind.RelativeBias);
        var model = new Gpt(config);
        var path = Path.Combine(Path.GetTempPath(), $"gpt-{Guid.NewGuid():N}.bin");
        try
        {
            // Train a few steps so the weights are not the initial ones.
            var data = Enumerable.Range(0, 500).Select(i => i * 7 % 30).ToArray();
            GptTrainer.Train(model, data, data, new GptTrainerConfig(Steps: 5, BatchSize: 4, EvalInterval: 5, EvalBatches: 1, WarmupSteps: 1, Log: false));
            GptCheckpoint.Save(model, path);
            manual_seed(99);
            var loaded = GptCheckpoint.Load(config, path);
            model.eval();
            loaded.eval();
            var tokens = randint(0, 30, new long[] { 3, 16 });
            Assert.Equal(0.0, (model.forward(tokens) - loaded.forward(tokens)).abs().max().item<float>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LearningRateWarmsUpThenDecaysToTheMinimum()
    {
        var config = new GptTrainerConfig(Steps: 100, LearningRate: 1e-3, MinLearningRate: 1e-4, WarmupSteps: 10);
        Assert.Equal(1e-4, config.LearningRateAt(0), 12);
        Assert.Equal(1e-3, config.LearningRateAt(9), 12);
        Assert.Equal(1e-3, config.LearningRateAt(10), 12);
        Assert.Equal(5.5e-4, config.LearningRateAt(55), 12);
        Assert.Equal(1e-4, config.LearningRateAt(100), 12);
        var decay = Enumerable.Range(10, 90).Select(config.LearningRateAt).ToArray();
        Assert.True(decay.Zip(decay.Skip(1)).All(p => p.First >= p.Second));
    }

    [Fact]
    public void GenerationIsReproducibleAndRespectsTopK()
    {
        manual_seed(9);
        var model = new Gpt(Small());
        var prompt = new[] { 1, 2, 3 };
        using var g1 = new Generator(42);
        using var g2 = new Generator(42);
        var a = model.Generate(prompt, 30, temperature: 1.0, topK: 5, generator: g1);
        var b = model.Generate(prompt, 30, temperature: 1.0, topK: 5, generator: g2);
        Assert.Equal(a, b);
        Assert.Equal(33, a.Length);
        Assert.Equal(prompt, a[..3]);
        // Top-1 sampling is greedy decoding.
        using var g3 = new Generator(1);
        Assert.Equal(model.Generate(prompt, 20, temperature: 0), model.Generate(prompt, 20, temperature: 0.7, topK: 1, generator: g3));
    }

    [Fact]
    public void BatchedGenerationIsReproducibleAndGreedyMatchesSingle()
    {
        manual_seed(11);
        var model = new Gpt(Small());
        var prompt = new[] { 4, 5 };
        using var g1 = new Generator(3);
        using var g2 = new Generator(3);
        var a = model.GenerateMany(prompt, 5, 20, temperature: 1.0, topK: 4, generator: g1);
        var b = model.GenerateMany(prompt, 5, 20, temperature: 1.0, topK: 4, generator: g2);
        Assert.Equal(5, a.Length);
        Assert.All(a, s => Assert.Equal(22, s.Length));
        Assert.Equal(a, b);
        // Longer than the context (16): the window slides; greedy batch equals greedy single.
        var greedy = model.GenerateMany(prompt, 2, 30, temperature: 0);
        Assert.Equal(model.Generate(prompt, 30, temperature: 0), greedy[0]);
        Assert.Equal(greedy[0], greedy[1]);
    }

    [Fact]
    public void TinyGptLearnsTheGrammarCorpus()
    {
        manual_seed(10);
        var grammar = EnglishGrammar.Create();
        var (train, valid) = GrammarCorpus.Create(0);
        var tokenizer = new CharacterTokenizer(grammar.Alphabet);
        var model = new Gpt(new GptConfig(tokenizer.VocabularySize, ContextLength: 32, Layers: 2, Heads: 2, Width: 48));
        var history = GptTrainer.Train(model, tokenizer.Encode(train), tokenizer.Encode(valid),
            new GptTrainerConfig(Steps: 250, BatchSize: 16, LearningRate: 3e-3, WarmupSteps: 20, EvalInterval: 250, EvalBatches: 4, Log: false));
        // Uniform guessing costs ln(vocabulary) ≈ 3.3 nats; the floor is the entropy rate (about 0.5).
        Assert.True(history.FinalValidLoss < 1.3, $"validation loss {history.FinalValidLoss}");
        Assert.True(history.FinalValidLoss > grammar.EntropyRate() - 0.05, $"validation loss {history.FinalValidLoss} below the entropy floor {grammar.EntropyRate()}");
        // The same rows in the library's one history shape.
        Assert.Equal(new[] { "step", "train_loss", "valid_loss", "learning_rate", "wall_seconds", "tokens" }, history.Log.Columns);
        Assert.Equal(history.FinalValidLoss, history.Log.Last("valid_loss"));
        Assert.Equal(history.Points.Select(p => (double)p.Step), history.Log.Column("step"));
    }

    [Fact]
    public void BadInputsAreReportedClearly()
    {
        Assert.Throws<ArgumentException>(() => new Gpt(Small() with { Width = 30, Heads = 4 }));
        var model = new Gpt(Small());
        var error = Assert.Throws<ArgumentException>(() => model.forward(zeros(new long[] { 1, 17 }, dtype: ScalarType.Int64)));
        Assert.Contains("context 16", error.Message);
    }
}

public class SentenceScoringTests
{
    [Fact]
    public void ScoringEqualsPerPositionLogProbabilitiesWithTheLastContextTokens()
    {
        manual_seed(12);
        var tokenizer = new CharacterTokenizer("abc .\n");
        var model = new Gpt(new GptConfig(tokenizer.VocabularySize, ContextLength: 5, Layers: 1, Heads: 1, Width: 8));
        model.eval();
        var sentences = new[] { "ab.\n", "abc cab bca.\n" };
        var nats = 0.0;
        var count = 0;
        using (no_grad())
        {
            foreach (var sentence in sentences)
            {
                var ids = tokenizer.Encode("\n" + sentence);
                for (var t = 1; t < ids.Length; t++)
                {
                    var from = Math.Max(0, t - 5);
                    var input = tensor(ids[from..t].Select(i => (long)i).ToArray()).unsqueeze(0);
                    var logProbabilities = model.forward(input)[0, -1].log_softmax(-1);
                    nats -= logProbabilities[ids[t]].item<float>();
                    count++;
                }
            }
        }
        Assert.Equal(nats / count, SentenceScoring.NatsPerCharacter(model, tokenizer, sentences), 5);
    }
}

/// <summary>Tests that read TorchSharp's global generator (dropout masks) run alone, so no test on another thread draws from it in between.</summary>
[CollectionDefinition(nameof(GlobalGeneratorCollection), DisableParallelization = true)]
public sealed class GlobalGeneratorCollection;

[Collection(nameof(GlobalGeneratorCollection))]
public class GptReproducibilityTests
{
    private static GptConfig Small() =>
        new(VocabularySize: 30, ContextLength: 16, Layers: 2, Heads: 2, Width: 32, Dropout: 0.0);

    [Fact]
    public void SameSeedGivesSameTrainingCurve()
    {
        var data = Enumerable.Range(0, 2000).Select(i => (i * i + i / 3) % 30).ToArray();
        double[] Curve()
        {
            manual_seed(8);
            var model = new Gpt(Small() with { Dropout = 0.1 });
            var history = GptTrainer.Train(model, data, data, new GptTrainerConfig(Steps: 20, BatchSize: 4, EvalInterval: 5, EvalBatches: 2, WarmupSteps: 5, Seed: 3, Log: false));
            return history.Points.SelectMany(p => new[] { p.TrainLoss, p.ValidLoss }).ToArray();
        }
        var first = Curve();
        Assert.Equal(8, first.Length);
        Assert.Equal(first, Curve());
    }

}
