using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Workbook.Engine.Documents;

/// <summary>One exercise answer the student edition replaced.</summary>
/// <param name="Cell">the cell's number in the instructor's notebook (1-based among all cells).</param>
/// <param name="Line">the BEGIN SOLUTION line within the cell (1-based).</param>
/// <param name="Message">what the stub says to do.</param>
public sealed record SolutionRegion(int Cell, int Line, string Message);

/// <summary>
/// The student edition of a notebook (nbgrader's idea, in C#): inside a code cell the answer sits
/// between a line <c>// BEGIN SOLUTION</c> (optionally followed by what to do, e.g.
/// <c>// BEGIN SOLUTION Exercise 2: write the clipped surrogate</c>) and a line <c>// END SOLUTION</c>.
/// The student edition replaces each such region with a stub that compiles and says what to do:
/// the region's <c>// STUB: code</c> lines if it has any, otherwise
/// <c>throw new NotImplementedException("...")</c>, which the library's checks report as
/// "not attempted". Outputs are cleared, <c>#r</c> paths are rewritten for the edition's folder, and
/// a note at the top says how many exercises the notebook holds.
/// </summary>
public static partial class StudentEdition
{
    /// <summary>The marker that opens an answer.</summary>
    public const string Begin = "// BEGIN SOLUTION";

    /// <summary>The marker that closes an answer.</summary>
    public const string End = "// END SOLUTION";

    /// <summary>The prefix of a line inside a region that becomes the student's stub.</summary>
    public const string Stub = "// STUB:";

    /// <summary>Whether notebook metadata marks a student edition (<c>metadata.workbook.student_edition</c>).</summary>
    public static bool IsEdition(JsonObject? notebookMetadata) => notebookMetadata?["workbook"]?["student_edition"] is JsonObject;

    /// <summary>
    /// The student edition of <paramref name="document"/>, to be written into <paramref name="outputFolder"/>.
    /// Throws <see cref="NotebookFormatException"/> naming the notebook, cell and line of a region
    /// that is not closed, or closed without being opened.
    /// </summary>
    public static (JsonObject Notebook, IReadOnlyList<SolutionRegion> Regions) Create(NotebookDocument document, string outputFolder)
    {
        var json = (JsonObject)document.Json.DeepClone();
        var sourceFolder = Path.GetDirectoryName(Path.GetFullPath(document.Path))!;
        var regions = new List<SolutionRegion>();
        var cells = json["cells"]!.AsArray();
        for (var i = 0; i < cells.Count; i++)
        {
            if (cells[i] is not JsonObject cell || cell["cell_type"]?.GetValue<string>() != "code")
            {
                continue;
            }
            var source = NotebookDocument.ReadMultiline(cell["source"], "source");
            var rewritten = Rewrite(source, document.Path, i + 1, regions, sourceFolder, Path.GetFullPath(outputFolder));
            cell["source"] = NotebookDocument.ToMultiline(rewritten);
            cell["outputs"] = new JsonArray();
            cell["execution_count"] = null;
            (cell["metadata"] as JsonObject)?.Remove("workbook");
        }
        var metadata = json["metadata"] as JsonObject ?? (JsonObject)(json["metadata"] = new JsonObject());
        var workbook = metadata["workbook"] as JsonObject ?? (JsonObject)(metadata["workbook"] = new JsonObject());
        workbook.Remove("run");
        workbook["student_edition"] = new JsonObject { ["exercises"] = regions.Count };
        cells.Insert(Math.Min(1, cells.Count), Note(regions));
        return (json, regions);
    }

    private static string Rewrite(string source, string notebook, int cellNumber, List<SolutionRegion> regions,
        string sourceFolder, string outputFolder)
    {
        var lines = source.Split('\n');
        var output = new StringBuilder(source.Length);
        var inside = false;
        var opened = 0;
        var message = "";
        var indent = "";
        var stubs = new List<string>();
        for (var l = 0; l < lines.Length; l++)
        {
            var line = lines[l].TrimEnd('\r');
            var trimmed = line.Trim();
            if (trimmed.StartsWith(Begin, StringComparison.Ordinal))
            {
                if (inside)
                {
                    throw new NotebookFormatException($"{notebook}, cell {cellNumber}, line {l + 1}: {Begin} inside the region opened at line {opened}; close it with {End} first");
                }
                inside = true;
                opened = l + 1;
                indent = line[..(line.Length - line.TrimStart().Length)];
                var hint = trimmed[Begin.Length..].Trim().TrimStart(':').Trim();
                message = hint.Length > 0 ? hint : $"Exercise {regions.Count + 1}: write your answer here";
                stubs.Clear();
                continue;
            }
            if (trimmed.StartsWith(End, StringComparison.Ordinal))
            {
                if (!inside)
                {
                    throw new NotebookFormatException($"{notebook}, cell {cellNumber}, line {l + 1}: {End} without a {Begin} before it");
                }
                inside = false;
                regions.Add(new SolutionRegion(cellNumber, opened, message));
                output.Append(indent).Append("// ").Append(message).Append('\n');
                if (stubs.Count > 0)
                {
                    stubs.ForEach(s => output.Append(indent).Append(s).Append('\n'));
                }
                else
                {
                    output.Append(indent).Append("throw new NotImplementedException(")
                        .Append(Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(message, quote: true)).Append(");\n");
                }
                continue;
            }
            if (inside)
            {
                if (trimmed.StartsWith(Stub, StringComparison.Ordinal))
                {
                    stubs.Add(trimmed[Stub.Length..].Trim());
                }
                continue;
            }
            output.Append(RewriteReference(line, sourceFolder, outputFolder));
            if (l < lines.Length - 1)
            {
                output.Append('\n');
            }
        }
        if (inside)
        {
            throw new NotebookFormatException($"{notebook}, cell {cellNumber}, line {opened}: {Begin} is never closed with {End}");
        }
        return output.ToString().TrimEnd('\n');
    }

    // #r "relative/path.dll" resolves against the notebook's folder: keep it pointing at the same file.
    private static string RewriteReference(string line, string sourceFolder, string outputFolder)
    {
        var match = Reference().Match(line);
        if (!match.Success || sourceFolder == outputFolder)
        {
            return line;
        }
        var target = match.Groups["path"].Value;
        if (target.Contains(':', StringComparison.Ordinal) || Path.IsPathRooted(target))
        {
            return line; // nuget: references and absolute paths stay as they are
        }
        var full = Path.GetFullPath(target, sourceFolder);
        var relative = Path.GetRelativePath(outputFolder, full).Replace('\\', '/');
        return line[..match.Groups["path"].Index] + relative + line[(match.Groups["path"].Index + match.Groups["path"].Length)..];
    }

    private static JsonObject Note(IReadOnlyList<SolutionRegion> regions)
    {
        var text = regions.Count == 0
            ? "**Student edition.** This notebook has no checked exercise to write; run it and read along."
            : $"**Student edition: {regions.Count} exercise{(regions.Count == 1 ? "" : "s")} to write** " +
              $"(in cell{(regions.Count == 1 ? "" : "s")} {string.Join(", ", regions.Select(r => r.Cell + 1).Distinct())} of this edition). " +
              "Each answer was replaced by a stub; until you write yours, its check says \"not attempted\" and every other cell " +
              "still runs, so you can do the exercises in any order. Run a check cell again after writing your answer.";
        return new JsonObject
        {
            ["cell_type"] = "markdown",
            ["id"] = "student-edition-note",
            ["metadata"] = new JsonObject(),
            ["source"] = NotebookDocument.ToMultiline(text),
        };
    }

    [GeneratedRegex("^\\s*#r\\s+\"(?<path>[^\"]+)\"")]
    private static partial Regex Reference();
}
