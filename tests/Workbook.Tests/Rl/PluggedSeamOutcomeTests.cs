using TorchSharp;
using Workbook.Exercises;
using Workbook.Rl;
using Workbook.Rl.Algorithms;
using Workbook.Rl.AttentionAgents;
using Workbook.Rl.Environments;
using Workbook.Rl.ModelBased;
using Workbook.Rl.ValueBased;
using static TorchSharp.torch;

namespace Workbook.Tests.Rl;

/// <summary>
/// Notebooks 22-24c's plugged-in cells: a deliberately wrong function is plugged into each seam, fails its own check,
/// runs inside the library's code, and the outcome is reported against the reference's run of the same code
/// (<see cref="Plugged{TDelegate}.Outcome"/>): worse than the reference, with the warning that the check failed.
/// </summary>
// torch.set_num_threads and manual_seed are process-wide: run with the other global-state tests.
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class PluggedSeamOutcomeTests
{
    public PluggedSeamOutcomeTests() => torch.set_num_threads(1);

    private static void AssertReportedWorse(PluggedOutcome outcome)
    {
        var text = outcome.ToString();
        Assert.True(outcome.RanYours, text);
        Assert.False(outcome.AsGoodAsReference, text);
        Assert.True(outcome.FailedItsCheck, text);
        Assert.Contains("worse than the reference's", text);
        Assert.Contains("failed its own check", text);
    }

    [Fact]
    public void Entity_attention_without_the_padding_mask_is_reported_against_the_reference_policy()
    {
        // Wrong: a plain average over every slot, padding included (no softmax, no mask).
        EntityAttentionStep wrong = (q, k, v, keep, heads) => v.mean(new long[] { 1 }, keepdim: true);
        var check = EntityAttentionExercises.CheckEntityAttention(wrong);
        Assert.False(check.Passed);
        var plugged = EntityAttentionExercises.PlugEntityAttention(wrong);
        var environment = new EntityReach(maxDistractors: 3, seed: 4);
        var observations = Enumerable.Range(0, 16).SelectMany(i => environment.Reset(seed: i).Select(x => (float)x)).ToArray();
        using var batch = tensor(observations, new long[] { 16, environment.Layout.Dimension });
        manual_seed(1);
        var yours = (AttentionPolicy)AttentionActorCritic.Create(environment.Layout, 4, step: plugged.Function).Policy;
        manual_seed(1);
        var reference = (AttentionPolicy)AttentionActorCritic.Create(environment.Layout, 4).Policy;
        using var _ = no_grad();
        // The measure: how far each policy's logits are from the reference policy's (same weights).
        var referenceLogits = ((CategoricalDistribution)reference.call(batch)).Logits;
        var gap = (((CategoricalDistribution)yours.call(batch)).Logits - referenceLogits).abs().max().item<float>();
        AssertReportedWorse(plugged.CheckedBy(check).Outcome("largest logit difference from the reference policy", gap, 0, higherIsBetter: false, sameWithin: 1e-6));
    }

    [Fact]
    public void A_history_slot_without_the_age_scaling_is_reported_against_the_reference_window()
    {
        // Wrong: the age itself instead of age / window.
        Func<double[], int, int, double[]> wrong = (o, age, window) => new[] { 1.0, age }.Concat(o).ToArray();
        var check = EntityAttentionExercises.CheckHistorySlot(wrong);
        Assert.False(check.Passed);
        var plugged = EntityAttentionExercises.PlugHistorySlot(wrong);
        double LargestDifference(Func<double[], int, int, double[]>? slot)
        {
            var built = new HistoryWindow(new CueRecall(8, seed: 3), 8, slot);
            var library = new HistoryWindow(new CueRecall(8, seed: 3), 8);
            var (a, b) = (built.Reset(seed: 5), library.Reset(seed: 5));
            var worst = a.Zip(b).Max(p => Math.Abs(p.First - p.Second));
            for (var t = 0; t < 5; t++)
            {
                (a, b) = (built.Step(0).Observation, library.Step(0).Observation);
                worst = Math.Max(worst, a.Zip(b).Max(p => Math.Abs(p.First - p.Second)));
            }
            return worst;
        }
        AssertReportedWorse(plugged.CheckedBy(check).Outcome("largest difference of the window's numbers", LargestDifference(plugged.Function), LargestDifference(null), higherIsBetter: false));
    }

    [Fact]
    public void A_cem_refit_that_ignores_the_returns_is_reported_against_the_reference_planner()
    {
        // Wrong: the mean and std of all samples, not of the elites.
        CemRefit wrong = (samples, returns, elites) => (samples.mean(new long[] { 0 }), samples.std(0));
        var check = ModelBasedExercises.CheckCemRefit(wrong);
        Assert.False(check.Passed);
        var plugged = ModelBasedExercises.PlugCemRefit(wrong);
        var data = new TransitionBuffer();
        var random = new Random(3);
        data.CollectEpisode(new Pendulum(200, 0), _ => new[] { -2 + 4 * random.NextDouble() }, seed: 1);
        var model = new EnsembleDynamicsModel(3, 1, new EnsembleModelConfig(Seed: 2));
        model.Fit(data);
        var box = (BoxSpace)new Pendulum(200, 0).ActionSpace;
        var state = new Pendulum(200, 0).Reset(seed: 9);
        // The measure: the model return of the plan's mean sequence is not exposed, so compare the first actions chosen.
        var reference = new CemPlanner(model, box, new CemConfig(Seed: 5)).Act(state)[0];
        var yours = new CemPlanner(model, box, new CemConfig(Seed: 5), plugged.Function).Act(state)[0];
        AssertReportedWorse(plugged.CheckedBy(check).Outcome("distance of the first planned torque from the reference planner's", Math.Abs(yours - reference), 0, higherIsBetter: false, sameWithin: 1e-9));
    }

    [Fact]
    public void Model_targets_of_the_next_state_instead_of_the_change_are_reported_against_the_reference_model()
    {
        // Wrong: s' instead of s' − s.
        Func<Transition, double[]> wrong = t => t.NextObservation.Append(t.Reward).ToArray();
        var check = ModelBasedExercises.CheckModelTarget(wrong);
        Assert.False(check.Passed);
        var plugged = ModelBasedExercises.PlugModelTarget(wrong);
        var data = new TransitionBuffer();
        var heldOut = new TransitionBuffer();
        var random = new Random(4);
        for (var e = 0; e < 2; e++) data.CollectEpisode(new Pendulum(200, 0), _ => new[] { -2 + 4 * random.NextDouble() }, seed: 10 + e);
        heldOut.CollectEpisode(new Pendulum(200, 0), _ => new[] { -2 + 4 * random.NextDouble() }, seed: 40);
        double OneStepError(Func<Transition, double[]>? targets)
        {
            var model = new EnsembleDynamicsModel(3, 1, new EnsembleModelConfig(Seed: 3));
            model.Fit(data, targets);
            return ModelErrors.ByHorizon(model, heldOut, 1)[0];
        }
        AssertReportedWorse(plugged.CheckedBy(check).Outcome("one-step RMS error on a held-out episode", OneStepError(plugged.Function), OneStepError(null), higherIsBetter: false, sameWithin: 0.005));
    }

    [Fact]
    public void A_td_target_that_bootstraps_through_terminal_states_is_reported_against_the_reference_run()
    {
        // Wrong: no (1 − terminated): a fallen pole still gets γ max Q(s', ·).
        Func<Tensor, Tensor, Tensor, double, Tensor> wrong = (r, nextQ, terminated, gamma) => r + gamma * nextQ.max(-1).values;
        var check = QLearningExercises.CheckTdTarget(wrong);
        Assert.False(check.Passed);
        Assert.Contains("terminated = 1", check.Message);   // the failing transition's inputs, in the exercise's terms
        var plugged = QLearningExercises.PlugTdTarget(wrong);
        var config = new DqnConfig(TotalSteps: 3_000, LearningStarts: 500, Seed: 0);
        double LastMeanQ(DqnResult run) => run.Log.Column("q_mean").Where(v => !double.IsNaN(v)).TakeLast(5).Average();
        var yours = LastMeanQ(Dqn.Train(new CartPole(seed: 0), config, plugged.Function));
        var reference = LastMeanQ(Dqn.Train(new CartPole(seed: 0), config));
        // Bootstrapping through the end inflates the values: higher is worse here.
        AssertReportedWorse(plugged.CheckedBy(check).Outcome("mean Q(s, a) of the last minibatches", yours, reference, higherIsBetter: false));
    }

    [Fact]
    public void A_double_target_that_takes_the_plain_max_is_reported_against_the_reference_bias()
    {
        // Wrong: the plain max of the target network, which double DQN replaces.
        Func<Tensor, Tensor, Tensor, Tensor, double, Tensor> wrong = (r, d, online, target, gamma) => r + gamma * (1 - d) * target.max(-1).values;
        var check = DqnExercises.CheckDoubleDqnTarget(wrong);
        Assert.False(check.Passed);
        Assert.Contains("online Q(s', ·) = [", check.Message);
        var plugged = DqnExercises.PlugDoubleDqnTarget(wrong);
        using var noise = new Generator(24);
        var online = randn(new long[] { 4096, 4 }, generator: noise);
        var target = randn(new long[] { 4096, 4 }, generator: noise);
        var zero = zeros(4096);
        var yours = plugged.Function(zero, zero, online, target, 1.0).mean().item<float>();
        var reference = target.gather(-1, online.argmax(-1, keepdim: true)).mean().item<float>();
        AssertReportedWorse(plugged.CheckedBy(check).Outcome("mean target where every true value is 0 (bias)", yours, reference, higherIsBetter: false, sameWithin: 1e-6));
    }

    [Fact]
    public void Prioritised_weights_without_the_max_normalisation_and_beta_are_reported_against_the_reference_estimate()
    {
        // Wrong: uniform weights (no correction at all).
        Func<Tensor, double, double, double, (Tensor, Tensor)> wrong = (delta, alpha, beta, epsilon) =>
        {
            var p = (delta.abs() + epsilon).pow(alpha);
            return (p / p.sum(), ones_like(delta));
        };
        var check = DqnExercises.CheckPrioritisedReplay(wrong);
        Assert.False(check.Passed);
        var plugged = DqnExercises.PlugPrioritisedReplay(wrong);
        var reference = DqnExercises.PlugPrioritisedReplay((d, a, b, e) => throw new NotImplementedException("the reference")).Function;
        double WeightedRatio(Func<Tensor, double, double, double, (Tensor Probabilities, Tensor Weights)> replay)
        {
            using var draws = new Generator(25);
            var delta = randn(new long[] { 10_000 }, ScalarType.Float64, generator: draws);
            var (probabilities, weights) = replay(delta, 0.6, 1.0, 0.01);
            var picked = multinomial(probabilities, 20_000, replacement: true, generator: draws);
            var squared = delta.index_select(0, picked).pow(2);
            var w = weights.index_select(0, picked);
            return ((w * squared).sum() / w.sum()).item<double>() / delta.pow(2).mean().item<double>();
        }
        // The measure is the estimate's distance from the truth (1): the reference's is near 0, the uncorrected one's about 0.6.
        var yours = Math.Abs(WeightedRatio(plugged.Function) - 1);
        var referenceGap = Math.Abs(WeightedRatio(reference) - 1);
        AssertReportedWorse(plugged.CheckedBy(check).Outcome("|weighted mean of δ² over the truth − 1|", yours, referenceGap, higherIsBetter: false, sameWithin: 0.05));
    }

    [Fact]
    public void The_new_derivation_checks_reject_a_typical_wrong_answer_and_name_the_case()
    {
        var blind = EntityAttentionExercises.CheckBlindReturn(p => 0);                       // right only at p = 1/2
        Assert.False(blind.Passed);
        Assert.Contains("p = 0.8", blind.Message);
        Assert.True(EntityAttentionExercises.CheckBlindReturn(p => Math.Abs(2 * p - 1)).Passed);

        var lagged = DqnExercises.CheckLaggedDoubleBias((rho, expectedMax) => 0);           // the independent case for every ρ
        Assert.False(lagged.Passed);
        Assert.Contains("ρ = 1", lagged.Message);
        Assert.True(DqnExercises.CheckLaggedDoubleBias((rho, m) => rho * m).Passed);

        var uses = DqnExercises.CheckUsesPerTransition((total, starts, frequency, steps, batch) => (double)steps * batch / frequency);   // forgets learningStarts
        Assert.False(uses.Passed);
        Assert.Contains("learningStarts 1000", uses.Message);

        var reward = ModelBasedExercises.CheckPendulumReward((o, u) => -(Math.Acos(o[0]) * Math.Acos(o[0]) + 0.1 * o[2] * o[2]));   // forgets the torque
        Assert.False(reward.Passed);
        Assert.Contains("torque u = 2", reward.Message);
        Assert.True(ModelBasedExercises.CheckPendulumReward((o, u) => { var t = Math.Atan2(o[1], o[0]); return -(t * t + 0.1 * o[2] * o[2] + 0.001 * u * u); }).Passed);

        // Expected Sarsa: the greedy target (ε ignored) passes the ε = 0 case and fails at ε = 1, naming the transition's inputs.
        var sarsa = QLearningExercises.CheckExpectedSarsaTarget((r, q, d, gamma, epsilon) => r + gamma * (1 - d) * q.max(-1).values);
        Assert.False(sarsa.Passed);
        Assert.Contains("ε = 1: the uniform policy", sarsa.Message);
        Assert.Contains("Q(s', ·) = [", sarsa.Message);
        Assert.True(QLearningExercises.CheckExpectedSarsaTarget((r, q, d, gamma, epsilon) =>
        {
            var greedy = nn.functional.one_hot(q.argmax(-1), q.shape[1]).to_type(q.dtype);
            return r + gamma * (1 - d) * ((epsilon / q.shape[1] + (1 - epsilon) * greedy) * q).sum(-1);
        }).Passed);
    }

    [Fact]
    public void The_entity_attention_check_overflows_float32_exp_and_rejects_a_softmax_without_the_max()
    {
        // A masked softmax written as exp(s) / Σ exp(s), without subtracting the largest score.
        EntityAttentionStep naive = (queries, keys, values, keep, heads) =>
        {
            long b = queries.shape[0], k = keys.shape[1], d = queries.shape[2] / heads;
            var q = queries.view(b, 1, heads, d).transpose(1, 2);
            var kk = keys.view(b, k, heads, d).transpose(1, 2);
            var v = values.view(b, k, heads, d).transpose(1, 2);
            var e = (q.matmul(kk.transpose(-2, -1)) / Math.Sqrt(d)).exp() * keep.unsqueeze(1).to_type(queries.dtype);
            return (e / e.sum(-1, keepdim: true)).matmul(v).transpose(1, 2).reshape(b, 1, heads * d);
        };
        var result = EntityAttentionExercises.CheckEntityAttention(naive);
        Assert.False(result.Passed, result.Message);
        Assert.Contains("large scores", result.Message);
        Assert.Contains("head", result.Message);
    }
}
