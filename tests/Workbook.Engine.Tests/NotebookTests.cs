using Workbook.Engine.Claims;
using Workbook.Engine.Documents;
using Workbook.Engine.Execution;

namespace Workbook.Engine.Tests;

/// <summary>The workbook's notebooks run one at a time (each may use both cores).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NotebookCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "workbook notebooks";
}

/// <summary>
/// One test per notebooks/*.ipynb (found at run time, so a new notebook is tested without touching
/// this file), in both kernels: in the workbook's engine every cell runs, every declared metric meets
/// its bound and the run fits the budget; then in the real .NET Interactive kernel (what VS Code and
/// Jupyter run, see <see cref="RealKernel"/>) the notebook finishes with no error output, within the
/// same budget, its claims hold from its own summary output (<c>workbook check --executed</c>), and
/// every metric not declared <c>varying</c> equals the engine's.
/// </summary>
[Collection(NotebookCollection.Name)]
public class NotebookTests
{
    private const string NoNotebooksYet = "(no notebooks yet)";

    private static string Folder => Path.Combine(Notebooks.RepoRoot, "notebooks");

    /// <summary>Where each notebook's executed copy from the engine is kept for the book's browser test: out/test-notebooks.</summary>
    public static string ExecutedCopies => Path.Combine(Notebooks.RepoRoot, "out", "test-notebooks");

    /// <summary>The notebooks' file names (or a sentinel while the folder has none: xunit 2 needs a row).</summary>
    public static IEnumerable<object[]> All()
    {
        var names = Directory.Exists(Folder)
            ? Directory.GetFiles(Folder, "*.ipynb").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()
            : Array.Empty<string>();
        return names.Length == 0 ? new[] { new object[] { NoNotebooksYet } } : names.Select(n => new object[] { n! });
    }

    [Theory]
    [MemberData(nameof(All))]
    public async Task Notebook_runs_and_meets_its_claims(string notebook)
    {
        if (notebook == NoNotebooksYet)
        {
            Assert.True(!Directory.Exists(Folder) || Directory.GetFiles(Folder, "*.ipynb").Length == 0);
            return;
        }
        var path = Path.Combine(Folder, notebook);
        var claims = NotebookClaims.FromMetadata(NotebookDocument.Load(path).Metadata);
        var output = Notebooks.TempFolder("notebook");
        var result = await NotebookRunner.RunAsync(path, new RunOptions
        {
            OutputDirectory = output,
            // Stops a runaway; the budget itself is checked as a claim.
            NotebookTimeout = TimeSpan.FromSeconds(Math.Max(2 * claims.BudgetSeconds, claims.BudgetSeconds + 60)),
        });
        // The book's browser test (tests/Workbook.Book.Tests, which ./test runs after this project) builds the book from these
        // copies, so the workbook is not run a third time.
        if (result.OutputPath is not null && File.Exists(result.OutputPath))
        {
            Directory.CreateDirectory(ExecutedCopies);
            File.Copy(result.OutputPath, Path.Combine(ExecutedCopies, notebook), overwrite: true);
        }
        Assert.True(result.Succeeded,
            $"{result.Describe()}\n(executed copy with outputs: {result.OutputPath}; metrics: " +
            string.Join(", ", result.Metrics.Select(m => $"{m.Key}={m.Value}")) + ")");
        Assert.Empty(NotebookValidator.Validate(result.Executed!));
        Assert.All(claims.Bounds, bound => Assert.Contains(result.Claims, c => c.Name == bound.Name && c.Passed));

        var kernelCopy = Path.Combine(output, "real-kernel", notebook);
        var kernel = await RealKernel.ExecuteAsync(path, kernelCopy, TimeSpan.FromSeconds(Math.Max(2 * claims.BudgetSeconds, claims.BudgetSeconds + 60)));
        var check = ExecutedNotebookCheck.Check(kernelCopy, path);
        Assert.True(kernel.Problem is null && check.Passed,
            $"{notebook} in the real .NET Interactive kernel ({kernelCopy}): {kernel.Problem}\n{check.Describe()}\nkernel log:\n{Tail(kernel.Log)}");
        // Each notebook's time in both kernels, for the record (out/ is not committed).
        var times = Path.Combine(Notebooks.RepoRoot, "out", "notebook-times.tsv");
        Directory.CreateDirectory(Path.GetDirectoryName(times)!);
        File.AppendAllText(times, FormattableString.Invariant($"{DateTime.UtcNow:O}\t{notebook}\tengine {result.Seconds:F1} s\treal kernel {kernel.Seconds:F1} s\n"));
        Assert.True(kernel.Seconds <= claims.BudgetSeconds,
            $"{notebook} took {kernel.Seconds:F1} s in the real kernel, over its budget of {claims.BudgetSeconds} s");
        var differences = result.Metrics
            .Where(m => !claims.Varying.Contains(m.Key))
            .Select(m => (m.Key, Engine: m.Value, Kernel: check.Metrics!.TryGetValue(m.Key, out var k) ? k : (double?)null))
            .Where(m => m.Kernel is not { } k || !SameValue(m.Engine, k))
            .Select(m => $"{m.Key}: engine {m.Engine:R}, real kernel {(m.Kernel is { } v ? v.ToString("R") : "not reported")}")
            .ToList();
        Assert.True(differences.Count == 0,
            $"{notebook}: metrics differ between the engine and the real kernel (declare run-to-run metrics in workbook.varying):\n" +
            string.Join("\n", differences));
    }

    // Equal up to the last bits of a double (a value printed and parsed back, or summed in another order).
    private static bool SameValue(double a, double b) =>
        a.Equals(b) || Math.Abs(a - b) <= 1e-12 * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));

    private static string Tail(string text) => text.Length <= 4000 ? text : "..." + text[^4000..];
}
