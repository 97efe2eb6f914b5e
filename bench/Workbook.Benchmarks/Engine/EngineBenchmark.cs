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
/// cell, and the wall time of every notebook in notebooks/; and, in the same sitting, the same
/// notebooks in the real .NET Interactive kernel (dotnet-repl 0.3.259 from the local tool manifest,
/// run from the notebook's folder), with the engine/kernel ratio of each (the goal: at most 1.1).
/// Options: --repeat N (cold starts, default 5), --cells N (trivial cells, default 200), --no-workbook,
/// --no-kernel.
/// </summary>
public static class EngineBenchmark
{
    /// <summary>Runs the measurements and prints a table. Returns 0, or 1 when a run failed.</summary>
    public static int Run(string[] args)
    {
        var repeat = Option(args, "--repeat", 5);
        var cells = Option(args, "--cells", 200);
        var runWorkbook = !args.Contains("--no-workbook");
        var runKernel = !args.Contains("--no-kernel");
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
        if (runKernel)
        {
            // Per cell in both kernels, from wall times: (many cells - one cell) / cells.
            var engineOne = NotebookRunner.RunAsync(trivial, new RunOptions { NotebookTimeout = TimeSpan.FromMinutes(2) }).GetAwaiter().GetResult().Seconds;
            var kernelOne = RealKernelSeconds(trivial);
            var kernelMany = RealKernelSeconds(many);
            var enginePerCell = (manyResult.Seconds - engineOne) / cells;
            var kernelPerCell = (kernelMany - kernelOne) / cells;
            rows.Add(("one trivial cell, wall time: engine | real kernel", $"{engineOne:F2} s | {kernelOne:F2} s", $"ratio {engineOne / kernelOne:F2}"));
            rows.Add(($"per trivial cell, from wall times: engine | real kernel", $"{enginePerCell * 1000:F1} ms | {kernelPerCell * 1000:F1} ms",
                $"ratio {enginePerCell / kernelPerCell:F2} ((wall({cells + 2} cells) - wall(1 cell)) / {cells})"));
        }

        // 3. The whole workbook: every notebook in notebooks/, one after the other.
        var root = FindRoot();
        var notebooks = root is null || !Directory.Exists(Path.Combine(root, "notebooks"))
            ? Array.Empty<string>()
            : Directory.GetFiles(Path.Combine(root, "notebooks"), "*.ipynb").Order(StringComparer.Ordinal).ToArray();
        if (runWorkbook && notebooks.Length > 0)
        {
            var total = Stopwatch.StartNew();
            var ratios = new List<double>();
            foreach (var notebook in notebooks)
            {
                var result = NotebookRunner.RunAsync(notebook, new RunOptions { NotebookTimeout = TimeSpan.FromMinutes(10) }).GetAwaiter().GetResult();
                failed |= !result.Succeeded;
                if (!runKernel)
                {
                    rows.Add(($"  {Path.GetFileName(notebook)}", $"{result.Seconds:F2} s", result.Status));
                    continue;
                }
                var kernel = RealKernelSeconds(notebook);
                ratios.Add(result.Seconds / kernel);
                rows.Add(($"  {Path.GetFileName(notebook)}: engine | real kernel", $"{result.Seconds:F2} s | {kernel:F2} s", $"{result.Status}, ratio {result.Seconds / kernel:F2}"));
            }
            if (ratios.Count > 0)
            {
                rows.Add(("engine / real kernel over the notebooks", $"max {ratios.Max():F2}", $"median {Median(ratios):F2}, min {ratios.Min():F2}"));
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

    // Wall time of one notebook in the real kernel (dotnet-repl, started in the notebook's folder as
    // VS Code and Jupyter start the kernel), process start to exit.
    private static double RealKernelSeconds(string notebook)
    {
        // The local tool manifest is found from the working folder: scratch notebooks run from the root.
        var folder = Path.GetDirectoryName(Path.GetFullPath(notebook))!;
        var root = FindRoot() ?? Environment.CurrentDirectory;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = folder.StartsWith(root, StringComparison.Ordinal) ? folder : root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var output = Path.Combine(Path.GetTempPath(), $"workbook-bench-kernel-{Guid.NewGuid():N}.ipynb");
        foreach (var argument in new[] { "tool", "run", "dotnet-repl", "--", "--run", Path.GetFullPath(notebook), "--exit-after-run", "--output-path", output })
        {
            start.ArgumentList.Add(argument);
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEndAsync();
        process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        var seconds = clock.Elapsed.TotalSeconds;
        File.Delete(output);
        return process.ExitCode == 0 ? seconds : double.NaN;
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
