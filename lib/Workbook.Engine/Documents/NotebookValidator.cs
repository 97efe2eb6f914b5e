using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Workbook.Engine.Documents;

/// <summary>
/// Checks a notebook against the rules of the nbformat 4 schema that front ends rely on (VS Code,
/// Jupyter): required keys, types of sources and outputs, MIME bundles. Returns every problem found.
/// </summary>
public static partial class NotebookValidator
{
    private static readonly HashSet<string> StreamNames = new() { "stdout", "stderr" };

    /// <summary>Problems of <paramref name="notebook"/> ("cell 3, output 1: ..."); empty when valid.</summary>
    public static IReadOnlyList<string> Validate(JsonObject notebook)
    {
        var problems = new List<string>();
        if (!IsInt(notebook["nbformat"], out var major) || major != 4)
        {
            problems.Add("nbformat must be the integer 4");
        }
        if (!IsInt(notebook["nbformat_minor"], out var minor) || minor < 0)
        {
            problems.Add("nbformat_minor must be a non-negative integer");
        }
        if (notebook["metadata"] is not JsonObject)
        {
            problems.Add("metadata must be an object");
        }
        else if (!ValidJson(notebook["metadata"]))
        {
            problems.Add("metadata contains a value that is not valid JSON (NaN or Infinity)");
        }
        if (notebook["cells"] is not JsonArray cells)
        {
            problems.Add("cells must be an array");
            return problems;
        }
        var ids = new HashSet<string>();
        for (var i = 0; i < cells.Count; i++)
        {
            var where = $"cell {i + 1}";
            if (cells[i] is not JsonObject cell)
            {
                problems.Add($"{where}: not an object");
                continue;
            }
            var type = cell["cell_type"] is JsonValue t && t.TryGetValue<string>(out var s) ? s : null;
            if (type is not ("code" or "markdown" or "raw"))
            {
                problems.Add($"{where}: cell_type must be code, markdown or raw");
            }
            if (!IsMultiline(cell["source"]))
            {
                problems.Add($"{where}: source must be a string or an array of strings");
            }
            if (cell["metadata"] is not JsonObject)
            {
                problems.Add($"{where}: metadata must be an object");
            }
            if (minor >= 5)
            {
                if (cell["id"] is not JsonValue idValue || !idValue.TryGetValue<string>(out var id) || !IdPattern().IsMatch(id))
                {
                    problems.Add($"{where}: nbformat 4.5 needs an id of 1-64 letters, digits, '-' or '_'");
                }
                else if (!ids.Add(id))
                {
                    problems.Add($"{where}: id \"{id}\" is used by an earlier cell");
                }
            }
            if (type == "code")
            {
                var count = cell["execution_count"];
                if (!cell.ContainsKey("execution_count") || (count is not null && !IsInt(count, out _)))
                {
                    problems.Add($"{where}: execution_count must be an integer or null");
                }
                if (cell["outputs"] is not JsonArray outputs)
                {
                    problems.Add($"{where}: outputs must be an array");
                    continue;
                }
                for (var o = 0; o < outputs.Count; o++)
                {
                    ValidateOutput(outputs[o], $"{where}, output {o + 1}", problems);
                }
            }
            else if (cell.ContainsKey("outputs") || cell.ContainsKey("execution_count"))
            {
                problems.Add($"{where}: a {type} cell must not have outputs or execution_count");
            }
        }
        return problems;
    }

    private static void ValidateOutput(JsonNode? node, string where, List<string> problems)
    {
        if (node is not JsonObject output)
        {
            problems.Add($"{where}: not an object");
            return;
        }
        var type = output["output_type"] is JsonValue t && t.TryGetValue<string>(out var s) ? s : null;
        switch (type)
        {
            case "stream":
                if (output["name"] is not JsonValue name || !name.TryGetValue<string>(out var streamName) || !StreamNames.Contains(streamName))
                {
                    problems.Add($"{where}: stream name must be stdout or stderr");
                }
                if (!IsMultiline(output["text"]))
                {
                    problems.Add($"{where}: stream text must be a string or an array of strings");
                }
                break;
            case "display_data":
            case "execute_result":
                if (output["data"] is not JsonObject data)
                {
                    problems.Add($"{where}: data must be a MIME bundle object");
                }
                else
                {
                    foreach (var (mime, value) in data)
                    {
                        if (!MimePattern().IsMatch(mime))
                        {
                            problems.Add($"{where}: \"{mime}\" is not a MIME type");
                        }
                        else if (!mime.EndsWith("json", StringComparison.Ordinal) && !IsMultiline(value))
                        {
                            problems.Add($"{where}: data[\"{mime}\"] must be a string or an array of strings");
                        }
                    }
                }
                if (output["metadata"] is not JsonObject)
                {
                    problems.Add($"{where}: {type} needs a metadata object");
                }
                if (type == "execute_result" && (!output.ContainsKey("execution_count") || (output["execution_count"] is { } c && !IsInt(c, out _))))
                {
                    problems.Add($"{where}: execute_result needs execution_count (integer or null)");
                }
                break;
            case "error":
                foreach (var key in new[] { "ename", "evalue" })
                {
                    if (output[key] is not JsonValue v || !v.TryGetValue<string>(out _))
                    {
                        problems.Add($"{where}: error needs a string {key}");
                    }
                }
                if (output["traceback"] is not JsonArray traceback || traceback.Any(line => line is not JsonValue l || !l.TryGetValue<string>(out _)))
                {
                    problems.Add($"{where}: error needs traceback as an array of strings");
                }
                break;
            default:
                problems.Add($"{where}: output_type must be stream, display_data, execute_result or error");
                break;
        }
    }

    private static bool IsInt(JsonNode? node, out int value)
    {
        value = 0;
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out value);
    }

    private static bool IsMultiline(JsonNode? node) => node switch
    {
        JsonValue v => v.TryGetValue<string>(out _),
        JsonArray a => a.All(item => item is JsonValue l && l.TryGetValue<string>(out _)),
        _ => false,
    };

    private static bool ValidJson(JsonNode? node)
    {
        try
        {
            JsonNode.Parse(node?.ToJsonString() ?? "null");
            return true;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-zA-Z0-9.+-]+/[a-zA-Z0-9.+-]+$")]
    private static partial Regex MimePattern();
}
