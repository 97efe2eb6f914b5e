using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Reflection;
using System.Text;
using Workbook.Engine.Claims;
using Workbook.Engine.Documents;
using Workbook.Engine.Execution;

namespace Workbook.Cli;

/// <summary>The commands of `workbook` (run, check), callable in-process by tests.</summary>
public static class Commands
{
    /// <summary>What `workbook` does, the root of its help.</summary>
    public const string Description = "The workbook's command line: runs notebooks headlessly and holds them to their claims, checks notebooks "
        + "executed anywhere, writes the student edition and the data sets. Exit codes: 0 passed, 1 failed, 2 usage error.";

    /// <summary>The workbook's version (Directory.Build.props), with the commit it was built from when known.</summary>
    public static string Version =>
        typeof(Commands).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Commands).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>Parses <paramref name="args"/> and runs the command; returns the exit code (0 passed, 1 failed, 2 usage error).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, string? workerAssembly = null)
    {
        var root = Build(output, error, workerAssembly);
        if (args is ["help"])
        {
            args = new[] { "--help" };
        }
        var parsed = root.Parse(args);
        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
        if (parsed.Action is ParseErrorAction)
        {
            foreach (var problem in parsed.Errors)
            {
                error.WriteLine($"workbook: {problem.Message}");
            }
            error.WriteLine($"Run '{HelpCommand(parsed)} --help' for the commands and options.");
            return 2;
        }
        try
        {
            return await parsed.InvokeAsync(configuration).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            error.WriteLine($"workbook: {e.Message}");
            error.WriteLine($"Run '{HelpCommand(parsed)} --help' for the commands and options.");
            return 2;
        }
        catch (NotebookFormatException e)
        {
            error.WriteLine($"workbook: {e.Message}");
            return 1;
        }
    }

    private static string HelpCommand(ParseResult parsed)
    {
        var names = new List<string>();
        for (var result = parsed.CommandResult; result is not null; result = result.Parent as CommandResult)
        {
            names.Add(result.Command is RootCommand ? "workbook" : result.Command.Name);
        }
        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>The command tree: run, check, student, data, each with --help and validation.</summary>
    private static RootCommand Build(TextWriter output, TextWriter error, string? workerAssembly)
    {
        var root = new RootCommand(Description) { HelpName = "workbook" };
        // The default --version prints the entry assembly's version (a test host, in-process); this prints the workbook's.
        foreach (var option in root.Options.OfType<VersionOption>().ToList())
        {
            root.Options.Remove(option);
        }
        var version = new Option<bool>("--version") { Description = "Print the workbook's version and exit." };
        root.Options.Add(version);
        root.SetAction(parsed =>
        {
            if (parsed.GetValue(version))
            {
                output.WriteLine(Version);
                return 0;
            }
            new HelpAction().Invoke(parsed);
            return 2;
        });

        var paths = () => new Argument<string[]>("paths")
        {
            Description = "Notebooks (.ipynb files) or folders of notebooks. Default: the repository's notebooks/ folder.",
            Arity = ArgumentArity.ZeroOrMore,
            Validators = { RejectUnknownOptions },
        };

        // run
        var runPaths = paths();
        var runOut = new Option<string?>("--out") { Description = "Folder for the executed copies. Default: out/notebooks under the repository root.", HelpName = "DIR" };
        var runParams = new Option<string[]>("--param", "-p")
        {
            Description = "Overrides a value of the notebook's cell tagged 'parameters' (papermill-style); repeatable.",
            HelpName = "name=value",
            Arity = ArgumentArity.OneOrMore,
            Validators =
            {
                result =>
                {
                    foreach (var pair in result.GetValueOrDefault<string[]>() ?? Array.Empty<string>())
                    {
                        if (pair.IndexOf('=') <= 0)
                        {
                            result.AddError($"--param expects name=value, got '{pair}'");
                        }
                    }
                },
            },
        };
        var cellTimeout = Seconds("--cell-timeout", "Time limit of each cell, in seconds (0: none). Default: none.", null);
        var timeout = Seconds("--timeout", "Time limit of each notebook, in seconds (0: none).", 900);
        var inPlace = new Option<bool>("--in-place") { Description = "Writes the outputs into the notebooks themselves instead of copies." };
        var force = new Option<bool>("--force")
        {
            Description = "Runs every notebook, even one whose source, parameters, library build and data are unchanged since its last passing "
                + "run (by default such a notebook is skipped and its executed copy kept; the cache is in DIR/" + ExecutionCache.FolderName + ").",
        };
        var run = new Command("run", "Executes notebooks in the workbook's engine (isolated worker processes, time limits, parameters) and writes "
            + "executed copies. Exit code 0 when every notebook passed, 1 when one failed (a cell error, a time limit, a missed claim), 2 on a usage error.")
        {
            runPaths, runOut, runParams, cellTimeout, timeout, inPlace, force,
        };
        run.Validators.Add(result =>
        {
            if (result.GetValue(inPlace) && result.GetResult(force) is { Implicit: false })
            {
                result.AddError("--force applies to executed copies; --in-place runs always");
            }
        });
        run.SetAction((parsed, _) => Run(
            parsed.GetValue(runPaths) ?? Array.Empty<string>(),
            parsed.GetValue(runOut),
            parsed.GetValue(runParams) ?? Array.Empty<string>(),
            parsed.GetValue(cellTimeout),
            parsed.GetValue(timeout),
            parsed.GetValue(inPlace),
            parsed.GetValue(force),
            output, error, workerAssembly));
        root.Subcommands.Add(run);

        // check
        var checkPaths = paths();
        var executed = new Option<bool>("--executed")
        {
            Description = "Holds notebooks executed anywhere (this engine, the real .NET Interactive kernel through Jupyter or dotnet-repl, "
                + "a saved VS Code copy) to their declared bounds, from the metrics bundle of their Metrics.Summary() output; any error output fails.",
        };
        var claimsFrom = new Option<string?>("--claims-from")
        {
            Description = "With --executed: a copy without metadata.workbook (dotnet-repl drops it) takes its bounds from the notebook "
                + "of the same name in DIR. Default: the repository's notebooks/.",
            HelpName = "DIR",
        };
        var check = new Command("check", "Checks the notebooks' format, directives and declared claims without running them "
            + "(or, with --executed, notebooks executed elsewhere). Exit code 0 when every notebook passes, 1 if not, 2 on a usage error.")
        {
            checkPaths, executed, claimsFrom,
        };
        check.Validators.Add(result =>
        {
            if (result.GetResult(claimsFrom) is { Implicit: false } && !result.GetValue(executed))
            {
                result.AddError("--claims-from applies only with --executed");
            }
        });
        check.SetAction(parsed =>
        {
            var repository = RepositoryRoot.Find();
            var given = (parsed.GetValue(checkPaths) ?? Array.Empty<string>()).ToList();
            return parsed.GetValue(executed)
                ? CheckExecuted(given, parsed.GetValue(claimsFrom) ?? Path.Combine(repository, "notebooks"), repository, output, error)
                : Check(given, repository, output, error);
        });
        root.Subcommands.Add(check);

        // student
        var studentPaths = paths();
        var studentOut = new Option<string?>("--out") { Description = "Folder for the student edition. Default: student/ beside notebooks/.", HelpName = "DIR" };
        var student = new Command("student", "Writes the student edition of notebooks: every answer between // BEGIN SOLUTION and // END SOLUTION "
            + "replaced by a stub, outputs cleared, #r paths rewritten for DIR, a note of how many exercises each holds.")
        {
            studentPaths, studentOut,
        };
        student.SetAction(parsed => Student((parsed.GetValue(studentPaths) ?? Array.Empty<string>()).ToList(), parsed.GetValue(studentOut), output));
        root.Subcommands.Add(student);

        // data
        var dataOut = new Option<string?>("--out") { Description = "Folder for the data sets. Default: the repository's data/ folder.", HelpName = "DIR" };
        var data = new Command("data", "Writes the workbook's generated data sets (deterministic; a test holds data/ equal to them).") { dataOut };
        data.SetAction(parsed => Data(parsed.GetValue(dataOut), output));
        root.Subcommands.Add(data);

        // grade
        var submissions = new Argument<string>("folder")
        {
            Description = "The class's executed notebooks: one folder per student (alice/00-getting-started.ipynb), "
                + "or one file per student and notebook (alice__00-getting-started.ipynb).",
        };
        var csv = new Option<string?>("--csv") { Description = "Also writes the rows as CSV to FILE.", HelpName = "FILE" };
        var grade = new Command("grade", "Collects every exercise check's result from a class's saved, executed notebooks (VS Code, Jupyter "
            + "or this engine): one row per student and exercise (passed, failed with the check's message, not attempted, error, not run). "
            + "It runs nothing and reads the saved outputs, which a student can edit, so every row is marked unverified. "
            + "Unreadable or foreign files are named and skipped. Exit code 0 when the folder was graded, 2 on a usage error.")
        {
            submissions, csv,
        };
        grade.SetAction(parsed => Grade(parsed.GetValue(submissions)!, parsed.GetValue(csv), output, error));
        root.Subcommands.Add(grade);

        // book, release (BookCommands.cs)
        BookCommands.Add(root, output, error, workerAssembly);
        return root;
    }

    private static void RejectUnknownOptions(ArgumentResult result)
    {
        foreach (var token in result.Tokens)
        {
            if (token.Value.StartsWith('-') && token.Value.Length > 1 && !File.Exists(token.Value) && !Directory.Exists(token.Value))
            {
                result.AddError($"unknown option {token.Value}");
            }
        }
    }

    private static Option<double?> Seconds(string name, string description, double? fallback)
    {
        var option = new Option<double?>(name)
        {
            Description = description,
            HelpName = "SECONDS",
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0)
                {
                    return value;
                }
                result.AddError($"{name} expects a number of seconds, got '{text}'");
                return null;
            },
        };
        if (fallback is { } f)
        {
            option.DefaultValueFactory = _ => f;
        }
        return option;
    }

    internal sealed class UsageException(string message) : Exception(message);

    private static int Student(List<string> paths, string? outDir, TextWriter output)
    {
        var root = RepositoryRoot.Find();
        var folder = outDir is null ? Path.Combine(root, "student") : Path.GetFullPath(outDir);
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

    private static int Grade(string folder, string? csvPath, TextWriter output, TextWriter error)
    {
        if (!Directory.Exists(folder))
        {
            throw new UsageException($"no such folder: {folder}");
        }
        var found = Grading.Submissions(folder);
        if (found.Count == 0)
        {
            throw new UsageException($"no notebooks (*.ipynb) in {folder} or its student folders");
        }
        var rows = found.SelectMany(s => Grading.Grade(s.Student, s.Path)).ToList();
        foreach (var bad in rows.Where(r => r.State == Grading.Unreadable))
        {
            error.WriteLine($"workbook: skipped {bad.Student}/{bad.Notebook} ({bad.Exercise}): {bad.Message}");
        }
        var widths = new[] { "student".Length, "notebook".Length, "exercise".Length, "state".Length };
        foreach (var row in rows)
        {
            widths[0] = Math.Max(widths[0], row.Student.Length);
            widths[1] = Math.Max(widths[1], row.Notebook.Length);
            widths[2] = Math.Max(widths[2], row.Exercise.Length);
            widths[3] = Math.Max(widths[3], row.State.Length);
        }
        string Line(string a, string b, string c, string d, string e) =>
            $"{a.PadRight(widths[0])}  {b.PadRight(widths[1])}  {c.PadRight(widths[2])}  {d.PadRight(widths[3])}  {e}".TrimEnd();
        output.WriteLine(Line("student", "notebook", "exercise", "state", "message"));
        foreach (var row in rows)
        {
            var message = row.Message.Split('\n')[0];
            output.WriteLine(Line(row.Student, row.Notebook, row.Exercise, row.State, message.Length > 100 ? message[..100] + "..." : message));
        }
        var students = rows.Select(r => r.Student).Distinct().Count();
        output.WriteLine();
        output.WriteLine($"{students} student{(students == 1 ? "" : "s")}, {found.Count} notebook{(found.Count == 1 ? "" : "s")}: "
            + string.Join(", ", rows.GroupBy(r => r.State).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}")) + ".");
        output.WriteLine("unverified: read from the saved outputs, which a student can edit; nothing was re-executed.");
        if (csvPath is not null)
        {
            var target = Path.GetFullPath(csvPath);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, Grading.Csv(rows));
            output.WriteLine($"wrote {target}");
        }
        return 0;
    }

    private static int Data(string? folder, TextWriter output)
    {
        var root = RepositoryRoot.Find();
        var target = Path.GetFullPath(folder ?? Path.Combine(root, "data"));
        foreach (var file in Workbook.Data.DataSets.WriteAll(target))
        {
            output.WriteLine($"wrote {Relative(file, root)}");
        }
        return 0;
    }

    private static async Task<int> Run(string[] given, string? outDir, string[] pairs, double? cellTimeout, double? timeout, bool inPlace, bool force,
        TextWriter output, TextWriter error, string? workerAssembly)
    {
        var paths = given.ToList();
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=');
            parameters[pair[..eq]] = pair[(eq + 1)..];
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
        var (results, cached) = await RunNotebooks(notebooks, options, force, root, output, workerAssembly).ConfigureAwait(false);

        output.WriteLine();
        output.WriteLine(Table(results, root, cached));
        if (cached.Count > 0)
        {
            output.WriteLine($"{cached.Count} notebook{(cached.Count == 1 ? "" : "s")} unchanged since {(cached.Count == 1 ? "its" : "their")} last passing run: "
                + "skipped, executed copies kept (--force runs them).");
        }
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
        var students = results.Where(r => r.StudentEdition).ToList();
        output.WriteLine(students.Count == 0
            ? $"All {results.Count} notebook{(results.Count > 1 ? "s" : "")} passed."
            : $"All {results.Count} notebook{(results.Count > 1 ? "s" : "")} ran without a failure"
              + $" (student edition exercises: {string.Join(", ", students.SelectMany(r => r.Exercises).GroupBy(e => e.State).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"))}).");
        return 0;
    }

    /// <summary>
    /// Runs <paramref name="notebooks"/> one after another, printing progress; with an output folder and without
    /// <paramref name="force"/>, a notebook found in the <see cref="ExecutionCache"/> is skipped (its paths are returned as cached).
    /// </summary>
    internal static async Task<(List<NotebookRunResult> Results, HashSet<string> Cached)> RunNotebooks(
        List<string> notebooks, RunOptions options, bool force, string root, TextWriter output, string? workerAssembly)
    {
        var results = new List<NotebookRunResult>();
        var cached = new HashSet<string>(StringComparer.Ordinal);
        var cacheFolder = options.InPlace ? null : options.OutputDirectory;
        var buildKey = cacheFolder is null ? null : ExecutionCache.BuildKey(root, workerAssembly);
        // On a terminal, show the running cell and overwrite it with its result.
        var interactive = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        for (var n = 0; n < notebooks.Count; n++)
        {
            var notebook = notebooks[n];
            output.WriteLine($"[{n + 1}/{notebooks.Count}] {Relative(notebook, root)}");
            output.Flush();
            string? key = null;
            try
            {
                key = buildKey is null ? null : ExecutionCache.Key(notebook, options.Parameters, buildKey);
            }
            catch (NotebookFormatException)
            {
                // not cached: the engine reports what is wrong with the file
            }
            if (!force && key is not null && ExecutionCache.Lookup(cacheFolder!, notebook, key) is { } entry)
            {
                var hit = ExecutionCache.AsResult(notebook, cacheFolder!, entry);
                results.Add(hit);
                cached.Add(hit.NotebookPath);
                output.WriteLine($"    unchanged since its passing run of {entry.FinishedUtc} ({entry.Seconds:F1} s): skipped -> {Relative(hit.OutputPath!, root)}");
                continue;
            }
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
            if (key is not null)
            {
                ExecutionCache.Store(cacheFolder!, result, key);
            }
            output.WriteLine($"    {(result.StudentEdition ? "student edition: " + result.Verdict : result.Status)} in {result.Seconds:F1} s"
                + (result.OutputPath is null ? "" : $" -> {Relative(result.OutputPath, root)}"));
            foreach (var exercise in result.Exercises)
            {
                output.WriteLine($"      {(exercise.State == Workbook.Engine.Claims.BundleExercise.Failed ? "failing" : exercise.State),-13}  {exercise.Exercise}"
                    + (exercise.State == Workbook.Engine.Claims.BundleExercise.Passed ? "" : $": {exercise.Message.Split('\n')[0]}"));
            }
        }
        return (results, cached);
    }

    private static int Check(List<string> paths, string root, TextWriter output, TextWriter error)
    {
        var notebooks = Expand(paths, root);
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
    public static string Table(IReadOnlyList<NotebookRunResult> results, string root, IReadOnlySet<string>? cached = null)
    {
        var rows = results.Select(r => new[]
        {
            Relative(r.NotebookPath, root),
            cached?.Contains(r.NotebookPath) == true ? "cached" : r.StudentEdition ? r.Verdict : r.Status,
            cached?.Contains(r.NotebookPath) == true ? "-" : $"{r.Cells.Count(c => !c.Injected)}/{r.CodeCells}",
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

    internal static List<string> Expand(List<string> paths, string root)
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

    internal static string Relative(string path, string root)
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
