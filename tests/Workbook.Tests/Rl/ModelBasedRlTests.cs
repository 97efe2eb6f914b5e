using TorchSharp;
using Workbook.Rl.Environments;
using Workbook.Rl.ModelBased;
using static TorchSharp.torch;

namespace Workbook.Tests.Rl;

/// <summary>Notebook 23: the ensemble model, its error and uncertainty measurements, the planners, the model environment and the exercise.</summary>
// torch.set_num_threads and manual_seed are process-wide: run with the other global-state tests.
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class ModelBasedRlTests
{
    public ModelBasedRlTests() => torch.set_num_threads(1);

    private static TransitionBuffer RandomPendulumData(int episodes, int seed)
    {
        var data = new TransitionBuffer();
        var random = new Random(seed);
        for (var e = 0; e < episodes; e++)
        {
            data.CollectEpisode(new Pendulum(200), _ => new[] { -2 + 4 * random.NextDouble() }, seed + e);
        }
        return data;
    }

    [Fact]
    public void EnsembleLinearComputesWhatSeparateTorchLinearLayersComputeWithTheSameWeights()
    {
        var layer = new EnsembleLinear(3, 4, 5, new Generator(1));
        var parameters = layer.parameters().ToArray();                      // weight [M, in, out], bias [M, 1, out]
        var x = randn(3, 7, 4);
        using var _ = no_grad();
        var ours = layer.call(x);                                           // [M, B, out]
        for (var m = 0; m < 3; m++)
        {
            var twin = nn.Linear(4, 5);
            twin.weight!.copy_(parameters[0][m].t());
            twin.bias!.copy_(parameters[1][m].squeeze(0));
            Assert.True(twin.call(x[m]).allclose(ours[m], rtol: 1e-5, atol: 1e-6));
        }
    }

    [Fact]
    public void TransitionTensorsHoldStateActionInputsAndChangeRewardTargets()
    {
        var data = RandomPendulumData(1, 3);
        Assert.Equal(200, data.Count);
        var (inputs, targets) = data.Tensors();
        var t = data.Transitions[17];
        Assert.Equal(new long[] { 200, 4 }, inputs.shape);
        Assert.Equal(new long[] { 200, 4 }, targets.shape);
        Assert.Equal((float)t.Action[0], inputs[17, 3].item<float>(), 5);
        Assert.Equal((float)(t.NextObservation[2] - t.Observation[2]), targets[17, 2].item<float>(), 4);
        Assert.Equal((float)t.Reward, targets[17, 3].item<float>(), 4);
    }

    [Fact]
    public void TheFittedModelIsAccurateOneStepAheadItsErrorCompoundsAndItsMembersDisagreeOffTheData()
    {
        var data = RandomPendulumData(5, 10);
        var model = new EnsembleDynamicsModel(3, 1, new EnsembleModelConfig(Seed: 2));
        var losses = model.Fit(data);
        Assert.True(losses[^1] < 0.2 * losses[0], $"training loss {losses[0]:F3} -> {losses[^1]:F3}");
        var heldOut = RandomPendulumData(2, 500);
        var errors = ModelErrors.ByHorizon(model, heldOut, 20);
        Assert.True(errors[0] < 0.08 && errors[19] > 3 * errors[0], $"RMS error h=1 {errors[0]:F4}, h=20 {errors[19]:F4}");
        var states = tensor(heldOut.Transitions.Take(200).SelectMany(t => t.Observation).Select(v => (float)v).ToArray(), new long[] { 200, 3 });
        var actions = tensor(heldOut.Transitions.Take(200).SelectMany(t => t.Action).Select(v => (float)v).ToArray(), new long[] { 200, 1 });
        var fast = states.clone();
        fast[TensorIndex.Colon, 2] = fast[TensorIndex.Colon, 2].sign() * 12 + 0.01;   // |θ̇| = 12: beyond the pendulum's limit of 8
        var on = model.Disagreement(states, actions).mean().item<float>();
        var off = model.Disagreement(fast, actions).mean().item<float>();
        Assert.True(off > 2 * on, $"disagreement on {on:F4}, off {off:F4}");
    }

    [Fact]
    public void SequenceReturnsDealSequencesToMembersAndFollowEachMembersOwnTrajectory()
    {
        var data = RandomPendulumData(1, 4);
        var model = new EnsembleDynamicsModel(3, 1, new EnsembleModelConfig(Members: 3, Epochs: 2, Seed: 3));
        model.Fit(data);
        var start = new[] { 0.3, -0.95, 1.0 };
        var actions = rand(new long[] { 6, 4, 1 }, generator: new Generator(5)) * 4 - 2;     // [N, H, act]
        var returns = ModelReturns.OfSequences(model, start, actions).data<float>().ToArray();
        using var _ = no_grad();
        for (var i = 0; i < 6; i++)
        {
            var member = i % 3;
            var state = tensor(start.Select(v => (float)v).ToArray()).expand(3, 1, 3);
            var total = 0.0;
            for (var t = 0; t < 4; t++)
            {
                var (next, reward) = model.Predict(state, actions[i, t].expand(3, 1, 1));
                total += reward[member, 0].item<float>();
                state = next[member].expand(3, 1, 3);
            }
            Assert.Equal(total, returns[i], 3);
        }
        Assert.Throws<ArgumentException>(() => ModelReturns.OfSequences(model, start, actions.narrow(0, 0, 4)));
    }

    [Fact]
    public void TheModelEnvironmentStartsFromDataStatesStepsWithTheModelAndTruncatesAtItsHorizon()
    {
        var data = RandomPendulumData(1, 6);
        var model = new EnsembleDynamicsModel(3, 1, new EnsembleModelConfig(Members: 1, Epochs: 3, Seed: 4));
        model.Fit(data);
        var starts = data.Observations().Take(10).ToArray();
        var env = new ModelEnvironment(model, new Pendulum().ObservationSpace, (BoxSpace)new Pendulum().ActionSpace, starts, count: 4, horizon: 3);
        var observations = env.Reset(1);
        for (var i = 0; i < 4; i++)
        {
            var row = observations.Skip(3 * i).Take(3).ToArray();
            Assert.Contains(starts, s => s.Zip(row, (a, b) => Math.Abs(a - b) < 1e-6).All(x => x));
        }
        var action = full(new long[] { 4, 1 }, 5.0f);                                          // outside the box: clipped to 2
        var (expected, reward) = model.Predict(tensor(observations, new long[] { 4, 3 }), full(new long[] { 4, 1 }, 2.0f));
        var step = env.Step(action);
        Assert.True(tensor(step.Observations, new long[] { 4, 3 }).allclose(expected[0], atol: 1e-5));
        Assert.Equal(reward[0].data<float>().ToArray(), step.Rewards);
        Assert.DoesNotContain(true, step.Truncated);
        env.Step(action);
        var third = env.Step(action);
        Assert.All(third.Truncated, Assert.True);
        Assert.Equal(4, third.CompletedEpisodes.Count);
        Assert.All(third.FinalObservations, f => Assert.NotNull(f));
    }

    /// <summary>Notebook 23's answer (the library's CemPlanner.Refit is internal).</summary>
    private static (Tensor Mean, Tensor Std) Refit(Tensor samples, Tensor returns, int elites)
    {
        var best = samples.index_select(0, returns.topk(elites).indexes);
        return (best.mean(new long[] { 0 }), best.std(0));
    }

    /// <summary>Notebook 23b's answer (the library's TransitionBuffer.Target is internal).</summary>
    private static double[] Target(Transition t) => t.NextObservation.Zip(t.Observation, (n, o) => n - o).Append(t.Reward).ToArray();

    [Fact]
    public void TheCemRefitCheckAcceptsTheReferenceAndRejectsCommonMistakes()
    {
        Assert.True(ModelBasedExercises.CheckCemRefit(Refit).Passed);
        Assert.False(ModelBasedExercises.CheckCemRefit((s, r, k) => Refit(s, -r, k)).Passed);               // the worst, not the best
        Assert.False(ModelBasedExercises.CheckCemRefit((s, r, k) => { var (m, _) = Refit(s, r, k); return (m, s.index_select(0, r.topk(k).indexes).std(0, unbiased: false)); }).Passed);
        Assert.False(ModelBasedExercises.CheckCemRefit((s, r, k) => Refit(s, r, k + 1)).Passed);
    }

    [Fact]
    public void TheModelTargetCheckAcceptsTheReferenceAndRejectsTheNextStateItselfAndAPluggedTargetIsTheOneFitted()
    {
        Assert.True(ModelBasedExercises.CheckModelTarget(Target).Passed);
        Assert.False(ModelBasedExercises.CheckModelTarget(t => t.NextObservation.Append(t.Reward).ToArray()).Passed);
        Assert.False(ModelBasedExercises.CheckModelTarget(t => Target(t)[..^1]).Passed);
        var data = RandomPendulumData(1, 8);
        var calls = 0;
        var plugged = ModelBasedExercises.PlugModelTarget(t => { calls++; return Target(t); });
        new EnsembleDynamicsModel(3, 1, new EnsembleModelConfig(Epochs: 1)).Fit(data, plugged.Function);
        Assert.Equal(data.Count, calls);
        Assert.True(plugged.RanYours);
    }

    [Fact]
    public void CemMpcWithALearnedModelSwingsThePendulumUpWithinAThousandRealSteps()
    {
        IEnvironment<double[]> Make(int seed) => new Pendulum(200, seed);
        var box = (BoxSpace)Make(0).ActionSpace;
        var run = Mpc.Train(Make, m => new CemPlanner(m, box, new CemConfig(Seed: 1)), new MpcConfig(1, 4, new EnsembleModelConfig(Seed: 1), Seed: 1));
        Assert.Equal(1000, run.Data.Count);
        var random = run.Episodes[0].Return;
        var planned = run.Episodes.TakeLast(2).Average(e => e.Return);
        Assert.True(planned > random + 500 && planned > -500, $"random actions {random:F0}, last two planned episodes {planned:F0}");
    }
}
