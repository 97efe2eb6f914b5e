using TorchSharp;
using Workbook.Rl;
using Workbook.Rl.Environments;
using Workbook.Rl.Imitation;
using static TorchSharp.torch;

namespace Workbook.Tests.Rl;

/// <summary>Scripted experts, behavioural cloning against DAgger, history features, and the multimodal action distributions.</summary>
// torch.set_num_threads and manual_seed are process-wide.
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class ImitationTests
{
    public ImitationTests() => torch.set_num_threads(1);

    private static ImitationTask CartPoleTask => ImitationTask.FullyObserved("CartPole", () => new CartPole(), ScriptedExperts.CartPole);

    [Fact]
    public void TheScriptedExpertsSolveTheirTasks()
    {
        var cartPole = ImitationRollouts.Run(CartPoleTask, learner: null, episodes: 10, seed: 3, parallel: 10);
        Assert.All(cartPole.Returns, r => Assert.Equal(500, r));
        var road = ImitationTask.FullyObserved("Road", () => new Road(), ScriptedExperts.Obstacle);
        var drives = ImitationRollouts.Run(road, learner: null, episodes: 10, seed: 0, parallel: 10);
        Assert.All(drives.Returns, r => Assert.Equal(100, r));
        Assert.Equal(0, drives.Crashes);
        // Even seeds pass on the left (y > 0), odd seeds on the right: both ways, equally often.
        Assert.Equal(5, drives.LateralPaths.Count(p => p.Max() > 0.3));
        Assert.Equal(5, drives.LateralPaths.Count(p => p.Min() < -0.3));
    }

    [Fact]
    public void DrivingStraightIntoTheObstacleCrashes()
    {
        var road = new Road();
        road.Reset(seed: 0);
        StepResult step;
        do
        {
            step = road.Step(new[] { 0.0 });
        }
        while (!step.Done);
        Assert.True(step.Terminated && road.Crashed);
    }

    [Fact]
    public void DaggerBeatsBehaviouralCloningAtEqualExpertData()
    {
        var fit = new BehaviouralCloningConfig(GradientSteps: 300);
        Policy Make() => new CategoricalPolicy(4, 2);
        torch.manual_seed(0);
        var bc = BehaviouralCloning.Train(CartPoleTask, Make, 100, fit, seed: 0);
        torch.manual_seed(0);
        var dagger = Dagger.Train(CartPoleTask, Make, 100, new DaggerConfig(5, fit), seed: 0);
        Assert.Equal(100, dagger.Data.Count);   // the same number of expert labels as BC
        var bcReturn = ImitationRollouts.MeanReturn(CartPoleTask, bc, 50, 50_000);
        var daggerReturn = ImitationRollouts.MeanReturn(CartPoleTask, dagger.Policy, 50, 50_000);
        Assert.True(daggerReturn >= bcReturn + 200, $"BC {bcReturn:F1}, DAgger {daggerReturn:F1}");
    }

    [Fact]
    public void RolloutsStopAtTheLabelBudgetAndCollectWholeEpisodesFirst()
    {
        var run = ImitationRollouts.Run(CartPoleTask, learner: null, episodes: int.MaxValue, seed: 0, labelLimit: 750);
        Assert.Equal(750, run.Labelled.Count);
        Assert.Single(run.Returns);   // one whole 500-step episode, then 250 steps of the next
    }

    /// <summary>Notebook 16's answer: the coordinates keep of the last stack observations, oldest first, the first repeated.</summary>
    private static double[] Stack(IReadOnlyList<double[]> history, int[] keep, int stack) =>
        Enumerable.Range(0, stack).SelectMany(j => keep.Select(k => history[Math.Max(0, history.Count - stack + j)][k])).ToArray();

    [Fact]
    public void HistoryFeaturesStackTheLastObservationsAndRepeatTheFirst()
    {
        // The library's Stack is internal: read it through the plug's fallback (the stub).
        double[] Library(IReadOnlyList<double[]> h, int[] keep, int stack) =>
            ImitationExercises.PlugHistoryFeatures((_, _, _) => throw new NotImplementedException(), keep, stack).Function(h);
        var history = new List<double[]> { new[] { 1.0, 2, 3, 4 } };
        Assert.Equal(new[] { 1.0, 3, 1, 3 }, Library(history, new[] { 0, 2 }, 2));
        history.Add(new[] { 5.0, 6, 7, 8 });
        history.Add(new[] { 9.0, 10, 11, 12 });
        Assert.Equal(new[] { 5.0, 7, 9, 11 }, Library(history, new[] { 0, 2 }, 2));
        Assert.Equal(new[] { 2.0, 6, 10 }, Library(history, new[] { 1 }, 3));
    }

    [Fact]
    public void HistoryFeaturesExerciseChecksAndPlugs()
    {
        Assert.True(ImitationExercises.CheckHistoryFeatures(Stack).Passed);
        var noRepeat = ImitationExercises.CheckHistoryFeatures((h, keep, stack) => h.TakeLast(stack).SelectMany(o => keep.Select(k => o[k])).ToArray());
        Assert.False(noRepeat.Passed);
        Assert.True(noRepeat.Attempted);
        var stub = ImitationExercises.PlugHistoryFeatures((h, k, s) => throw new NotImplementedException(), new[] { 0, 2 }, 2);
        Assert.Equal(new[] { 1.0, 3, 1, 3 }, stub.Function(new[] { new[] { 1.0, 2, 3, 4 } }));
        Assert.False(stub.RanYours);
        var yours = ImitationExercises.PlugHistoryFeatures(Stack, new[] { 0, 2 }, 2);
        yours.Function(new[] { new[] { 1.0, 2, 3, 4 } });
        Assert.True(yours.RanYours);
    }

    [Fact]
    public void AOneComponentMixtureIsTheGaussian()
    {
        var mean = tensor(new[] { 0.3f, -1.2f }, new long[] { 2, 1 });
        var logStd = tensor(new[] { -0.5f, 0.2f }, new long[] { 2, 1 });
        var actions = tensor(new[] { 0.1f, 0.4f }, new long[] { 2, 1 });
        var mixture = new GaussianMixtureDistribution(zeros(2, 1), mean.unsqueeze(1), logStd.unsqueeze(1));
        var gaussian = new DiagonalGaussianDistribution(mean, logStd.squeeze(-1).unsqueeze(-1));
        Assert.True(allclose(mixture.LogProb(actions), gaussian.LogProb(actions), 1e-5, 1e-6));
        Assert.True(allclose(mixture.Mode(), mean));
    }

    [Fact]
    public void AMixtureLogProbIsTheLogOfTheWeightedDensities()
    {
        // Two components at -1 and +1 with weights 0.25 and 0.75, σ = 0.5; action 0.2.
        var logits = tensor(new[] { (float)Math.Log(0.25), (float)Math.Log(0.75) }, new long[] { 1, 2 });
        var means = tensor(new[] { -1f, 1f }, new long[] { 1, 2, 1 });
        var logStd = full(new long[] { 1, 2, 1 }, (float)Math.Log(0.5));
        var d = new GaussianMixtureDistribution(logits, means, logStd);
        static double N(double x, double mu, double s) => Math.Exp(-0.5 * (x - mu) * (x - mu) / (s * s)) / (s * Math.Sqrt(2 * Math.PI));
        var expected = Math.Log(0.25 * N(0.2, -1, 0.5) + 0.75 * N(0.2, 1, 0.5));
        Assert.Equal(expected, d.LogProb(tensor(new[] { 0.2f }, new long[] { 1, 1 })).item<float>(), 4);
        Assert.Equal(1f, d.Mode().item<float>());   // the heavier component's mean
    }

    [Fact]
    public void BinnedActionsMapToTheirBinAndBack()
    {
        // 4 bins over [-1, 1]: centres -0.75, -0.25, 0.25, 0.75.
        var logits = tensor(new[] { 0f, 0f, 3f, 0f }, new long[] { 1, 1, 4 });
        var d = new BinnedDistribution(logits, new[] { -1.0 }, new[] { 1.0 });
        Assert.Equal(new long[] { 0, 1, 2, 3, 3 }, d.BinOf(tensor(new[] { -1f, -0.3f, 0.1f, 0.9f, 1f }, new long[] { 5, 1 })).data<long>().ToArray());
        Assert.Equal(0.25f, d.Mode().item<float>());
        var p = Math.Exp(3) / (Math.Exp(3) + 3);
        Assert.Equal(Math.Log(p), d.LogProb(tensor(new[] { 0.3f }, new long[] { 1, 1 })).item<float>(), 5);
        Assert.Equal(-(p * Math.Log(p) + 3 * (1 - p) / 3 * Math.Log((1 - p) / 3)), d.Entropy().item<float>(), 5);
    }

    [Fact]
    public void TheMixtureAvoidsTheFailureTheSingleGaussianMakes()
    {
        var road = ImitationTask.FullyObserved("Road", () => new Road(), ScriptedExperts.Obstacle);
        var data = ImitationRollouts.Run(road, learner: null, episodes: 40, seed: 0, parallel: 40).Labelled;
        var fit = new BehaviouralCloningConfig(GradientSteps: 1500);
        torch.manual_seed(0);
        var gaussian = new GaussianPolicy(4, 1, initialLogStd: -1);
        var mixture = new MixturePolicy(4, 1, components: 3);
        double PassRate(Policy p) => ImitationRollouts.Run(road, p, episodes: 100, seed: 50_000, greedy: true, parallel: 100).Returns.Count(r => r == 100) / 100.0;
        BehaviouralCloning.Fit(gaussian, data, discrete: false, fit);
        BehaviouralCloning.Fit(mixture, data, discrete: false, fit);
        var (gaussianPass, mixturePass) = (PassRate(gaussian), PassRate(mixture));
        Assert.True(gaussianPass <= 0.1 && mixturePass >= 0.9, $"greedy episodes to the end: single Gaussian {gaussianPass}, mixture {mixturePass}");
        using var _ = no_grad();
        var decision = tensor(new[] { 0f, 0f, 0.85f, 1f }, new long[] { 1, 4 });
        Assert.True(Math.Abs(((DiagonalGaussianDistribution)gaussian.call(decision)).Mean.item<float>()) < 0.2, "the Gaussian averages +1 and -1");
    }

    [Fact]
    public void MixtureResponsibilitiesExerciseAcceptsTheLogSpaceAnswerAndNamesTheTailCaseOfTheDensityRatio()
    {
        static Tensor LogJoint(Tensor logits, Tensor means, Tensor logStd, Tensor a)
        {
            var z = (a.unsqueeze(-1) - means) / logStd.exp();
            return logits.log_softmax(-1) - 0.5 * z * z - logStd - 0.5 * Math.Log(2 * Math.PI);     // log w_k N_k
        }
        var right = ImitationExercises.CheckMixtureResponsibilities((l, m, s, a) => LogJoint(l, m, s, a).softmax(-1));
        Assert.True(right.Passed, right.Message);
        // the densities themselves: right where they do not underflow, 0/0 = NaN in the tail
        var ratio = ImitationExercises.CheckMixtureResponsibilities((l, m, s, a) => { var p = LogJoint(l, m, s, a).exp(); return p / p.sum(-1, keepdim: true); });
        Assert.False(ratio.Passed);
        Assert.Contains("case 3", ratio.Message);
        Assert.Contains("tail", ratio.Message);
        // forgetting the weights
        var unweighted = ImitationExercises.CheckMixtureResponsibilities((l, m, s, a) => (LogJoint(l, m, s, a) - l.log_softmax(-1)).softmax(-1));
        Assert.False(unweighted.Passed);
        Assert.Contains("case 2", unweighted.Message);
    }
}
