using System.Text.Json.Nodes;
using Workbook.Engine.Claims;

namespace Workbook.Engine.Execution;

/// <summary>One executed cell.</summary>
public sealed record CellRun(int Number, bool Injected, double Seconds, bool Succeeded, JsonArray Outputs, NugetReport? Nuget = null);

/// <summary>Why a notebook failed: the cell (1-based among all cells) and line when known.</summary>
public sealed record RunFailure(int? Cell, int? Line, string Message, string? Metric = null);

/// <summary>The outcome of one notebook.</summary>
public sealed class NotebookRunResult
{
    /// <summary>The source notebook.</summary>
    public required string NotebookPath { get; init; }

    /// <summary>Where the executed copy was written, if it was.</summary>
    public string? OutputPath { get; set; }

    /// <summary>"passed", "failed" (a cell error or a missed claim) or "timeout".</summary>
    public string Status => TimedOut ? "timeout" : Failures.Count == 0 ? "passed" : "failed";

    /// <summary>True when no cell failed, no limit was exceeded and every claim held.</summary>
    public bool Succeeded => Failures.Count == 0;

    /// <summary>Whether a time limit stopped the run.</summary>
    public bool TimedOut { get; set; }

    /// <summary>Wall time, worker start to end.</summary>
    public double Seconds { get; set; }

    /// <summary>The cells that ran, in order.</summary>
    public List<CellRun> Cells { get; } = new();

    /// <summary>Number of code cells in the notebook (the injected one not counted).</summary>
    public int CodeCells { get; set; }

    /// <summary>Every metric report, in order.</summary>
    public List<(string Name, double Value)> MetricReports { get; } = new();

    /// <summary>The last value of each reported metric.</summary>
    public IReadOnlyDictionary<string, double> Metrics =>
        MetricReports.GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Last().Value);

    /// <summary>The claims checked (metric bounds and budget).</summary>
    public List<ClaimResult> Claims { get; } = new();

    /// <summary>The parameter values used.</summary>
    public Dictionary<string, string> Parameters { get; } = new();

    /// <summary>What went wrong, each message naming the notebook, cell and line.</summary>
    public List<RunFailure> Failures { get; } = new();

    /// <summary>The executed notebook (null when the source could not be read).</summary>
    public JsonObject? Executed { get; set; }

    /// <summary>
    /// Whether the notebook is a student edition (<c>metadata.workbook.student_edition</c>, written by
    /// <c>workbook student</c>): its verdict is about the exercises, without the author's machine-dependent bounds.
    /// </summary>
    public bool StudentEdition { get; set; }

    /// <summary>
    /// A student edition's exercises, each passed, not attempted or failed, from the summary's metrics bundle
    /// (empty for an author's notebook, whose exercise metrics are ordinary claims).
    /// </summary>
    public List<BundleExercise> Exercises { get; } = new();

    /// <summary>
    /// The run's verdict in a word or a few: the <see cref="Status"/>; for a student edition whose cells all ran, the
    /// exercises by state ("3 not attempted", "1 passed, 1 not attempted, 1 failing").
    /// </summary>
    public string Verdict
    {
        get
        {
            if (!StudentEdition || TimedOut || Failures.Any(f => f.Metric is null || !f.Metric.StartsWith("exercise", StringComparison.Ordinal)))
            {
                return Status;
            }
            var counts = new[] { (BundleExercise.Passed, "passed"), (BundleExercise.NotAttempted, "not attempted"), (BundleExercise.Failed, "failing") }
                .Select(s => (Count: Exercises.Count(e => e.State == s.Item1), Word: s.Item2))
                .Where(s => s.Count > 0)
                .Select(s => $"{s.Count} {s.Word}")
                .ToList();
            return counts.Count == 0 ? "no exercise" : string.Join(", ", counts);
        }
    }

    /// <summary>A report of every failure, for a student: one line each.</summary>
    public string Describe() => Failures.Count == 0
        ? StudentEdition ? $"{NotebookPath}: {Verdict}, no failure, in {Seconds:F1} s" : $"{NotebookPath}: passed in {Seconds:F1} s"
        : string.Join("\n", Failures.Select(f => f.Message));
}
