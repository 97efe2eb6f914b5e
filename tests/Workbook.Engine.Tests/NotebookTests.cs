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
/// this file): every cell runs, every declared metric meets its bound, the run fits the budget.
/// </summary>
[Collection(NotebookCollection.Name)]
public class NotebookTests
{
    private const string NoNotebooksYet = "(no notebooks yet)";

    private static string Folder => Path.Combine(Notebooks.RepoRoot, "notebooks");

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
        Assert.True(result.Succeeded,
            $"{result.Describe()}\n(executed copy with outputs: {result.OutputPath}; metrics: " +
            string.Join(", ", result.Metrics.Select(m => $"{m.Key}={m.Value}")) + ")");
        Assert.Empty(NotebookValidator.Validate(result.Executed!));
        Assert.All(claims.Bounds, bound => Assert.Contains(result.Claims, c => c.Name == bound.Name && c.Passed));
    }
}
