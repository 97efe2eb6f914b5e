using TorchSharp;
using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Rl.ModelBased;

/// <summary>
/// N copies of a *learned* environment (Slides D, "Sample Based Planning": use the model only to generate samples): each
/// copy starts from a real state drawn from the collected data, steps with one ensemble member chosen at random per step
/// (ŝ' and r̂ from that member), and is truncated after <see cref="Horizon"/> steps, short, so that compounding error stays
/// small. Any model-free learner that takes an <see cref="IVectorEnvironment"/> (PPO, A2C) can train on it unchanged.
/// </summary>
public sealed class ModelEnvironment : IVectorEnvironment
{
    private readonly EnsembleDynamicsModel model;
    private readonly double[][] starts;
    private readonly float[][] states;
    private readonly int[] steps;
    private readonly double[] returns;
    private Random random;

    /// <param name="model">the learned dynamics and reward.</param>
    /// <param name="observationSpace">the real environment's observation space.</param>
    /// <param name="actionSpace">the real environment's action box (actions are clipped into it).</param>
    /// <param name="startStates">real observations to start model episodes from.</param>
    /// <param name="count">N copies.</param>
    /// <param name="horizon">model steps before truncation.</param>
    public ModelEnvironment(EnsembleDynamicsModel model, BoxSpace observationSpace, BoxSpace actionSpace, double[][] startStates, int count, int horizon)
    {
        this.model = model;
        starts = startStates;
        ObservationSpace = observationSpace;
        Box = actionSpace;
        Count = count;
        Horizon = horizon;
        states = new float[count][];
        steps = new int[count];
        returns = new double[count];
        random = new Random(0);
    }

    public int Count { get; }
    public int Horizon { get; }
    public BoxSpace ObservationSpace { get; }
    public Space ActionSpace => Box;
    private BoxSpace Box { get; }
    public string Name => "Model";

    /// <summary>Model steps taken so far (over all copies).</summary>
    public long TotalSteps { get; private set; }

    public float[] Reset(int seed)
    {
        random = new Random(seed);
        for (var i = 0; i < Count; i++)
        {
            Restart(i);
        }
        return states.SelectMany(s => s).ToArray();
    }

    public VectorStep Step(Tensor actions)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var low = tensor(Box.Low.Select(v => (float)v).ToArray());
        var high = tensor(Box.High.Select(v => (float)v).ToArray());
        var a = minimum(maximum(actions.to_type(ScalarType.Float32).reshape(Count, Box.Dimension), low), high);       // [N, act]
        var s = tensor(states.SelectMany(x => x).ToArray(), new long[] { Count, ObservationSpace.Dimension });       // [N, obs]
        var (next, reward) = model.Predict(s, a);                                                                    // [M, N, obs], [M, N]
        var member = tensor(Enumerable.Range(0, Count).Select(_ => (long)random.Next(model.Members)).ToArray());     // [N]
        var rows = arange(Count);
        var chosenNext = next.permute(1, 0, 2)[rows, member].data<float>().ToArray();                               // [N, obs]
        var chosenReward = reward.t()[rows, member].data<float>().ToArray();                                         // [N]
        var d = ObservationSpace.Dimension;
        var result = new VectorStep(Count, d);
        for (var i = 0; i < Count; i++)
        {
            var observation = chosenNext.AsSpan(i * d, d).ToArray();
            result.Rewards[i] = chosenReward[i];
            returns[i] += chosenReward[i];
            steps[i]++;
            TotalSteps++;
            if (steps[i] >= Horizon)
            {
                result.Truncated[i] = true;
                result.FinalObservations[i] = observation;
                result.CompletedEpisodes.Add(new EpisodeSummary(i, returns[i], steps[i]));
                Restart(i);
            }
            else
            {
                states[i] = observation;
            }
            Array.Copy(states[i], 0, result.Observations, i * d, d);
        }
        return result;
    }

    private void Restart(int i)
    {
        states[i] = starts[random.Next(starts.Length)].Select(v => (float)v).ToArray();
        steps[i] = 0;
        returns[i] = 0;
    }
}
