using Workbook.Data.Grammar;

namespace Workbook.Tests.Text;

public class GrammarTests
{
    /// <summary>
    /// Start state 0: "a" (p = 1/2) → state 1, "bb" (p = 1/2) → state 1; state 1: "." (p = 1).
    /// Sentences "a.\n" (3 characters) and "bb.\n" (4 characters), each with probability 1/2:
    /// H = ln 2 nats per sentence, E[characters] = 3.5, rate = ln 2 / 3.5.
    /// </summary>
    private static ProbabilisticGrammar Tiny() => new("tiny", new[]
    {
        new GrammarRule(0, "a", "x", 0.5, 1),
        new GrammarRule(0, "bb", "y", 0.5, 1),
        new GrammarRule(1, ".", "end", 1.0, ProbabilisticGrammar.Accept),
    });

    /// <summary>
    /// A loop: state 0 emits "a" (p = 1) → 1; state 1 emits "a"... no: state 1 emits "b" (p = 1/4) → 1 or "." (3/4).
    /// Number of b's is geometric: E[b's] = (1/4)/(3/4) = 1/3. H = H(1/4, 3/4) × E[visits of 1] = H₂ × 4/3.
    /// Characters: "a" + " b" per b + ".\n" → 1 + 2·(1/3) + 2 = 11/3.
    /// </summary>
    private static ProbabilisticGrammar Loop() => new("loop", new[]
    {
        new GrammarRule(0, "a", "x", 1.0, 1),
        new GrammarRule(1, "b", "y", 0.25, 1),
        new GrammarRule(1, ".", "end", 0.75, ProbabilisticGrammar.Accept),
    });

    [Fact]
    public void EntropyRateOfTinyGrammarsMatchesHandComputation()
    {
        Assert.Equal(Math.Log(2) / 3.5, Tiny().EntropyRate(), 12);
        var h2 = -(0.25 * Math.Log(0.25) + 0.75 * Math.Log(0.75));
        Assert.Equal(h2 * 4.0 / 3.0, Loop().SentenceEntropy(), 10);
        Assert.Equal(11.0 / 3.0, Loop().ExpectedCharacters(), 10);
        Assert.Equal(h2 * 4.0 / 3.0 / (11.0 / 3.0), Loop().EntropyRate(), 10);
    }

    [Fact]
    public void MonteCarloEstimateAgreesWithExactRate()
    {
        foreach (var grammar in new[] { Tiny(), Loop(), EnglishGrammar.Create() })
        {
            var (rate, standardError) = grammar.EstimateEntropyRate(20_000, new Random(3));
            Assert.InRange(rate, grammar.EntropyRate() - 5 * standardError, grammar.EntropyRate() + 5 * standardError);
            Assert.True(standardError < 0.02 * rate);
        }
    }

    [Fact]
    public void SampledLogProbabilityEqualsRecognisedLogProbability()
    {
        var grammar = EnglishGrammar.Create();
        var random = new Random(11);
        for (var i = 0; i < 2000; i++)
        {
            var (sentence, logProbability) = grammar.Sample(random);
            Assert.True(grammar.Accepts(sentence), sentence);
            Assert.Equal(logProbability, grammar.LogProbability(sentence)!.Value, 9);
        }
    }

    [Fact]
    public void RecogniserRejectsCorruptedSentences()
    {
        var grammar = EnglishGrammar.Create();
        var random = new Random(5);
        var rejected = 0;
        var typosRejected = 0;
        for (var i = 0; i < 500; i++)
        {
            var sentence = grammar.Sample(random).Sentence.TrimEnd('\n');
            var words = sentence[..^1].Split(' ');
            // Agreement broken: a singular subject noun with a plural verb or the other way round is never accepted.
            Assert.False(grammar.Accepts(sentence[..^1]), "no terminator: " + sentence);
            Assert.False(grammar.Accepts(sentence + "."), "two terminators: " + sentence);
            Assert.False(grammar.Accepts(sentence.Replace(" ", "  ")), "double space: " + sentence);
            var swapped = (string[])words.Clone();
            var j = random.Next(words.Length - 1);
            (swapped[j], swapped[j + 1]) = (swapped[j + 1], swapped[j]);
            if (swapped[j] != swapped[j + 1] && !grammar.Accepts(string.Join(' ', swapped) + "."))
            {
                rejected++;
            }
            var typo = sentence.Remove(random.Next(sentence.Length - 1), 1);
            if (!grammar.Accepts(typo))
            {
                typosRejected++;
            }
        }
        Assert.True(rejected > 450, $"only {rejected} of 500 word swaps were rejected");
        Assert.True(typosRejected > 475, $"only {typosRejected} of 500 one-character deletions were rejected");
        Assert.False(grammar.Accepts("the cat sleep."));
        Assert.False(grammar.Accepts("two cats sleeps."));
        Assert.True(grammar.Accepts("the cat sleeps."));
        Assert.True(grammar.Accepts("two cats sleep."));
    }

    [Fact]
    public void GrammarRejectsAmbiguousRules()
    {
        Assert.Throws<ArgumentException>(() => new ProbabilisticGrammar("twice", new[]
        {
            new GrammarRule(0, "a", "x", 0.5, 1),
            new GrammarRule(0, "a", "x", 0.5, 1),
            new GrammarRule(1, ".", "end", 1.0, ProbabilisticGrammar.Accept),
        }));
        Assert.Throws<ArgumentException>(() => new ProbabilisticGrammar("two categories", new[]
        {
            new GrammarRule(0, "a", "x", 0.5, 1),
            new GrammarRule(0, "b", "y", 0.5, 2),
            new GrammarRule(1, "a", "z", 1.0, 2),
            new GrammarRule(2, ".", "end", 1.0, ProbabilisticGrammar.Accept),
        }));
    }

    [Fact]
    public void CorpusIsDeterministicSmallAndAccepted()
    {
        var folder = Path.Combine(Path.GetTempPath(), "workbook-grammar-" + Guid.NewGuid().ToString("N"));
        try
        {
            var first = GrammarCorpus.Write(folder, seed: 0).Select(File.ReadAllBytes).ToArray();
            var second = GrammarCorpus.Write(folder, seed: 0).Select(File.ReadAllBytes).ToArray();
            Assert.Equal(first, second);
            Assert.True(first.Sum(f => f.Length) <= 300_000, $"corpus is {first.Sum(f => f.Length)} bytes");
            var grammar = EnglishGrammar.Create();
            var (train, valid) = GrammarCorpus.Create(0);
            Assert.Equal((GrammarCorpus.TrainSentences, GrammarCorpus.TrainSentences), grammar.CountAccepted(train));
            Assert.Equal((GrammarCorpus.ValidSentences, GrammarCorpus.ValidSentences), grammar.CountAccepted(valid));
            Assert.NotEqual(train[..200], valid[..200]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
