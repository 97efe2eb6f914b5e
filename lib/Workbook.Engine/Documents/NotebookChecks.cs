using System.Text.RegularExpressions;
using Workbook.Engine.Claims;
using Workbook.Engine.Execution;

namespace Workbook.Engine.Documents;

/// <summary>Static checks of a notebook, without running it (`workbook check`).</summary>
public static class NotebookChecks
{
    /// <summary>
    /// Bounds that rarely prove a claim: <c>in [0, 1]</c> (any share or accuracy), <c>&gt;= 0</c> and
    /// <c>&gt; 0</c> (any count, norm or time). A notebook may keep one as a sanity bound, with a reason.
    /// </summary>
    public static bool IsWeak(MetricBound bound) =>
        (bound.Operator == "in" && bound.Low == 0 && bound.High == 1) ||
        (bound.Operator is ">=" or ">" && bound.Low == 0);

    /// <summary>Every problem found in <paramref name="path"/>, each naming the notebook (and cell).</summary>
    public static IReadOnlyList<string> Check(string path)
    {
        var problems = new List<string>();
        NotebookDocument document;
        try
        {
            document = NotebookDocument.Load(path);
        }
        catch (NotebookFormatException e)
        {
            return new[] { e.Message };
        }
        problems.AddRange(NotebookValidator.Validate(document.Json).Select(p => $"{document.Path}: {p}"));
        try
        {
            var claims = NotebookClaims.FromMetadata(document.Metadata);
            foreach (var (name, bound) in claims.Bounds.Where(b => IsWeak(b.Bound) && !claims.Sanity.ContainsKey(b.Name)))
            {
                problems.Add($"{document.Path}: metric {name} is bounded by \"{bound.Text}\", which rarely proves anything; " +
                             "bound it where the claim would fail, or mark it a sanity bound with a one-line reason: " +
                             $"\"sanity\": {{\"{name}\": \"why this bound means something\"}}");
            }
        }
        catch (FormatException e)
        {
            problems.Add($"{document.Path}: notebook metadata: {e.Message}");
        }
        var parameterCells = 0;
        foreach (var cell in document.Cells.Where(c => c.Kind == CellKind.Code))
        {
            if (!CellDirectives.CSharpKernelNames.Contains(cell.KernelName))
            {
                problems.Add($"{document.Path}, cell {cell.Number}: a {cell.KernelName} cell; the workbook engine runs C# cells only");
            }
            if (CellDirectives.Parse(cell.Source).Error is { } error)
            {
                problems.Add($"{document.Path}, cell {cell.Number}, line {error.Line}: {error.Message}");
            }
            foreach (var line in ForwardCalls(cell.Source))
            {
                problems.Add($"{document.Path}, cell {cell.Number}, line {line}: calls a module's forward directly; " +
                             "call it as module.call(...), which runs the module's hooks, as the library does");
            }
            if (cell.Tags.Contains(NotebookParameters.Tag))
            {
                parameterCells++;
                if (NotebookParameters.Declared(cell.Source).Length == 0)
                {
                    problems.Add($"{document.Path}, cell {cell.Number}: tagged parameters but declares no variable (write e.g. var steps = 2000;)");
                }
            }
        }
        if (parameterCells > 1)
        {
            problems.Add($"{document.Path}: {parameterCells} cells are tagged parameters; only the first is used");
        }
        return problems;
    }

    /// <summary>
    /// The 1-based lines of <paramref name="source"/> that call <c>.forward(</c> on something (a module), outside
    /// <c>//</c> comments; a class that overrides <c>forward</c> declares it without a dot and is not flagged.
    /// </summary>
    public static IEnumerable<int> ForwardCalls(string source)
    {
        var lines = source.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var code = lines[i];
            var comment = code.IndexOf("//", StringComparison.Ordinal);
            if (comment >= 0)
            {
                code = code[..comment];
            }
            if (ForwardCall.IsMatch(code))
            {
                yield return i + 1;
            }
        }
    }

    private static readonly Regex ForwardCall = new(@"\.\s*forward\s*\(", RegexOptions.CultureInvariant);
}
