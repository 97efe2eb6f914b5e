using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Rl.Imitation;

/// <summary>Settings of one supervised fit of a policy to demonstrations.</summary>
/// <param name="GradientSteps">Adam steps per fit.</param>
/// <param name="MinibatchSize">samples per step (all of them when there are fewer).</param>
/// <param name="LearningRate">Adam's learning rate.</param>
/// <param name="Seed">seeds the minibatch draws.</param>
public sealed record BehaviouralCloningConfig(int GradientSteps = 600, int MinibatchSize = 256, double LearningRate = 3e-3, int Seed = 0);

/// <summary>
/// Behavioural cloning (Notes §7.1.3): supervised learning of π_θ(a|o) on the expert's pairs, by maximum likelihood,
/// <code>θ* = argmax_θ Σ_(o, a) ∈ D log π_θ(a | o)</code>
/// the same loss for every policy: cross-entropy for a categorical policy, Gaussian log-likelihood for a Gaussian one,
/// the mixture's log-likelihood for a mixture of Gaussians, the bins' cross-entropy for a discretised one.
/// </summary>
public static class BehaviouralCloning
{
    /// <summary>Fits <paramref name="policy"/> to <paramref name="data"/>; returns the final minibatch's mean negative log-likelihood.</summary>
    public static double Fit(Policy policy, Demonstrations data, bool discrete, BehaviouralCloningConfig config)
    {
        var (x, y) = data.ToTensors(discrete);
        using (x)
        using (y)
        {
            var random = new Random(config.Seed);
            var optimizer = optim.Adam(policy.parameters(), config.LearningRate);
            var n = data.Count;
            var loss = double.NaN;
            for (var step = 0; step < config.GradientSteps; step++)
            {
                using var scope = NewDisposeScope();
                var rows = n <= config.MinibatchSize ? null : tensor(Enumerable.Range(0, config.MinibatchSize).Select(_ => (long)random.Next(n)).ToArray());
                var (xb, yb) = rows is null ? (x, y) : (x.index_select(0, rows), y.index_select(0, rows));
                var nll = -policy.call(xb).LogProb(yb).mean();
                optimizer.zero_grad();
                nll.backward();
                optimizer.step();
                loss = nll.item<float>();
            }
            return loss;
        }
    }

    /// <summary>BC from <paramref name="labels"/> expert steps (whole expert episodes, seeds from <paramref name="seed"/>, the last one cut at the budget).</summary>
    public static Policy Train(ImitationTask task, Func<Policy> makePolicy, int labels, BehaviouralCloningConfig config, int seed = 0)
    {
        var data = ImitationRollouts.Run(task, learner: null, episodes: int.MaxValue, seed, labelLimit: labels).Labelled;
        var policy = makePolicy();
        Fit(policy, data, task.IsDiscrete, config);
        return policy;
    }

    /// <summary>
    /// BC from <paramref name="labels"/> expert steps spread over <paramref name="episodes"/> expert episodes: the first
    /// labels / episodes steps of each (the last one takes the remainder), episode k reset with seed
    /// <c>seed + 100_000 k</c>, the start states <see cref="Dagger.Train"/>'s rounds use. The control for DAgger: the same
    /// labels and the same starts, labelled on the expert's own states instead of the learner's.
    /// </summary>
    public static Policy TrainSpread(ImitationTask task, Func<Policy> makePolicy, int labels, int episodes, BehaviouralCloningConfig config, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(episodes, 1);
        var perEpisode = Math.Max(1, labels / episodes);
        var data = ImitationRollouts.Run(task, learner: null, episodes: int.MaxValue, seed, labelLimit: perEpisode).Labelled;
        for (var k = 1; k < episodes && data.Count < labels; k++)
        {
            var quota = k == episodes - 1 ? labels - data.Count : perEpisode;
            data.AddRange(ImitationRollouts.Run(task, learner: null, episodes: int.MaxValue, seed + 100_000 * k, labelLimit: quota).Labelled);
        }
        var policy = makePolicy();
        Fit(policy, data, task.IsDiscrete, config);
        return policy;
    }
}

/// <summary>DAgger's settings.</summary>
/// <param name="Iterations">rounds of (fit, run the learner, let the expert label, aggregate); the label budget is split evenly over them.</param>
/// <param name="Fit">the supervised fit of every round (continued from the previous round's weights).</param>
public sealed record DaggerConfig(int Iterations = 5, BehaviouralCloningConfig? Fit = null);

/// <summary>What DAgger returns: the final policy, the aggregated data set, and the learner's return in each round's rollouts.</summary>
public sealed record DaggerResult(Policy Policy, Demonstrations Data, IReadOnlyList<double> RoundReturns);

/// <summary>
/// DAgger, dataset aggregation (Ross, Gordon and Bagnell 2011; Notes §7.1.4.3, Algorithm 9): fit π_θ on D, run π_θ,
/// let the expert label the observations it visited, D ← D ∪ D_π, repeat. The first round's data are the expert's own
/// episodes, as in BC; later rounds come from the learner's state distribution p_πθ(o), which is where it has to be
/// right. With the same number of expert labels as BC, the labels are spent where the learner goes.
/// </summary>
public static class Dagger
{
    /// <summary>Runs DAgger on <paramref name="task"/> with <paramref name="labels"/> expert labels in all.</summary>
    public static DaggerResult Train(ImitationTask task, Func<Policy> makePolicy, int labels, DaggerConfig config, int seed = 0)
    {
        var fit = config.Fit ?? new BehaviouralCloningConfig();
        var perRound = Math.Max(1, labels / config.Iterations);
        var data = ImitationRollouts.Run(task, learner: null, episodes: int.MaxValue, seed, labelLimit: perRound).Labelled;
        var policy = makePolicy();
        BehaviouralCloning.Fit(policy, data, task.IsDiscrete, fit);
        var roundReturns = new List<double>();
        for (var round = 1; round < config.Iterations; round++)
        {
            var quota = round == config.Iterations - 1 ? labels - data.Count : perRound;
            var run = ImitationRollouts.Run(task, policy, episodes: int.MaxValue, seed + 100_000 * round, labelLimit: quota);
            roundReturns.Add(run.Returns.DefaultIfEmpty(double.NaN).Average());
            data.AddRange(run.Labelled);
            BehaviouralCloning.Fit(policy, data, task.IsDiscrete, fit with { Seed = fit.Seed + round });
        }
        return new DaggerResult(policy, data, roundReturns);
    }
}
