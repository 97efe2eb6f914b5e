using TorchSharp;
using Workbook.Exercises;
using Workbook.Rl;
using Workbook.Rl.ValueBased;
using Workbook.Rl.Algorithms;
using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Tests.Rl.ValueBased;

/// <summary>Tabular Q-learning against value iteration, the replay buffer, the DQN target, and DQN learning CartPole.</summary>
// torch.set_num_threads and manual_seed are process-wide.
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class QLearningTests
{
    public QLearningTests() => torch.set_num_threads(1);

    /// <summary>Notebook 24's grid: two walls of traps with a gap at opposite ends.</summary>
    internal static GridWorld NotebookGrid() =>
        new(5, 6, traps: new[] { (1, 1), (1, 2), (1, 3), (3, 2), (3, 3), (3, 4) }, maxEpisodeSteps: 100);

    [Fact]
    public void ValueIterationGivesTheHandComputedValuesOfAShortCorridor()
    {
        // 1 x 3 corridor, no traps: right, right reaches the goal. Q*(s1, right) = 1, Q*(s0, right) = −0.01 + γ.
        var grid = new GridWorld(1, 3, traps: Array.Empty<(int, int)>());
        var mdp = TabularMdp.From(grid);
        var solved = ValueIteration.Solve(mdp, gamma: 0.9);
        Assert.Equal(1.0, solved.Q[1, 1], 12);
        Assert.Equal(-0.01 + 0.9, solved.Q[0, 1], 12);
        // Moving left from s0 bumps into the wall: −0.01 and stay, then the best from s0 again.
        Assert.Equal(-0.01 + 0.9 * (-0.01 + 0.9), solved.Q[0, 3], 12);
        Assert.True(mdp.Terminal[2]);
        Assert.Equal(0.0, solved.V[2]);
        Assert.True(solved.Residuals.Zip(solved.Residuals.Skip(1)).All(p => p.Second <= p.First + 1e-15), "residuals shrink");
    }

    [Fact]
    public void TheExploredModelIsWhatTheGridWorldDoes()
    {
        var grid = new GridWorld(4, 4, traps: new[] { (1, 1) });
        var mdp = TabularMdp.From(grid);
        Assert.Equal(16, mdp.States);
        Assert.Equal(new[] { 5, 15 }, Enumerable.Range(0, 16).Where(s => mdp.Terminal[s]).ToArray());
        Assert.Equal(new Outcome(1, 0, -0.01, false), mdp.Outcomes(0, 0).Single());     // up from the corner: stay
        Assert.Equal(new Outcome(1, 5, -1.0, true), mdp.Outcomes(1, 2).Single());       // down from (0, 1) into the trap
        Assert.Equal(new Outcome(1, 15, 1.0, true), mdp.Outcomes(14, 1).Single());      // right from (3, 2) onto the goal
    }

    [Fact]
    public void QLearningReachesTheOptimalGridWorldPolicy()
    {
        var grid = NotebookGrid();
        var mdp = TabularMdp.From(grid);
        var optimal = ValueIteration.Solve(mdp, gamma: 0.95);
        var learned = QLearning.Train(grid, new QLearningConfig(Episodes: 2000, Epsilon: 0.5, Gamma: 0.95, Seed: 0));
        Assert.Equal(1.0, TabularValues.GreedyOptimalShare(learned.Q, optimal.Q, mdp.NonTerminalStates));
        var error = TabularValues.MaxAbsDifference(learned.Q, optimal.Q, mdp.NonTerminalStates);
        Assert.True(error < 1e-3, $"max |Q − Q*| = {error}");
        Assert.Equal(QLearning.GreedyReturn(grid, optimal.Q), QLearning.GreedyReturn(grid, learned.Q), 12);
        Assert.Equal("→ → → → → ↓", TabularValues.Arrows(grid, mdp, optimal.Q).Split('\n')[0]);
    }

    [Fact]
    public void QLearningIsOffPolicyWhereSarsaLearnsItsOwnEpsilonGreedyBehaviour()
    {
        var grid = NotebookGrid();
        var mdp = TabularMdp.From(grid);
        var optimal = ValueIteration.Solve(mdp, gamma: 0.95);
        var sarsa = QLearning.Train(grid, new QLearningConfig(Episodes: 2000, Epsilon: 0.5, Gamma: 0.95, Target: TabularTarget.Sarsa, Seed: 0));
        // Sarsa's values are those of the exploring behaviour, far below Q* next to the traps.
        Assert.True(TabularValues.MaxAbsDifference(sarsa.Q, optimal.Q, mdp.NonTerminalStates) > 0.3);
    }

    [Fact]
    public void ReplayBufferKeepsTheLatestTransitionsInARing()
    {
        var buffer = new ReplayBuffer(capacity: 3, observationDimension: 1);
        for (var i = 0; i < 5; i++)
        {
            buffer.Add(new[] { (double)i }, action: i % 2, reward: 10 * i, nextObservation: new[] { i + 0.5 }, isTerminal: i == 4);
        }
        Assert.Equal(3, buffer.Count);
        using var latest = buffer.Latest(2);
        Assert.Equal(new[] { 3f, 4f }, latest.Observations.data<float>().ToArray());
        Assert.Equal(new[] { 30f, 40f }, latest.Rewards.data<float>().ToArray());
        Assert.Equal(new[] { 0f, 1f }, latest.Terminated.data<float>().ToArray());
        Assert.Equal(new[] { 3.5f, 4.5f }, latest.NextObservations.data<float>().ToArray());
        using var sample = buffer.Sample(100, new Random(0));
        Assert.All(sample.Observations.data<float>().ToArray(), v => Assert.Contains(v, new[] { 2f, 3f, 4f }));   // 0 and 1 were overwritten
        Assert.Equal(new long[] { 100, 1 }, sample.Observations.shape);
    }

    [Fact]
    public void TdTargetBootstrapsOnlyFromNonTerminalStates()
    {
        // Dqn.TdTarget is internal: read it through the plug's fallback (the stub).
        var library = QLearningExercises.PlugTdTarget((r, q, t, g) => throw new NotImplementedException()).Function;
        var y = library(tensor(new[] { 1f, 2f }), tensor(new[,] { { 3f, 5f }, { 7f, 1f } }), tensor(new[] { 0f, 1f }), 0.5);
        Assert.Equal(new[] { 1f + 0.5f * 5f, 2f }, y.data<float>().ToArray());
    }

    [Fact]
    public void TdTargetExerciseAcceptsTheTargetAndRejectsOneThatIgnoresTermination()
    {
        Assert.True(QLearningExercises.CheckTdTarget((r, q, t, g) => r + g * (1 - t) * q.max(-1).values).Passed);
        var wrong = QLearningExercises.CheckTdTarget((r, q, t, g) => r + g * q.max(-1).values);
        Assert.False(wrong.Passed);
        Assert.True(wrong.Attempted);
        var stub = QLearningExercises.CheckTdTarget((r, q, t, g) => throw new NotImplementedException("Exercise: the TD target"));
        Assert.False(stub.Attempted);
    }

    [Fact]
    public void DqnLearnsCartPoleAndAPluggedTargetTrainsItIdentically()
    {
        var config = new DqnConfig(Seed: 1);   // the default 30,000 steps
        var untrained = new GreedyQPolicy(new QNetwork(4, 2));
        var before = Evaluation.EpisodeReturns(n => VectorEnvironments.CartPole(n, seed: 50_000), untrained, episodes: 20).Average();
        var run = Dqn.Train(new CartPole(seed: 1), config);
        var after = Evaluation.EpisodeReturns(n => VectorEnvironments.CartPole(n, seed: 50_000), run.Policy, episodes: 20).Average();
        Assert.True(after > before + 100, $"greedy mean return before {before:F1}, after {after:F1}");
        Assert.Equal(config.TotalSteps, run.EnvironmentSteps);
        Assert.Equal((config.TotalSteps - config.LearningStarts) / config.TrainFrequency * config.GradientSteps, run.GradientSteps);

        // A student's target through the plug: every minibatch goes through it, and the run is the same run.
        var plugged = QLearningExercises.PlugTdTarget((r, q, t, g) => r + g * (1 - t) * q.max(-1).values);
        var pluggedRun = Dqn.Train(new CartPole(seed: 1), config, plugged.Function);
        Assert.True(plugged.RanYours);
        Assert.Equal(run.GradientSteps, plugged.StudentCalls);
        Assert.Equal(run.Log.Column("episode_return"), pluggedRun.Log.Column("episode_return"));

        // The stub falls back to the library's target, and says so.
        var stub = QLearningExercises.PlugTdTarget((r, q, t, g) => throw new NotImplementedException());
        Dqn.Train(new CartPole(seed: 1), config with { TotalSteps = 1_200 }, stub.Function);
        Assert.False(stub.RanYours);
        Assert.True(stub.ReferenceCalls > 0);
    }

    [Fact]
    public void EpsilonFallsLinearlyThenStays()
    {
        var config = new DqnConfig(TotalSteps: 1000, StartEpsilon: 1, FinalEpsilon: 0.1, ExplorationFraction: 0.5);
        Assert.Equal(1.0, Dqn.Epsilon(config, 0), 12);
        Assert.Equal(0.55, Dqn.Epsilon(config, 250), 12);
        Assert.Equal(0.1, Dqn.Epsilon(config, 500), 12);
        Assert.Equal(0.1, Dqn.Epsilon(config, 999), 12);
    }
}
