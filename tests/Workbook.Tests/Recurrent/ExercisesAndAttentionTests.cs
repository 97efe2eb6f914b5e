using TorchSharp;
using Workbook.Attention;
using Workbook.Data.Sequences;
using Workbook.Recurrent;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Tests.Recurrent;

/// <summary>The exercise checks pass correct answers and fail wrong ones; the attention decoder's weights are proper distributions.</summary>
public sealed class ExercisesAndAttentionTests
{
    // One BPTT step back through h_t = tanh([h; x] Wᵀ + b): δ = g ⊙ (1 − h_t²), then the linear layer's backward.
    private static (Tensor, Tensor, Tensor) RnnStepBackward(Tensor x, Tensor h, Tensor w, Tensor b, Tensor g)
    {
        var stacked = cat(new[] { h, x }, 1);                                   // [batch, hidden + input]
        var next = (stacked.matmul(w.t()) + b).tanh();                           // h_t
        var delta = g * (1 - next.pow(2));                                       // dL/d(pre-activation)
        var hidden = h.shape[1];
        return (delta.matmul(w[.., ..(int)hidden]), delta.t().matmul(stacked), delta.sum(dim: 0));
    }

    [Fact]
    public void RnnStepBackwardAcceptsTheChainRuleAndNamesTheWrongGradient()
    {
        var right = SequenceExercises.CheckRnnStepBackward(RnnStepBackward);
        Assert.True(right.Passed, right.Message);

        // Forgetting tanh's derivative: every gradient is off, the first one named is dL/dh_(t-1).
        var noTanh = SequenceExercises.CheckRnnStepBackward((x, h, w, b, g) =>
        {
            var stacked = cat(new[] { h, x }, 1);
            return (g.matmul(w[.., ..(int)h.shape[1]]), g.t().matmul(stacked), g.sum(dim: 0));
        });
        Assert.False(noTanh.Passed);
        Assert.Contains("case 1", noTanh.Message);
        Assert.Contains("dL/d", noTanh.Message);

        // Passing the gradient back through the whole of W (the input columns too) has the wrong shape.
        var wholeW = SequenceExercises.CheckRnnStepBackward((x, h, w, b, g) =>
        {
            var (_, dw, db) = RnnStepBackward(x, h, w, b, g);
            var next = (cat(new[] { h, x }, 1).matmul(w.t()) + b).tanh();
            return ((g * (1 - next.pow(2))).matmul(w), dw, db);
        });
        Assert.False(wholeW.Passed);
        Assert.Contains("expected dh", wholeW.Message);

        // The bias gradient averaged over the batch instead of summed: named as dL/db.
        var meanBias = SequenceExercises.CheckRnnStepBackward((x, h, w, b, g) =>
        {
            var (dh, dw, db) = RnnStepBackward(x, h, w, b, g);
            return (dh, dw, db / x.shape[0]);
        });
        Assert.False(meanBias.Passed);
        Assert.Contains("dL/db", meanBias.Message);
    }

    // One step back through the LSTM by hand: the memory path dc_(t-1) = (dc_t + dh_t ⊙ o ⊙ (1 − tanh² c_t)) ⊙ f, and the
    // hidden path through the four gates' pre-activations and W's recurrent columns.
    private static (Tensor, Tensor) LstmStepBackward(Tensor x, Tensor h, Tensor c, Tensor w, Tensor b, Tensor gh, Tensor gc, bool swapGates, bool dropHiddenPath)
    {
        var hidden = (int)h.shape[1];
        var z = (cat(new[] { h, x }, 1).matmul(w.t()) + b).chunk(4, 1);
        var (i, f) = swapGates ? (z[1].sigmoid(), z[0].sigmoid()) : (z[0].sigmoid(), z[1].sigmoid());
        var (g, o) = (z[2].tanh(), z[3].sigmoid());
        var next = f * c + i * g;
        var squashed = next.tanh();
        var dNext = gc + (dropHiddenPath ? zeros_like(gh) : gh * o * (1 - squashed.pow(2)));
        var dz = cat(new[] { dNext * g * i * (1 - i), dNext * c * f * (1 - f), dNext * i * (1 - g.pow(2)), gh * squashed * o * (1 - o) }, 1);
        if (swapGates)
        {
            dz = cat(new[] { dz[.., hidden..(2 * hidden)], dz[.., ..hidden], dz[.., (2 * hidden)..] }, 1);
        }
        return (dz.matmul(w[.., ..hidden]), dNext * f);
    }

    [Fact]
    public void LstmStepBackwardAcceptsTheChainRuleAndNamesTheWrongPath()
    {
        var right = SequenceExercises.CheckLstmStepBackward((x, h, c, w, b, gh, gc) => LstmStepBackward(x, h, c, w, b, gh, gc, false, false));
        Assert.True(right.Passed, right.Message);

        var swapped = SequenceExercises.CheckLstmStepBackward((x, h, c, w, b, gh, gc) => LstmStepBackward(x, h, c, w, b, gh, gc, true, false));
        Assert.False(swapped.Passed);
        Assert.Contains("case 1", swapped.Message);

        // Forgetting that h_t = o ⊙ tanh(c_t) also sends dL/dh_t into the memory path: dL/dc_(t-1) is wrong first at
        // case 1, and case 3 (dL/dh_t = 0) is where it would have passed.
        var noHiddenPath = SequenceExercises.CheckLstmStepBackward((x, h, c, w, b, gh, gc) => LstmStepBackward(x, h, c, w, b, gh, gc, false, true));
        Assert.False(noHiddenPath.Passed);
        Assert.Contains("case 1", noHiddenPath.Message);
        Assert.Contains("dL/d", noHiddenPath.Message);

        var wrongShape = SequenceExercises.CheckLstmStepBackward((x, h, c, w, b, gh, gc) =>
        {
            var (dh, dc) = LstmStepBackward(x, h, c, w, b, gh, gc, false, false);
            return (dh, dc.sum(dim: 0));
        });
        Assert.False(wrongShape.Passed);
        Assert.Contains("expected dh and dc", wrongShape.Message);
    }

    [Fact]
    public void ExerciseChecksAcceptCorrectAndRejectWrongAnswers()
    {
        Assert.True(SequenceExercises.CheckClipByNorm((g, m) =>
        {
            var n = Math.Sqrt(g.Sum(v => v * v));
            return g.Select(v => v * Math.Min(1, m / (n + 1e-6))).ToArray();
        }).Passed);
        Assert.False(SequenceExercises.CheckClipByNorm((g, m) => g.Select(v => Math.Clamp(v, -m, m)).ToArray()).Passed);
        // Notebook 09's answer: e_j = vᵀ tanh(W_q s + W_k h_j + b), softmax over the source, Σ α_j h_j
        static Tensor Additive(Tensor s, Tensor h, Tensor wq, Tensor wk, Tensor b, Tensor v, bool softmaxOverSource)
        {
            var e = (s.matmul(wq.t()).unsqueeze(1) + h.matmul(wk.t()) + b).tanh().matmul(v);   // [batch, source]
            var alpha = softmaxOverSource ? e.softmax(1) : e.softmax(0);
            return alpha.unsqueeze(1).matmul(h).squeeze(1);
        }
        var right = SequenceExercises.CheckAdditiveAttentionContext((s, h, wq, wk, b, v) => Additive(s, h, wq, wk, b, v, true));
        Assert.True(right.Passed, right.Message);
        var overBatch = SequenceExercises.CheckAdditiveAttentionContext((s, h, wq, wk, b, v) => Additive(s, h, wq, wk, b, v, false));
        Assert.False(overBatch.Passed);
        Assert.Contains("batch 2, source length 5", overBatch.Message);
        var mean = SequenceExercises.CheckAdditiveAttentionContext((s, h, wq, wk, b, v) => h.mean(new long[] { 1 }));
        Assert.False(mean.Passed);
        Assert.Contains("case 1", mean.Message);
    }

    [Theory]
    [InlineData("additive", null, AttentionStyle.Bahdanau)]
    [InlineData("general", null, AttentionStyle.Luong)]
    [InlineData("dot", 2, AttentionStyle.Luong)]
    public void AttentionWeightsAreDistributionsOverTheRealSourcePositions(string scoreName, int? window, AttentionStyle style)
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        const int hidden = 16;
        IScoreFunction score = scoreName switch
        {
            "additive" => new AdditiveScore(hidden, hidden, hidden),
            "general" => new GeneralScore(hidden, hidden),
            _ => new DotProductScore(),
        };
        var attention = new ScoreAttention(score, window, hidden);
        var model = new Seq2Seq(new Seq2SeqConfig(NumberWords.SourceVocabulary.Count, NumberWords.TargetVocabulary.Count, 8, hidden, CellKind.Gru), attention, style);
        var examples = new[] { NumberWords.Example(123456), NumberWords.Example(7), NumberWords.Example(40) };
        var batch = Seq2SeqBatch.From(examples, NumberWords.SourceVocabulary, NumberWords.TargetVocabulary);
        var (tokens, weights) = model.Greedy(batch.Source, batch.SourceLengths, 5);
        Assert.NotNull(weights);
        Assert.Equal(new long[] { 3, 5, batch.Source.shape[1] }, weights!.shape);
        // Nothing on padding; rows sum to 1 for global attention and to at most 1 for local (Gaussian-damped).
        Assert.Equal(0.0, weights[1, .., 1..].abs().sum().ToDouble(), 6);
        var sums = weights.sum(dim: 2);
        if (window is null)
        {
            Assert.True((sums - 1).abs().max().ToDouble() < 1e-5);
        }
        else
        {
            Assert.True(sums.max().ToDouble() <= 1 + 1e-6 && sums.min().ToDouble() > 0);
        }
        // Training step works and reaches every parameter of the score function.
        var loss = model.Loss(batch, 0.5, new Random(0));
        loss.backward();
        foreach (var (name, p) in model.named_parameters())
        {
            if (name.StartsWith("attention", StringComparison.Ordinal))
            {
                Assert.True(p.grad is not null && p.grad.abs().sum().ToDouble() > 0, $"{name} got no gradient");
            }
        }
    }

    [Fact]
    public void Seq2SeqLearnsShortNumbers()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var data = NumberWords.Generate(0, 400, 0, 100, 1, 3);
        var model = new Seq2Seq(new Seq2SeqConfig(NumberWords.SourceVocabulary.Count, NumberWords.TargetVocabulary.Count, 16, 48, CellKind.Gru));
        var history = Seq2SeqTrainer.Train(model, data.Train, NumberWords.SourceVocabulary, NumberWords.TargetVocabulary,
            new Seq2SeqTrainerConfig(Steps: 300, BatchSize: 32, LearningRate: 1e-2, Seed: 0));
        Assert.True(history.Losses.TakeLast(20).Average() < 0.5 * history.Losses.Take(20).Average());
        var accuracy = Seq2SeqTrainer.GreedyAccuracy(model, data.Test, NumberWords.SourceVocabulary, NumberWords.TargetVocabulary);
        Assert.True(accuracy > 0.5, $"exact-match accuracy on held-out 1-3 digit numbers {accuracy:F2} <= 0.5");
    }
}
