using Microsoft.Data.Analysis;

namespace Workbook.Rl;

/// <summary>
/// One row per update of a training run (step, episode return, losses, KL, entropy, clip fraction,
/// wall seconds, and any algorithm-specific column), convertible to a DataFrame that charts draw.
/// A value an update did not produce is NaN (for example the episode return when no episode ended).
/// </summary>
public sealed class TrainingLog
{
    /// <summary>The columns every algorithm writes, in this order.</summary>
    public static readonly string[] StandardColumns =
        { "step", "episode_return", "policy_loss", "value_loss", "kl", "entropy", "clip_fraction", "wall_seconds" };

    private readonly List<string> order = new(StandardColumns);
    private readonly Dictionary<string, List<double>> columns = StandardColumns.ToDictionary(c => c, _ => new List<double>());

    /// <summary>Number of rows (updates).</summary>
    public int Count { get; private set; }

    /// <summary>The column names in order.</summary>
    public IReadOnlyList<string> Columns => order;

    /// <summary>Appends one row; columns not given are NaN, new names become new columns.</summary>
    public void Add(params (string Name, double Value)[] values)
    {
        foreach (var (name, _) in values)
        {
            if (!columns.ContainsKey(name))
            {
                order.Add(name);
                columns[name] = Enumerable.Repeat(double.NaN, Count).ToList();
            }
        }
        foreach (var column in columns.Values)
        {
            column.Add(double.NaN);
        }
        foreach (var (name, value) in values)
        {
            columns[name][Count] = value;
        }
        Count++;
    }

    /// <summary>The values of one column.</summary>
    public double[] Column(string name) =>
        columns.TryGetValue(name, out var values)
            ? values.ToArray()
            : throw new ArgumentException($"No column '{name}' in the training log; columns are {string.Join(", ", order)}.", nameof(name));

    /// <summary>The last non-NaN value of a column (NaN if none).</summary>
    public double Last(string name) => Column(name).Where(v => !double.IsNaN(v)).DefaultIfEmpty(double.NaN).Last();

    /// <summary>The log as a Microsoft.Data.Analysis DataFrame (one double column per name).</summary>
    public DataFrame ToDataFrame() =>
        new(order.Select(name => (DataFrameColumn)new DoubleDataFrameColumn(name, columns[name])));

    /// <summary>Episode returns smoothed with a trailing mean over <paramref name="window"/> non-NaN entries, against steps.</summary>
    public (double[] Steps, double[] Returns) SmoothedReturns(int window = 10)
    {
        var steps = Column("step");
        var returns = Column("episode_return");
        var xs = new List<double>();
        var ys = new List<double>();
        var recent = new Queue<double>();
        for (var k = 0; k < returns.Length; k++)
        {
            if (double.IsNaN(returns[k]))
            {
                continue;
            }
            recent.Enqueue(returns[k]);
            if (recent.Count > window)
            {
                recent.Dequeue();
            }
            xs.Add(steps[k]);
            ys.Add(recent.Average());
        }
        return (xs.ToArray(), ys.ToArray());
    }
}
