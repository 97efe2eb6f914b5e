using System.Reflection;
using System.Globalization;
using System.Text;
using Workbook.Engine.Claims;
using Workbook.Engine.Documents;
using Workbook.Engine.Execution;

namespace Workbook.Cli;

/// <summary>The commands of `workbook` (run, check), callable in-process by tests.</summary>
public static class Commands
{
    /// <summary>Usage text.</summary>
    public const string Usage = """
        usage:
          workbook run [paths...] [--out DIR] [--param name=value ...] [--cell-timeout SECONDS] [--timeout SECONDS] [--in-place]
              Executes notebooks (files or folders; default: the repository's notebooks/) and writes executed
              copies to DIR (default: out/notebooks under the repository root). Exit code 0 when every notebook
              passed, 1 when one failed (a cell error, a time limit, a missed claim), 2 on a usage error.
          workbook check [paths...]
              Checks the notebooks' format, directives and claims without running them.
          workbook check --executed [paths...] [--claims-from DIR]
              Holds notebooks executed anywhere (this engine, the real .NET Interactive kernel through Jupyter
              or dotnet-repl, a saved VS Code copy) to their declared bounds, from the metrics bundle of their
              Metrics.Summary() output; any error output fails. A copy without metadata.workbook (dotnet-repl drops
              it) takes its bounds from the notebook of the same name in DIR (default: the repository's notebooks/).
              Exit code 0 when every notebook passes, 1 if not.
          workbook student [paths...] [--out DIR]
              Writes the student edition of notebooks (default: the repository's notebooks/) to DIR (default:
              student/ beside notebooks/): every answer between // BEGIN SOLUTION and // END SOLUTION replaced by a
              stub, outputs cleared, #r paths rewritten for DIR, a note of how many exercises each holds.
          workbook data [--out DIR]
              Writes the workbook's generated data sets (default: the repository's data/ folder).
        """;

    /// <summary>Dispatches <paramref name="args"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, string? workerAssembly = null)
    {
        if (args is ["--version"])
        {
            output.WriteLine(Version);
            return 0;
        }
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            output.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        try
        {
            return args[0] switch
            {
                "run" => await Run(args[1..], output, error, workerAssembly).ConfigureAwait(false),
                "check" => Check(args[1..], output, error),
                "data" => Data(args[1..], output),
                "student" => Student(args[1..], output),
                _ => throw new UsageException($"unknown command '{args[0]}'"),
            };
        }
        catch (UsageException e)
        {
            error.WriteLine($"workbook: {e.Message}");
            error.WriteLine(Usage);
            return 2;
        }
        catch (NotebookFormatException e)
        {
            error.WriteLine($"workbook: {e.Message}");
            return 1;
        }
    }

    /// <summary>The workbook's version (Directory.Build.props), with the commit it was built from when known.</summary>
    public static string Version =>
        typeof(Commands).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Commands).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    private sealed class UsageException(string message) : Exception(message);

    private static int Student(string[] args, TextWriter output)
    {
        var root = RepositoryRoot.Find();
        var paths = new List<string>();
        var folder = Path.Combine(root, "student");
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--out")
            {
                folder = i + 1 < args.Length ? Path.GetFullPath(args[++i]) : throw new UsageException("--out needs a folder");
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unknown option '{args[i]}' for student");
            }
            else
            {
                paths.Add(args[i]);
            }
        }
        var notebooks = Expand(paths, root);
        foreach (var path in notebooks)
        {
            if (string.Equals(Path.GetDirectoryName(path), Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
            {
                throw new UsageException($"the student edition would overwrite {Relative(path, root)}: choose another --out folder");
            }
        }
        Directory.CreateDirectory(folder);
        var exercises = 0;
        foreach (var path in notebooks)
        {
            var (edition, regions) = StudentEdition.Create(NotebookDocument.Load(path), folder);
            var target = Path.Combine(folder, Path.GetFileName(path));
            NotebookDocument.WriteAtomically(edition, target);
            exercises += regions.Count;
            output.WriteLine($"{Relative(target, root)}: {regions.Count} exercise{(regions.Count == 1 ? "" : "s")}");
        }
        output.WriteLine($"Student edition of {notebooks.Count} notebook{(notebooks.Count == 1 ? "" : "s")} ({exercises} exercises) in {Relative(folder, root)}.");
        return 0;
    }

    private static int Data(string[] args, TextWriter output)
    {
        string? folder = null;
        for (var i = 0; i < args.Length; i++)
        {
            folder = args[i] == "--out" && i + 1 < args.Length ? args[++i] : throw new UsageException($"unknown argument '{args[i]}' for data");
        }
        var root = RepositoryRoot.Find();
        var target = Path.GetFullPath(folder ?? Path.Combine(root, "data"));
        foreach (var file in Workbook.Data.DataSets.WriteAll(target))
        {
            output.WriteLine($"wrote {Relative(file, root)}");
        }
        return 0;
    }

    private static async Task<int> Run(string[] args, TextWriter output, TextWriter error, string? workerAssembly)
    {
        var paths = new List<string>();
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        string? outDir = null;
        double? cellTimeout = null;
        double? timeout = 900;
        var inPlace = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new UsageException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--out":
                    outDir = Next();
                    break;
                case "--param":
                case "-p":
                    var pair = Next();
                    var eq = pair.IndexOf('=');
                    if (eq <= 0)
                    {
                        throw new UsageException($"--param expects name=value, got '{pair}'");
                    }
                    parameters[pair[..eq]] = pair[(eq + 1)..];
                    break;
                case "--cell-timeout":
                    cellTimeout = Seconds(Next(), "--cell-timeout");
                    break;
                case "--timeout":
                    timeout = Seconds(Next(), "--timeout");
                    break;
                case "--in-place":
                    inPlace = true;
                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal))
                    {
                        throw new UsageException($"unknown option {args[i]}");
                    }
                    paths.Add(args[i]);
                    break;
            }
        }
        var root = RepositoryRoot.Find();
        var notebooks = Expand(paths, root);
        if (notebooks.Count == 0)
        {
            error.WriteLine($"workbook: no notebooks found in {string.Join(", ", paths.Count > 0 ? paths : new List<string> { Path.Combine(root, "notebooks") })}");
            return 2;
        }
        var options = new RunOptions
        {
            Parameters = parameters,
            CellTimeout = cellTimeout is { } c && c > 0 ? TimeSpan.FromSeconds(c) : null,
            NotebookTimeout = timeout is { } t && t > 0 ? TimeSpan.FromSeconds(t) : null,
            InPlace = inPlace,
            OutputDirectory = inPlace ? null : Path.GetFullPath(outDir ?? Path.Combine(root, "out", "notebooks")),
            WorkerAssembly = workerAssembly,
        };
        var results = new List<NotebookRunResult>();
        // On a terminal, show the running cell and overwrite it with its result.
        var interactive = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        for (var n = 0; n < notebooks.Count; n++)
        {
            var notebook = notebooks[n];
            output.WriteLine($"[{n + 1}/{notebooks.Count}] {Relative(notebook, root)}");
            output.Flush();
            var result = await NotebookRunner.RunAsync(notebook, options with
            {
                Progress = p =>
                {
                    var cell = p.Injected ? $"injected parameters (after cell {p.Cell})" : $"cell {p.Cell}";
                    if (p.Seconds is { } s)
                    {
                        output.WriteLine($"{(interactive ? "\r" : "")}    {cell,-12} ({p.Position}/{p.CodeCells} code cells)  {s,7:F2} s  {(p.Succeeded == true ? "ok" : "FAILED")}");
                        output.Flush();
                    }
                    else if (interactive)
                    {
                        output.Write($"    {cell,-12} ({p.Position}/{p.CodeCells} code cells)  running...");
                        output.Flush();
                    }
                },
            }).ConfigureAwait(false);
            results.Add(result);
            output.WriteLine($"    {result.Status} in {result.Seconds:F1} s" + (result.OutputPath is null ? "" : $" -> {Relative(result.OutputPath, root)}"));
        }

        output.WriteLine();
        output.WriteLine(Table(results, root));
        var failed = results.Where(r => !r.Succeeded).ToList();
        if (failed.Count > 0)
        {
            error.WriteLine();
            error.WriteLine($"{failed.Count} of {results.Count} notebook{(results.Count > 1 ? "s" : "")} failed:");
            foreach (var result in failed)
            {
                foreach (var failure in result.Failures)
                {
                    error.WriteLine($"  {failure.Message}");
                }
                if (result.OutputPath is not null)
                {
                    error.WriteLine($"    executed copy with the outputs: {result.OutputPath}");
                }
            }
            return 1;
        }
        output.WriteLine($"All {results.Count} notebook{(results.Count > 1 ? "s" : "")} passed.");
        return 0;
    }

    private static int Check(string[] args, TextWriter output, TextWriter error)
    {
        var root = RepositoryRoot.Find();
        if (args.Contains("--executed"))
        {
            var rest = args.Where(a => a != "--executed").ToList();
            var claimsFrom = Path.Combine(root, "notebooks");
            var at = rest.IndexOf("--claims-from");
            if (at >= 0)
            {
                claimsFrom = at + 1 < rest.Count ? rest[at + 1] : throw new UsageException("--claims-from needs a folder");
                rest.RemoveRange(at, 2);
            }
            return CheckExecuted(rest, claimsFrom, root, output, error);
        }
        var notebooks = Expand(args.ToList(), root);
        if (notebooks.Count == 0)
        {
            error.WriteLine("workbook: no notebooks to check");
            return 2;
        }
        var problems = 0;
        foreach (var path in notebooks)
        {
            var found = NotebookChecks.Check(path);
            problems += found.Count;
            output.WriteLine($"{Relative(path, root)}: {(found.Count == 0 ? "ok" : $"{found.Count} problem(s)")}");
            foreach (var problem in found)
            {
                error.WriteLine($"  {problem}");
            }
        }
        return problems == 0 ? 0 : 1;
    }

    private static int CheckExecuted(List<string> paths, string claimsFrom, string root, TextWriter output, TextWriter error)
    {
        if (paths.Count == 0)
        {
            throw new UsageException("check --executed needs the executed notebooks (files or folders)");
        }
        var notebooks = Expand(paths, root);
        if (notebooks.Count == 0)
        {
            error.WriteLine("workbook: no executed notebooks to check");
            return 2;
        }
        var failed = 0;
        foreach (var path in notebooks)
        {
            ExecutedNotebookCheck check;
            try
            {
                check = ExecutedNotebookCheck.Check(path, Path.Combine(claimsFrom, Path.GetFileName(path)));
            }
            catch (Exception e) when (e is NotebookFormatException or FormatException or IOException)
            {
                failed++;
                error.WriteLine($"{Relative(path, root)}: cannot be checked: {e.Message}");
                continue;
            }
            var claims = check.Claims.Count;
            output.WriteLine(check.Passed
                ? $"{Relative(path, root)}: ok ({claims} claim{(claims == 1 ? "" : "s")} hold, metrics from {check.Host ?? "an unnamed host"})"
                : $"{Relative(path, root)}: FAILED");
            if (!check.Passed)
            {
                failed++;
                foreach (var line in check.Describe().Split(Environment.NewLine).Where(l => !l.StartsWith("ok: ", StringComparison.Ordinal)))
                {
                    error.WriteLine($"  {line}");
                }
            }
        }
        return failed == 0 ? 0 : 1;
    }

    /// <summary>The summary table: notebook, status, cells, seconds, metrics.</summary>
    public static string Table(IReadOnlyList<NotebookRunResult> results, string root)
    {
        var rows = results.Select(r => new[]
        {
            Relative(r.NotebookPath, root),
            r.Status,
            $"{r.Cells.Count(c => !c.Injected)}/{r.CodeCells}",
            r.Seconds.ToString("F1", CultureInfo.InvariantCulture),
            string.Join(", ", r.Metrics.Select(m => $"{m.Key}={m.Value.ToString("G4", CultureInfo.InvariantCulture)}")),
        }).ToList();
        var header = new[] { "notebook", "status", "cells", "seconds", "metrics" };
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var text = new StringBuilder();
        void Line(string[] cells) => text.AppendLine(string.Join("  ", cells.Select((c, i) => i == 3 ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd());
        Line(header);
        Line(widths.Select(w => new string('-', w)).ToArray());
        rows.ForEach(Line);
        return text.ToString().TrimEnd();
    }

    private static List<string> Expand(List<string> paths, string root)
    {
        if (paths.Count == 0)
        {
            paths = new List<string> { Path.Combine(root, "notebooks") };
        }
        var notebooks = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                notebooks.AddRange(Directory.EnumerateFiles(path, "*.ipynb").Order(StringComparer.Ordinal).Select(Path.GetFullPath));
            }
            else if (File.Exists(path))
            {
                notebooks.Add(Path.GetFullPath(path));
            }
            else
            {
                throw new UsageException($"no such notebook or folder: {path}");
            }
        }
        return notebooks.Distinct().ToList();
    }

    private static double Seconds(string text, string option) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : throw new UsageException($"{option} expects a number of seconds, got '{text}'");

    private static string Relative(string path, string root)
    {
        var relative = Path.GetRelativePath(root, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }
}

/// <summary>Finds the repository root (the folder holding Workbook.sln).</summary>
public static class RepositoryRoot
{
    /// <summary>Walks up from the current folder, then from the program's folder; falls back to the current folder.</summary>
    public static string Find()
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
        return Environment.CurrentDirectory;
    }
}
