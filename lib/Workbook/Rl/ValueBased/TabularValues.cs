using System.Text;
using Workbook.Rl.Environments;

namespace Workbook.Rl.ValueBased;

/// <summary>
/// Reading a table Q[s, a]: greedy actions, state values, and how two tables compare (the learned Q against the
/// optimal Q* of value iteration), plus the grid world's pictures (values per cell, greedy arrows).
/// </summary>
public static class TabularValues
{
    /// <summary>The arrows of the grid world's actions 0..3 (up, right, down, left).</summary>
    public static readonly string[] ActionArrows = { "↑", "→", "↓", "←" };

    /// <summary>max_a Q[s, a].</summary>
    public static double Max(double[,] q, int state)
    {
        var best = q[state, 0];
        for (var a = 1; a < q.GetLength(1); a++)
        {
            best = Math.Max(best, q[state, a]);
        }
        return best;
    }

    /// <summary>argmax_a Q[s, a] (the lowest action among equal values).</summary>
    public static int Greedy(double[,] q, int state)
    {
        var best = 0;
        for (var a = 1; a < q.GetLength(1); a++)
        {
            if (q[state, a] > q[state, best])
            {
                best = a;
            }
        }
        return best;
    }

    /// <summary>V(s) = max_a Q[s, a] for every state.</summary>
    public static double[] StateValues(double[,] q) => Enumerable.Range(0, q.GetLength(0)).Select(s => Max(q, s)).ToArray();

    /// <summary>The actions whose Q*[s, a] is within <paramref name="tolerance"/> of the best: all optimal actions (ties included).</summary>
    public static int[] OptimalActions(double[,] qStar, int state, double tolerance = 1e-9)
    {
        var best = Max(qStar, state);
        return Enumerable.Range(0, qStar.GetLength(1)).Where(a => qStar[state, a] >= best - tolerance).ToArray();
    }

    /// <summary>
    /// The share of <paramref name="states"/> where the greedy action of <paramref name="q"/> is one of the optimal
    /// actions of <paramref name="qStar"/>: 1 means the greedy policy of q is an optimal policy on those states.
    /// </summary>
    public static double GreedyOptimalShare(double[,] q, double[,] qStar, IEnumerable<int> states, double tolerance = 1e-9)
    {
        var list = states.ToList();
        return list.Count(s => OptimalActions(qStar, s, tolerance).Contains(Greedy(q, s))) / (double)list.Count;
    }

    /// <summary>max over <paramref name="states"/> and every action of |q[s, a] − qStar[s, a]|.</summary>
    public static double MaxAbsDifference(double[,] q, double[,] qStar, IEnumerable<int> states)
    {
        var worst = 0.0;
        foreach (var s in states)
        {
            for (var a = 0; a < q.GetLength(1); a++)
            {
                worst = Math.Max(worst, Math.Abs(q[s, a] - qStar[s, a]));
            }
        }
        return worst;
    }

    /// <summary>Per-state values (state <c>row · columns + column</c>) laid out as the grid (row 0 at the top), for a heatmap.</summary>
    public static double[,] OnGrid(GridWorld grid, IReadOnlyList<double> values)
    {
        if (values.Count != grid.Rows * grid.Columns)
        {
            throw new ArgumentException($"The grid has {grid.Rows * grid.Columns} cells but {values.Count} values were given.", nameof(values));
        }
        var z = new double[grid.Rows, grid.Columns];
        for (var s = 0; s < values.Count; s++)
        {
            z[s / grid.Columns, s % grid.Columns] = values[s];
        }
        return z;
    }

    /// <summary>
    /// The greedy policy of <paramref name="q"/> as arrows, one line per grid row (row 0, with the start in its
    /// first cell, on top): G marks the goal and X a trap, where no action is taken.
    /// </summary>
    public static string Arrows(GridWorld grid, TabularMdp mdp, double[,] q)
    {
        var goal = (grid.Rows - 1, grid.Columns - 1);
        var text = new StringBuilder();
        for (var r = 0; r < grid.Rows; r++)
        {
            for (var c = 0; c < grid.Columns; c++)
            {
                var cell = (r, c);
                var state = r * grid.Columns + c;
                var mark = cell == goal ? "G" : mdp.Terminal[state] ? "X" : ActionArrows[Greedy(q, state)];
                text.Append(c == 0 ? mark : " " + mark);
            }
            text.Append('\n');
        }
        return text.ToString();
    }
}
