using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Workbook.Engine.Documents;

namespace Workbook.Engine.Claims;

/// <summary>An error output found in an executed notebook.</summary>
/// <param name="Cell">the cell's number, 1-based among all cells (as a student counts them).</param>
/// <param name="Name">the error's name (exception type, or "Error" for a compile error).</param>
/// <param name="Value">the error's message, first line.</param>
public sealed record ErrorOutput(int Cell, string Name, string Value)
{
    /// <inheritdoc />
    public override string ToString() => $"cell {Cell}: {Name}: {Value}";
}

/// <summary>
/// The claims of a notebook executed anywhere (the workbook's engine, the real .NET Interactive
/// kernel through Jupyter or dotnet-repl, a student's saved VS Code copy), checked from its outputs
/// alone: the metrics come from the machine-readable bundle that the notebook's last cell,
/// <c>Metrics.Summary()</c>, writes (<see cref="BundleMimeType"/>, or the copy embedded in its HTML);
/// the bounds come from the notebook's metadata. Error outputs fail the check.
/// </summary>
public sealed class ExecutedNotebookCheck
{
    /// <summary>MIME type of the metrics bundle (Workbook.Notebooks.MetricTable.BundleMimeType).</summary>
    public const string BundleMimeType = MetricsBundle.MimeType;

    /// <summary>Format tag of the bundle the library writes now (Workbook.Notebooks.MetricTable.BundleFormat); version 1 is read too.</summary>
    public const string BundleFormat = MetricsBundle.Format;

    private ExecutedNotebookCheck(string path, MetricsBundle? bundle, IReadOnlyList<ErrorOutput> errors, IReadOnlyList<ClaimResult> claims, string? problem)
    {
        Path = path;
        Bundle = bundle;
        Metrics = bundle?.Metrics;
        Host = bundle?.Host;
        Errors = errors;
        Claims = claims;
        Problem = problem;
    }

    /// <summary>The last bundle in the notebook (version 1 or 2), or null when it has none.</summary>
    public MetricsBundle? Bundle { get; }

    /// <summary>The executed notebook's path.</summary>
    public string Path { get; }

    /// <summary>The metrics of the last bundle in the notebook, or null when it has none.</summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; }

    /// <summary>The host that wrote the bundle ("workbook-engine", "polyglot", ...), when it says.</summary>
    public string? Host { get; }

    /// <summary>Every error output, in cell order.</summary>
    public IReadOnlyList<ErrorOutput> Errors { get; }

    /// <summary>Each declared bound against the bundle's value (empty when there is no bundle).</summary>
    public IReadOnlyList<ClaimResult> Claims { get; }

    /// <summary>Why the notebook could not be checked (no bundle, malformed bundle), if so.</summary>
    public string? Problem { get; }

    /// <summary>Whether the notebook has a bundle, no error output, and meets every declared bound.</summary>
    public bool Passed => Problem is null && Errors.Count == 0 && Claims.All(c => c.Passed);

    /// <summary>
    /// Checks the executed notebook at <paramref name="path"/>. The bounds are the executed copy's own
    /// (<c>metadata.workbook</c>); a copy whose writer dropped them (dotnet-repl rewrites the metadata)
    /// takes them from <paramref name="sourceNotebook"/>, and with neither the check fails.
    /// </summary>
    /// <exception cref="NotebookFormatException">a file is not a notebook.</exception>
    public static ExecutedNotebookCheck Check(string path, string? sourceNotebook = null)
    {
        var document = NotebookDocument.Load(path);
        var claimsMetadata = document.Metadata;
        if (claimsMetadata["workbook"] is null && sourceNotebook is not null && File.Exists(sourceNotebook))
        {
            claimsMetadata = NotebookDocument.Load(sourceNotebook).Metadata;
        }
        var errors = new List<ErrorOutput>();
        MetricsBundle? bundle = null;
        string? problem = null;
        foreach (var cell in document.Cells)
        {
            if (cell.Json["outputs"] is not JsonArray outputs)
            {
                continue;
            }
            foreach (var output in outputs.OfType<JsonObject>())
            {
                if (output["output_type"]?.GetValue<string>() == "error")
                {
                    var value = output["evalue"]?.GetValue<string>() ?? "";
                    errors.Add(new ErrorOutput(cell.Number, output["ename"]?.GetValue<string>() ?? "error",
                        value.Split('\n')[0].Trim()));
                    continue;
                }
                if (output["data"] is JsonObject data && MetricsBundle.TryRead(data, out var found, out var error))
                {
                    bundle = found;
                    problem = error is null ? null : $"cell {cell.Number}: {error}";
                }
            }
        }
        var claims = NotebookClaims.FromMetadata(claimsMetadata);
        if (claimsMetadata["workbook"] is null && problem is null)
        {
            problem = "no declared claims: the executed copy has no metadata.workbook and no source notebook was found " +
                      "(pass the source notebooks with --claims-from DIR)";
        }
        if (bundle is null && problem is null)
        {
            problem = "no metrics bundle: the notebook has no executed Metrics.Summary() output " +
                      "(its last cell should be Metrics.Summary(); was the notebook run to the end?)";
        }
        if (problem is not null || bundle is null)
        {
            return new ExecutedNotebookCheck(path, null, errors, Array.Empty<ClaimResult>(), problem);
        }
        return new ExecutedNotebookCheck(path, bundle, errors, claims.Check(bundle.Metrics, seconds: null), null);
    }

    /// <summary>A report a person reads: one line per problem, error and claim.</summary>
    public string Describe()
    {
        var lines = new List<string>();
        if (Problem is not null)
        {
            lines.Add(Problem);
        }
        lines.AddRange(Errors.Select(e => $"error output in {e}"));
        // A version-2 bundle says why an exercise metric missed its bound: failed (with the check's message) or not attempted.
        lines.AddRange(Claims.Select(c => (c.Passed ? "ok: " : "FAILED: ") + c.Message
            + (!c.Passed && Bundle?.Exercises is { } exercises && exercises.TryGetValue(c.Name, out var exercise) ? $" ({exercise})" : "")));
        return string.Join(Environment.NewLine, lines);
    }
}
