using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workbook.Engine.Documents;

/// <summary>A notebook file that cannot be read: the message names the file and what is wrong.</summary>
public sealed class NotebookFormatException(string message) : Exception(message);

/// <summary>Kinds of cells in nbformat 4.</summary>
public enum CellKind
{
    /// <summary>Executable code (C# in this workbook).</summary>
    Code,
    /// <summary>Markdown prose.</summary>
    Markdown,
    /// <summary>Raw text, never executed or rendered.</summary>
    Raw,
}

/// <summary>
/// One cell of a notebook. Wraps the cell's JSON object so that metadata the engine does not know
/// (Polyglot's kernel names, tags, anything a front end added) survives a round trip.
/// </summary>
public sealed class NotebookCell
{
    internal NotebookCell(JsonObject json, int number, CellKind kind, string source)
    {
        Json = json;
        Number = number;
        Kind = kind;
        Source = source;
    }

    /// <summary>The cell's JSON as read (modifying it changes what is written back).</summary>
    public JsonObject Json { get; }

    /// <summary>1-based position among all cells of the notebook (Markdown cells count too).</summary>
    public int Number { get; }

    /// <summary>Code, Markdown or raw.</summary>
    public CellKind Kind { get; }

    /// <summary>The cell's source joined into one string.</summary>
    public string Source { get; }

    /// <summary>The cell's tags (metadata.tags).</summary>
    public IReadOnlyList<string> Tags =>
        (Json["metadata"] as JsonObject)?["tags"] is JsonArray tags
            ? tags.Select(t => t?.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : "").ToArray()
            : Array.Empty<string>();

    /// <summary>The kernel Polyglot would run the cell in ("csharp" when nothing says otherwise).</summary>
    public string KernelName
    {
        get
        {
            var metadata = Json["metadata"] as JsonObject;
            if (metadata?["polyglot_notebook"] is JsonObject polyglot && polyglot["kernelName"] is JsonValue kernel
                && kernel.TryGetValue<string>(out var name))
            {
                return name;
            }
            if (metadata?["dotnet_interactive"] is JsonObject dotnet && dotnet["language"] is JsonValue language
                && language.TryGetValue<string>(out var lang))
            {
                return lang;
            }
            return "csharp";
        }
    }
}

/// <summary>
/// A Polyglot Notebooks .ipynb file (nbformat 4). Reading checks the structure and rejects a
/// malformed file with a message naming the file and the problem; writing keeps every property the
/// engine does not understand.
/// </summary>
public sealed class NotebookDocument
{
    private NotebookDocument(string path, JsonObject json, IReadOnlyList<NotebookCell> cells)
    {
        Path = path;
        Json = json;
        Cells = cells;
    }

    /// <summary>Full path of the file the notebook was read from.</summary>
    public string Path { get; }

    /// <summary>The whole notebook as JSON.</summary>
    public JsonObject Json { get; }

    /// <summary>The cells, in order.</summary>
    public IReadOnlyList<NotebookCell> Cells { get; }

    /// <summary>Notebook-level metadata (created when missing).</summary>
    public JsonObject Metadata => Json["metadata"] as JsonObject ?? (JsonObject)(Json["metadata"] = new JsonObject());

    /// <summary>JSON options used for every notebook the engine writes: indented, non-ASCII kept as is.</summary>
    public static JsonSerializerOptions WriteOptions { get; } = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Reads and checks <paramref name="path"/>.</summary>
    /// <exception cref="NotebookFormatException">the file is missing or not a valid nbformat 4 notebook.</exception>
    public static NotebookDocument Load(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new NotebookFormatException($"{full}: notebook file not found.");
        }
        string text;
        try
        {
            text = File.ReadAllText(full, Encoding.UTF8);
        }
        catch (IOException e)
        {
            throw new NotebookFormatException($"{full}: cannot be read: {e.Message}");
        }
        return Parse(text, full);
    }

    /// <summary>Parses notebook JSON; <paramref name="path"/> names the notebook in messages.</summary>
    public static NotebookDocument Parse(string text, string path)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new NotebookFormatException($"{path}: the file is empty, not a notebook (expected nbformat 4 JSON).");
        }
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw new NotebookFormatException($"{path}: not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}");
        }
        if (root is not JsonObject json)
        {
            throw new NotebookFormatException($"{path}: the top level must be a JSON object with \"cells\", \"metadata\", \"nbformat\" and \"nbformat_minor\".");
        }
        if (json["nbformat"] is not JsonValue nbformat || nbformat.GetValueKind() != JsonValueKind.Number)
        {
            throw new NotebookFormatException($"{path}: \"nbformat\" is missing or not a number (this engine reads nbformat 4).");
        }
        if (!nbformat.TryGetValue<int>(out var major) || major != 4)
        {
            throw new NotebookFormatException($"{path}: nbformat is {nbformat.ToJsonString()}, but only nbformat 4 is supported.");
        }
        if (json["nbformat_minor"] is { } minor && minor.GetValueKind() != JsonValueKind.Number)
        {
            throw new NotebookFormatException($"{path}: \"nbformat_minor\" must be a number.");
        }
        if (json["metadata"] is { } metadata && metadata is not JsonObject)
        {
            throw new NotebookFormatException($"{path}: \"metadata\" must be a JSON object.");
        }
        if (json["cells"] is not JsonArray cellsJson)
        {
            throw new NotebookFormatException($"{path}: \"cells\" is missing or not an array.");
        }
        var cells = new List<NotebookCell>();
        for (var i = 0; i < cellsJson.Count; i++)
        {
            var number = i + 1;
            if (cellsJson[i] is not JsonObject cell)
            {
                throw new NotebookFormatException($"{path}: cell {number} is not a JSON object.");
            }
            var kind = cell["cell_type"] is JsonValue type && type.TryGetValue<string>(out var typeName)
                ? typeName switch
                {
                    "code" => CellKind.Code,
                    "markdown" => CellKind.Markdown,
                    "raw" => CellKind.Raw,
                    _ => throw new NotebookFormatException($"{path}: cell {number} has cell_type \"{typeName}\"; expected \"code\", \"markdown\" or \"raw\"."),
                }
                : throw new NotebookFormatException($"{path}: cell {number} has no \"cell_type\".");
            if (!cell.ContainsKey("source"))
            {
                throw new NotebookFormatException($"{path}: cell {number} ({kind.ToString().ToLowerInvariant()}) has no \"source\".");
            }
            var source = ReadMultiline(cell["source"], $"{path}: cell {number}: \"source\"");
            if (cell["metadata"] is { } cellMetadata && cellMetadata is not JsonObject)
            {
                throw new NotebookFormatException($"{path}: cell {number}: \"metadata\" must be a JSON object.");
            }
            if (kind == CellKind.Code)
            {
                if (cell["outputs"] is { } outputs && outputs is not JsonArray)
                {
                    throw new NotebookFormatException($"{path}: cell {number}: \"outputs\" must be an array.");
                }
                if (cell["execution_count"] is { } count && (count.GetValueKind() != JsonValueKind.Number || !count.AsValue().TryGetValue<int>(out _)))
                {
                    throw new NotebookFormatException($"{path}: cell {number}: \"execution_count\" must be an integer or null.");
                }
            }
            cells.Add(new NotebookCell(cell, number, kind, source));
        }
        return new NotebookDocument(path, json, cells);
    }

    /// <summary>Reads nbformat's multiline string: a string or an array of strings (joined as is).</summary>
    public static string ReadMultiline(JsonNode? node, string what)
    {
        switch (node)
        {
            case null:
                throw new NotebookFormatException($"{what} is null; expected a string or an array of strings.");
            case JsonValue value when value.TryGetValue<string>(out var text):
                return text;
            case JsonArray array:
                var builder = new StringBuilder();
                foreach (var item in array)
                {
                    if (item is JsonValue line && line.TryGetValue<string>(out var part))
                    {
                        builder.Append(part);
                    }
                    else
                    {
                        throw new NotebookFormatException($"{what} contains a non-string element ({item?.ToJsonString() ?? "null"}).");
                    }
                }
                return builder.ToString();
            default:
                throw new NotebookFormatException($"{what} is {node.GetValueKind()}; expected a string or an array of strings.");
        }
    }

    /// <summary>Splits text into nbformat's list-of-lines form (each line keeps its "\n").</summary>
    public static JsonArray ToMultiline(string text)
    {
        var array = new JsonArray();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                array.Add(text[start..(i + 1)]);
                start = i + 1;
            }
        }
        if (start < text.Length)
        {
            array.Add(text[start..]);
        }
        return array;
    }

    /// <summary>Serialises notebook JSON the way Jupyter does (indented, trailing newline).</summary>
    public static string Serialize(JsonObject json) => json.ToJsonString(WriteOptions) + "\n";

    /// <summary>
    /// Writes <paramref name="json"/> to <paramref name="path"/> atomically: a temporary file in the
    /// same folder, then a rename over the target, so a reader never sees half a notebook.
    /// </summary>
    public static void WriteAtomically(JsonObject json, string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        var temp = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temp, Serialize(json), new UTF8Encoding(false));
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
