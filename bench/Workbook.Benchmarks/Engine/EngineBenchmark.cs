using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workbook.Engine.Documents;
using Workbook.Engine.Execution;

namespace Workbook.Benchmarks.Engine;

/// <summary>
/// Measured harness for the notebook engine (not BenchmarkDotNet: each sample starts a process).
/// Reports cold start to the first trivial cell's result, the median per-cell overhead of a trivial
/// cell, and the wall time of every notebook in notebooks/.
/// Options: --repeat N (cold starts, default 5), --cells N (trivial cells, default 200), --no-workbook.
/// </summary>
public static class EngineBenchmark
{
    /// <summary>Runs the measurements and prints a table. Returns 0, or 1 when a run failed.</summary>
    public static int Run(string[] args)
    {
        var repeat = Option(args, "--repeat", 5);
        var cells = Option(args, "--cells", 200);
        var runWorkbook = !args.Contains("--no-workbook");
        var scratch = Path.Combine(Path.GetTempPath(), "workbook-engine-bench", Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(scratch);
        var rows = new List<(string What, string Value, string Note)>();
        var failed = false;

        // 1. Cold start: controller call to the first trivial cell's result (worker process start,
        //    runtime start, Roslyn warm-up and the cell's compilation included).
        var trivial = WriteNotebook(Path.Combine(scratch, "trivial.ipynb"), new[] { "1 + 1" });
        var coldStarts = new List<double>();
        for (var i = 0; i < repeat; i++)
        {
            var clock = Stopwatch.StartNew();
            double? firstCell = null;
            var result = NotebookRunner.RunAsync(trivial, new RunOptions
            {
                NotebookTimeout = TimeSpan.FromMinutes(2),
                Progress = p => firstCell ??= p.Seconds is null ? null : clock.Elapsed.TotalSeconds,
            }).GetAwaiter().GetResult();
            failed |= !result.Succeeded;
            coldStarts.Add(firstCell ?? double.NaN);
            Console.WriteLine($"cold start {i + 1}/{repeat}: {firstCell:F3} s to the first cell's result, {result.Seconds:F3} s the whole run");
        }
        rows.Add(("cold start to first cell done (median)", $"{Median(coldStarts):F3} s", $"{repeat} runs, min {coldStarts.Min():F3} s, max {coldStarts.Max():F3} s"));

        // 2. Per-cell overhead of a trivial cell (x++;): the cell's own time in the worker (compile +
        //    run) and the interval between consecutive results seen by the controller.
        var many = WriteNotebook(Path.Combine(scratch, "trivial-cells.ipynb"),
            new[] { "var x = 0;" }.Concat(Enumerable.Repeat("x++;", cells)).Concat(new[] { "x" }).ToArray());
        var finishes = new List<double>();
        var runClock = Stopwatch.StartNew();
        var manyResult = NotebookRunner.RunAsync(many, new RunOptions
        {
            NotebookTimeout = TimeSpan.FromMinutes(10),
            Progress = p =>
            {
                if (p.Seconds is not null)
                {
                    finishes.Add(runClock.Elapsed.TotalSeconds);
                }
            },
        }).GetAwaiter().GetResult();
        failed |= !manyResult.Succeeded;
        var trivialCells = manyResult.Cells.Skip(2).Take(cells - 1).Select(c => c.Seconds).ToList();
        var intervals = finishes.Zip(finishes.Skip(1), (a, b) => b - a).Skip(2).Take(cells - 1).ToList();
        rows.Add(("trivial cell `x++;`, time in the worker (median)", $"{Median(trivialCells) * 1000:F1} ms", $"{trivialCells.Count} cells; p90 {Percentile(trivialCells, 0.9) * 1000:F1} ms"));
        rows.Add(("trivial cell, result to result at the controller (median)", $"{Median(intervals) * 1000:F1} ms", $"{intervals.Count} intervals; p90 {Percentile(intervals, 0.9) * 1000:F1} ms"));
        rows.Add(($"notebook of {cells + 2} trivial cells, wall time", $"{manyResult.Seconds:F2} s", manyResult.Succeeded ? "" : manyResult.Describe()));

        // 3. The whole workbook: every notebook in notebooks/, one after the other.
        var root = FindRoot();
        var notebooks = root is null || !Directory.Exists(Path.Combine(root, "notebooks"))
            ? Array.Empty<string>()
            : Directory.GetFiles(Path.Combine(root, "notebooks"), "*.ipynb").Order(StringComparer.Ordinal).ToArray();
        if (runWorkbook && notebooks.Length > 0)
        {
            var total = Stopwatch.StartNew();
            foreach (var notebook in notebooks)
            {
                var result = NotebookRunner.RunAsync(notebook, new RunOptions { NotebookTimeout = TimeSpan.FromMinutes(10) }).GetAwaiter().GetResult();
                failed |= !result.Succeeded;
                rows.Add(($"  {Path.GetFileName(notebook)}", $"{result.Seconds:F2} s", result.Status));
            }
            rows.Add(($"whole workbook ({notebooks.Length} notebooks), wall time", $"{total.Elapsed.TotalSeconds:F2} s", "sequential, one worker each"));
        }
        else
        {
            rows.Add(("whole workbook", "-", runWorkbook ? "no notebooks in notebooks/ yet" : "skipped (--no-workbook)"));
        }

        Console.WriteLine();
        var load = File.Exists("/proc/loadavg") ? $", load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end" : "";
        Console.WriteLine($"Workbook engine benchmark ({Environment.ProcessorCount} cores, .NET {Environment.Version}{load})");
        var w0 = rows.Max(r => r.What.Length);
        var w1 = Math.Max(5, rows.Max(r => r.Value.Length));
        Console.WriteLine($"{"measure".PadRight(w0)}  {"value".PadLeft(w1)}  note");
        Console.WriteLine($"{new string('-', w0)}  {new string('-', w1)}  ----");
        foreach (var (what, value, note) in rows)
        {
            Console.WriteLine($"{what.PadRight(w0)}  {value.PadLeft(w1)}  {note}");
        }
        try
        {
            Directory.Delete(scratch, recursive: true);
        }
        catch (IOException)
        {
            // scratch files in /tmp; leaving them is harmless
        }
        return failed ? 1 : 0;
    }

    private static string WriteNotebook(string path, IReadOnlyList<string> sources)
    {
        var cells = new JsonArray();
        for (var i = 0; i < sources.Count; i++)
        {
            cells.Add(new JsonObject
            {
                ["cell_type"] = "code",
                ["execution_count"] = null,
                ["id"] = $"c{i}",
                ["metadata"] = new JsonObject { ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" } },
                ["outputs"] = new JsonArray(),
                ["source"] = sources[i],
            });
        }
        var notebook = new JsonObject { ["cells"] = cells, ["metadata"] = new JsonObject(), ["nbformat"] = 4, ["nbformat_minor"] = 5 };
        NotebookDocument.WriteAtomically(notebook, path);
        return path;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : fallback;
    }

    private static double Median(IReadOnlyList<double> values) => Percentile(values, 0.5);

    private static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToArray();
        var position = p * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = (int)Math.Ceiling(position);
        return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
    }

    private static string? FindRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Workbook.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        return null;
    }
}
