using TorchSharp;
using Workbook.Rl;
using Workbook.Rl.AttentionAgents;
using Workbook.Rl.Algorithms;
using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Tests.Rl.AttentionAgents;

/// <summary>Notebooks 22 and 22b: the entity-set environments, the attention policy's set properties, the exercises and learning.</summary>
// torch.set_num_threads and manual_seed are process-wide: run with the other global-state tests.
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class AttentionAgentsTests
{
    // A remembered step's slot, (1, age / window, observation...), written from its definition (the library's is internal).
    private static double[] Slot(double[] observation, int age, int window) =>
        new[] { 1.0, age / (double)window }.Concat(observation).ToArray();

    public AttentionAgentsTests() => torch.set_num_threads(1);

    [Fact]
    public void EntityReachPutsOneTargetAndTheDistractorsIntoRandomSlotsAndPadsTheRest()
    {
        var env = new EntityReach(maxDistractors: 5, seed: 3);
        var seenSlots = new HashSet<int>();
        for (var episode = 0; episode < 40; episode++)
        {
            var o = env.Reset();
            Assert.Equal(2 + 4 * 6, o.Length);
            Assert.Equal(o.Length, env.ObservationSpace.Dimension);
            var present = Enumerable.Range(0, 6).Where(j => o[env.Layout.SlotOffset(j)] == 1).ToArray();
            Assert.Equal(env.OccupiedSlots.OrderBy(j => j), present);
            Assert.Single(present, j => o[env.Layout.SlotOffset(j) + 1] == 1);
            Assert.Equal(1, o[env.Layout.SlotOffset(env.TargetSlot) + 1]);
            foreach (var j in Enumerable.Range(0, 6).Except(present))
            {
                Assert.All(Enumerable.Range(0, 4), f => Assert.Equal(0, o[env.Layout.SlotOffset(j) + f]));
            }
            var t = env.Layout.SlotOffset(env.TargetSlot);
            Assert.Equal(env.TargetDistance, Math.Sqrt(o[t + 2] * o[t + 2] + o[t + 3] * o[t + 3]), 12);
            seenSlots.Add(env.TargetSlot);
        }
        Assert.Equal(6, seenSlots.Count);   // the target's slot carries no information
    }

    [Fact]
    public void WalkingToTheTargetEarnsTheShapingAndTheBonusAndTerminates()
    {
        var env = new EntityReach(maxDistractors: 2, seed: 11);
        var o = env.Reset();
        var start = env.TargetDistance;
        double total = 0;
        StepResult step = default;
        for (var t = 0; t < env.MaxEpisodeSteps && !step.Done; t++)
        {
            var at = env.Layout.SlotOffset(env.TargetSlot);
            double dx = o[at + 2], dy = o[at + 3];
            var action = Math.Abs(dx) >= Math.Abs(dy) ? (dx > 0 ? 0 : 2) : (dy > 0 ? 1 : 3);   // right, up, left, down
            step = env.Step(action);
            total += step.Reward;
            o = step.Observation;
        }
        Assert.True(step.Terminated && !step.Truncated);
        Assert.Equal(EntityReach.ShapingScale * (start - env.TargetDistance) + EntityReach.ReachBonus, total, 9);
        Assert.Throws<InvalidOperationException>(() => env.Step(0));
    }

    [Fact]
    public void CueRecallPaysOnlyTheRightAnswerAtTheLastStep()
    {
        foreach (var seed in Enumerable.Range(0, 6))
        {
            var env = new CueRecall(length: 5, seed: seed);
            var first = env.Reset();
            Assert.Equal(env.Cue, first[0]);
            for (var t = 0; t < 4; t++)
            {
                var step = env.Step(t % 2);
                Assert.Equal(0, step.Reward);
                Assert.False(step.Done);
                Assert.Equal(0, step.Observation[0]);   // the cue is gone
            }
            var right = env.Cue > 0 ? 1 : 0;
            var answer = env.Step(seed % 2 == 0 ? right : 1 - right);
            Assert.True(answer.Terminated);
            Assert.Equal(seed % 2 == 0 ? 1.0 : -1.0, answer.Reward);
        }
    }

    [Fact]
    public void HistoryWindowHoldsTheLastObservationsNewestFirstWithTheirAge()
    {
        var env = new HistoryWindow(new CueRecall(length: 6, seed: 2), window: 3);
        var o = env.Reset();
        var cue = ((CueRecall)env.Inner).Cue;
        Assert.Equal(new EntitySetLayout(2, 4, 3), env.Layout);
        Assert.Equal(new double[] { cue, 0, 1, 0, cue, 0 }, o[..6]);
        Assert.All(o[6..], v => Assert.Equal(0, v));                                // two empty slots
        o = env.Step(0).Observation;
        o = env.Step(0).Observation;                                                // t = 2: the cue is 2 steps old
        Assert.Equal(new double[] { 1, 2.0 / 3, cue, 0 }, o[env.Layout.SlotOffset(2)..(env.Layout.SlotOffset(2) + 4)]);
        o = env.Step(0).Observation;                                                // t = 3: it has left the window
        Assert.DoesNotContain(Enumerable.Range(0, 3), j => o[env.Layout.SlotOffset(j) + 2] != 0);
        Assert.Equal(Slot(new[] { 0.0, 0.6 }, 0, 3), o[env.Layout.SlotOffset(0)..(env.Layout.SlotOffset(0) + 4)]);
    }

    private static float[][] Observations(int distractors, int count, int seed)
    {
        var env = new EntityReach(distractors, seed: seed);
        var random = new Random(seed);
        var rows = new List<float[]>();
        while (rows.Count < count)
        {
            var o = env.Reset();
            for (var t = 0; t < 5; t++)
            {
                rows.Add(o.Select(v => (float)v).ToArray());
                var step = env.Step(random.Next(4));
                if (step.Done) break;
                o = step.Observation;
            }
        }
        return rows.Take(count).ToArray();
    }

    [Fact]
    public void TheAttentionPolicyIsPermutationInvariantAndTheFlatMlpIsNot()
    {
        manual_seed(1);
        var layout = new EntityReach(5).Layout;
        var attention = new AttentionPolicy(layout, 4);
        var flat = new CategoricalPolicy(layout.Dimension, 4);
        var rows = Observations(5, 64, seed: 4);
        Assert.True(AttentionActorCritic.MaxLogitChangeUnderShuffle(attention, layout, rows, shuffles: 5, seed: 2) <= 1e-6);
        Assert.True(AttentionActorCritic.MaxLogitChangeUnderShuffle(flat, layout, rows, shuffles: 5, seed: 2) > 1e-4);
    }

    [Fact]
    public void PaddingIsIgnoredWhateverItHolds()
    {
        manual_seed(2);
        var layout = new EntityReach(3).Layout;
        var encoder = new EntityAttentionEncoder(layout);
        var rows = Observations(3, 32, seed: 5);
        var garbage = rows.Select(r =>
        {
            var g = (float[])r.Clone();
            for (var j = 0; j < layout.MaxEntities; j++)
            {
                var at = layout.SlotOffset(j);
                if (g[at] == 0)
                {
                    g[at + 1] = 0.4f; g[at + 2] = 7f; g[at + 3] = -3f;   // not present: the rest must not matter
                }
            }
            return g;
        }).ToArray();
        using var _ = no_grad();
        Tensor T(float[][] x) => tensor(x.SelectMany(v => v).ToArray(), new long[] { x.Length, layout.Dimension });
        Assert.True(encoder.call(T(rows)).allclose(encoder.call(T(garbage)), rtol: 0, atol: 1e-6));
        var weights = encoder.Weights(T(rows));                                            // [B, K]
        Assert.True(weights.sum(1).allclose(ones(rows.Length), atol: 1e-5));
        var present = T(rows).narrow(1, layout.SelfFeatures, layout.EntityFeatures * layout.MaxEntities).reshape(rows.Length, layout.MaxEntities, layout.EntityFeatures).select(2, 0);
        Assert.Equal(0f, (weights * (1 - present)).abs().max().item<float>());
    }

    // Notebook 22's answer (the library's EntityAttentionExercises.ReferenceStep is internal): split into heads, attend, merge.
    private static Tensor Step(Tensor q, Tensor k, Tensor v, Tensor keep, int heads) => Merge(Attend(Split(q, heads), Split(k, heads), Split(v, heads), keep.unsqueeze(1)));

    private static Tensor Split(Tensor x, int heads) => x.view(x.shape[0], x.shape[1], heads, x.shape[2] / heads).transpose(1, 2);   // [B, H, T, d]

    private static Tensor Merge(Tensor x) => x.transpose(1, 2).reshape(x.shape[0], x.shape[2], x.shape[1] * x.shape[3]);        // [B, T, H·d]

    private static Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor keep, bool scaled = true, bool masked = true)
    {
        var scores = q.matmul(k.transpose(-2, -1)) / (scaled ? Math.Sqrt(q.shape[^1]) : 1.0);
        return (masked ? scores.masked_fill(keep.logical_not(), double.NegativeInfinity) : scores).softmax(-1).matmul(v);
    }

    [Fact]
    public void TheReferenceStepThroughThePluggableSeamMatchesMultiHeadAttentionGivenTheSameWeights()
    {
        var layout = new EntityReach(4).Layout;
        manual_seed(3);
        var library = new EntityAttentionEncoder(layout, width: 16, heads: 4);
        var pluggable = new EntityAttentionEncoder(layout, width: 16, heads: 4, step: Step);
        pluggable.load_state_dict(library.state_dict());
        var x = Observations(4, 40, seed: 6);
        using var _ = no_grad();
        var input = tensor(x.SelectMany(v => v).ToArray(), new long[] { x.Length, layout.Dimension });
        Assert.True(library.call(input).allclose(pluggable.call(input), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void TheExerciseChecksAcceptTheAnswersAndRejectCommonMistakes()
    {
        Tensor Unmasked(Tensor q, Tensor k, Tensor v, Tensor keep, int h) => Merge(Attend(Split(q, h), Split(k, h), Split(v, h), keep.unsqueeze(1), masked: false));
        Tensor Unscaled(Tensor q, Tensor k, Tensor v, Tensor keep, int h) => Merge(Attend(Split(q, h), Split(k, h), Split(v, h), keep.unsqueeze(1), scaled: false));
        Tensor OneHead(Tensor q, Tensor k, Tensor v, Tensor keep, int h) => Attend(q, k, v, keep);   // the heads never split: the whole width is one head
        Assert.True(EntityAttentionExercises.CheckEntityAttention(Step).Passed);
        // the library's one-head attention of notebooks 08 and 10 may do each head's step; the split and merge are left
        Assert.True(EntityAttentionExercises.CheckEntityAttention((q, k, v, keep, h) =>
            Merge(Workbook.Attention.DotProductAttention.Attend(Split(q, h), Split(k, h), Split(v, h), keep.unsqueeze(1)).Context)).Passed);
        Assert.False(EntityAttentionExercises.CheckEntityAttention(Unmasked).Passed);
        Assert.False(EntityAttentionExercises.CheckEntityAttention(Unscaled).Passed);
        var oneHead = EntityAttentionExercises.CheckEntityAttention(OneHead);
        Assert.False(oneHead.Passed);
        Assert.StartsWith("case 2 of 4, two heads (2 heads of width 4)", oneHead.Message);   // case 1 has one head, so the slip shows at case 2
        Assert.Contains("head 1, column", oneHead.Message);   // the wrong number is placed in the student's terms
        Assert.True(EntityAttentionExercises.CheckHistorySlot(Slot).Passed);
        Assert.False(EntityAttentionExercises.CheckHistorySlot((o, age, w) => Slot(o, age + 1, w)).Passed);
        Assert.False(EntityAttentionExercises.CheckHistorySlot((o, age, w) => Slot(o, age, w)[..^1]).Passed);
    }

    [Fact]
    public void PpoTrainsTheAttentionPolicyToReachTheTargetAndTheFlatMlpLagsBehind()
    {
        var config = new PpoConfig(TotalSteps: 20_000, Environments: 8, StepsPerRollout: 64, Epochs: 10, MinibatchSize: 128, Gamma: 0.95, Lambda: 0.9, Seed: 7);
        VectorEnvironment<int> Make(int n, int seed) => new(i => new EntityReach(5, seed: seed + i), n);
        manual_seed(config.Seed);
        var attention = Ppo.Train(Make(8, 0), config, AttentionActorCritic.Create(new EntityReach(5).Layout, 4));
        var flat = Ppo.Train(Make(8, 0), config);
        double Success(Policy p) => EpisodeCollector.Collect(Make(100, 70_000), p, 70_000, greedy: true).Episodes.Average(e => e.Terminated ? 1.0 : 0.0);
        var (a, f) = (Success(attention.Policy), Success(flat.Policy));
        Assert.True(a >= 0.9 && a - f >= 0.4, $"success rates: attention {a:P0}, flat {f:P0}");
    }

    [Fact]
    public void AttentionOverTheWindowRecallsTheCueAndAMemorylessPolicyCannot()
    {
        var config = new PpoConfig(TotalSteps: 10_000, Environments: 8, StepsPerRollout: 64, Epochs: 10, MinibatchSize: 128, Gamma: 0.99, Lambda: 0.95, Seed: 8);
        manual_seed(config.Seed);
        var memory = Ppo.Train(new VectorEnvironment<int>(i => new HistoryWindow(new CueRecall(6, i), 6), 8), config,
            AttentionActorCritic.Create(new HistoryWindow(new CueRecall(6), 6).Layout, 2));
        var memoryless = Ppo.Train(new VectorEnvironment<int>(i => new CueRecall(6, i), 8), config);
        var withMemory = EpisodeCollector.Collect(new VectorEnvironment<int>(i => new HistoryWindow(new CueRecall(6, 500 + i), 6), 100), memory.Policy, 500, greedy: true).EpisodeReturns.Average();
        var without = EpisodeCollector.Collect(new VectorEnvironment<int>(i => new CueRecall(6, 500 + i), 100), memoryless.Policy, 500, greedy: true).EpisodeReturns.Average();
        Assert.True(withMemory >= 0.9 && without <= 0.4, $"mean returns: attention over the window {withMemory:F2}, memoryless {without:F2}");
    }
}
