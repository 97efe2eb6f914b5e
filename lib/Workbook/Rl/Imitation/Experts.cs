using Workbook.Rl.Environments;

namespace Workbook.Rl.Imitation;

/// <summary>
/// A demonstrator that labels observations with actions (Notes §7.1.3: the "human" whose data behavioural cloning
/// copies, and whom DAgger asks to label the learner's states). Actions are vectors: a discrete action a is <c>[a]</c>.
/// An expert may carry hidden per-episode state (the obstacle expert's chosen side); make one per episode.
/// </summary>
public abstract class Expert
{
    /// <summary>Called at the start of every episode with that episode's seed.</summary>
    public virtual void BeginEpisode(int seed)
    {
    }

    /// <summary>The expert's action for the environment's full <paramref name="observation"/>.</summary>
    public abstract double[] Act(double[] observation);
}

/// <summary>Hand-written experts for CartPole and the road: short, deterministic controllers that solve their task.</summary>
public static class ScriptedExperts
{
    /// <summary>CartPole: push towards where the pole is falling, a linear controller on (x, ẋ, θ, θ̇) that balances for the full 500 steps.</summary>
    public static Expert CartPole() => new CartPoleExpert();

    /// <summary>
    /// The obstacle road (<see cref="Road"/>): keep to the centre, swerve at full lock for the last 9 steps before the obstacle
    /// (the latest moment that still clears it), then steer back to the centre: to the left (y &gt; 0) in episodes with an even
    /// seed, to the right in the others, so that demonstrations hold both ways equally often. Two equally good ways around: the multimodal behaviour of Notes §7.1.4.2.
    /// </summary>
    public static Expert Obstacle() => new ObstacleExpert();

    private sealed class CartPoleExpert : Expert
    {
        public override double[] Act(double[] o) => new[] { 0.05 * o[0] + 0.4 * o[1] + 10 * o[2] + 1.5 * o[3] > 0 ? 1.0 : 0.0 };
    }

    private sealed class ObstacleExpert : Expert
    {
        private double side = 1;

        public override void BeginEpisode(int seed) => side = seed % 2 == 0 ? 1 : -1;

        public override double[] Act(double[] o)
        {
            // Full lock while the proximity signal is on (the last 9 steps before the obstacle, just enough to clear it),
            // otherwise steer to the centre line.
            return new[] { o[3] > 0.5 ? side : Math.Clamp(-2 * o[1] - 1.5 * o[0], -1, 1) };
        }
    }

    /// <summary>Steps an environment of either action type with a vector action (a discrete action is its first number).</summary>
    public static StepResult Step(IEnvironment environment, double[] action) => environment switch
    {
        IEnvironment<int> discrete => discrete.Step((int)Math.Round(action[0])),
        IEnvironment<double[]> box => box.Step(action),
        _ => throw new ArgumentException($"{environment.Name}: not an environment with int or double[] actions.", nameof(environment)),
    };
}
