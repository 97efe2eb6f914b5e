using TorchSharp;
using Workbook.Rl;
using Workbook.Rl.Algorithms;
using static TorchSharp.torch;

namespace Workbook.Tests.Rl;

public sealed class ExerciseTests
{
    /// <summary>Notebook 17's answer: the library's one-episode reward-to-go, called per episode of the batch.</summary>
    private static double[] BatchRewardToGo(double[] rewards, bool[] episodeEnds, double gamma)
    {
        var result = new double[rewards.Length];
        var start = 0;
        for (var t = 0; t < rewards.Length; t++)
        {
            if (episodeEnds[t] || t == rewards.Length - 1)
            {
                Returns.RewardToGo(rewards[start..(t + 1)], gamma).CopyTo(result, start);
                start = t + 1;
            }
        }
        return result;
    }

    [Fact]
    public void RewardToGoCheckPassesAPerEpisodeAnswerAndNamesTheFirstPositionWhereRewardCrossedAnEnd()
    {
        var right = RlExercises.CheckRewardToGo(BatchRewardToGo);
        Assert.True(right.Passed, right.Message);

        var acrossEnds = RlExercises.CheckRewardToGo((r, ends, g) => Returns.RewardToGo(r, g));   // ignores the episode ends
        Assert.False(acrossEnds.Passed);
        Assert.Contains("case 1 of 6, three episodes", acrossEnds.Message);
        Assert.Contains("the first wrong position is t = 0: expected 3, got 11", acrossEnds.Message);
        Assert.Contains("the last wrong Q̂ is at t = 4 (in the episode over steps 3–4; step 4 is the last of its episode, which ended there", acrossEnds.Message);
        Assert.DoesNotContain("System.", acrossEnds.Message);

        var dropsTheCutEpisode = RlExercises.CheckRewardToGo((r, ends, g) =>   // forgets the last episode when it has no end flag
        {
            var q = BatchRewardToGo(r, ends, g);
            for (var t = r.Length - 1; t >= 0 && !ends[t]; t--)
            {
                q[t] = 0;
            }
            return q;
        });
        Assert.False(dropsTheCutEpisode.Passed);
        Assert.Contains("case 4 of 6, the last episode cut off", dropsTheCutEpisode.Message);
        Assert.Contains("t = 6 (in the episode over steps 3–6, cut off at the end; step 6 is the last of the batch", dropsTheCutEpisode.Message);

        var notYet = RlExercises.CheckRewardToGo((r, ends, g) => throw new NotImplementedException("the reward-to-go"));
        Assert.False(notYet.Attempted);
    }

    /// <summary>Notebook 19's answer: the library's segment GAE per episode piece, bootstrap 0 after an end and lastValue at the cut.</summary>
    private static readonly AdvantageEstimator RolloutGae = GaeReference.PerEpisode(Returns.Gae);

    [Fact]
    public void GaeCheckPassesAPerEpisodeAnswerAndFailsAnswersThatIgnoreTheEnds()
    {
        var right = RlExercises.CheckGae(RolloutGae);
        Assert.True(right.Passed, right.Message);

        var oneSegment = RlExercises.CheckGae((r, v, dones, last, g, l) => Returns.Gae(r, v, last, g, l));   // no cut at episode ends
        Assert.False(oneSegment.Passed);
        Assert.Contains("case 2 of 7, the episode ends at the last step, so lastValue must not be used", oneSegment.Message);
        Assert.Contains("first wrong position is t = 0", oneSegment.Message);
        Assert.DoesNotContain("System.", oneSegment.Message);

        var bootstrapsAcrossEnds = RlExercises.CheckGae((r, v, dones, last, g, l) =>   // cuts the flow back but still bootstraps V(s_{t+1}) after an end
        {
            var a = new double[r.Length];
            var running = 0.0;
            for (var t = r.Length - 1; t >= 0; t--)
            {
                var next = t == r.Length - 1 ? last : v[t + 1];
                running = r[t] + g * next - v[t] + (dones[t] ? 0 : g * l * running);
                a[t] = running;
            }
            return a;
        });
        Assert.False(bootstrapsAcrossEnds.Passed);
        Assert.Contains("case 2 of 7", bootstrapsAcrossEnds.Message);
        Assert.Contains("first wrong position is t = 0", bootstrapsAcrossEnds.Message);

        Assert.False(RlExercises.CheckGae((r, v, dones, last, g, l) => RolloutGae(r, v, dones, last, g, 0)).Passed);   // TD errors only
        var wrongLength = RlExercises.CheckGae((r, v, dones, last, g, l) => RolloutGae(r, v, dones, last, g, l)[1..]);
        Assert.Contains("expected 6 values of Â", wrongLength.Message);
    }

    [Fact]
    public void EffectiveSampleSizeCheck()
    {
        static double Stable(double[] logW)
        {
            var top = logW.Max();
            var w = logW.Select(l => Math.Exp(l - top)).ToArray();
            return w.Sum() * w.Sum() / (w.Length * w.Sum(x => x * x));
        }
        Assert.True(RlExercises.CheckEffectiveSampleSize(Stable).Passed);
        // exp of the log-weights without the shift: right on small logs, NaN where exp overflows
        var naive = RlExercises.CheckEffectiveSampleSize(logW => { var w = logW.Select(l => Math.Exp(l)).ToArray(); return w.Sum() * w.Sum() / (w.Length * w.Sum(x => x * x)); });
        Assert.False(naive.Passed);
        Assert.Contains("800", naive.Message);
        Assert.Contains("NaN", naive.Message);
        Assert.False(RlExercises.CheckEffectiveSampleSize(logW => 1.0 / logW.Length).Passed);
    }

    /// <summary>Notebook 20's answer: one conjugate-gradient iteration from state s, given A p.</summary>
    private static ConjugateGradientState CgStep(ConjugateGradientState s, Tensor ap)
    {
        var alpha = s.Rr / (s.P * ap).sum().ToDouble();
        var x = s.X + alpha * s.P;
        var r = s.R - alpha * ap;
        var rrNew = (r * r).sum().ToDouble();
        return new ConjugateGradientState(x, r, r + rrNew / s.Rr * s.P, rrNew);
    }

    [Fact]
    public void ConjugateGradientStepCheckPassesOneIterationAndNamesTheFirstWrongIterationAndVector()
    {
        var right = RlExercises.CheckConjugateGradientStep(CgStep);
        Assert.True(right.Passed, right.Message);

        var steepestDescent = RlExercises.CheckConjugateGradientStep((s, ap) =>   // p' = r': gradient descent with exact line search
        {
            var next = CgStep(s, ap);
            return next with { P = next.R.clone() };
        });
        Assert.False(steepestDescent.Passed);
        Assert.Contains("case 1 of 4, the 2×2 system", steepestDescent.Message);
        Assert.Contains("iteration 1", steepestDescent.Message);
        Assert.Contains("the new p differs", steepestDescent.Message);

        var oldResidualInBeta = RlExercises.CheckConjugateGradientStep((s, ap) =>   // forgets to return the new rᵀr
            CgStep(s, ap) with { Rr = s.Rr });
        Assert.False(oldResidualInBeta.Passed);
        Assert.Contains("the new rᵀr should be", oldResidualInBeta.Message);

        var wrongSign = RlExercises.CheckConjugateGradientStep((s, ap) => CgStep(s, ap) with { R = s.R + (CgStep(s, ap).R - s.R) * -1 });
        Assert.Contains("the new r differs first at index", wrongSign.Message);

        var notYet = RlExercises.CheckConjugateGradientStep((s, ap) => throw new NotImplementedException("one step"));
        Assert.False(notYet.Attempted);
    }

    [Fact]
    public void ConjugateGradientWithTheReferenceStepOrAStudentsStepGivesTheSameSolution()
    {
        var m = randn(new long[] { 6, 6 }, ScalarType.Float64, generator: new Generator(1));
        var a = m.matmul(m.t()) + 6 * eye(6, dtype: ScalarType.Float64);
        var b = ones(6, dtype: ScalarType.Float64);
        var library = Trpo.ConjugateGradient(v => a.matmul(v), b, 6);
        var plug = RlExercises.PlugConjugateGradientStep(CgStep);
        var yours = Trpo.ConjugateGradient(v => a.matmul(v), b, 6, step: plug.Function);
        Assert.True(plug.RanYours);
        Assert.Equal(library.data<double>().ToArray(), yours.data<double>().ToArray());
        var stub = RlExercises.PlugConjugateGradientStep((s, ap) => throw new NotImplementedException());
        Assert.Equal(library.data<double>().ToArray(), Trpo.ConjugateGradient(v => a.matmul(v), b, 6, step: stub.Function).data<double>().ToArray());
        Assert.False(stub.RanYours);
    }

    [Fact]
    public void PpoClipCheckPassesTheMinimumAndFailsTheUnclippedSurrogate()
    {
        Assert.True(RlExercises.CheckPpoClipObjective((r, a, e) => minimum(r * a, r.clamp(1 - e, 1 + e) * a)).Passed);
        var unclipped = RlExercises.CheckPpoClipObjective((r, a, e) => r * a);
        Assert.False(unclipped.Passed);
        Assert.Contains("case 1", unclipped.Message);
    }
}
