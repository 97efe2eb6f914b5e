using Microsoft.Data.Analysis;

namespace Workbook.Training;

/// <summary>
/// The one shape of a training history: one row per step, update or evaluation, in named double columns that
/// charts and DataFrames read. A value a row did not produce is NaN (an episode return when no episode ended, a
/// validation loss between evaluations). Every trainer's result exposes one as <c>Log</c>: <c>GptTrainerHistory</c>,
/// <c>Seq2SeqTrainerHistory</c>, and the RL algorithms' <c>TrainingResult</c> and <c>DqnResult</c>.
/// </summary>
public sealed class TrainingLog
{
    private readonly List<string> order;
    private readonly Dictionary<string, List<double>> columns;

    /// <param name="columns">the columns every row has, in this order (more appear when a row names them).</param>
    public TrainingLog(params string[] columns)
    {
        order = new List<string>(columns);
        this.columns = columns.ToDictionary(c => c, _ => new List<double>());
    }

    /// <summary>Number of rows.</summary>
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
        if (progress is { } sink && columns.TryGetValue("step", out var steps))
        {
            var value = columns.TryGetValue(progressColumn, out var watched) ? watched[Count - 1] : double.NaN;
            sink.Report(new TrainingProgress((long)steps[Count - 1], progressTotal, progressColumn, value));
        }
    }

    private IProgress<TrainingProgress>? progress;
    private string progressColumn = "";
    private long progressTotal;

    /// <summary>
    /// From now on, every row added is also reported to <paramref name="sink"/> (when not null): its "step" column,
    /// <paramref name="totalSteps"/> and its <paramref name="column"/> value. Returns this log.
    /// </summary>
    public TrainingLog ReportTo(IProgress<TrainingProgress>? sink, string column, long totalSteps)
    {
        progress = sink;
        progressColumn = column;
        progressTotal = totalSteps;
        return this;
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

    /// <summary>
    /// <paramref name="column"/> smoothed with a trailing mean over <paramref name="window"/> non-NaN entries, against
    /// <paramref name="against"/> (the rows where the column is NaN are skipped).
    /// </summary>
    public (double[] X, double[] Y) Smoothed(string column, int window = 10, string against = "step")
    {
        var xs = Column(against);
        var ys = Column(column);
        var outX = new List<double>();
        var outY = new List<double>();
        var recent = new Queue<double>();
        for (var k = 0; k < ys.Length; k++)
        {
            if (double.IsNaN(ys[k]))
            {
                continue;
            }
            recent.Enqueue(ys[k]);
            if (recent.Count > window)
            {
                recent.Dequeue();
            }
            outX.Add(xs[k]);
            outY.Add(recent.Average());
        }
        return (outX.ToArray(), outY.ToArray());
    }
}
