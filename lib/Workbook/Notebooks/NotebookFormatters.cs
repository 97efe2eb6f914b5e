using System.Globalization;
using Microsoft.DotNet.Interactive.Formatting;
using Workbook.Display;

namespace Workbook.Notebooks;

/// <summary>
/// How the notebook session's own values look: metrics (a table; the summary also carries the machine-readable bundle
/// that <c>workbook check --executed</c> reads) and the first cell's session line. Registers the core displays of
/// <see cref="WorkbookFormatters"/> first, so one call sets up everything a notebook shows.
/// </summary>
public static class NotebookFormatters
{
    private static readonly object gate = new();

    /// <summary>Registers the core displays and the session's. Later calls do nothing unless the registry was reset.</summary>
    public static void Register()
    {
        WorkbookFormatters.Register();
        lock (gate)
        {
            if (!IsRegistered)
            {
                RegisterAll();
            }
        }
    }

    /// <summary>Whether the session's formatters are in the registry now.</summary>
    public static bool IsRegistered =>
        Formatter.RegisteredFormatters(includeDefaults: false).Any(f => f.Type == typeof(MetricTable));

    private static void RegisterAll()
    {
        Formatter.Register<Metric>((metric, writer) => writer.Write(MetricsHtml(new[] { metric })), HtmlFormatter.MimeType);
        Formatter.Register<MetricTable>((table, writer) => writer.Write(MetricTableHtml(table)), HtmlFormatter.MimeType);
        Formatter.Register<MetricTable>((table, writer) => writer.Write(table.ToBundleJson()), MetricTable.BundleMimeType);
        Formatter.Register<Metric>((metric, writer) => writer.Write(metric.ToString()), PlainTextFormatter.MimeType);
        Formatter.Register<MetricTable>((table, writer) => writer.Write(table.ToString()), PlainTextFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(Metric), HtmlFormatter.MimeType, PlainTextFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(MetricTable), HtmlFormatter.MimeType, PlainTextFormatter.MimeType, MetricTable.BundleMimeType);

        // The first cell's output: one line saying the notebook is ready.
        Formatter.Register<NotebookSession>((session, writer) => writer.Write($"<div class=\"workbook-session\"><code>{WorkbookFormatters.Html(session.ToString())}</code></div>"), HtmlFormatter.MimeType);
        Formatter.Register<NotebookSession>((session, writer) => writer.Write(session.ToString()), PlainTextFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(NotebookSession), HtmlFormatter.MimeType, PlainTextFormatter.MimeType);
    }

    // A summary's table also embeds the bundle, for front ends that keep only text/html and text/plain.
    private static string MetricTableHtml(MetricTable table) =>
        MetricsHtml(table.Metrics) + (table.IsSummary
            ? $"<script type=\"{MetricTable.BundleMimeType}\" class=\"workbook-metrics-bundle\">{table.ToBundleJson().Replace("</", "<\\/", StringComparison.Ordinal)}</script>"
            : "");

    private static string MetricsHtml(IEnumerable<Metric> metrics)
    {
        var rows = string.Concat(metrics.Select(m =>
            $"<tr><td><code>{WorkbookFormatters.Html(m.Name)}</code></td><td style=\"text-align:right\" title=\"{m.Value.ToString("R", CultureInfo.InvariantCulture)}\">{Numbers.Format(m.Value)}</td><td>{WorkbookFormatters.Html(m.Description ?? "")}</td></tr>"));
        return $"<table class=\"workbook-metrics\"><thead><tr><th>metric</th><th>value</th><th>what</th></tr></thead><tbody>{rows}</tbody></table>";
    }
}
