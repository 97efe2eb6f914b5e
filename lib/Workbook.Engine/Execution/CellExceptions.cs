using System.Diagnostics;
using System.Reflection;

namespace Workbook.Engine.Execution;

/// <summary>
/// Where in a notebook an exception of a cell came from: each cell compiles with its own file path
/// (<see cref="CellFile"/>) and debug information, so stack frames give the cell and the line.
/// </summary>
internal static class CellExceptions
{
    /// <summary>The source path a cell compiles with ("&lt;notebook&gt;#cell4.csx").</summary>
    public static string CellFile(string notebookPath, int cellNumber) => $"{notebookPath}#cell{cellNumber}.csx";

    /// <summary>The exception a cell threw, out of the reflection and task wrappers around it.</summary>
    public static Exception Unwrap(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case TargetInvocationException { InnerException: { } inner }:
                    e = inner;
                    continue;
                case AggregateException { InnerExceptions.Count: 1 } aggregate:
                    e = aggregate.InnerExceptions[0];
                    continue;
                default:
                    return e;
            }
        }
    }

    // The line reported is the innermost frame in the failing cell; when that frame was called from
    // another line of the cell, or the exception came from code defined in an earlier cell, the
    // origin says so ("thrown at cell 3, line 5", "called from line 9").
    public static (int? Line, string? Origin) Locate(Exception exception, string notebookPath, int cellNumber)
    {
        var own = CellFile(notebookPath, cellNumber);
        int? line = null;
        int? outerLine = null;
        string? origin = null;
        var frames = new StackTrace(exception, fNeedFileInfo: true).GetFrames();
        var prefix = notebookPath + "#cell";
        foreach (var frame in frames)
        {
            var file = frame.GetFileName();
            if (file is null || frame.GetFileLineNumber() <= 0)
            {
                continue;
            }
            if (file == own)
            {
                line ??= frame.GetFileLineNumber();
                outerLine = frame.GetFileLineNumber();
            }
            else if (origin is null && line is null && file.StartsWith(prefix, StringComparison.Ordinal))
            {
                var number = file[prefix.Length..].Replace(".csx", "");
                origin = $"cell {number}, line {frame.GetFileLineNumber()}";
            }
        }
        if (origin is null && outerLine is not null && outerLine != line)
        {
            origin = $"line {line}, called from line {outerLine}";
        }
        return (line, origin);
    }

    /// <summary>The exception's text with cells named as a student counts them and the engine's own frames left out.</summary>
    public static IReadOnlyList<string> CleanStackTrace(Exception exception, string notebookPath)
    {
        var text = exception.ToString().Replace(notebookPath + "#cell", "cell ", StringComparison.Ordinal).Replace(".csx:line", ", line", StringComparison.Ordinal);
        return text.Split('\n')
            .Select(l => l.TrimEnd('\r'))
            .Where(l => !l.Contains("Microsoft.CodeAnalysis.Scripting", StringComparison.Ordinal)
                        && !l.Contains("Workbook.Engine.Execution.", StringComparison.Ordinal)
                        && !l.Contains("System.Runtime.CompilerServices.AsyncTaskMethodBuilder", StringComparison.Ordinal)
                        && !l.Contains("System.Runtime.ExceptionServices", StringComparison.Ordinal)
                        && !l.Contains("--- End of stack trace from previous location ---", StringComparison.Ordinal))
            .ToArray();
    }
}
