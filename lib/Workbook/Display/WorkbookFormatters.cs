using System.Globalization;
using Microsoft.DotNet.Interactive.Formatting;
using Workbook.Notebooks;

namespace Workbook.Display;

/// <summary>
/// Registers how the workbook's values look in a notebook, with the formatter registry that
/// Polyglot Notebooks and the workbook's engine both consult (Microsoft.DotNet.Interactive.Formatting).
/// </summary>
public static class WorkbookFormatters
{
    private static int registered;

    /// <summary>Registers every workbook formatter once; later calls do nothing.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 1)
        {
            return;
        }
        Formatter.Register<Metric>((metric, writer) => writer.Write(MetricsHtml(new[] { metric })), HtmlFormatter.MimeType);
        Formatter.Register<MetricTable>((table, writer) => writer.Write(MetricsHtml(table.Metrics)), HtmlFormatter.MimeType);
        Formatter.Register<Metric>((metric, writer) => writer.Write(metric.ToString()), PlainTextFormatter.MimeType);
        Formatter.Register<MetricTable>((table, writer) => writer.Write(table.ToString()), PlainTextFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(Metric), HtmlFormatter.MimeType, PlainTextFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(MetricTable), HtmlFormatter.MimeType, PlainTextFormatter.MimeType);
    }

    private static string MetricsHtml(IEnumerable<Metric> metrics)
    {
        var rows = string.Concat(metrics.Select(m =>
            $"<tr><td><code>{Html(m.Name)}</code></td><td style=\"text-align:right\">{m.Value.ToString("G6", CultureInfo.InvariantCulture)}</td><td>{Html(m.Description ?? "")}</td></tr>"));
        return $"<table class=\"workbook-metrics\"><thead><tr><th>metric</th><th>value</th><th>what</th></tr></thead><tbody>{rows}</tbody></table>";
    }

    private static string Html(string text) => System.Net.WebUtility.HtmlEncode(text);
}
