using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Data.Analysis;

namespace Workbook.Display;

/// <summary>How a Microsoft.Data.Analysis <see cref="DataFrame"/> looks in a notebook: a table of its first rows.</summary>
public static class DataFrameDisplay
{
    /// <summary>Rows shown before "n more rows".</summary>
    public const int MaxRows = 20;

    /// <summary>The first <see cref="MaxRows"/> rows as an HTML table; the header gives each column's name and type.</summary>
    public static string ToHtml(DataFrame frame)
    {
        var html = new StringBuilder("<div class=\"workbook-dataframe\"><table><thead><tr><th></th>");
        foreach (var column in frame.Columns)
        {
            html.Append("<th>").Append(Html(column.Name)).Append("<br><small>").Append(Html(TypeName(column.DataType))).Append("</small></th>");
        }
        html.Append("</tr></thead><tbody>");
        var shown = (int)Math.Min(frame.Rows.Count, MaxRows);
        for (var r = 0; r < shown; r++)
        {
            html.Append("<tr><th>").Append(r).Append("</th>");
            foreach (var column in frame.Columns)
            {
                html.Append("<td>").Append(Html(Cell(column[r]))).Append("</td>");
            }
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
        var more = frame.Rows.Count - shown;
        html.Append("<div><small>").Append(frame.Rows.Count).Append(" rows × ").Append(frame.Columns.Count).Append(" columns");
        if (more > 0)
        {
            html.Append(", ").Append(more).Append(" more rows not shown");
        }
        return html.Append("</small></div></div>").ToString();
    }

    /// <summary>The first rows as fixed-width text.</summary>
    public static string ToPlainText(DataFrame frame)
    {
        var shown = (int)Math.Min(frame.Rows.Count, MaxRows);
        var columns = frame.Columns.ToList();
        var cells = columns.Select(c => new[] { c.Name }.Concat(Enumerable.Range(0, shown).Select(r => Cell(c[r]))).ToArray()).ToList();
        var widths = cells.Select(c => c.Max(s => s.Length)).ToList();
        var text = new StringBuilder();
        for (var line = 0; line <= shown; line++)
        {
            text.AppendLine(string.Join("  ", cells.Select((c, i) => c[line].PadLeft(widths[i]))).TrimEnd());
        }
        var more = frame.Rows.Count - shown;
        text.Append(CultureInfo.InvariantCulture, $"{frame.Rows.Count} rows x {columns.Count} columns");
        if (more > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $", {more} more rows not shown");
        }
        return text.ToString();
    }

    private static string Cell(object? value) => value switch
    {
        null => "null",
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        float f => f.ToString("G6", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string TypeName(Type type) => type == typeof(double) ? "double" : type == typeof(float) ? "float"
        : type == typeof(int) ? "int" : type == typeof(long) ? "long" : type == typeof(string) ? "string" : type == typeof(bool) ? "bool" : type.Name;

    private static string Html(string text) => WebUtility.HtmlEncode(text);
}
