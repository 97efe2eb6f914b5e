namespace Workbook.Rl;

/// <summary>
/// Advantages over one environment's rollout of T steps that may contain episode ends: the student seam of notebook 19
/// (<see cref="RlExercises.CheckGae"/> checks it, <see cref="RlExercises.PlugGae"/> plugs it into A2C, PPO or TRPO through
/// <see cref="Algorithms.LossPieces.Advantages"/>). A lambda or a method with this signature converts to it.
/// </summary>
/// <param name="rewards">r_0..r_{T−1}.</param>
/// <param name="values">V(s_0)..V(s_{T−1}).</param>
/// <param name="dones">d_0..d_{T−1}: d_t says the episode ended after step t (no bootstrap there, nothing flows back across it;
/// a truncated episode already carries γ V(final observation) in its last reward).</param>
/// <param name="lastValue">V(s_T) of the state after the last step, where the rollout was cut.</param>
/// <param name="gamma">the discount γ.</param>
/// <param name="lambda">GAE's λ.</param>
/// <returns>Â_0..Â_{T−1}; the value targets become Â + V.</returns>
public delegate double[] AdvantageEstimator(double[] rewards, double[] values, bool[] dones, double lastValue, double gamma, double lambda);
