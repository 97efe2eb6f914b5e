using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Formatting;
using Workbook.Engine.Documents;

namespace Workbook.Engine.Execution;

/// <summary>
/// Turns a value into a Jupyter MIME bundle with the formatter registry that Polyglot Notebooks use
/// (Microsoft.DotNet.Interactive.Formatting): the type's preferred MIME types, plus text/plain always.
/// </summary>
public static class MimeBundles
{
    /// <summary>The MIME bundle ("data" of display_data / execute_result) of <paramref name="value"/>.</summary>
    public static JsonObject For(object? value, IReadOnlyCollection<string>? mimeTypes = null)
    {
        var data = new JsonObject();
        if (value is null)
        {
            data[PlainTextFormatter.MimeType] = NotebookDocument.ToMultiline("<null>");
            return data;
        }
        var preferred = mimeTypes is { Count: > 0 } ? mimeTypes : Formatter.GetPreferredMimeTypesFor(value.GetType()).ToArray();
        foreach (var mime in preferred.Distinct())
        {
            data[mime] = Render(value, mime);
        }
        if (!data.ContainsKey(PlainTextFormatter.MimeType))
        {
            data[PlainTextFormatter.MimeType] = Render(value, PlainTextFormatter.MimeType);
        }
        return data;
    }

    private static JsonNode Render(object value, string mime)
    {
        string text;
        try
        {
            text = value.ToDisplayString(mime);
        }
        catch (Exception e)
        {
            text = $"<{value.GetType().Name} could not be formatted as {mime}: {e.GetBaseException().Message}>";
            return NotebookDocument.ToMultiline(text);
        }
        if (mime.EndsWith("json", StringComparison.Ordinal))
        {
            try
            {
                return JsonNode.Parse(text) ?? JsonValue.Create(text)!;
            }
            catch (System.Text.Json.JsonException)
            {
                return JsonValue.Create(text)!;
            }
        }
        return NotebookDocument.ToMultiline(text);
    }
}
