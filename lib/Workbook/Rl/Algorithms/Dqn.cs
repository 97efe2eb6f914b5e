using Workbook.Training;
using System.Diagnostics;
using TorchSharp;
using Workbook.Rl.Environments;
using Workbook.Rl.ValueBased;
using static TorchSharp.torch;

namespace Workbook.Rl.Algorithms;

/// <summary>
/// DQN hyperparameters. The defaults learn CartPole within 30,000 steps on two cores: they take the RL Zoo's tuned
/// CartPole-v1 DQN (Adam at 2.3e-3, batch 64, γ 0.99, ε from 1 to 0.04 over the first 16% of the run, Huber loss, a hard
/// target copy, 1,000 steps of pure exploration first) with a smaller network (64, 64 instead of 256, 256) and one gradient
/// step per 4 environment steps taken in rounds of 4 every 16 steps (the Zoo takes 128 every 256).
/// </summary>
/// <param name="TotalSteps">environment steps over the whole run.</param>
/// <param name="LearningRate">Adam's learning rate.</param>
/// <param name="BufferSize">replay capacity: the most recent transitions kept.</param>
/// <param name="BatchSize">transitions per gradient step.</param>
/// <param name="Gamma">discount γ.</param>
/// <param name="TargetUpdateInterval">environment steps between copies of the online network into the target network.</param>
/// <param name="LearningStarts">steps of pure exploration that fill the buffer before the first update.</param>
/// <param name="TrainFrequency">environment steps between two rounds of updates.</param>
/// <param name="GradientSteps">gradient steps in each round.</param>
/// <param name="StartEpsilon">the exploration rate ε at the first step.</param>
/// <param name="FinalEpsilon">the exploration rate after the annealing.</param>
/// <param name="ExplorationFraction">the fraction of the run over which ε falls linearly from start to final.</param>
/// <param name="Hidden">hidden widths of the Q-network (64, 64 when null).</param>
/// <param name="MaxGradNorm">global gradient-norm bound of every step.</param>
/// <param name="UseTargetNetwork">bootstrap from a periodically copied target network; false bootstraps from the online network itself.</param>
/// <param name="UseReplay">learn from minibatches drawn at random from the buffer; false learns from the latest <paramref name="BatchSize"/> consecutive transitions only.</param>
/// <param name="Seed">seeds torch's generator (initial weights), the exploration and the minibatches, and the environment's resets.</param>
public sealed record DqnConfig(
    long TotalSteps = 30_000,
    double LearningRate = 2.3e-3,
    int BufferSize = 50_000,
    int BatchSize = 64,
    double Gamma = 0.99,
    int TargetUpdateInterval = 256,
    int LearningStarts = 1_000,
    int TrainFrequency = 16,
    int GradientSteps = 4,
    double StartEpsilon = 1.0,
    double FinalEpsilon = 0.04,
    double ExplorationFraction = 0.16,
    int[]? Hidden = null,
    double MaxGradNorm = 10,
    bool UseTargetNetwork = true,
    bool UseReplay = true,
    int Seed = 0)
{
    /// <summary>An optional progress sink (for example <see cref="Workbook.Charts.LiveTraining"/>): each log row's step and episode return.</summary>
    public IProgress<Workbook.Training.TrainingProgress>? Progress { get; init; }
}

/// <summary>What a DQN run returns: the online Q-network, it as a greedy policy, one log row per episode, and totals.</summary>
/// <param name="Q">the online network Q_θ.</param>
/// <param name="Policy">argmax_a Q_θ(s, a) as a policy (evaluate it with <c>greedy: true</c>).</param>
/// <param name="Log">per finished episode: step, episode_return, value_loss (mean TD loss since the last row), q_mean, epsilon, wall_seconds.</param>
/// <param name="EnvironmentSteps">environment steps taken.</param>
/// <param name="GradientSteps">gradient steps taken.</param>
/// <param name="WallSeconds">the run's wall time.</param>
public sealed record DqnResult(QNetwork Q, GreedyQPolicy Policy, TrainingLog Log, long EnvironmentSteps, long GradientSteps, double WallSeconds);

/// <summary>
/// Deep Q-learning (Mnih et al. 2013, 2015), CleanRL style: act ε-greedily in Q_θ, store every transition in a replay
/// buffer, and every few steps take a gradient step on the Huber loss between Q_θ(s, a) and the TD target
/// <code>y = r + γ (1 − terminated) max_{a'} Q_θ⁻(s', a')</code>
/// where θ⁻ is a copy of θ refreshed every <see cref="DqnConfig.TargetUpdateInterval"/> steps. The two devices make
/// regression on a moving target work: replay turns a stream of correlated steps into near-independent minibatches,
/// and the frozen target network keeps y from moving with every step of θ. Both can be switched off
/// (<see cref="DqnConfig.UseReplay"/>, <see cref="DqnConfig.UseTargetNetwork"/>) to measure what each does.
/// <para>
/// The TD target is a seam: <c>tdTarget(rewards [B], nextQ [B, A], terminated [B], γ) → y [B]</c> replaces
/// <see cref="TdTarget"/> inside the loop (a student's target, or Double DQN's). nextQ holds Q_θ⁻(s', ·), or Q_θ(s', ·)
/// without a target network. To change more, copy this file into a cell: it reads top to bottom.
/// </para>
/// </summary>
public static class Dqn
{
    /// <summary>Trains on <paramref name="environment"/> (a single copy, stepped one transition at a time).</summary>
    public static DqnResult Train(IEnvironment<int> environment, DqnConfig config, Func<Tensor, Tensor, Tensor, double, Tensor>? tdTarget = null)
    {
        var actions = environment.ActionSpace is DiscreteSpace d
            ? d.Count
            : throw new ArgumentException($"DQN needs a discrete action space, got {environment.ActionSpace}.", nameof(environment));
        if (!config.UseReplay && config.BatchSize > config.BufferSize)
        {
            throw new ArgumentException($"BatchSize {config.BatchSize} is larger than BufferSize {config.BufferSize}.", nameof(config));
        }
        tdTarget ??= TdTarget;
        manual_seed(config.Seed);
        var random = new Random(config.Seed);
        var clock = Stopwatch.StartNew();
        var observationDimension = environment.ObservationSpace.Dimension;
        var q = new QNetwork(observationDimension, actions, config.Hidden);
        var target = new QNetwork(observationDimension, actions, config.Hidden);
        CopyInto(q, target);
        var optimizer = optim.Adam(q.parameters(), config.LearningRate);
        var buffer = new ReplayBuffer(config.UseReplay ? config.BufferSize : config.BatchSize, observationDimension);
        var log = RlLogs.Create().ReportTo(config.Progress, "episode_return", config.TotalSteps);
        var (lossSum, qSum, updatesSinceRow) = (0.0, 0.0, 0);
        long gradientSteps = 0;

        var observation = environment.Reset(seed: config.Seed);
        var episodeReturn = 0.0;
        for (long step = 0; step < config.TotalSteps; step++)
        {
            // 1. Act ε-greedily; ε falls linearly from StartEpsilon to FinalEpsilon over ExplorationFraction of the run.
            var epsilon = Epsilon(config, step);
            var action = random.NextDouble() < epsilon ? random.Next(actions) : GreedyAction(q, observation);
            var result = environment.Step(action);
            episodeReturn += result.Reward;

            // 2. Store the transition; a truncated episode (time limit) is not terminal, so its target still bootstraps.
            buffer.Add(observation, action, result.Reward, result.Observation, result.Terminated);
            if (result.Done)
            {
                log.Add(("step", step + 1), ("episode_return", episodeReturn),
                    ("value_loss", updatesSinceRow > 0 ? lossSum / updatesSinceRow : double.NaN),
                    ("q_mean", updatesSinceRow > 0 ? qSum / updatesSinceRow : double.NaN),
                    ("epsilon", epsilon), ("wall_seconds", clock.Elapsed.TotalSeconds));
                (lossSum, qSum, updatesSinceRow) = (0.0, 0.0, 0);
                observation = environment.Reset();
                episodeReturn = 0;
            }
            else
            {
                observation = result.Observation;
            }

            // 3. Learn: regress Q_θ(s, a) on the TD target, from a random minibatch (or the latest steps without replay).
            if (step >= config.LearningStarts && step % config.TrainFrequency == 0)
            {
                for (var g = 0; g < config.GradientSteps; g++)
                {
                    using var scope = NewDisposeScope();
                    using var batch = config.UseReplay ? buffer.Sample(config.BatchSize, random) : buffer.Latest(config.BatchSize);
                    Tensor y;
                    using (no_grad())
                    {
                        var nextQ = (config.UseTargetNetwork ? target : q).call(batch.NextObservations);   // [B, A]
                        y = tdTarget(batch.Rewards, nextQ, batch.Terminated, config.Gamma).detach();        // [B]
                    }
                    var predicted = q.call(batch.Observations).gather(1, batch.Actions.unsqueeze(-1)).squeeze(-1);   // Q_θ(s, a): [B]
                    var loss = nn.functional.smooth_l1_loss(predicted, y);
                    optimizer.zero_grad();
                    loss.backward();
                    nn.utils.clip_grad_norm_(q.parameters(), config.MaxGradNorm);
                    optimizer.step();
                    gradientSteps++;
                    lossSum += loss.item<float>();
                    qSum += predicted.mean().item<float>();
                    updatesSinceRow++;
                }
            }

            // 4. Refresh the target network: θ⁻ ← θ.
            if (config.UseTargetNetwork && (step + 1) % config.TargetUpdateInterval == 0)
            {
                CopyInto(q, target);
            }
        }
        config.Progress?.Report(new Workbook.Training.TrainingProgress(config.TotalSteps, config.TotalSteps, "episode_return", double.NaN));
        return new DqnResult(q, new GreedyQPolicy(q), log, config.TotalSteps, gradientSteps, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The DQN target y = r + γ (1 − terminated) max_{a'} Q(s', a') for a batch: <paramref name="rewards"/> [B],
    /// <paramref name="nextQ"/> [B, A] (the target network's values of the next states), <paramref name="terminated"/> [B]
    /// (1 where nothing follows). Returns [B].
    /// </summary>
    internal static Tensor TdTarget(Tensor rewards, Tensor nextQ, Tensor terminated, double gamma) =>
        rewards + gamma * (1 - terminated) * nextQ.max(-1).values;

    /// <summary>ε at <paramref name="step"/>: linear from StartEpsilon to FinalEpsilon over ExplorationFraction · TotalSteps steps, then constant.</summary>
    public static double Epsilon(DqnConfig config, long step)
    {
        var duration = Math.Max(1.0, config.ExplorationFraction * config.TotalSteps);
        var fraction = Math.Min(1.0, step / duration);
        return config.StartEpsilon + fraction * (config.FinalEpsilon - config.StartEpsilon);
    }

    private static int GreedyAction(QNetwork q, double[] observation)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = tensor(observation.Select(v => (float)v).ToArray(), new long[] { 1, observation.Length });
        return (int)q.call(x).argmax(-1).item<long>();
    }

    private static void CopyInto(QNetwork from, QNetwork to)
    {
        using var _ = no_grad();
        foreach (var (source, destination) in from.parameters().Zip(to.parameters()))
        {
            destination.copy_(source);
        }
    }
}
