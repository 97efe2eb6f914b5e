using TorchSharp;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Rl.Environments;

/// <summary>One finished episode inside a vectorised environment.</summary>
public readonly record struct EpisodeSummary(int Environment, double Return, int Length);

/// <summary>
/// What a step of N environments returns. Observations are the ones to act on next: for an
/// environment whose episode just ended they already belong to the new episode (auto-reset), and
/// the last observation of the old episode is in <see cref="FinalObservations"/> (so that a
/// truncated episode can still be bootstrapped from it).
/// </summary>
public sealed class VectorStep
{
    public VectorStep(int count, int observationDimension)
    {
        Observations = new float[count * observationDimension];
        Rewards = new float[count];
        Terminated = new bool[count];
        Truncated = new bool[count];
        FinalObservations = new float[]?[count];
    }

    /// <summary>[N * observation dimension], row-major, after auto-reset.</summary>
    public float[] Observations { get; }
    /// <summary>[N]</summary>
    public float[] Rewards { get; }
    /// <summary>[N] the episode hit a terminal state.</summary>
    public bool[] Terminated { get; }
    /// <summary>[N] the episode was cut by the time limit.</summary>
    public bool[] Truncated { get; }
    /// <summary>[N] the last observation of an episode that ended this step, else null.</summary>
    public float[]?[] FinalObservations { get; }
    /// <summary>Episodes that ended this step, with their undiscounted return and length.</summary>
    public List<EpisodeSummary> CompletedEpisodes { get; } = new();
}

/// <summary>N copies of an environment stepped together, action type hidden (what the algorithms use).</summary>
public interface IVectorEnvironment
{
    int Count { get; }
    BoxSpace ObservationSpace { get; }
    Space ActionSpace { get; }
    string Name { get; }

    /// <summary>Resets every copy (copy i with seed <c>seed + i</c>) and returns [N * observation dimension].</summary>
    float[] Reset(int seed);

    /// <summary>
    /// Steps every copy with one action each: for a discrete space an int64 tensor [N], for a box a
    /// float tensor [N, D] whose values are clipped into the box (Gaussian samples can leave it).
    /// </summary>
    VectorStep Step(Tensor actions);
}

/// <summary>
/// Steps N copies of an environment at once and resets a copy as soon as its episode ends, so a
/// policy can act on all N observations in one batched forward pass. The copies themselves stay
/// plain C#; only the conversion of the policy's action tensor touches TorchSharp.
/// </summary>
public sealed class VectorEnvironment<TAction> : IVectorEnvironment
{
    private readonly IEnvironment<TAction>[] environments;
    private readonly double[] runningReturns;
    private readonly int[] runningLengths;
    private readonly Func<Tensor, TAction[]> fromTensor;

    /// <param name="make">Creates copy i (for i = 0..count-1).</param>
    /// <param name="count">N, the number of copies.</param>
    public VectorEnvironment(Func<int, IEnvironment<TAction>> make, int count)
    {
        if (count < 1)
        {
            throw new ArgumentException($"A vectorised environment needs at least one copy, got {count}.", nameof(count));
        }
        environments = Enumerable.Range(0, count).Select(make).ToArray();
        runningReturns = new double[count];
        runningLengths = new int[count];
        var first = environments[0];
        fromTensor = first.ActionSpace switch
        {
            DiscreteSpace when typeof(TAction) == typeof(int) => t => (TAction[])(object)DiscreteActions(t, count),
            BoxSpace box when typeof(TAction) == typeof(double[]) => t => (TAction[])(object)BoxActions(t, count, box),
            var space => throw new ArgumentException($"Action type {typeof(TAction).Name} does not fit the action space {space}."),
        };
    }

    public int Count => environments.Length;
    public string Name => environments[0].Name;
    public BoxSpace ObservationSpace => environments[0].ObservationSpace;
    public Space ActionSpace => environments[0].ActionSpace;

    /// <summary>The copies (for inspection).</summary>
    public IReadOnlyList<IEnvironment<TAction>> Environments => environments;

    public float[] Reset(int seed)
    {
        var dimension = ObservationSpace.Dimension;
        var observations = new float[Count * dimension];
        for (var i = 0; i < Count; i++)
        {
            Copy(environments[i].Reset(seed + i), observations, i * dimension);
            runningReturns[i] = 0;
            runningLengths[i] = 0;
        }
        return observations;
    }

    public VectorStep Step(Tensor actions) => Step(fromTensor(actions));

    /// <summary>Steps copy i with <c>actions[i]</c>; resets copies whose episode ended.</summary>
    public VectorStep Step(TAction[] actions)
    {
        if (actions.Length != Count)
        {
            throw new ArgumentException($"{Name}: got {actions.Length} actions for {Count} environments.", nameof(actions));
        }
        var dimension = ObservationSpace.Dimension;
        var result = new VectorStep(Count, dimension);
        for (var i = 0; i < Count; i++)
        {
            var step = environments[i].Step(actions[i]);
            result.Rewards[i] = (float)step.Reward;
            result.Terminated[i] = step.Terminated;
            result.Truncated[i] = step.Truncated;
            runningReturns[i] += step.Reward;
            runningLengths[i]++;
            if (step.Done)
            {
                var final = new float[dimension];
                Copy(step.Observation, final, 0);
                result.FinalObservations[i] = final;
                result.CompletedEpisodes.Add(new EpisodeSummary(i, runningReturns[i], runningLengths[i]));
                runningReturns[i] = 0;
                runningLengths[i] = 0;
                Copy(environments[i].Reset(), result.Observations, i * dimension);
            }
            else
            {
                Copy(step.Observation, result.Observations, i * dimension);
            }
        }
        return result;
    }

    private static void Copy(double[] source, float[] target, int offset)
    {
        for (var j = 0; j < source.Length; j++)
        {
            target[offset + j] = (float)source[j];
        }
    }

    private static int[] DiscreteActions(Tensor actions, int count)
    {
        if (actions.numel() != count)
        {
            throw new ArgumentException($"Expected {count} discrete actions (shape [{count}]), got shape {Shapes.Of(actions)}.", nameof(actions));
        }
        using var asLong = actions.to_type(ScalarType.Int64).cpu();
        return asLong.data<long>().Select(a => (int)a).ToArray();
    }

    private static double[][] BoxActions(Tensor actions, int count, BoxSpace box)
    {
        if (actions.numel() != count * box.Dimension)
        {
            throw new ArgumentException($"Expected continuous actions of shape [{count}, {box.Dimension}], got shape {Shapes.Of(actions)}.", nameof(actions));
        }
        using var asFloat = actions.to_type(ScalarType.Float32).cpu();
        var flat = asFloat.data<float>().ToArray();
        var result = new double[count][];
        for (var i = 0; i < count; i++)
        {
            var a = new double[box.Dimension];
            for (var j = 0; j < a.Length; j++)
            {
                a[j] = flat[i * box.Dimension + j];
            }
            result[i] = box.Clip(a);
        }
        return result;
    }
}

/// <summary>Ready-made vectorised environments.</summary>
public static class VectorEnvironments
{
    /// <summary>N CartPole copies (copy i seeded with <c>seed + i</c> until Reset reseeds it).</summary>
    public static VectorEnvironment<int> CartPole(int count, int seed = 0, int maxEpisodeSteps = 500) =>
        new(i => new CartPole(maxEpisodeSteps, seed + i), count);

    /// <summary>N Pendulum copies.</summary>
    public static VectorEnvironment<double[]> Pendulum(int count, int seed = 0, int maxEpisodeSteps = 200) =>
        new(i => new Pendulum(maxEpisodeSteps, seed + i), count);

    /// <summary>N grid worlds.</summary>
    public static VectorEnvironment<int> GridWorld(int count, int rows = 4, int columns = 4, int maxEpisodeSteps = 50) =>
        new(_ => new GridWorld(rows, columns, maxEpisodeSteps: maxEpisodeSteps), count);

    /// <summary>By name: "CartPole", "Pendulum" or "GridWorld".</summary>
    public static IVectorEnvironment Make(string name, int count, int seed = 0) => name switch
    {
        "CartPole" => CartPole(count, seed),
        "Pendulum" => Pendulum(count, seed),
        "GridWorld" => GridWorld(count),
        _ => throw new ArgumentException($"Unknown environment '{name}': expected CartPole, Pendulum or GridWorld.", nameof(name)),
    };
}
