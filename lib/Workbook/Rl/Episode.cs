namespace Workbook.Rl;

/// <summary>One complete episode: what REINFORCE-style (Monte Carlo) methods learn from.</summary>
public sealed class Episode
{
    internal Episode(int observationDimension) => ObservationDimension = observationDimension;

    public int ObservationDimension { get; }
    /// <summary>Observation rows, each of <see cref="ObservationDimension"/> numbers.</summary>
    public List<float[]> Observations { get; } = new();
    /// <summary>Actions as float rows (a discrete action is one number).</summary>
    public List<float[]> Actions { get; } = new();
    /// <summary>log π_behaviour(a_t|s_t) of the policy that acted.</summary>
    public List<double> BehaviourLogProbs { get; } = new();
    public List<double> Rewards { get; } = new();
    public bool Terminated { get; internal set; }
    public int Length => Rewards.Count;
    /// <summary>Undiscounted return Σ r_t.</summary>
    public double Return => Rewards.Sum();
}
