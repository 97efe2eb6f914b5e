namespace Workbook.Rl.Environments;

/// <summary>
/// A small deterministic grid: the agent starts in the top-left cell and must reach the goal in the
/// bottom-right cell; actions 0..3 move up, right, down, left (moves into the border leave it in
/// place). Reward −0.01 per step and +1 on reaching the goal (which terminates); cells listed as
/// traps give −1 and terminate. Observation: the one-hot code of the cell (rows·columns numbers).
/// Truncated after <see cref="MaxEpisodeSteps"/> steps.
/// </summary>
public sealed class GridWorld : IEnvironment<int>
{
    private readonly HashSet<(int Row, int Column)> traps;
    private int row;
    private int column;
    private int steps;
    private bool needsReset = true;

    public GridWorld(int rows = 4, int columns = 4, IEnumerable<(int Row, int Column)>? traps = null, int maxEpisodeSteps = 50)
    {
        if (rows < 1 || columns < 1 || rows * columns < 2)
        {
            throw new ArgumentException($"A grid world needs at least two cells, got {rows} x {columns}.");
        }
        Rows = rows;
        Columns = columns;
        MaxEpisodeSteps = maxEpisodeSteps;
        this.traps = new HashSet<(int, int)>(traps ?? new[] { (1, 1) });
        foreach (var (r, c) in this.traps)
        {
            if (r < 0 || r >= rows || c < 0 || c >= columns || (r, c) == (0, 0) || (r, c) == (rows - 1, columns - 1))
            {
                throw new ArgumentException($"Trap ({r}, {c}) must be inside the {rows} x {columns} grid and not on the start or the goal.");
            }
        }
        ObservationSpace = BoxSpace.Uniform(rows * columns, 0, 1);
    }

    public int Rows { get; }
    public int Columns { get; }
    public string Name => "GridWorld";
    public int MaxEpisodeSteps { get; }
    public BoxSpace ObservationSpace { get; }
    public Space ActionSpace { get; } = new DiscreteSpace(4);

    /// <summary>The agent's cell.</summary>
    public (int Row, int Column) Position => (row, column);

    /// <summary>The start is fixed, so the seed is accepted for the interface and has no effect.</summary>
    public double[] Reset(int? seed = null)
    {
        (row, column, steps, needsReset) = (0, 0, 0, false);
        return Observation();
    }

    public StepResult Step(int action)
    {
        ((DiscreteSpace)ActionSpace).Check(action, Name);
        if (needsReset)
        {
            throw new InvalidOperationException("GridWorld: Step was called before Reset or after the episode ended; call Reset first.");
        }
        (row, column) = action switch
        {
            0 => (Math.Max(row - 1, 0), column),
            1 => (row, Math.Min(column + 1, Columns - 1)),
            2 => (Math.Min(row + 1, Rows - 1), column),
            _ => (row, Math.Max(column - 1, 0)),
        };
        steps++;
        var atGoal = row == Rows - 1 && column == Columns - 1;
        var inTrap = traps.Contains((row, column));
        var reward = atGoal ? 1.0 : inTrap ? -1.0 : -0.01;
        var terminated = atGoal || inTrap;
        var truncated = steps >= MaxEpisodeSteps;
        needsReset = terminated || truncated;
        return new StepResult(Observation(), reward, terminated, truncated);
    }

    private double[] Observation()
    {
        var x = new double[Rows * Columns];
        x[row * Columns + column] = 1;
        return x;
    }
}
