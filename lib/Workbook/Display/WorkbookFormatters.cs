using System.Globalization;
using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;
using Workbook.Charts;
using Workbook.Exercises;
using Tensor = TorchSharp.torch.Tensor;

namespace Workbook.Display;

/// <summary>
/// Registers how the workbook's values look in a notebook (charts, tensors, data frames, exercise checks), with the
/// formatter registry that Polyglot Notebooks and the workbook's engine both consult (Microsoft.DotNet.Interactive.Formatting).
/// The notebook session's own values (metrics, the session line) are registered by <c>Notebooks.NotebookFormatters</c>,
/// which builds on this: core display code knows nothing of the session.
/// </summary>
public static class WorkbookFormatters
{
    private static readonly object gate = new();

    /// <summary>
    /// Registers every workbook formatter. Later calls do nothing unless the registry was reset
    /// (<c>Formatter.ResetToDefault()</c>) in between, in which case they register again.
    /// </summary>
    public static void Register()
    {
        lock (gate)
        {
            if (!IsRegistered)
            {
                RegisterAll();
            }
        }
    }

    /// <summary>Whether the workbook's formatters are in the registry now.</summary>
    public static bool IsRegistered =>
        Formatter.RegisteredFormatters(includeDefaults: false).Any(f => f.Type == typeof(ExerciseResult));

    private static void RegisterAll()
    {
        // Charts: an interactive plotly.js chart, self-contained (plotly.js inline, no network).
        Formatter.Register<Figure>((figure, writer) => writer.Write(ChartHtml.NotebookFragment(figure)), HtmlFormatter.MimeType);
        Formatter.Register<Figure>((figure, writer) => writer.Write(figure.ToString()), PlainTextFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(Figure), HtmlFormatter.MimeType);
        Formatter.Register<LiveTraining>((live, writer) => writer.Write(live.ToHtml()), HtmlFormatter.MimeType);
        Formatter.Register<LiveTraining>((live, writer) => writer.Write(live.ToString()), PlainTextFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(LiveTraining), HtmlFormatter.MimeType, PlainTextFormatter.MimeType);

        // A Plotly.NET chart returned by a cell (Plotly.NET.CSharp's Chart.Line(...), figure.Chart)
        // draws the same way, offline, instead of as a table of its F# properties.
        Formatter.Register<Plotly.NET.GenericChart>((chart, writer) => writer.Write(ChartHtml.NotebookFragment(Figure.From(chart))), HtmlFormatter.MimeType);
        Formatter.Register<Plotly.NET.GenericChart>((chart, writer) => writer.Write(Figure.From(chart).ToString()), PlainTextFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(Plotly.NET.GenericChart), HtmlFormatter.MimeType);

        // Tensors: shape, dtype, device, requires_grad; values when small, statistics when large.
        Formatter.Register<Tensor>((tensor, writer) => writer.Write(TensorDisplay.ToHtml(tensor)), HtmlFormatter.MimeType);
        Formatter.Register<Tensor>((tensor, writer) => writer.Write(TensorDisplay.ToPlainText(tensor)), PlainTextFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(Tensor), HtmlFormatter.MimeType, PlainTextFormatter.MimeType);

        // DataFrames: the first rows as a table.
        Formatter.Register<DataFrame>((frame, writer) => writer.Write(DataFrameDisplay.ToHtml(frame)), HtmlFormatter.MimeType);
        Formatter.Register<DataFrame>((frame, writer) => writer.Write(DataFrameDisplay.ToPlainText(frame)), PlainTextFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(DataFrame), HtmlFormatter.MimeType, PlainTextFormatter.MimeType);

        // Exercise checks: a green or red box.
        Formatter.Register<ExerciseResult>((result, writer) => writer.Write(ExerciseHtml(result)), HtmlFormatter.MimeType);
        Formatter.Register<ExerciseResult>((result, writer) => writer.Write(result.ToString()), PlainTextFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(ExerciseResult), HtmlFormatter.MimeType, PlainTextFormatter.MimeType);

        // A plugged-in function's run against the reference's: green when as good, red when worse or when the
        // function failed its own check, grey while the reference trained in its place.
        Formatter.Register<PluggedOutcome>((outcome, writer) => writer.Write(OutcomeHtml(outcome)), HtmlFormatter.MimeType);
        Formatter.Register<PluggedOutcome>((outcome, writer) => writer.Write(outcome.ToString()), PlainTextFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(PluggedOutcome), HtmlFormatter.MimeType, PlainTextFormatter.MimeType);
    }

    private static string OutcomeHtml(PluggedOutcome outcome)
    {
        var (border, background, mark) = !outcome.RanYours
            ? ("#757575", "#f5f5f5", "\u25CB")
            : outcome.AsGoodAsReference && !outcome.FailedItsCheck ? ("#2e7d32", "#e8f5e9", "\u2714") : ("#c62828", "#ffebee", "\u2718");
        return $"<div class=\"workbook-plugged\" style=\"border:2px solid {border};background:{background};color:#222;padding:8px 12px;border-radius:6px;margin:4px 0\">" +
               $"<strong>{mark} {Html(outcome.Exercise)}</strong> <span style=\"font-family:monospace;white-space:pre-wrap\">{Html(outcome.ToString())}</span></div>";
    }

    private static string ExerciseHtml(ExerciseResult result)
    {
        var (border, background, mark, verdict) = result.Passed
            ? ("#2e7d32", "#e8f5e9", "\u2714", "passed")
            : result.Attempted ? ("#c62828", "#ffebee", "\u2718", "not yet") : ("#757575", "#f5f5f5", "\u25CB", "not attempted");
        return $"<div class=\"workbook-exercise {(result.Passed ? "passed" : result.Attempted ? "failed" : "not-attempted")}\" style=\"border:2px solid {border};background:{background};color:#222;padding:8px 12px;border-radius:6px;margin:4px 0\">" +
               $"<strong>{mark} {Html(result.Exercise)}: {verdict}</strong> <span>({result.CasesChecked} case{(result.CasesChecked == 1 ? "" : "s")} checked)</span>" +
               $"<div style=\"font-family:monospace;white-space:pre-wrap\">{Html(result.Message)}</div></div>";
    }

    internal static string Html(string text) => System.Net.WebUtility.HtmlEncode(text);
}
