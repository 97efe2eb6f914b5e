using Workbook.Rl.Environments;
using Workbook.Rl.ValueBased;

namespace Workbook.Rl.Algorithms;

/// <summary>What value iteration found: Q*(s, a), V*(s) = max_a Q*(s, a), and how many sweeps it took.</summary>
/// <param name="Q">Q*[s, a]; 0 for terminal states.</param>
/// <param name="Sweeps">sweeps over all states until the largest change fell below the tolerance.</param>
/// <param name="Residuals">the largest change of Q in each sweep (it shrinks at least by a factor γ per sweep).</param>
public sealed record ValueIterationResult(double[,] Q, int Sweeps, IReadOnlyList<double> Residuals)
{
    /// <summary>V*(s) = max_a Q*(s, a).</summary>
    public double[] V => TabularValues.StateValues(Q);
}

/// <summary>
/// Value iteration on a known model: repeat the Bellman optimality backup for every state and action,
/// <code>Q(s, a) ← Σ_{s'} p(s'|s, a) [ r(s, a, s') + γ (1 − terminal(s')) max_{a'} Q(s', a') ]</code>
/// until no entry changes by more than a tolerance. The backup is a γ-contraction in the max norm, so Q converges to
/// the unique fixed point Q*; a greedy policy with respect to Q* is optimal. This is planning (Slides D: "plan value
/// function from model"): it needs every transition probability, which Q-learning never sees.
/// </summary>
public static class ValueIteration
{
    /// <summary>Solves <paramref name="mdp"/> with discount <paramref name="gamma"/> to within <paramref name="tolerance"/> per sweep.</summary>
    public static ValueIterationResult Solve(TabularMdp mdp, double gamma, double tolerance = 1e-12, int maxSweeps = 100_000)
    {
        if (!(gamma >= 0 && gamma < 1))
        {
            throw new ArgumentException($"Value iteration needs a discount in [0, 1), got {gamma}.", nameof(gamma));
        }
        var q = new double[mdp.States, mdp.Actions];
        var residuals = new List<double>();
        for (var sweep = 1; sweep <= maxSweeps; sweep++)
        {
            var largest = 0.0;
            foreach (var s in mdp.NonTerminalStates)
            {
                for (var a = 0; a < mdp.Actions; a++)
                {
                    var backup = 0.0;
                    foreach (var o in mdp.Outcomes(s, a))
                    {
                        backup += o.Probability * (o.Reward + (o.Terminated ? 0 : gamma * TabularValues.Max(q, o.Next)));
                    }
                    largest = Math.Max(largest, Math.Abs(backup - q[s, a]));
                    q[s, a] = backup;   // in place (Gauss-Seidel): converges to the same fixed point, in fewer sweeps
                }
            }
            residuals.Add(largest);
            if (largest <= tolerance)
            {
                return new ValueIterationResult(q, sweep, residuals);
            }
        }
        throw new InvalidOperationException($"Value iteration did not converge to {tolerance} within {maxSweeps} sweeps (last change {residuals[^1]}).");
    }
}
