using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Workbook.Engine.Claims;

/// <summary>
/// A bound on a metric, as written in a notebook's metadata: "&lt;= x", "&gt;= x", "&lt; x", "&gt; x",
/// "== x" (exact) or "in [a, b]" (inclusive). NaN satisfies no bound.
/// </summary>
public sealed partial record MetricBound(string Text, string Operator, double Low, double High)
{
    /// <summary>Parses a bound; throws <see cref="FormatException"/> with the accepted forms when it cannot.</summary>
    public static MetricBound Parse(string text)
    {
        var trimmed = text.Trim();
        var range = RangePattern().Match(trimmed);
        if (range.Success)
        {
            var low = Number(range.Groups["a"].Value, text);
            var high = Number(range.Groups["b"].Value, text);
            if (low > high)
            {
                throw new FormatException($"bound \"{text}\": the range's lower end {low} is above its upper end {high}");
            }
            return new MetricBound(trimmed, "in", low, high);
        }
        var comparison = ComparisonPattern().Match(trimmed);
        if (comparison.Success)
        {
            var value = Number(comparison.Groups["x"].Value, text);
            return new MetricBound(trimmed, comparison.Groups["op"].Value, value, value);
        }
        throw new FormatException(
            $"bound \"{text}\" is not understood; write one of \"<= x\", \">= x\", \"< x\", \"> x\", \"== x\" or \"in [a, b]\"");
    }

    /// <summary>Whether <paramref name="value"/> satisfies the bound (never for NaN).</summary>
    public bool IsSatisfiedBy(double value) =>
        !double.IsNaN(value) && Operator switch
        {
            "<=" => value <= High,
            ">=" => value >= Low,
            "<" => value < High,
            ">" => value > Low,
            "==" => value == Low,
            "in" => value >= Low && value <= High,
            _ => false,
        };

    /// <inheritdoc />
    public override string ToString() => Text;

    private static double Number(string text, string bound) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && !double.IsNaN(value)
            ? value
            : throw new FormatException($"bound \"{bound}\": \"{text}\" is not a number");

    [GeneratedRegex(@"^in\s*\[\s*(?<a>[^,\s\]]+)\s*,\s*(?<b>[^\]\s]+)\s*\]$")]
    private static partial Regex RangePattern();

    [GeneratedRegex(@"^(?<op><=|>=|==|<|>)\s*(?<x>\S+)$")]
    private static partial Regex ComparisonPattern();
}

/// <summary>The outcome of one claim: a metric against its bound, or the run time against the budget.</summary>
/// <param name="Name">the metric's name, or "budget_seconds".</param>
/// <param name="Bound">the bound as declared.</param>
/// <param name="Value">the last reported value; null when never reported.</param>
/// <param name="Passed">whether the claim holds.</param>
/// <param name="Message">a sentence a student can act on.</param>
public sealed record ClaimResult(string Name, string Bound, double? Value, bool Passed, string Message);

/// <summary>
/// What a notebook claims, from its metadata:
/// <c>"workbook": {"budget_seconds": 90, "metrics": {"mean_return": "&gt;= 475"}}</c>.
/// Every declared metric must be reported and meet its bound; the run must fit the budget.
/// </summary>
public sealed class NotebookClaims
{
    /// <summary>The name of the claim that the run finished within <c>budget_seconds</c>.</summary>
    public const string BudgetClaim = "budget_seconds";

    /// <summary>Wall-time budget when a notebook declares none.</summary>
    public const double DefaultBudgetSeconds = 90;

    private NotebookClaims(double budgetSeconds, IReadOnlyList<(string Name, MetricBound Bound)> bounds, IReadOnlySet<string> varying,
        IReadOnlyDictionary<string, string> sanity)
    {
        BudgetSeconds = budgetSeconds;
        Bounds = bounds;
        Varying = varying;
        Sanity = sanity;
    }

    /// <summary>
    /// Metrics whose weak bound (<c>in [0, 1]</c>, <c>&gt;= 0</c>, <c>&gt; 0</c>) is meant as a sanity
    /// check, each with its one-line reason, from <c>"sanity": {"name": "reason"}</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string> Sanity { get; }

    /// <summary>
    /// Metrics whose value differs from run to run (wall times, throughput, ratios of times), from
    /// <c>"varying": ["name", ...]</c>: held to their bounds in every kernel, but not required to be
    /// equal between two kernels' runs of the notebook as every other metric is.
    /// </summary>
    public IReadOnlySet<string> Varying { get; }

    /// <summary>The notebook's wall-time budget in seconds.</summary>
    public double BudgetSeconds { get; }

    /// <summary>The declared metric bounds, in declaration order.</summary>
    public IReadOnlyList<(string Name, MetricBound Bound)> Bounds { get; }

    /// <summary>
    /// Reads the claims from notebook metadata (the "workbook" block). Throws
    /// <see cref="FormatException"/> naming the metric when a bound or the budget is malformed.
    /// </summary>
    public static NotebookClaims FromMetadata(JsonObject? notebookMetadata)
    {
        var block = notebookMetadata?["workbook"] as JsonObject;
        var budget = DefaultBudgetSeconds;
        if (block?["budget_seconds"] is { } budgetNode)
        {
            if (budgetNode.GetValueKind() != JsonValueKind.Number || !(budgetNode.GetValue<double>() > 0))
            {
                throw new FormatException($"workbook.budget_seconds must be a positive number of seconds, not {budgetNode.ToJsonString()}");
            }
            budget = budgetNode.GetValue<double>();
        }
        var bounds = new List<(string, MetricBound)>();
        if (block?["metrics"] is { } metricsNode)
        {
            if (metricsNode is not JsonObject metrics)
            {
                throw new FormatException("workbook.metrics must be an object of \"metric_name\": \"bound\"");
            }
            foreach (var (name, value) in metrics)
            {
                if (value is not JsonValue text || !text.TryGetValue<string>(out var boundText))
                {
                    throw new FormatException($"workbook.metrics.{name} must be a string such as \">= 0.9\"");
                }
                try
                {
                    bounds.Add((name, MetricBound.Parse(boundText)));
                }
                catch (FormatException e)
                {
                    throw new FormatException($"workbook.metrics.{name}: {e.Message}");
                }
            }
        }
        var varying = new HashSet<string>(StringComparer.Ordinal);
        if (block?["varying"] is { } varyingNode)
        {
            if (varyingNode is not JsonArray names || names.Any(n => n is not JsonValue v || !v.TryGetValue<string>(out _)))
            {
                throw new FormatException("workbook.varying must be an array of metric names, such as [\"tokens_per_second\"]");
            }
            varying.UnionWith(names.Select(n => n!.GetValue<string>()));
        }
        var sanity = new Dictionary<string, string>(StringComparer.Ordinal);
        if (block?["sanity"] is { } sanityNode)
        {
            if (sanityNode is not JsonObject reasons)
            {
                throw new FormatException("workbook.sanity must be an object of \"metric_name\": \"reason\"");
            }
            foreach (var (name, reason) in reasons)
            {
                if (reason is not JsonValue text || !text.TryGetValue<string>(out var why) || why.Trim().Length < 10)
                {
                    throw new FormatException($"workbook.sanity.{name} must give the reason in words (a sentence)");
                }
                sanity[name] = why;
            }
        }
        return new NotebookClaims(budget, bounds, varying, sanity);
    }

    /// <summary>
    /// Checks the claims against the last reported value of each metric and the run's wall time
    /// (pass null to skip the budget, e.g. when the run did not finish).
    /// </summary>
    public IReadOnlyList<ClaimResult> Check(IReadOnlyDictionary<string, double> lastMetrics, double? seconds)
    {
        var results = new List<ClaimResult>();
        foreach (var (name, bound) in Bounds)
        {
            if (!lastMetrics.TryGetValue(name, out var value))
            {
                results.Add(new ClaimResult(name, bound.Text, null, false,
                    $"metric {name} was declared ({bound.Text}) but never reported: add Metrics.Report(\"{name}\", value)"));
                continue;
            }
            var passed = bound.IsSatisfiedBy(value);
            results.Add(new ClaimResult(name, bound.Text, value, passed,
                passed
                    ? $"metric {name} = {Format(value)} meets {bound.Text}"
                    : $"metric {name} = {Format(value)} misses its bound {bound.Text}"));
        }
        if (seconds is { } s)
        {
            var passed = s <= BudgetSeconds;
            results.Add(new ClaimResult(BudgetClaim, $"<= {Format(BudgetSeconds)}", s, passed,
                passed
                    ? $"ran in {s:F1} s, within the budget of {Format(BudgetSeconds)} s"
                    : $"ran in {s:F1} s, over the budget of {Format(BudgetSeconds)} s (make the notebook faster or smaller)"));
        }
        return results;
    }

    private static string Format(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
