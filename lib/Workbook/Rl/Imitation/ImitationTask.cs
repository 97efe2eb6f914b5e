using TorchSharp;
using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Rl.Imitation;

/// <summary>
/// What imitation needs to know about a task: how to make the environment and its expert, and what the learner sees.
/// The expert always acts on the environment's full observation (the state); the learner acts on
/// <see cref="Features"/> of the episode's observations so far, latest last, which may hide part of the state (a
/// partially observed task) or stack several observations (a policy conditioned on history, Notes §7.1.4.1).
/// </summary>
/// <param name="Name">a short name for tables and charts.</param>
/// <param name="Make">makes one environment (a fresh one per episode copy).</param>
/// <param name="MakeExpert">makes one expert (one per episode, so that per-episode hidden state stays apart).</param>
/// <param name="Features">the learner's input from the observations so far (latest last).</param>
/// <param name="FeatureDimension">the length of <see cref="Features"/>' result.</param>
public sealed record ImitationTask(string Name, Func<IEnvironment> Make, Func<Expert> MakeExpert,
    Func<IReadOnlyList<double[]>, double[]> Features, int FeatureDimension)
{
    /// <summary>A task whose learner sees the latest observation, as the expert does.</summary>
    public static ImitationTask FullyObserved(string name, Func<IEnvironment> make, Func<Expert> makeExpert) =>
        new(name, make, makeExpert, history => history[^1], make().ObservationSpace.Dimension);

    /// <summary>Whether the environment's actions are discrete.</summary>
    public bool IsDiscrete => Make().ActionSpace is DiscreteSpace;

    /// <summary>The same task with a learner that sees only the coordinates <paramref name="keep"/> of the latest <paramref name="stack"/> observations (older ones first; the first observation repeats before the episode has that many).</summary>
    public ImitationTask Observing(int[] keep, int stack = 1, string? name = null) =>
        new(name ?? $"{Name} (sees {string.Join(",", keep)} of the last {stack})", Make, MakeExpert, history => Stack(history, keep, stack), keep.Length * stack);

    /// <summary>The same task with the learner's features computed by <paramref name="features"/> (for example a student's).</summary>
    public ImitationTask WithFeatures(Func<IReadOnlyList<double[]>, double[]> features, int dimension, string? name = null) =>
        this with { Name = name ?? Name, Features = features, FeatureDimension = dimension };

    /// <summary>
    /// Coordinates <paramref name="keep"/> of the last <paramref name="stack"/> observations of <paramref name="history"/>,
    /// oldest first, concatenated; before the episode has <paramref name="stack"/> observations the first one repeats.
    /// </summary>
    internal static double[] Stack(IReadOnlyList<double[]> history, int[] keep, int stack)
    {
        var features = new double[keep.Length * stack];
        for (var j = 0; j < stack; j++)
        {
            var o = history[Math.Max(0, history.Count - stack + j)];
            for (var i = 0; i < keep.Length; i++)
            {
                features[j * keep.Length + i] = o[keep[i]];
            }
        }
        return features;
    }
}

/// <summary>Pairs (learner features, expert action): the data set D of behavioural cloning and DAgger.</summary>
public sealed class Demonstrations
{
    private readonly List<double[]> features = new();
    private readonly List<double[]> actions = new();

    public int Count => features.Count;
    public IReadOnlyList<double[]> Features => features;
    public IReadOnlyList<double[]> Actions => actions;

    public void Add(double[] feature, double[] action)
    {
        features.Add(feature);
        actions.Add(action);
    }

    /// <summary>D ← D ∪ other (DAgger's aggregation step).</summary>
    public void AddRange(Demonstrations other)
    {
        features.AddRange(other.features);
        actions.AddRange(other.actions);
    }

    /// <summary>Features [N, F] and actions: int64 [N] for a discrete task, float [N, D] otherwise.</summary>
    public (Tensor Features, Tensor Actions) ToTensors(bool discrete)
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("No demonstrations to train on.");
        }
        var x = tensor(features.SelectMany(f => f.Select(v => (float)v)).ToArray(), new long[] { Count, features[0].Length });
        var y = discrete
            ? tensor(actions.Select(a => (long)Math.Round(a[0])).ToArray())
            : tensor(actions.SelectMany(a => a.Select(v => (float)v)).ToArray(), new long[] { Count, actions[0].Length });
        return (x, y);
    }
}

/// <summary>What a batch of episodes gave: the expert's labels of every visited state, the returns, and how many crashed.</summary>
/// <param name="Labelled">(learner features, expert action) for every step taken (up to the label limit).</param>
/// <param name="Returns">the undiscounted return of each finished episode.</param>
/// <param name="Crashes">episodes of the road's obstacle task that ended on the obstacle.</param>
/// <param name="LateralPaths">for road tasks, each episode's lateral offsets y, step by step (for drawing).</param>
public sealed record ImitationRollout(Demonstrations Labelled, double[] Returns, int Crashes, IReadOnlyList<double[]> LateralPaths);

/// <summary>Plays episodes with the expert or with a learner, the expert labelling every state visited.</summary>
public static class ImitationRollouts
{
    /// <summary>
    /// Plays <paramref name="episodes"/> episodes (episode i reset with seed <c>seed + i</c>), <paramref name="parallel"/> at
    /// a time, acting with <paramref name="learner"/> (its mode when <paramref name="greedy"/>, else a sample) or, when it
    /// is null, with the expert. Every visited state is labelled by the expert until <paramref name="labelLimit"/> labels;
    /// reaching the limit ends the rollout at once. Collect demonstrations one episode at a time (<c>parallel: 1</c>) so
    /// that they are whole trajectories; evaluate many episodes at once.
    /// </summary>
    public static ImitationRollout Run(ImitationTask task, Policy? learner, int episodes, int seed, bool greedy = true,
        int labelLimit = int.MaxValue, int parallel = 1)
    {
        var labelled = new Demonstrations();
        var returns = new List<double>();
        var paths = new List<double[]>();
        var crashes = 0;
        for (var first = 0; first < episodes && labelled.Count < labelLimit; first += parallel)
        {
            var n = Math.Min(parallel, episodes - first);
            var environments = Enumerable.Range(0, n).Select(_ => task.Make()).ToArray();
            var experts = Enumerable.Range(0, n).Select(_ => task.MakeExpert()).ToArray();
            var histories = new List<double[]>[n];
            var lateral = new List<double>[n];
            var totals = new double[n];
            var active = new bool[n];
            for (var i = 0; i < n; i++)
            {
                histories[i] = new List<double[]> { environments[i].Reset(seed + first + i) };
                experts[i].BeginEpisode(seed + first + i);
                lateral[i] = new List<double> { histories[i][0][0] };
                active[i] = true;
            }
            while (active.Any(a => a) && labelled.Count < labelLimit)
            {
                var rows = Enumerable.Range(0, n).Where(i => active[i]).ToArray();
                var features = rows.Select(i => task.Features(histories[i])).ToArray();
                var labels = rows.Select(i => experts[i].Act(histories[i][^1])).ToArray();
                var acts = learner is null ? labels : Act(learner, features, greedy);
                for (var k = 0; k < rows.Length && labelled.Count < labelLimit; k++)
                {
                    var i = rows[k];
                    labelled.Add(features[k], labels[k]);
                    var env = environments[i];
                    var action = env.ActionSpace is BoxSpace box ? box.Clip(acts[k]) : acts[k];
                    var step = ScriptedExperts.Step(env, action);
                    totals[i] += step.Reward;
                    histories[i].Add(step.Observation);
                    lateral[i].Add(step.Observation[0]);
                    if (step.Done)
                    {
                        active[i] = false;
                        returns.Add(totals[i]);
                        paths.Add(lateral[i].ToArray());
                        crashes += env is Road { Crashed: true } ? 1 : 0;
                    }
                }
            }
        }
        return new ImitationRollout(labelled, returns.ToArray(), crashes, paths);
    }

    /// <summary>The mean return of <paramref name="episodes"/> episodes of <paramref name="learner"/>, played together.</summary>
    public static double MeanReturn(ImitationTask task, Policy learner, int episodes, int seed, bool greedy = true) =>
        Run(task, learner, episodes, seed, greedy, parallel: episodes).Returns.Average();

    private static double[][] Act(Policy learner, double[][] features, bool greedy)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = tensor(features.SelectMany(f => f.Select(v => (float)v)).ToArray(), new long[] { features.Length, features[0].Length });
        var distribution = learner.call(x);
        var a = (greedy ? distribution.Mode() : distribution.Sample()).to_type(ScalarType.Float64).cpu();
        var values = a.data<double>().ToArray();
        var width = values.Length / features.Length;
        return Enumerable.Range(0, features.Length).Select(i => values.Skip(i * width).Take(width).ToArray()).ToArray();
    }
}
