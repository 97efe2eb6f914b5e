using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Rl.ModelBased;

/// <summary>One real step (s, a, r, s'): what a dynamics and reward model learns from.</summary>
/// <param name="Observation">s.</param>
/// <param name="Action">a.</param>
/// <param name="Reward">r.</param>
/// <param name="NextObservation">s'.</param>
/// <param name="Episode">which collected episode the step belongs to (for rollouts along real trajectories).</param>
public sealed record Transition(double[] Observation, double[] Action, double Reward, double[] NextObservation, int Episode);

/// <summary>Every real transition collected so far, episode by episode (the data set of model-based RL).</summary>
public sealed class TransitionBuffer
{
    private readonly List<Transition> transitions = new();
    private readonly List<double> episodeReturns = new();

    public int Count => transitions.Count;
    public IReadOnlyList<Transition> Transitions => transitions;
    /// <summary>The undiscounted return of every episode collected, in order.</summary>
    public IReadOnlyList<double> EpisodeReturns => episodeReturns;
    /// <summary>The number of episodes collected.</summary>
    public int Episodes => episodeReturns.Count;

    /// <summary>
    /// Plays one episode of <paramref name="environment"/> (reset with <paramref name="seed"/>), choosing each action
    /// with <paramref name="act"/>, stores its transitions and returns its return.
    /// </summary>
    public double CollectEpisode(IEnvironment<double[]> environment, Func<double[], double[]> act, int seed)
    {
        var box = (BoxSpace)environment.ActionSpace;
        var observation = environment.Reset(seed);
        var episode = episodeReturns.Count;
        var total = 0.0;
        while (true)
        {
            var action = box.Clip(act(observation));
            var step = environment.Step(action);
            transitions.Add(new Transition(observation, action, step.Reward, step.Observation, episode));
            total += step.Reward;
            observation = step.Observation;
            if (step.Done)
            {
                episodeReturns.Add(total);
                return total;
            }
        }
    }

    /// <summary>What the model learns to predict from one transition: (s' − s, r), obs + 1 numbers.</summary>
    internal static double[] Target(Transition transition) =>
        transition.NextObservation.Zip(transition.Observation, (n, o) => n - o).Append(transition.Reward).ToArray();

    /// <summary>
    /// Model inputs [N, obs + act] (s, a) and targets [N, obs + 1] of the stored transitions; <paramref name="target"/>
    /// builds each target row (default <see cref="Target"/>; a student's can be plugged in).
    /// </summary>
    public (Tensor Inputs, Tensor Targets) Tensors(Func<Transition, double[]>? target = null)
    {
        target ??= Target;
        var inputs = transitions.SelectMany(t => t.Observation.Concat(t.Action)).Select(v => (float)v).ToArray();
        var targets = transitions.SelectMany(t => target(t)).Select(v => (float)v).ToArray();
        var o = transitions[0].Observation.Length;
        var a = transitions[0].Action.Length;
        return (tensor(inputs, new long[] { Count, o + a }), tensor(targets, new long[] { Count, o + 1 }));
    }

    /// <summary>The observations of the stored steps (start states for rollouts in the model).</summary>
    public double[][] Observations() => transitions.Select(t => t.Observation).ToArray();
}
