using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Workbook.Engine.Documents;

namespace Workbook.Engine.Claims;

/// <summary>The state of the exercise behind one exercise metric, as a version-2 bundle records it.</summary>
/// <param name="Metric">the exercise metric ("exercise_passed").</param>
/// <param name="Exercise">the exercise's name as its check reports it ("online softmax").</param>
/// <param name="State">"passed", "failed" or "not attempted".</param>
/// <param name="Message">the check's message.</param>
/// <param name="Cases">cases the check ran.</param>
public sealed record BundleExercise(string Metric, string Exercise, string State, string Message, int Cases)
{
    /// <summary>The states a bundle writes (Workbook.Exercises.ExerciseStatus.Text).</summary>
    public const string Passed = "passed", Failed = "failed", NotAttempted = "not attempted";

    /// <inheritdoc />
    public override string ToString() => $"{Exercise}: {State}" + (State == Passed ? "" : $": {Message}");
}

/// <summary>
/// The machine-readable metrics bundle a notebook's summary (<c>Metrics.Summary()</c>) writes, read from any
/// executed notebook. Version 1 (<c>workbook-metrics/1</c>) maps names to numbers; version 2
/// (<c>workbook-metrics/2</c>) adds, per exercise metric, the exercise's state and message
/// (Workbook.Notebooks.MetricTable.ToBundleJson). Both are read.
/// </summary>
public sealed partial class MetricsBundle
{
    /// <summary>MIME type of the bundle (Workbook.Notebooks.MetricTable.BundleMimeType).</summary>
    public const string MimeType = "application/vnd.workbook.metrics+json";

    /// <summary>The current format tag (Workbook.Notebooks.MetricTable.BundleFormat).</summary>
    public const string Format = "workbook-metrics/2";

    /// <summary>The first format's tag (metrics only).</summary>
    public const string FormatV1 = "workbook-metrics/1";

    private MetricsBundle(int version, string? host, IReadOnlyDictionary<string, double> metrics, IReadOnlyDictionary<string, BundleExercise>? exercises)
    {
        Version = version;
        Host = host;
        Metrics = metrics;
        Exercises = exercises;
    }

    /// <summary>1 or 2.</summary>
    public int Version { get; }

    /// <summary>The host that wrote the bundle ("workbook-engine", "polyglot", ...), when it says.</summary>
    public string? Host { get; }

    /// <summary>Every metric's last value.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; }

    /// <summary>Each exercise metric's state (version 2); null for a version-1 bundle, which cannot say.</summary>
    public IReadOnlyDictionary<string, BundleExercise>? Exercises { get; }

    /// <summary>
    /// Reads the bundle in one output's data: the bundle MIME entry (a JSON object, or its text as a kernel writes it),
    /// or the copy embedded in the summary's HTML table. Returns false when the data holds no bundle; true with
    /// <paramref name="error"/> set when it holds one that does not read.
    /// </summary>
    public static bool TryRead(JsonObject data, out MetricsBundle? bundle, out string? error)
    {
        bundle = null;
        error = null;
        JsonObject? json = null;
        string? text = null;
        if (data[MimeType] is { } node)
        {
            if (node is JsonObject direct)
            {
                json = direct;
            }
            else
            {
                text = NotebookDocument.ReadMultiline(node, MimeType);
            }
        }
        else if (data["text/html"] is { } html)
        {
            var match = EmbeddedBundle().Match(NotebookDocument.ReadMultiline(html, "text/html"));
            if (!match.Success)
            {
                return false;
            }
            text = match.Groups["json"].Value.Replace("<\\/", "</", StringComparison.Ordinal);
        }
        else
        {
            return false;
        }
        if (json is null)
        {
            try
            {
                json = JsonNode.Parse(text!) as JsonObject;
            }
            catch (JsonException e)
            {
                error = $"the metrics bundle is not valid JSON ({e.Message})";
                return true;
            }
        }
        try
        {
            bundle = Parse(json);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            error = e.Message;
        }
        return true;
    }

    /// <summary>Reads a bundle's JSON; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static MetricsBundle Parse(JsonObject? json)
    {
        var format = json?["format"] is JsonValue f && f.TryGetValue<string>(out var tag) ? tag : null;
        var version = format switch { Format => 2, FormatV1 => 1, _ => 0 };
        if (version == 0 || json!["metrics"] is not JsonObject metricsJson)
        {
            throw new FormatException($"the metrics bundle is not in the format {Format} or {FormatV1}");
        }
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, node) in metricsJson)
        {
            metrics[name] = node switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>(),
                JsonValue v when v.GetValueKind() == JsonValueKind.String &&
                                 double.TryParse(v.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
                _ => double.NaN,
            };
        }
        Dictionary<string, BundleExercise>? exercises = null;
        if (version == 2)
        {
            if (json["exercises"] is not JsonObject exercisesJson)
            {
                throw new FormatException($"the metrics bundle ({Format}) has no \"exercises\" object");
            }
            exercises = new Dictionary<string, BundleExercise>(StringComparer.Ordinal);
            foreach (var (metric, node) in exercisesJson)
            {
                var state = Text(node, "state", metric);
                if (state is not (BundleExercise.Passed or BundleExercise.Failed or BundleExercise.NotAttempted))
                {
                    throw new FormatException($"the metrics bundle's exercise {metric} has the unknown state \"{state}\"");
                }
                var cases = node?["cases"] is JsonValue c && c.TryGetValue<int>(out var n) ? n : 0;
                exercises[metric] = new BundleExercise(metric, Text(node, "exercise", metric), state, Text(node, "message", metric), cases);
            }
        }
        var host = json["host"] is JsonValue h && h.TryGetValue<string>(out var hostName) ? hostName : null;
        return new MetricsBundle(version, host, metrics, exercises);
    }

    /// <summary>
    /// The exercise metrics' states: the bundle's own (version 2), or for a version-1 bundle what its numbers can say
    /// (1 passed, anything else failed: version 1 cannot tell "not attempted").
    /// </summary>
    public IReadOnlyList<BundleExercise> ExerciseStates() =>
        Exercises is { } known
            ? known.Values.ToList()
            : Metrics.Where(m => m.Key.StartsWith("exercise", StringComparison.Ordinal))
                .Select(m => new BundleExercise(m.Key, m.Key, m.Value == 1 ? BundleExercise.Passed : BundleExercise.Failed,
                    m.Value == 1 ? "" : $"{m.Key} = {m.Value.ToString("G6", CultureInfo.InvariantCulture)} (a version-1 bundle does not say whether it was attempted)", 0))
                .ToList();

    /// <summary>The last bundle among <paramref name="outputs"/> (Jupyter outputs), or null when there is none; a malformed one is an error.</summary>
    public static MetricsBundle? Last(IEnumerable<JsonObject> outputs, out string? error)
    {
        MetricsBundle? last = null;
        error = null;
        foreach (var output in outputs)
        {
            if (output["data"] is JsonObject data && TryRead(data, out var found, out var problem))
            {
                last = found;
                error = problem;
            }
        }
        return last;
    }

    private static string Text(JsonNode? node, string field, string metric) =>
        node?[field] is JsonValue v && v.TryGetValue<string>(out var text)
            ? text
            : throw new FormatException($"the metrics bundle's exercise {metric} has no \"{field}\" text");

    [GeneratedRegex("<script type=\"application/vnd\\.workbook\\.metrics\\+json\"[^>]*>(?<json>.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex EmbeddedBundle();
}
