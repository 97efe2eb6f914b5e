using TorchSharp;
using Workbook.Data.Grammar;
using Workbook.Text;
using Workbook.Transformers;
using static TorchSharp.torch;

namespace Workbook.Tests.Transformers;

public class ObjectivesTests
{
    [Fact]
    public void MaskingSelectsFifteenPercentAndSplitsEightyTenTen()
    {
        var objective = new MaskedLanguageModeling(maskToken: 50, ordinaryTokens: 50);
        using var generator = new Generator(1);
        var tokens = randint(0, 50, new long[] { 200, 500 }, generator: generator);
        var (inputs, targets) = objective.Corrupt(tokens, generator);
        var selected = targets.ne(MaskedLanguageModeling.Ignore);
        var n = (double)tokens.numel();
        var selectedCount = selected.sum().item<long>();
        Assert.InRange(selectedCount / n, 0.145, 0.155);
        var masked = inputs.eq(50).sum().item<long>() / (double)selectedCount;
        var changed = selected.logical_and(inputs.ne(tokens)).logical_and(inputs.ne(50)).sum().item<long>() / (double)selectedCount;
        var kept = selected.logical_and(inputs.eq(tokens)).sum().item<long>() / (double)selectedCount;
        Assert.InRange(masked, 0.79, 0.81);
        // A random replacement equals the original token 1 time in 50.
        Assert.InRange(changed, 0.1 * 49 / 50 - 0.01, 0.1 * 49 / 50 + 0.01);
        Assert.InRange(kept, 0.1 + 0.1 / 50 - 0.01, 0.1 + 0.1 / 50 + 0.01);
        // Unselected positions are untouched and their targets ignored.
        Assert.Equal(0, selected.logical_not().logical_and(inputs.ne(tokens)).sum().item<long>());
        Assert.True(targets.masked_select(selected).eq(tokens.masked_select(selected)).all().item<bool>());
        Assert.True(targets.masked_select(selected.logical_not()).eq(MaskedLanguageModeling.Ignore).all().item<bool>());
    }

    [Fact]
    public void MaskedLmNeedsABidirectionalModel()
    {
        var objective = new MaskedLanguageModeling(10, 10);
        var model = new Gpt(new GptConfig(11, 8, 1, 1, 8));
        using var generator = new Generator(0);
        Assert.Throws<ArgumentException>(() => objective.Loss(model, randint(0, 10, new long[] { 2, 9 }), generator));
    }

    [Fact]
    public void Word2VecGroupsWordsOfTheSameCategory()
    {
        var grammar = EnglishGrammar.Create();
        var (train, _) = GrammarCorpus.Create(0);
        var tokenizer = new WordTokenizer(train);
        var tokens = tokenizer.Encode(train);
        manual_seed(0);
        var model = new Word2Vec(tokenizer.VocabularySize, 16);
        var losses = model.Train(tokens, window: 2, steps: 600, batchSize: 256, learningRate: 0.02);
        Assert.True(losses.Skip(550).Average() < losses.Take(20).Average() * 0.7);
        var words = tokenizer.Words.Skip(1).Where(w => grammar.CategoryOf.ContainsKey(w) && w != ".").ToArray();
        var same = words.Count(w =>
        {
            var nearest = tokenizer.Words[model.Nearest(tokenizer.Encode(w)[0], 1)[0].Word];
            return grammar.CategoryOf.TryGetValue(nearest, out var c) && c.Split('-')[0] == grammar.CategoryOf[w].Split('-')[0];
        });
        Assert.True(same > 0.6 * words.Length, $"{same} of {words.Length} words have a nearest neighbour of the same part of speech");
    }

    [Fact]
    public void EncoderDecoderLearnsToReverse()
    {
        manual_seed(1);
        // Tokens: 0 pad, 1 start, 2..9 digits. Target = the source reversed.
        var model = new EncoderDecoderTransformer(new EncoderDecoderConfig(10, 10, MaxLength: 8, Layers: 1, Heads: 2, Width: 32));
        using var optimizer = optim.Adam(model.parameters(), 3e-3);
        using var generator = new Generator(2);
        Tensor Source(long n) => randint(2, 10, new long[] { n, 6 }, generator: generator);
        for (var step = 0; step < 300; step++)
        {
            using var scope = NewDisposeScope();
            var source = Source(32);
            var target = source.flip(1);
            var targetIn = cat(new[] { full(32, 1, 1L, dtype: ScalarType.Int64), target[.., ..^1] }, 1);
            optimizer.zero_grad();
            model.Loss(source, targetIn, target).backward();
            optimizer.step();
        }
        var test = Source(100);
        var accuracy = model.Greedy(test, 1, 6).eq(test.flip(1)).to(ScalarType.Float32).mean().item<float>();
        Assert.True(accuracy > 0.5, $"token accuracy {accuracy} (chance is 1/8)");
    }
}
