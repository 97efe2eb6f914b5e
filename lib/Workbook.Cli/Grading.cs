using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Workbook.Cli;

/// <summary>One row of a grade sheet: a student's state on one exercise of one notebook.</summary>
/// <param name="Student">the student (their folder's name, or the part of the file name before "__").</param>
/// <param name="Notebook">the notebook's file name without .ipynb.</param>
/// <param name="Exercise">the exercise's name as its check reports it ("-" for a row about the whole notebook).</param>
/// <param name="State">passed, failed, not attempted, error (a cell raised), not run (no check output), unreadable.</param>
/// <param name="Message">the check's message, the error, or why the file was skipped.</param>
public sealed record GradeRow(string Student, string Notebook, string Exercise, string State, string Message);

/// <summary>
/// Quick grading: reads a class's saved, executed notebooks and collects every exercise check's displayed result.
/// It runs nothing, so it trusts the saved outputs, which a student can edit: every row is marked unverified.
/// </summary>
public static partial class Grading
{
    /// <summary>The states a row can have.</summary>
    public const string Passed = "passed", Failed = "failed", NotAttempted = "not attempted", Error = "error", NotRun = "not run", Unreadable = "unreadable";

    /// <summary>The submissions under <paramref name="folder"/>: (student, notebook path), one folder per student or student__notebook.ipynb files.</summary>
    public static IReadOnlyList<(string Student, string Path)> Submissions(string folder)
    {
        var found = new List<(string, string)>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.ipynb").Order(StringComparer.Ordinal))
        {
            var stem = Path.GetFileNameWithoutExtension(file);
            var split = stem.IndexOf("__", StringComparison.Ordinal);
            found.Add((split > 0 ? stem[..split] : stem, file));
        }
        foreach (var student in Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(student).StartsWith('.'))
            {
                continue;
            }
            foreach (var file in Directory.EnumerateFiles(student, "*.ipynb", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (!file.Contains(".ipynb_checkpoints", StringComparison.Ordinal))
                {
                    found.Add((Path.GetFileName(student), file));
                }
            }
        }
        return found.OrderBy(f => f.Item1, StringComparer.Ordinal).ThenBy(f => f.Item2, StringComparer.Ordinal).ToList();
    }

    /// <summary>The rows of one submission; never throws for a bad file (it becomes an unreadable row).</summary>
    public static IReadOnlyList<GradeRow> Grade(string student, string path)
    {
        var stem = Path.GetFileNameWithoutExtension(path);
        var split = stem.IndexOf("__", StringComparison.Ordinal);
        var notebook = split > 0 ? stem[(split + 2)..] : stem;
        JsonArray cells;
        try
        {
            cells = JsonNode.Parse(File.ReadAllText(path)) is JsonObject { } document && document["cells"] is JsonArray array
                ? array
                : throw new FormatException("not a Jupyter notebook (no cells array)");
        }
        catch (Exception e) when (e is JsonException or FormatException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return new[] { new GradeRow(student, notebook, "-", Unreadable, e.Message.Split('\n')[0].Trim()) };
        }

        // The exercise cells are those that report an exercise metric (Metrics.Report("exercise...")); a check shown
        // elsewhere (a notebook demonstrating a wrong answer failing the same check) is not the student's.
        var rows = new List<GradeRow>();
        for (var c = 0; c < cells.Count; c++)
        {
            if (cells[c] is not JsonObject cell || cell["cell_type"]?.ToString() != "code")
            {
                continue;
            }
            var metrics = ExerciseMetric().Matches(cell["source"] is { } source ? Text(source) : "").Select(m => m.Groups["name"].Value).Distinct().ToList();
            var results = new List<GradeRow>();
            var errors = new List<GradeRow>();
            var outputs = cell["outputs"] as JsonArray ?? new JsonArray();
            foreach (var output in outputs.OfType<JsonObject>())
            {
                try
                {
                    if (output["output_type"]?.ToString() == "error")
                    {
                        var value = output["evalue"]?.ToString() ?? "";
                        errors.Add(new GradeRow(student, notebook, metrics.Count > 0 ? string.Join(" ", metrics) : $"cell {c + 1}", Error,
                            $"cell {c + 1}: {output["ename"]?.ToString() ?? "error"}: {value.Split('\n')[0].Trim()}"));
                        continue;
                    }
                    if (metrics.Count == 0 || output["data"] is not JsonObject data)
                    {
                        continue;
                    }
                    var plain = data["text/plain"] is { } p ? PlainResult().Match(Text(p)) : Match.Empty;
                    if (plain.Success)
                    {
                        results.Add(new GradeRow(student, notebook, plain.Groups["name"].Value,
                            plain.Groups["state"].Value switch { "PASSED" => Passed, "FAILED" => Failed, _ => NotAttempted }, plain.Groups["message"].Value.Trim()));
                    }
                    else if (data["text/html"] is { } h && HtmlResult().Match(Text(h)) is { Success: true } html)
                    {
                        results.Add(new GradeRow(student, notebook, WebUtility.HtmlDecode(html.Groups["name"].Value),
                            html.Groups["state"].Value switch { "passed" => Passed, "failed" => Failed, _ => NotAttempted },
                            WebUtility.HtmlDecode(html.Groups["message"].Value).Trim()));
                    }
                }
                catch (Exception e) when (e is InvalidOperationException or FormatException)
                {
                    errors.Add(new GradeRow(student, notebook, $"cell {c + 1}", Unreadable, $"an output is malformed: {e.Message}"));
                }
            }
            // A check run several times shows its last result.
            rows.AddRange(results.GroupBy(r => r.Exercise, StringComparer.Ordinal).Select(g => g.Last()));
            rows.AddRange(errors);
            if (metrics.Count > 0 && results.Count == 0 && errors.Count == 0 && outputs.Count == 0 && cell["execution_count"] is null)
            {
                rows.Add(new GradeRow(student, notebook, string.Join(" ", metrics), NotRun, $"cell {c + 1} was not run (or not saved after running)"));
            }
        }
        if (rows.Count == 0)
        {
            rows.Add(new GradeRow(student, notebook, "-", NotRun, "no exercise check output: the notebook was not run, or not saved after running"));
        }
        return rows;
    }

    /// <summary>The rows as CSV (RFC 4180), with the header and the verified column.</summary>
    public static string Csv(IEnumerable<GradeRow> rows)
    {
        var text = new StringBuilder("student,notebook,exercise,state,message,verified\n");
        foreach (var row in rows)
        {
            text.Append(string.Join(',', new[] { row.Student, row.Notebook, row.Exercise, row.State, row.Message, "no" }.Select(Quote))).Append('\n');
        }
        return text.ToString();
    }

    private static string Quote(string field) =>
        field.IndexOfAny(new[] { ',', '"', '\n', '\r' }) >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;

    [GeneratedRegex("Metrics\\.Report\\(\\s*\"(?<name>exercise[^\"]*)\"")]
    private static partial Regex ExerciseMetric();

    private static string Text(JsonNode node) => node switch
    {
        JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>() ?? "")),
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => node.ToJsonString(),
    };

    /// <summary>ExerciseResult's plain text: "PASSED name: message" (Workbook.Exercises.ExerciseResult.ToString).</summary>
    [GeneratedRegex(@"\A\s*(?<state>PASSED|FAILED|NOT ATTEMPTED) (?<name>[^:\n]+): (?<message>.*)\z", RegexOptions.Singleline)]
    private static partial Regex PlainResult();

    /// <summary>ExerciseResult's HTML box (Workbook.Display.WorkbookFormatters.ExerciseHtml).</summary>
    [GeneratedRegex("class=\"workbook-exercise (?<state>passed|failed|not-attempted)\".*?<strong>\\S+ (?<name>[^<]*?): [^<]*</strong>.*?<div[^>]*>(?<message>.*?)</div>", RegexOptions.Singleline)]
    private static partial Regex HtmlResult();
}
