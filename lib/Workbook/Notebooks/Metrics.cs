using System.Globalization;
using System.Text.RegularExpressions;

namespace Workbook.Notebooks;

/// <summary>One named number a notebook reports, e.g. <c>val_loss = 1.93</c>.</summary>
/// <param name="Name">snake_case name that the notebook's declared bounds refer to.</param>
/// <param name="Value">the measured value.</param>
/// <param name="Description">what was measured, in words, for the person reading the notebook.</param>
public sealed record Metric(string Name, double Value, string? Description = null)
{
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
    public static Metric Report(string name, double value, string? description = null)
    {
        if (string.IsNullOrEmpty(name) || !NamePattern().IsMatch(name))
        {
            throw new ArgumentException(
                $"Metric name '{name}' is not snake_case (lower-case letters, digits and '_', starting with a letter).",
                nameof(name));
        }
        var metric = new Metric(name, value, description);
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
    /// The bundle: <c>{"format": "workbook-metrics/1", "metrics": {"name": value, ...}}</c>, values
    /// written so that they parse back to the same double (NaN and infinities as strings).
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
        var bundle = new System.Text.Json.Nodes.JsonObject
        {
            ["format"] = BundleFormat,
            ["host"] = NotebookHost.Name,
            ["metrics"] = metrics,
        };
        return bundle.ToJsonString();
    }

    /// <summary>The bundle's format tag.</summary>
    public const string BundleFormat = "workbook-metrics/1";

    /// <inheritdoc />
    public override string ToString() => string.Join(Environment.NewLine, Metrics.Select(m => m.ToString()));
}
