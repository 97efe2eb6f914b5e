using Workbook.Training;
using Workbook.Rl.Environments;
using Workbook.Rl.ValueBased;

namespace Workbook.Rl.Algorithms;

/// <summary>Which value a tabular TD learner backs up from the next state.</summary>
public enum TabularTarget
{
    /// <summary>Q-learning (Watkins 1989): r + γ max_a' Q(s', a'), the value of acting greedily from s' (off-policy).</summary>
    QLearning,
    /// <summary>Sarsa: r + γ Q(s', a') with a' the action the ε-greedy behaviour really takes next (on-policy).</summary>
    Sarsa,
}

/// <summary>Settings of tabular Q-learning and Sarsa.</summary>
/// <param name="Episodes">episodes to learn from (each starts at the environment's start and ends at a terminal state or the time limit).</param>
/// <param name="LearningRate">the step size α of every update, constant.</param>
/// <param name="Epsilon">the behaviour's exploration rate: a uniformly random action with probability ε, else the greedy one (ties broken at random).</param>
/// <param name="Gamma">discount γ.</param>
/// <param name="Target">Q-learning's max or Sarsa's next action.</param>
/// <param name="InitialQ">the value every entry of the table starts at.</param>
/// <param name="Seed">seeds the behaviour's random choices.</param>
public sealed record QLearningConfig(
    int Episodes = 2000,
    double LearningRate = 0.5,
    double Epsilon = 0.2,
    double Gamma = 0.95,
    TabularTarget Target = TabularTarget.QLearning,
    double InitialQ = 0.0,
    int Seed = 0);

/// <summary>A learned table Q[s, a], how often each entry was updated, and one log row per episode.</summary>
/// <param name="Q">the learned Q[s, a].</param>
/// <param name="Visits">Visits[s, a]: how many updates entry (s, a) received.</param>
/// <param name="Log">per episode: step (total environment steps so far), episode_return, episode_length.</param>
/// <param name="EnvironmentSteps">environment steps over the run.</param>
public sealed record QLearningResult(double[,] Q, int[,] Visits, TrainingLog Log, long EnvironmentSteps);

/// <summary>
/// Tabular temporal-difference control, one update per environment step (Sutton and Barto, ch. 6):
/// <code>
/// Q(s, a) ← Q(s, a) + α [ r + γ (1 − terminated) max_{a'} Q(s', a') − Q(s, a) ]     (Q-learning)
/// Q(s, a) ← Q(s, a) + α [ r + γ (1 − terminated) Q(s', a'_{taken}) − Q(s, a) ]      (Sarsa)
/// </code>
/// The behaviour is ε-greedy in Q. Q-learning's target does not depend on what the behaviour does next, so it learns
/// Q* of the greedy policy however the agent explores (off-policy); Sarsa learns the value of the ε-greedy behaviour
/// itself. A truncated episode (time limit) is not terminal: its last update still bootstraps from s'. No model is
/// used, only samples (Slides D, "Sample Based Planning", lists Q-learning and Sarsa among the model-free learners).
/// </summary>
public static class QLearning
{
    /// <summary>Learns on the grid world; the state is the index of its one-hot observation.</summary>
    /// <param name="grid">the environment.</param>
    /// <param name="config">the settings.</param>
    /// <param name="afterEpisode">called after every episode with its number and the table (to measure it as it learns; do not keep the array, it changes).</param>
    public static QLearningResult Train(GridWorld grid, QLearningConfig config, Action<int, double[,]>? afterEpisode = null) =>
        Train(grid, grid.Rows * grid.Columns, OneHotIndex, config, afterEpisode);

    /// <summary>Learns on any environment with finitely many states, numbered by <paramref name="stateOf"/>(observation).</summary>
    public static QLearningResult Train(IEnvironment<int> environment, int states, Func<double[], int> stateOf, QLearningConfig config,
        Action<int, double[,]>? afterEpisode = null)
    {
        var actions = environment.ActionSpace is DiscreteSpace d
            ? d.Count
            : throw new ArgumentException($"Tabular Q-learning needs a discrete action space, got {environment.ActionSpace}.", nameof(environment));
        var random = new Random(config.Seed);
        var q = new double[states, actions];
        var visits = new int[states, actions];
        for (var s = 0; s < states; s++)
        {
            for (var a = 0; a < actions; a++)
            {
                q[s, a] = config.InitialQ;
            }
        }
        var log = RlLogs.Create();
        long steps = 0;

        for (var episode = 0; episode < config.Episodes; episode++)
        {
            var state = stateOf(environment.Reset(seed: config.Seed + episode));
            var action = EpsilonGreedy(q, state, config.Epsilon, random);
            var (episodeReturn, length) = (0.0, 0);
            while (true)
            {
                var step = environment.Step(action);
                var next = stateOf(step.Observation);
                steps++;
                length++;
                episodeReturn += step.Reward;

                // Sarsa picks the next action before the update (it is part of the target); Q-learning after it.
                var nextAction = config.Target == TabularTarget.Sarsa ? EpsilonGreedy(q, next, config.Epsilon, random) : -1;
                var bootstrap = step.Terminated ? 0.0
                    : config.Target == TabularTarget.QLearning ? TabularValues.Max(q, next) : q[next, nextAction];
                var target = step.Reward + config.Gamma * bootstrap;
                q[state, action] += config.LearningRate * (target - q[state, action]);
                visits[state, action]++;

                if (step.Done)
                {
                    break;
                }
                state = next;
                action = config.Target == TabularTarget.Sarsa ? nextAction : EpsilonGreedy(q, state, config.Epsilon, random);
            }
            log.Add(("step", steps), ("episode_return", episodeReturn), ("episode_length", length));
            afterEpisode?.Invoke(episode, q);
        }
        return new QLearningResult(q, visits, log, steps);
    }

    /// <summary>
    /// The return of one episode that follows the greedy policy of <paramref name="q"/> from the start (the grid world
    /// is deterministic, so one episode says it all); an episode that loops runs into the time limit.
    /// </summary>
    public static double GreedyReturn(GridWorld grid, double[,] q)
    {
        var state = OneHotIndex(grid.Reset());
        var total = 0.0;
        while (true)
        {
            var step = grid.Step(TabularValues.Greedy(q, state));
            total += step.Reward;
            if (step.Done)
            {
                return total;
            }
            state = OneHotIndex(step.Observation);
        }
    }

    /// <summary>With probability ε a uniformly random action, else a greedy one (a random one among ties).</summary>
    public static int EpsilonGreedy(double[,] q, int state, double epsilon, Random random)
    {
        var actions = q.GetLength(1);
        if (random.NextDouble() < epsilon)
        {
            return random.Next(actions);
        }
        var best = TabularValues.Max(q, state);
        var ties = 0;
        var choice = 0;
        for (var a = 0; a < actions; a++)
        {
            if (q[state, a] == best && random.Next(++ties) == 0)
            {
                choice = a;   // reservoir sampling: each tied action ends up chosen with probability 1/ties
            }
        }
        return choice;
    }

    private static int OneHotIndex(double[] observation) => Array.IndexOf(observation, 1.0);
}
