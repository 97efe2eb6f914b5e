namespace Workbook.Rl.Environments;

/// <summary>
/// What one step of an environment returns (Gym's 5-tuple without <c>info</c>).
/// <see cref="Terminated"/>: the MDP reached a terminal state (the pole fell), so nothing follows and
/// the value of the next state is 0. <see cref="Truncated"/>: the episode was cut by a time limit,
/// the state is not terminal and an algorithm may bootstrap from <see cref="Observation"/>.
/// </summary>
public readonly record struct StepResult(double[] Observation, double Reward, bool Terminated, bool Truncated)
{
    /// <summary>The episode is over (either way): call Reset before stepping again.</summary>
    public bool Done => Terminated || Truncated;
}

/// <summary>
/// The part of an environment that does not depend on the action type. Notes §7.2: an MDP
/// (states, actions, transition operator, reward); observations here are full states.
/// </summary>
public interface IEnvironment
{
    /// <summary>A short name such as "CartPole".</summary>
    string Name { get; }

    /// <summary>The box that observations lie in.</summary>
    BoxSpace ObservationSpace { get; }

    /// <summary>A <see cref="DiscreteSpace"/> or a <see cref="BoxSpace"/>.</summary>
    Space ActionSpace { get; }

    /// <summary>Longest episode before truncation.</summary>
    int MaxEpisodeSteps { get; }

    /// <summary>
    /// Starts a new episode and returns its first observation. A seed reseeds the environment's own
    /// generator (same seed, same episode); null continues the current generator.
    /// </summary>
    double[] Reset(int? seed = null);
}

/// <summary>An environment whose actions have type <typeparamref name="TAction"/> (int for discrete, double[] for boxes).</summary>
public interface IEnvironment<in TAction> : IEnvironment
{
    /// <summary>
    /// Applies <paramref name="action"/> and advances one time step. Throws <see cref="ArgumentException"/>
    /// for an action outside <see cref="IEnvironment.ActionSpace"/> and <see cref="InvalidOperationException"/>
    /// when called before Reset or after the episode ended.
    /// </summary>
    StepResult Step(TAction action);
}
