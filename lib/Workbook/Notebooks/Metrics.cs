using System.Globalization;
using System.Text.RegularExpressions;
using Workbook.Exercises;

namespace Workbook.Notebooks;

/// <summary>One named number a notebook reports, e.g. <c>val_loss = 1.93</c>.</summary>
/// <param name="Name">snake_case name that the notebook's declared bounds refer to.</param>
/// <param name="Value">the measured value.</param>
/// <param name="Description">what was measured, in words, for the person reading the notebook.</param>
public sealed record Metric(string Name, double Value, string? Description = null)
{
    /// <summary>
    /// For an exercise metric (a name starting with <c>exercise</c>): the exercise's state (passed, failed, not
    /// attempted) and its check's message; null for every other metric.
    /// </summary>
    public ExerciseStatus? Exercise { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Name} = {Value.ToString("G6", CultureInfo.InvariantCulture)}" + (Description is null ? "" : $"  ({Description})");
}

/// <summary>
/// Named metrics: what a notebook claims, as numbers. The workbook's engine collects every
/// reported metric and the notebook's test holds it to the bounds declared in the notebook's
/// metadata (for example <c>mean_return &gt;= 475</c>). A person sees each report as a small table.
/// </summary>
public static partial class Metrics
{
    private static readonly List<Metric> reported = new();

    /// <summary>Every metric reported in this process, in order (a name reported twice appears twice).</summary>
    public static IReadOnlyList<Metric> Reported
    {
        get
        {
            lock (reported)
            {
                return reported.ToArray();
            }
        }
    }

    /// <summary>
    /// Reports <paramref name="value"/> under <paramref name="name"/> (snake_case: letters, digits, '_').
    /// Returns the metric, which displays as a one-row table when it is a cell's last expression.
    /// </summary>
    /// <exception cref="ArgumentException">the name is not snake_case.</exception>
    /// <remarks>
    /// An exercise metric (a name starting with <c>exercise</c>, declared <c>== 1</c>) also records the exercise's
    /// state: passed when the value is 1; otherwise "not attempted" or "failed" with the check's message, from the
    /// checks and plugged-in functions that ran since the previous exercise metric (<see cref="ExerciseLog.Resolve(string, double, string?)"/>).
    /// </remarks>
    public static Metric Report(string name, double value, string? description = null)
    {
        CheckName(name);
        return Add(new Metric(name, value, description)
        {
            Exercise = IsExercise(name) ? ExerciseLog.Resolve(name, value, description) : null,
        });
    }

    /// <summary>
    /// Reports an exercise check straight from its result: the value is 1 when it passed and 0 otherwise, and the
    /// metric records the check's state (passed, failed, not attempted) and message.
    /// </summary>
    /// <exception cref="ArgumentException">the name is not snake_case or does not start with <c>exercise</c>.</exception>
    public static Metric Report(string name, ExerciseResult result, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        CheckName(name);
        if (!IsExercise(name))
        {
            throw new ArgumentException($"Metric name '{name}' reports an exercise check, so it starts with \"exercise\".", nameof(name));
        }
        return Add(new Metric(name, result.Passed ? 1 : 0, description) { Exercise = ExerciseLog.Resolve(result) });
    }

    /// <summary>Whether <paramref name="name"/> names an exercise metric (it starts with <c>exercise</c>).</summary>
    public static bool IsExercise(string name) => name.StartsWith("exercise", StringComparison.Ordinal);

    private static void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || !NamePattern().IsMatch(name))
        {
            throw new ArgumentException(
                $"Metric name '{name}' is not snake_case (lower-case letters, digits and '_', starting with a letter).",
                nameof(name));
        }
    }

    private static Metric Add(Metric metric)
    {
        var (name, value) = (metric.Name, metric.Value);
        lock (reported)
        {
            reported.Add(metric);
        }
        NotebookHost.RecordMetric(name, value);
        return metric;
    }

    /// <summary>
    /// The last reported value of each metric, as a table (the notebook's summary, its last cell).
    /// Besides the table a person reads (text/html, text/plain), its output carries every value in a
    /// machine-readable bundle (<see cref="MetricTable.BundleMimeType"/>, also embedded in the HTML),
    /// so that <c>workbook check --executed</c> can hold a notebook executed by any kernel to its
    /// declared bounds.
    /// </summary>
    public static MetricTable Summary()
    {
        var all = Reported;
        Interlocked.Exchange(ref shownUpTo, all.Count);
        var last = new Dictionary<string, Metric>();
        foreach (var metric in all)
        {
            last[metric.Name] = metric;
        }
        return new MetricTable(last.Values.ToArray(), IsSummary: true);
    }

    /// <summary>
    /// The metrics reported since the last <see cref="Latest"/> or <see cref="Summary"/> (typically: this cell's), as a
    /// table: what a cell in the middle of a notebook shows, so that the whole summary is printed once, at the end.
    /// </summary>
    public static MetricTable Latest()
    {
        var all = Reported;
        var from = Math.Min(Interlocked.Exchange(ref shownUpTo, all.Count), all.Count);
        var last = new Dictionary<string, Metric>();
        foreach (var metric in all.Skip(from))
        {
            last[metric.Name] = metric;
        }
        return new MetricTable(last.Values.ToArray());
    }

    private static int shownUpTo;

    /// <summary>Forgets every reported metric (for tests and for re-running a notebook from the top).</summary>
    public static void Clear()
    {
        lock (reported)
        {
            reported.Clear();
        }
        ExerciseLog.Clear();
        Interlocked.Exchange(ref shownUpTo, 0);
    }

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex NamePattern();
}

/// <summary>Several metrics shown together as one table.</summary>
/// <param name="Metrics">the metrics, in the order they were first reported.</param>
/// <param name="IsSummary">whether this is a notebook's summary (<see cref="Metrics.Summary"/>), whose
/// output carries the machine-readable bundle.</param>
public sealed record MetricTable(IReadOnlyList<Metric> Metrics, bool IsSummary = false)
{
    /// <summary>MIME type of the machine-readable bundle of a summary's metrics.</summary>
    public const string BundleMimeType = "application/vnd.workbook.metrics+json";

    /// <summary>
    /// The bundle: <c>{"format": "workbook-metrics/2", "host": "...", "metrics": {"name": value, ...},
    /// "exercises": {"exercise_metric": {"exercise": "online softmax", "state": "passed" | "failed" | "not attempted",
    /// "message": "...", "cases": 6}, ...}}</c>. Values are written so that they parse back to the same double (NaN and
    /// infinities as strings). Version 1 had no "exercises": its <c>exercise_*_passed = 0</c> could not tell a failed
    /// exercise from one not attempted. Readers (<c>workbook check --executed</c>, <c>workbook grade</c>) read both.
    /// </summary>
    public string ToBundleJson()
    {
        var metrics = new System.Text.Json.Nodes.JsonObject();
        foreach (var metric in Metrics)
        {
            metrics[metric.Name] = double.IsFinite(metric.Value)
                ? System.Text.Json.Nodes.JsonValue.Create(metric.Value)
                : System.Text.Json.Nodes.JsonValue.Create(metric.Value.ToString(CultureInfo.InvariantCulture));
        }
        var exercises = new System.Text.Json.Nodes.JsonObject();
        foreach (var metric in Metrics)
        {
            if (metric.Exercise is { } exercise)
            {
                exercises[metric.Name] = new System.Text.Json.Nodes.JsonObject
                {
                    ["exercise"] = exercise.Exercise,
                    ["state"] = exercise.StateText,
                    ["message"] = exercise.Message,
                    ["cases"] = exercise.CasesChecked,
                };
            }
        }
        var bundle = new System.Text.Json.Nodes.JsonObject
        {
            ["format"] = BundleFormat,
            ["host"] = NotebookHost.Name,
            ["metrics"] = metrics,
            ["exercises"] = exercises,
        };
        return bundle.ToJsonString();
    }

    /// <summary>The bundle's format tag (version 2: with the exercises' states).</summary>
    public const string BundleFormat = "workbook-metrics/2";

    /// <summary>The first version's tag (metrics only), still read by <c>workbook check --executed</c>.</summary>
    public const string BundleFormatV1 = "workbook-metrics/1";

    /// <inheritdoc />
    public override string ToString() => string.Join(Environment.NewLine, Metrics.Select(m => m.ToString()));
}
