using TorchSharp;
using Workbook.Data.Sequences;
using Workbook.Recurrent;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Tests.Recurrent;

/// <summary>Greedy decoding and beam search (Notes §6.4.2) on hand-made transition tables and on a seq2seq model.</summary>
public sealed class DecodingTests
{
    // Token ids: 0 = start, 1 = end, 2 = a, 3 = b, 4 = c.
    private const int Start = 0, End = 1, A = 2, B = 3, C = 4;

    /// <summary>Greedy takes a (0.55) then has only bad continuations; b (0.45) then end (0.9) is better overall.</summary>
    private static TransitionTableDecoder GreedyTrap() => new(new double[,]
    {
        //          start  end    a      b      c
        /* start */ { 0,   0,     0.55,  0.45,  0    },
        /* end   */ { 0,   1,     0,     0,     0    },
        /* a     */ { 0,   0.33,  0,     0.33,  0.34 },
        /* b     */ { 0,   0.9,   0.05,  0,     0.05 },
        /* c     */ { 0,   1,     0,     0,     0    },
    }, Start, End);

    /// <summary>Ending at once has probability 0.45; the three-token answer a c end has 0.36 · 0.9 = 0.324 but a higher average log-probability.</summary>
    private static TransitionTableDecoder ShortVersusLong() => new(new double[,]
    {
        //          start  end    a      b      c
        /* start */ { 0,   0.45,  0.4,   0.15,  0    },
        /* end   */ { 0,   1,     0,     0,     0    },
        /* a     */ { 0,   0.1,   0,     0,     0.9  },
        /* b     */ { 0,   0.4,   0,     0,     0.6  },
        /* c     */ { 0,   0.9,   0,     0,     0.1  },
    }, Start, End);

    [Fact]
    public void BeamSearchFindsTheMostProbableSequenceThatGreedyMisses()
    {
        var model = GreedyTrap();
        var greedy = Decoding.Greedy(model, 10);
        Assert.Equal(new[] { A, C, End }, greedy.Tokens);
        Assert.Equal(Math.Log(0.55 * 0.34 * 1.0), greedy.LogProbability, 12);

        var beam = Decoding.BeamSearch(model, beamWidth: 2, maxLength: 10, lengthNormalization: 0);
        Assert.Equal(new[] { B, End }, beam.Best.Tokens);
        Assert.Equal(Math.Log(0.45 * 0.9), beam.Best.LogProbability, 12);
        Assert.True(beam.Best.LogProbability > greedy.LogProbability);
    }

    [Fact]
    public void LengthNormalisationPrefersTheLongerHypothesisWithTheBetterAverage()
    {
        var model = ShortVersusLong();
        // Stop after N = 3 ended hypotheses (Notes §6.4.2.2): [end], [a, end], [a, c, end].
        var raw = Decoding.BeamSearch(model, beamWidth: 2, maxLength: 10, lengthNormalization: 0, stopAfterEnded: 3);
        var normalised = Decoding.BeamSearch(model, beamWidth: 2, maxLength: 10, lengthNormalization: 1, stopAfterEnded: 3);
        Assert.Equal(3, normalised.Finished.Count);
        // Without normalisation the short answer wins: log 0.45 = -0.80 > log 0.324 = -1.13.
        Assert.Equal(new[] { End }, raw.Best.Tokens);
        // With the notes' (1/T) Σ log p: -0.80 / 1 < -1.13 / 3 = -0.38, so the long answer wins.
        Assert.Equal(new[] { A, C, End }, normalised.Best.Tokens);
        Assert.Equal(Math.Log(0.4 * 0.9 * 0.9) / 3, normalised.Best.Score(1), 12);
        Assert.Equal(Math.Log(0.45), raw.Best.Score(0), 12);
    }

    [Fact]
    public void BeamWidthOneEqualsGreedyOnRandomTables()
    {
        var random = new Random(1);
        for (var trial = 0; trial < 50; trial++)
        {
            const int vocabulary = 6;
            var table = new double[vocabulary, vocabulary];
            for (var r = 0; r < vocabulary; r++)
            {
                var row = Enumerable.Range(0, vocabulary).Select(_ => random.NextDouble()).ToArray();
                row[0] = 0; // never return to start
                var sum = row.Sum();
                for (var c = 0; c < vocabulary; c++)
                {
                    table[r, c] = row[c] / sum;
                }
            }
            var model = new TransitionTableDecoder(table, 0, 1);
            var greedy = Decoding.Greedy(model, 8);
            foreach (var alpha in new[] { 0.0, 1.0 })
            {
                var beam = Decoding.BeamSearch(model, 1, 8, alpha);
                Assert.Equal(greedy.Tokens, beam.Best.Tokens);
                Assert.Equal(greedy.LogProbability, beam.Best.LogProbability, 12);
                Assert.Equal(greedy.Ended, beam.Best.Ended);
            }
        }
    }

    [Fact]
    public void BeamWidthOneEqualsGreedyOnASeq2SeqModelAndEqualsBatchedGreedy()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var model = new Seq2Seq(new Seq2SeqConfig(NumberWords.SourceVocabulary.Count, NumberWords.TargetVocabulary.Count, 8, 16, CellKind.Lstm));
        model.eval();
        var examples = NumberWords.Generate(3, 6, 0, 0, 1, 4).Train;
        var batch = Seq2SeqBatch.From(examples, NumberWords.SourceVocabulary, NumberWords.TargetVocabulary);
        var (batched, _) = model.Greedy(batch.Source, batch.SourceLengths, 7);
        for (var i = 0; i < examples.Count; i++)
        {
            var decoder = model.StepDecoder(NumberWords.SourceVocabulary.Encode(examples[i].Source));
            var greedy = Decoding.Greedy(decoder, 7);
            var beam = Decoding.BeamSearch(decoder, 1, 7);
            Assert.Equal(greedy.Tokens, beam.Best.Tokens);
            Assert.Equal(greedy.Content, batched[i]);
        }
    }

    [Fact]
    public void WiderBeamsNeverScoreWorseOnTheRawLogProbabilityThanGreedyOnTheTrap()
    {
        var model = GreedyTrap();
        var greedy = Decoding.Greedy(model, 10).LogProbability;
        foreach (var width in new[] { 2, 3, 5 })
        {
            Assert.True(Decoding.BeamSearch(model, width, 10, 0).Best.LogProbability >= greedy);
        }
    }

    [Fact]
    public void BadArgumentsAreNamed()
    {
        var model = GreedyTrap();
        var error = Assert.Throws<ArgumentException>(() => Decoding.BeamSearch(model, 0, 10));
        Assert.Contains("beamWidth must be at least 1", error.Message);
        Assert.Contains("got 0", error.Message);
        Assert.Throws<ArgumentException>(() => Decoding.Greedy(model, 0));
        Assert.Throws<ArgumentException>(() => new TransitionTableDecoder(new double[,] { { 0.5, 0.6 }, { 0, 1 } }, 0, 1));
    }

    [Fact]
    public void SchedulesGiveTheDocumentedProbabilities()
    {
        Assert.Equal(0.3, new TeacherForcingSchedule.Constant(0.3).TruthProbability(50, 100));
        var linear = new TeacherForcingSchedule.Linear(1, 0);
        Assert.Equal(1.0, linear.TruthProbability(0, 11));
        Assert.Equal(0.5, linear.TruthProbability(5, 11), 12);
        Assert.Equal(0.0, linear.TruthProbability(10, 11), 12);
        var inverse = new TeacherForcingSchedule.InverseSigmoid(10);
        Assert.Equal(10 / 11.0, inverse.TruthProbability(0, 100), 12);
        Assert.Equal(10 / (10 + Math.Exp(5)), inverse.TruthProbability(50, 100), 12);
        Assert.True(inverse.TruthProbability(10, 100) > inverse.TruthProbability(20, 100));
    }
}
