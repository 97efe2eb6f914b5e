using System.Diagnostics;
using TorchSharp;
using Workbook.Rl.Algorithms;
using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Rl.ModelBased;

/// <summary>
/// Model-based RL with a planner (the loop of PETS-style MPC): a few episodes of uniformly random actions, then
/// repeatedly fit the ensemble to all data so far and play one real episode in which every action is planned in the model.
/// </summary>
/// <param name="RandomEpisodes">episodes of random actions that seed the data.</param>
/// <param name="PlannedEpisodes">episodes acted by the planner, the model refitted before each.</param>
/// <param name="Model">the ensemble's settings.</param>
/// <param name="Seed">seeds the random actions and the episodes' resets (episode k is reset with Seed + k).</param>
public sealed record MpcConfig(int RandomEpisodes = 1, int PlannedEpisodes = 4, EnsembleModelConfig? Model = null, int Seed = 0);

/// <summary>One real episode of a model-based run.</summary>
/// <param name="RealSteps">real environment steps collected once this episode ended.</param>
/// <param name="Return">its undiscounted return.</param>
/// <param name="Planned">whether a planner acted (false: random actions, or a model-free policy's data collection).</param>
public readonly record struct RealEpisode(long RealSteps, double Return, bool Planned);

/// <summary>What a model-based run leaves: the model, the real data and the return of every real episode.</summary>
public sealed record ModelBasedResult(EnsembleDynamicsModel Model, TransitionBuffer Data, IReadOnlyList<RealEpisode> Episodes, Policy? Policy, double WallSeconds);

/// <summary>Planning with a learned model (MPC): see <see cref="MpcConfig"/>.</summary>
public static class Mpc
{
    /// <summary>
    /// Runs the loop on environments made by <paramref name="make"/> (given a seed); <paramref name="planner"/> builds the
    /// planner on the current model (random shooting or CEM).
    /// </summary>
    public static ModelBasedResult Train(Func<int, IEnvironment<double[]>> make, Func<EnsembleDynamicsModel, IPlanner> planner, MpcConfig config)
    {
        var clock = Stopwatch.StartNew();
        var environment = make(config.Seed);
        var box = (BoxSpace)environment.ActionSpace;
        var random = new Random(config.Seed);
        var data = new TransitionBuffer();
        var episodes = new List<RealEpisode>();
        var model = new EnsembleDynamicsModel(environment.ObservationSpace.Dimension, box.Dimension, config.Model ?? new EnsembleModelConfig(Seed: config.Seed));

        // 1. Seed the data with random actions.
        for (var e = 0; e < config.RandomEpisodes; e++)
        {
            var r = data.CollectEpisode(environment, _ => box.Low.Zip(box.High, (l, h) => l + (h - l) * random.NextDouble()).ToArray(), config.Seed + episodes.Count);
            episodes.Add(new RealEpisode(data.Count, r, Planned: false));
        }

        // 2. Fit the model to everything so far, then act by planning in it for one real episode; repeat.
        for (var e = 0; e < config.PlannedEpisodes; e++)
        {
            model.Fit(data);
            var p = planner(model);
            p.Reset();
            var r = data.CollectEpisode(environment, p.Act, config.Seed + episodes.Count);
            episodes.Add(new RealEpisode(data.Count, r, Planned: true));
        }
        return new ModelBasedResult(model, data, episodes, null, clock.Elapsed.TotalSeconds);
    }
}

/// <summary>
/// Dyna-style training (Slides D, "Sample Based Planning": apply model-free RL to samples from the model). The learner
/// trains on model samples only, as in ME-TRPO (Kurutach et al. 2018) and MBPO (Janner et al. 2019); Sutton's Dyna
/// (1991) also updates the learner from every real step, which this loop does not.
/// </summary>
/// <param name="Iterations">rounds of (collect real data, refit the model, train the policy in the model).</param>
/// <param name="RealEpisodesPerIteration">real episodes the current policy plays per round (sampling its actions).</param>
/// <param name="ModelStepsPerIteration">PPO's environment steps in the model per round.</param>
/// <param name="ModelHorizon">model episodes are truncated after this many steps.</param>
/// <param name="Ppo">the model-free learner's settings (TotalSteps is replaced by ModelStepsPerIteration, Seed by Seed + round).</param>
/// <param name="Model">the ensemble's settings.</param>
/// <param name="Seed">seeds the real episodes' resets and everything random.</param>
public sealed record DynaConfig(int Iterations = 3, int RealEpisodesPerIteration = 1, long ModelStepsPerIteration = 20_000, int ModelHorizon = 50,
    PpoConfig? Ppo = null, EnsembleModelConfig? Model = null, int Seed = 0);

/// <summary>Dyna with PPO as the model-free learner: see <see cref="DynaConfig"/>.</summary>
public static class Dyna
{
    /// <summary>
    /// Trains <paramref name="networks"/> (default: PPO's MLPs for the environment) on samples from an ensemble model that
    /// is refitted to the real data after every round; the real environment is only used to collect that data.
    /// <paramref name="modelTargets"/> replaces the model's training targets (default (s' − s, r)).
    /// </summary>
    public static ModelBasedResult Train(Func<int, IEnvironment<double[]>> make, DynaConfig config, ActorCritic? networks = null,
        Func<Transition, double[]>? modelTargets = null)
    {
        var clock = Stopwatch.StartNew();
        var environment = make(config.Seed);
        var box = (BoxSpace)environment.ActionSpace;
        var ppo = config.Ppo ?? new PpoConfig();
        manual_seed(config.Seed);
        networks ??= ActorCritic.Mlp(new VectorEnvironment<double[]>(i => make(config.Seed + i), 1), ppo.Hidden, ppo.InitialLogStd);
        var model = new EnsembleDynamicsModel(environment.ObservationSpace.Dimension, box.Dimension, config.Model ?? new EnsembleModelConfig(Seed: config.Seed));
        var data = new TransitionBuffer();
        var episodes = new List<RealEpisode>();
        for (var round = 0; round < config.Iterations; round++)
        {
            // 1. Real data from the current policy (its samples, so that it explores).
            for (var e = 0; e < config.RealEpisodesPerIteration; e++)
            {
                var r = data.CollectEpisode(environment, s => Sample(networks.Policy, s), config.Seed + episodes.Count);
                episodes.Add(new RealEpisode(data.Count, r, Planned: false));
            }

            // 2. Refit the model; 3. train the policy with PPO on model samples only.
            model.Fit(data, modelTargets);
            var imagined = new ModelEnvironment(model, environment.ObservationSpace, box, data.Observations(), ppo.Environments, config.ModelHorizon);
            Ppo.Train(imagined, ppo with { TotalSteps = config.ModelStepsPerIteration, Seed = config.Seed + round }, networks);
        }
        return new ModelBasedResult(model, data, episodes, networks.Policy, clock.Elapsed.TotalSeconds);
    }

    private static double[] Sample(Policy policy, double[] observation)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var s = tensor(observation.Select(v => (float)v).ToArray(), new long[] { 1, observation.Length });
        return policy.call(s).Sample().data<float>().Select(v => (double)v).ToArray();
    }
}
