using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Workbook.Cli.Book;
using Workbook.Engine.Documents;
using Workbook.Engine.Execution;

namespace Workbook.Cli;

/// <summary>The `book` and `release` commands: the workbook as an offline site, and the versioned artifacts of an edition.</summary>
public static class BookCommands
{
    /// <summary>Adds `book` and `release` to the command tree.</summary>
    internal static void Add(RootCommand root, TextWriter output, TextWriter error, string? workerAssembly)
    {
        root.Subcommands.Add(BookCommand(output, error, workerAssembly));
        root.Subcommands.Add(ReleaseCommand(output, error, workerAssembly));
    }

    private sealed record Sources(Argument<string[]> Paths, Option<string?> Executed, Option<bool> NoRun, Option<bool> Force);

    private static Sources SourceOptions()
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Notebooks (.ipynb files) or folders of notebooks to put in the book. Default: the repository's notebooks/ folder.",
            Arity = ArgumentArity.ZeroOrMore,
            Validators =
            {
                result =>
                {
                    foreach (var token in result.Tokens.Where(t => t.Value.StartsWith('-') && t.Value.Length > 1 && !File.Exists(t.Value) && !Directory.Exists(t.Value)))
                    {
                        result.AddError($"unknown option {token.Value}");
                    }
                },
            },
        };
        var executed = new Option<string?>("--executed")
        {
            Description = "Folder of the executed copies the book is made from (what `workbook run` writes). Default: out/notebooks under the repository root.",
            HelpName = "DIR",
        };
        var noRun = new Option<bool>("--no-run")
        {
            Description = "Runs nothing: builds from the executed copies found in the --executed folder as they are (one per notebook named there).",
        };
        var force = new Option<bool>("--force")
        {
            Description = "Re-runs every notebook first, even one unchanged since its last passing run (by default only a notebook whose source, "
                + "parameters, library build or data changed, or that has no passing executed copy, runs).",
        };
        return new Sources(paths, executed, noRun, force);
    }

    private static void Validate(Command command, Sources sources)
    {
        command.Validators.Add(result =>
        {
            if (result.GetValue(sources.NoRun) && result.GetResult(sources.Force) is { Implicit: false })
            {
                result.AddError("--force and --no-run contradict each other");
            }
            if (result.GetValue(sources.NoRun) && result.GetValue(sources.Paths) is { Length: > 0 })
            {
                result.AddError("--no-run builds from every executed copy in the --executed folder: give no notebooks");
            }
        });
    }

    private static Command BookCommand(TextWriter output, TextWriter error, string? workerAssembly)
    {
        var sources = SourceOptions();
        var outDir = new Option<string?>("--out") { Description = "Folder for the site (emptied first). Default: out/book under the repository root.", HelpName = "DIR" };
        var book = new Command("book", "Builds the workbook as a static site that reads offline: an index by part with each notebook's headline "
            + "metrics and time, one page per notebook (text, math typeset by KaTeX at build time, highlighted C#, every output and chart), "
            + "downloads of each notebook and of the student edition. First brings the executed copies up to date: a notebook unchanged since its "
            + "last passing run is not run again. Needs node (KaTeX runs under it at build time). Exit code 0 when the book was built from passing "
            + "notebooks, 1 when a notebook failed or the book could not be built, 2 on a usage error.")
        {
            sources.Paths, sources.Executed, sources.NoRun, sources.Force, outDir,
        };
        Validate(book, sources);
        book.SetAction(async (parsed, _) =>
        {
            var root = RepositoryRoot.Find();
            var (executed, failed) = await Executed(parsed, sources, root, output, workerAssembly).ConfigureAwait(false);
            var site = Path.GetFullPath(parsed.GetValue(outDir) ?? Path.Combine(root, "out", "book"));
            return BuildBook(executed, site, root, output, error) is null ? 1 : failed > 0 ? 1 : 0;
        });
        return book;
    }

    private static Command ReleaseCommand(TextWriter output, TextWriter error, string? workerAssembly)
    {
        var sources = SourceOptions();
        var outDir = new Option<string?>("--out") { Description = "Folder for the release's zips. Default: out/release under the repository root.", HelpName = "DIR" };
        var release = new Command("release", "Writes the versioned artifacts of this edition (the version in Directory.Build.props): "
            + "workbook-VERSION-book.zip (the site of `workbook book`), workbook-VERSION-student.zip (the student edition) and "
            + "workbook-VERSION-executed-notebooks.zip (every notebook with its outputs). Runs what `workbook book` runs first; refuses when a "
            + "notebook did not pass. Exit code 0 when written, 1 when a notebook failed or a part could not be built, 2 on a usage error.")
        {
            sources.Paths, sources.Executed, sources.NoRun, sources.Force, outDir,
        };
        Validate(release, sources);
        release.SetAction(async (parsed, _) =>
        {
            var root = RepositoryRoot.Find();
            var (executed, failed) = await Executed(parsed, sources, root, output, workerAssembly).ConfigureAwait(false);
            var notPassed = executed.Where(p => Status(p) != "passed").ToList();
            if (failed > 0 || notPassed.Count > 0)
            {
                error.WriteLine($"workbook: no release: {notPassed.Count} executed notebook(s) did not pass: "
                    + string.Join(", ", notPassed.Select(Path.GetFileName)));
                return 1;
            }
            var version = EditionVersion(root);
            var folder = Path.GetFullPath(parsed.GetValue(outDir) ?? Path.Combine(root, "out", "release"));
            Directory.CreateDirectory(folder);
            var staging = Path.Combine(Path.GetTempPath(), $"workbook-release-{Guid.NewGuid():N}");
            try
            {
                var site = Path.Combine(staging, $"workbook-{version}-book");
                if (BuildBook(executed, site, root, output, error) is null)
                {
                    return 1;
                }
                var bookZip = Zip(Path.Combine(folder, $"workbook-{version}-book.zip"), site, $"workbook-{version}-book");
                var student = Path.Combine(staging, "student");
                Directory.CreateDirectory(student);
                foreach (var path in executed)
                {
                    // The edition's #r paths are written for student/ beside notebooks/ in a clone of the repository.
                    var source = Path.Combine(root, "notebooks", Path.GetFileName(path));
                    var (edition, _) = StudentEdition.Create(NotebookDocument.Load(source), Path.Combine(root, "student"));
                    NotebookDocument.WriteAtomically(edition, Path.Combine(student, Path.GetFileName(path)));
                }
                var studentZip = Zip(Path.Combine(folder, $"workbook-{version}-student.zip"), student, "student");
                var executedFolder = Path.Combine(staging, "executed");
                Directory.CreateDirectory(executedFolder);
                executed.ForEach(p => File.Copy(p, Path.Combine(executedFolder, Path.GetFileName(p))));
                var executedZip = Zip(Path.Combine(folder, $"workbook-{version}-executed-notebooks.zip"), executedFolder, $"workbook-{version}-executed-notebooks");
                foreach (var zip in new[] { bookZip, studentZip, executedZip })
                {
                    output.WriteLine($"wrote {Commands.Relative(zip, root)} ({new FileInfo(zip).Length / 1e6:F1} MB)");
                }
                output.WriteLine($"Release {version}: {executed.Count} notebooks.");
                return 0;
            }
            finally
            {
                if (Directory.Exists(staging))
                {
                    Directory.Delete(staging, recursive: true);
                }
            }
        });
        return release;
    }

    /// <summary>The edition's version: the &lt;Version&gt; of Directory.Build.props (else the CLI's own, without the commit).</summary>
    public static string EditionVersion(string root)
    {
        var props = Path.Combine(root, "Directory.Build.props");
        if (File.Exists(props) && XDocument.Load(props).Descendants("Version").FirstOrDefault()?.Value.Trim() is { Length: > 0 } version)
        {
            return version;
        }
        return Commands.Version.Split('+')[0];
    }

    private static string Zip(string target, string folder, string prefix)
    {
        if (File.Exists(target))
        {
            File.Delete(target);
        }
        using var zip = ZipFile.Open(target, ZipArchiveMode.Create);
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            zip.CreateEntryFromFile(file, prefix + "/" + Path.GetRelativePath(folder, file).Replace('\\', '/'), CompressionLevel.Optimal);
        }
        return target;
    }

    private static string? Status(string executedPath)
    {
        try
        {
            return NotebookDocument.Load(executedPath).Metadata["workbook"]?["run"]?["status"]?.GetValue<string>();
        }
        catch (NotebookFormatException)
        {
            return null;
        }
    }

    /// <summary>The executed copies the book is made from: run (through the cache) unless --no-run; returns them and how many failed.</summary>
    private static async Task<(List<string> Executed, int Failed)> Executed(ParseResult parsed, Sources sources, string root, TextWriter output, string? workerAssembly)
    {
        var folder = Path.GetFullPath(parsed.GetValue(sources.Executed) ?? Path.Combine(root, "out", "notebooks"));
        if (parsed.GetValue(sources.NoRun))
        {
            if (!Directory.Exists(folder))
            {
                throw new Commands.UsageException($"no executed copies: {folder} does not exist (run `workbook run` first, or drop --no-run)");
            }
            var found = Directory.EnumerateFiles(folder, "*.ipynb").Order(StringComparer.Ordinal).ToList();
            if (found.Count == 0)
            {
                throw new Commands.UsageException($"no executed copies (*.ipynb) in {folder}");
            }
            return (found, found.Count(p => Status(p) != "passed"));
        }
        var notebooks = Commands.Expand((parsed.GetValue(sources.Paths) ?? Array.Empty<string>()).ToList(), root);
        if (notebooks.Count == 0)
        {
            throw new Commands.UsageException("no notebooks to put in the book");
        }
        var options = new RunOptions { NotebookTimeout = TimeSpan.FromSeconds(900), OutputDirectory = folder, WorkerAssembly = workerAssembly };
        var (results, cached) = await Commands.RunNotebooks(notebooks, options, parsed.GetValue(sources.Force), root, output, workerAssembly).ConfigureAwait(false);
        output.WriteLine($"{results.Count - cached.Count} notebook(s) run, {cached.Count} unchanged since their last passing run (skipped), "
            + $"{results.Count(r => !r.Succeeded)} failed.");
        return (results.Where(r => r.OutputPath is not null && File.Exists(r.OutputPath)).Select(r => r.OutputPath!).ToList(), results.Count(r => !r.Succeeded));
    }

    private static BookSummary? BuildBook(List<string> executed, string site, string root, TextWriter output, TextWriter error)
    {
        try
        {
            var summary = SiteBuilder.Build(executed, Path.Combine(root, "notebooks"), site, Path.Combine(root, "out", ".book-tools"), Path.Combine(root, "student"), output);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Book: {summary.Pages} pages, {summary.Charts} charts, {summary.Formulas} formulas, {summary.Bytes / 1e6:F1} MB in {Commands.Relative(site, root)} ({summary.Seconds:F1} s)."));
            output.WriteLine($"Open {Path.Combine(site, "index.html")}");
            return summary;
        }
        catch (BookException e)
        {
            error.WriteLine($"workbook: the book could not be built: {e.Message}");
            return null;
        }
    }
}
