using TorchSharp;
using Workbook.Exercises;
using Workbook.Rl;
using Workbook.Rl.Algorithms;
using Workbook.Rl.Environments;
using Workbook.Rl.Imitation;
using static TorchSharp.torch;

namespace Workbook.Tests.Rl;

/// <summary>
/// Every plugged-in cell of notebooks 16, 19, 20 and 21, with a deliberately wrong function: the function runs inside
/// the real training loop, its own check fails, and the cell's outcome reports the run against the reference's run
/// (both values, and a warning that the function failed its check). Small budgets: what is tested is the reporting.
/// </summary>
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class PluggedOutcomeTests
{
    public PluggedOutcomeTests() => torch.set_num_threads(1);

    private static void AssertReportedAgainstReference(PluggedOutcome outcome)
    {
        Assert.True(outcome.RanYours);
        Assert.True(outcome.FailedItsCheck);
        Assert.NotEqual(outcome.Reference, outcome.Yours);
        var text = outcome.ToString();
        Assert.Contains("yours", text, StringComparison.Ordinal);
        Assert.Contains("the reference's", text, StringComparison.Ordinal);
        Assert.Contains("Warning: your function failed its own check", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Notebook16_WrongHistoryFeatures_AreReportedAgainstTheReferenceRun()
    {
        // newest first instead of oldest first
        double[] Wrong(IReadOnlyList<double[]> history, int[] keep, int stack) =>
            Enumerable.Range(0, stack).SelectMany(j => keep.Select(i => history[Math.Max(0, history.Count - 1 - j)][i])).ToArray();
        var check = ImitationExercises.CheckHistoryFeatures(Wrong);
        Assert.False(check.Passed);
        var positions = new[] { 0, 2 };
        var cartPole = ImitationTask.FullyObserved("CartPole", () => new CartPole(), ScriptedExperts.CartPole);
        var fit = new BehaviouralCloningConfig(GradientSteps: 40);
        double Run(ImitationTask task)
        {
            torch.manual_seed(16);
            var result = Dagger.Train(task, () => new CategoricalPolicy(task.FeatureDimension, 2), 200, new DaggerConfig(2, fit), seed: 16);
            return ImitationRollouts.MeanReturn(task, result.Policy, 5, 50_000);
        }
        var reference = Run(cartPole.Observing(positions, 2));
        var plugged = ImitationExercises.PlugHistoryFeatures(Wrong, positions, 2);
        var yours = Run(cartPole.WithFeatures(plugged.Function, 2 * positions.Length, "wrong features"));
        AssertReportedAgainstReference(plugged.CheckedBy(check).Outcome("DAgger's mean greedy return", yours, reference, sameWithin: 0));
    }

    [Fact]
    public void Notebook19_WrongGae_IsReportedAgainstTheReferenceRun()
    {
        // ignores the episode ends
        double[] Wrong(double[] r, double[] v, bool[] dones, double last, double gamma, double lambda)
        {
            var advantages = new double[r.Length];
            var running = 0.0;
            for (var t = r.Length - 1; t >= 0; t--)
            {
                var next = t == r.Length - 1 ? last : v[t + 1];
                running = r[t] + gamma * next - v[t] + gamma * lambda * running;
                advantages[t] = running;
            }
            return advantages;
        }
        var check = RlExercises.CheckGae(Wrong);
        Assert.False(check.Passed);
        Assert.Contains("the last wrong", check.Message, StringComparison.Ordinal);
        var config = new A2cConfig(TotalSteps: 3_000, Lambda: 0.95);
        double Run(LossPieces? pieces) => A2c.Train(VectorEnvironments.CartPole(config.Environments, seed: 0), config, pieces: pieces).Log.SmoothedReturns(10).Returns.Average();
        var reference = Run(null);
        var plugged = RlExercises.PlugGae(Wrong);
        var yours = Run(new LossPieces(Advantages: plugged.Function));
        AssertReportedAgainstReference(plugged.CheckedBy(check).Outcome("mean smoothed return", yours, reference, sameWithin: 1e-9));
    }

    [Fact]
    public void Notebook20_WrongConjugateGradientStep_IsReportedAgainstTheReferenceRun()
    {
        // forgets to update the direction: steepest descent with conjugate-gradient step lengths
        ConjugateGradientState Wrong(ConjugateGradientState s, Tensor ap)
        {
            var alpha = s.Rr / (s.P * ap).sum().ToDouble();
            var r = s.R - alpha * ap;
            return new ConjugateGradientState(s.X + alpha * s.P, r, r, (r * r).sum().ToDouble());
        }
        var check = RlExercises.CheckConjugateGradientStep(Wrong);
        Assert.False(check.Passed);
        var config = new TrpoConfig(TotalSteps: 4_096, MaxKl: 0.01);
        double Run(Func<ConjugateGradientState, Tensor, ConjugateGradientState>? step) =>
            Trpo.Train(VectorEnvironments.CartPole(config.Environments, seed: 0), config, conjugateGradientStep: step).Log.Column("kl").Where(v => !double.IsNaN(v)).Sum();
        var reference = Run(null);
        var plugged = RlExercises.PlugConjugateGradientStep(Wrong);
        var yours = Run(plugged.Function);
        AssertReportedAgainstReference(plugged.CheckedBy(check).Outcome("sum of the updates' KL", yours, reference, sameWithin: 1e-12));
    }

    [Fact]
    public void Notebook21_WrongClippedSurrogate_IsReportedAgainstTheReferenceRun()
    {
        // max instead of min
        Tensor Wrong(Tensor ratio, Tensor advantages, double epsilon) => maximum(ratio * advantages, ratio.clamp(1 - epsilon, 1 + epsilon) * advantages);
        var check = RlExercises.CheckPpoClipObjective(Wrong);
        Assert.False(check.Passed);
        Assert.Contains("ratio r =", check.Message, StringComparison.Ordinal);
        Assert.Contains("advantage A =", check.Message, StringComparison.Ordinal);
        var config = new PpoConfig(TotalSteps: 2_048);
        double Run(LossPieces? pieces) => Ppo.Train(VectorEnvironments.CartPole(config.Environments, seed: 0), config, pieces: pieces).Log.Column("kl").Where(v => !double.IsNaN(v)).Sum();
        var reference = Run(null);
        var plugged = RlExercises.PlugClippedSurrogate(Wrong);
        var yours = Run(new LossPieces(Policy: batch => -plugged.Function(batch.Ratio, batch.Advantages, config.ClipEpsilon).mean()));
        AssertReportedAgainstReference(plugged.CheckedBy(check).Outcome("sum of the updates' KL", yours, reference, sameWithin: 1e-12));
    }

    [Fact]
    public void DerivationChecks_AcceptTheClosedFormsAndRejectTheUsualSlips()
    {
        Assert.True(ImitationExercises.CheckCompoundingMistakes((e, t) => Enumerable.Range(1, t).Sum(k => 1 - Math.Pow(1 - e, k))).Passed);
        var linear = ImitationExercises.CheckCompoundingMistakes((e, t) => e * t);
        Assert.False(linear.Passed);
        Assert.Contains("That is εT", linear.Message, StringComparison.Ordinal);
        Assert.False(ImitationExercises.CheckCompoundingMistakes((e, t) => e * t * (t + 1) / 2).Passed);
        Assert.True(RlExercises.CheckRewardToGoSquareShare(t => (t + 1.0) * (2.0 * t + 1) / (6.0 * t * t)).Passed);
        Assert.False(RlExercises.CheckRewardToGoSquareShare(_ => 1.0 / 3).Passed);
        Assert.True(RlExercises.CheckLogNormalEssLimit(s => Math.Exp(-s * s)).Passed);
        Assert.False(RlExercises.CheckLogNormalEssLimit(s => Math.Exp(-s * s / 2)).Passed);
        Assert.True(RlExercises.CheckGaeHalfWeightHorizon((g, l) => Math.Max(1, (int)Math.Ceiling(Math.Log(0.5) / Math.Log(g * l)))).Passed);
        Assert.False(RlExercises.CheckGaeHalfWeightHorizon((g, l) => (int)Math.Round(1 / (1 - g * l))).Passed);
        Assert.True(RlExercises.CheckConjugateGradientIterations(e => e.Distinct().Count()).Passed);
        Assert.False(RlExercises.CheckConjugateGradientIterations(e => e.Length).Passed);
        Assert.True(RlExercises.CheckPendulumWorstValue((g, s) => -s * (Math.PI * Math.PI + 6.4 + 0.004) / (1 - g)).Passed);
        Assert.False(RlExercises.CheckPendulumWorstValue((g, s) => -s * (Math.PI * Math.PI + 6.4) / (1 - g)).Passed);
        Assert.False(RlExercises.CheckPendulumWorstValue((_, _) => throw new NotImplementedException()).Attempted);
    }

    [Fact]
    public void PredictThenMeasure_NotAttemptedWhileNaN_AndReportsTheGap()
    {
        Assert.False(PredictThenMeasure.Check("x", double.NaN, 0.3, 0.1, "why").Attempted);
        var right = PredictThenMeasure.Check("x", 0.25, 0.3, 0.1, "why");
        Assert.True(right.Passed);
        Assert.Contains("measured 0.3", right.Message, StringComparison.Ordinal);
        var wrong = PredictThenMeasure.Check("x", 0.9, 0.3, 0.1, "why");
        Assert.False(wrong.Passed);
        Assert.StartsWith("too high", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BcSpread_UsesDaggersStartsAndTheBudget()
    {
        var cartPole = ImitationTask.FullyObserved("CartPole", () => new CartPole(), ScriptedExperts.CartPole);
        var one = ImitationRollouts.Run(cartPole, learner: null, episodes: int.MaxValue, 7, labelLimit: 20).Labelled;
        var spreadFirst = ImitationRollouts.Run(cartPole, learner: null, episodes: int.MaxValue, 7, labelLimit: 4).Labelled;
        Assert.Equal(20, one.Count);
        Assert.Equal(4, spreadFirst.Count);
        torch.manual_seed(0);
        var policy = BehaviouralCloning.TrainSpread(cartPole, () => new CategoricalPolicy(4, 2), 20, 5, new BehaviouralCloningConfig(GradientSteps: 5), seed: 7);
        Assert.NotNull(policy);
    }
}
