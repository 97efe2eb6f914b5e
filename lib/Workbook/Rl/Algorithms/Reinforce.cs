using System.Diagnostics;
using TorchSharp;
using Workbook.Rl.Environments;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Rl.Algorithms;

/// <summary>How REINFORCE weights ∇ log π(a_t|s_t) (Notes §7.3.2-7.3.4).</summary>
public enum ReinforceEstimator
{
    /// <summary>Every step of an episode weighted by the whole return r(τ) (Notes §7.3.2).</summary>
    Vanilla,
    /// <summary>Step t weighted by the reward-to-go Q̂_t = Σ_{t' ≥ t} γ^{t'−t} r_{t'} (causality, Notes §7.3.4.1).</summary>
    RewardToGo,
    /// <summary>Step t weighted by Q̂_t − V_φ(s_t), V_φ a value network fitted to Q̂ (baseline, Notes §7.3.4.2).</summary>
    RewardToGoWithBaseline,
}

/// <summary>REINFORCE hyperparameters: a batch is one complete episode in each of <see cref="Episodes"/> environments.</summary>
/// <param name="Estimator">which weights Ψ_t multiply ∇ log π (whole return, reward-to-go, or reward-to-go minus a baseline).</param>
/// <param name="Iterations">gradient steps on the policy, one batch of episodes each.</param>
/// <param name="Episodes">episodes per batch, one per environment copy.</param>
/// <param name="LearningRate">Adam's learning rate for the policy.</param>
/// <param name="ValueLearningRate">Adam's learning rate for the critic.</param>
/// <param name="ValueSteps">full-batch Adam steps fitting the baseline per batch.</param>
/// <param name="Gamma">discount γ.</param>
/// <param name="Hidden">hidden layer widths of the MLP actor and critic (64, 64 when null) when the algorithm builds them.</param>
/// <param name="InitialLogStd">starting log σ of a Gaussian policy (box action spaces).</param>
/// <param name="Seed">seeds torch's generator (initial weights, action sampling), the minibatch order and the environments' resets.</param>
public sealed record ReinforceConfig(
    ReinforceEstimator Estimator = ReinforceEstimator.RewardToGoWithBaseline,
    int Iterations = 60,
    int Episodes = 8,
    double LearningRate = 3e-3,
    double ValueLearningRate = 1e-2,
    int ValueSteps = 20,
    double Gamma = 0.99,
    int[]? Hidden = null,
    double InitialLogStd = 0.0,
    int Seed = 0);

/// <summary>
/// REINFORCE (Williams 1992; Notes §7.3): sample N episodes with π_θ, then one gradient ascent step on
/// <code>∇J(θ) ≈ (1/N) Σ_i Σ_t ∇ log π_θ(a_it|s_it) Ψ_it</code>
/// where Ψ is the episode's return (vanilla), the reward-to-go, or the reward-to-go minus a learned
/// baseline. Implemented as minimising the "pseudo-loss" −(1/N) Σ log π(a|s) Ψ, whose gradient is
/// exactly the estimate above (Ψ is a constant to autograd).
/// </summary>
public static class Reinforce
{
    public static TrainingResult Train(IVectorEnvironment environment, ReinforceConfig config)
    {
        if (environment.Count != config.Episodes)
        {
            throw new ArgumentException($"ReinforceConfig.Episodes is {config.Episodes} but the environment has {environment.Count} copies (one episode each).", nameof(environment));
        }
        manual_seed(config.Seed);
        var clock = Stopwatch.StartNew();
        var policy = Policies.For(environment, config.Hidden, config.InitialLogStd);
        var value = new ValueNetwork(environment.ObservationSpace.Dimension, config.Hidden);
        var policyOptimizer = optim.Adam(policy.parameters(), config.LearningRate);
        var valueOptimizer = optim.Adam(value.parameters(), config.ValueLearningRate);
        var log = RlLogs.Create();
        long steps = 0;

        for (var iteration = 0; iteration < config.Iterations; iteration++)
        {
            using var scope = NewDisposeScope();
            // 1. Sample N complete episodes with the current policy.
            var batch = EpisodeCollector.Collect(environment, policy, seed: config.Seed * 100_003 + iteration * 1_009);
            steps += batch.TotalSteps;
            var observations = batch.ObservationTensor();   // [ΣT, obs]
            var actions = batch.ActionTensor();             // [ΣT] or [ΣT, D]

            // 2. The weights Ψ_t of the chosen estimator.
            var weights = Weights(batch, config.Estimator, config.Gamma, value, observations);   // [ΣT]

            // 3. One gradient step on −(1/N) Σ log π(a|s) Ψ.
            var distribution = policy.call(observations);
            var policyLoss = -(distribution.LogProb(actions) * weights).sum() / batch.Episodes.Count;
            policyOptimizer.zero_grad();
            policyLoss.backward();
            policyOptimizer.step();

            // 4. Fit the baseline V_φ to the rewards-to-go (regression, a few Adam steps).
            var valueLoss = config.Estimator == ReinforceEstimator.RewardToGoWithBaseline
                ? ValueFitting.Fit(value, valueOptimizer, observations, tensor(batch.PerStep(e => Returns.RewardToGo(e.Rewards, config.Gamma))), config.ValueSteps).Last
                : double.NaN;

            log.Add(("step", steps), ("episode_return", batch.EpisodeReturns.Average()), ("policy_loss", policyLoss.item<float>()),
                ("value_loss", valueLoss), ("entropy", distribution.Entropy().mean().item<float>()), ("wall_seconds", clock.Elapsed.TotalSeconds));
        }
        return new TrainingResult(policy, value, log, null, steps, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Ψ_t for every step of the batch, concatenated over episodes: [ΣT].</summary>
    public static Tensor Weights(EpisodeBatch batch, ReinforceEstimator estimator, double gamma, nn.Module<Tensor, Tensor>? value, Tensor observations)
    {
        switch (estimator)
        {
            case ReinforceEstimator.Vanilla:
                return tensor(batch.PerStep(e => Enumerable.Repeat(Returns.Total(e.Rewards, gamma), e.Length).ToArray()));
            case ReinforceEstimator.RewardToGo:
                return tensor(batch.PerStep(e => Returns.RewardToGo(e.Rewards, gamma)));
            default:
                if (value is null)
                {
                    throw new ArgumentException("The baseline estimator needs a value network.", nameof(value));
                }
                using (no_grad())
                {
                    return tensor(batch.PerStep(e => Returns.RewardToGo(e.Rewards, gamma))) - value.call(observations);
                }
        }
    }

    /// <summary>
    /// REINFORCE gradient estimates ĝ (flattened over all policy parameters) from ONE fresh batch of episodes, one per
    /// weighting: the same episodes weighted several ways, so that the estimators' differences are not sampling noise
    /// between batches. What notebook 17 repeats over many batches to compare the estimators' means and variances.
    /// </summary>
    public static double[][] GradientEstimates(IVectorEnvironment environment, Policy policy, nn.Module<Tensor, Tensor>? value,
        IReadOnlyList<(ReinforceEstimator Estimator, double Gamma)> weightings, int seed)
    {
        using var scope = NewDisposeScope();
        var batch = EpisodeCollector.Collect(environment, policy, seed);
        var observations = batch.ObservationTensor();                                   // [ΣT, obs]
        var logProbs = policy.call(observations).LogProb(batch.ActionTensor());          // [ΣT]
        var parameters = policy.parameters().ToArray();
        return weightings.Select(w =>
        {
            var weights = Weights(batch, w.Estimator, w.Gamma, value, observations);     // [ΣT]
            var objective = (logProbs * weights).sum() / batch.Episodes.Count;
            var gradients = autograd.grad(new[] { objective }, parameters, retain_graph: true);
            return ParameterVectors.Flatten(gradients).data<float>().Select(v => (double)v).ToArray();
        }).ToArray();
    }
}

/// <summary>
/// Statistics of repeated gradient estimates (rows = estimates from independent batches, columns = parameters): how
/// noisy one estimator is, and whether two estimators computed on the same batches have the same mean.
/// </summary>
public static class GradientStatistics
{
    /// <summary>Mean estimate ḡ, per parameter.</summary>
    public static double[] Mean(IReadOnlyList<double[]> estimates)
    {
        RequireRows(estimates, 1);
        var mean = new double[estimates[0].Length];
        foreach (var e in estimates)
        {
            for (var k = 0; k < mean.Length; k++)
            {
                mean[k] += e[k] / estimates.Count;
            }
        }
        return mean;
    }

    /// <summary>Total variance Σ_k Var[ĝ_k] of one estimate (unbiased, over the rows).</summary>
    public static double TotalVariance(IReadOnlyList<double[]> estimates)
    {
        RequireRows(estimates, 2);
        var mean = Mean(estimates);
        var total = 0.0;
        foreach (var e in estimates)
        {
            for (var k = 0; k < mean.Length; k++)
            {
                total += (e[k] - mean[k]) * (e[k] - mean[k]);
            }
        }
        return total / (estimates.Count - 1);
    }

    /// <summary>
    /// Standard error of the mean estimate, √(Σ_k Var[ĝ_k] / B), divided by the mean's norm ‖ḡ‖: the measurement's
    /// resolution. At 0.1 the mean gradient is known to a tenth of its length.
    /// </summary>
    public static double RelativeStandardError(IReadOnlyList<double[]> estimates) =>
        Math.Sqrt(TotalVariance(estimates) / estimates.Count) / Norm(Mean(estimates));

    /// <summary>
    /// ‖ḡ_a − ḡ_b‖ in units of its standard error √(Σ_k Var[ĝ_a,k − ĝ_b,k] / B), for two estimators computed on the
    /// same B batches (row i of both from batch i, so the difference is paired). If both have the same mean, the squared
    /// norm of the mean difference has expectation exactly the squared standard error, so values near 1 are what equal
    /// means give and values above 3 say the means differ.
    /// </summary>
    public static double GapInStandardErrors(IReadOnlyList<double[]> a, IReadOnlyList<double[]> b)
    {
        if (a.Count != b.Count || a.Count < 2 || a[0].Length != b[0].Length)
        {
            throw new ArgumentException($"need the same number (at least 2) of paired estimates of the same length, got {a.Count} × {a.FirstOrDefault()?.Length} and {b.Count} × {b.FirstOrDefault()?.Length}.");
        }
        var differences = a.Zip(b, (x, y) => x.Zip(y, (u, v) => u - v).ToArray()).ToArray();
        return Norm(Mean(differences)) / Math.Sqrt(TotalVariance(differences) / differences.Length);
    }

    private static double Norm(double[] v) => Math.Sqrt(v.Sum(x => x * x));

    private static void RequireRows(IReadOnlyList<double[]> estimates, int rows)
    {
        if (estimates.Count < rows)
        {
            throw new ArgumentException($"need at least {rows} estimates, got {estimates.Count}.", nameof(estimates));
        }
    }
}
