using System.Globalization;
using System.Text.Json.Nodes;
using Workbook.Engine.Claims;
using Workbook.Engine.Documents;
using Workbook.Engine.Protocol;

namespace Workbook.Engine.Execution;

/// <summary>The executed copy of a notebook (valid nbformat 4.5), built from a run's result and written atomically.</summary>
internal static class ExecutedNotebook
{
    /// <summary>
    /// The executed notebook: the source with each run cell's outputs, execution count and timing, the injected
    /// parameters cell after the parameters cell, and the run's record in metadata.workbook.run.
    /// </summary>
    public static JsonObject Build(NotebookDocument document, NotebookRunResult result, NotebookCell? parametersCell, string? injectedSource)
    {
        var executed = (JsonObject)document.Json.DeepClone();
        var cells = executed["cells"]!.AsArray();
        var runs = result.Cells.Where(c => !c.Injected).ToDictionary(c => c.Number);
        var count = 0;
        JsonObject? injectedCell = null;
        for (var i = 0; i < document.Cells.Count; i++)
        {
            var source = document.Cells[i];
            var cell = cells[i]!.AsObject();
            if (cell["metadata"] is not JsonObject)
            {
                cell["metadata"] = new JsonObject();
            }
            if (source.Kind != CellKind.Code)
            {
                continue;
            }
            cell["outputs"] = new JsonArray();
            cell["execution_count"] = null;
            if (runs.TryGetValue(source.Number, out var run))
            {
                count++;
                Fill(cell, run, count);
            }
            if (source == parametersCell && (injectedSource is not null || result.Cells.Any(c => c.Injected)))
            {
                var injectedRun = result.Cells.FirstOrDefault(c => c.Injected);
                injectedCell = new JsonObject
                {
                    ["cell_type"] = "code",
                    ["execution_count"] = null,
                    ["id"] = UniqueId(document, "injected-parameters"),
                    ["metadata"] = new JsonObject
                    {
                        ["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" },
                        ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" },
                        ["tags"] = new JsonArray(NotebookParameters.InjectedTag),
                    },
                    ["outputs"] = new JsonArray(),
                    ["source"] = NotebookDocument.ToMultiline(injectedSource ?? "// parameters could not be injected (see the error output)\n"),
                };
                if (injectedRun is not null)
                {
                    count++;
                    Fill(injectedCell, injectedRun, count);
                }
            }
        }
        if (injectedCell is not null && parametersCell is not null)
        {
            // Cell ids exist from nbformat 4.5 on; an older notebook's cells must not get one.
            if (executed["nbformat_minor"] is JsonValue minor && minor.TryGetValue<int>(out var m) && m < 5)
            {
                injectedCell.Remove("id");
            }
            cells.Insert(parametersCell.Number, injectedCell);
        }
        if (executed["metadata"] is not JsonObject metadata)
        {
            executed["metadata"] = metadata = new JsonObject();
        }
        if (metadata["workbook"] is not JsonObject workbook)
        {
            metadata["workbook"] = workbook = new JsonObject();
        }
        workbook["run"] = new JsonObject
        {
            ["status"] = result.Status,
            ["seconds"] = Math.Round(result.Seconds, 3),
            ["cells_run"] = result.Cells.Count,
            ["engine"] = "workbook-engine",
            ["finished_utc"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["metrics"] = new JsonObject(result.Metrics.Select(m => KeyValuePair.Create(m.Key, JsonNumber(m.Value)))),
            ["parameters"] = new JsonObject(result.Parameters.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))),
            ["claims"] = new JsonArray(result.Claims.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["bound"] = c.Bound,
                ["value"] = c.Value is { } v ? JsonNumber(v) : null,
                ["passed"] = c.Passed,
            }).ToArray()),
            ["failures"] = new JsonArray(result.Failures.Select(f => (JsonNode)JsonValue.Create(f.Message)).ToArray()),
        };
        if (result.StudentEdition)
        {
            // The student's verdict: the exercises by state (the claims above leave out the machine-dependent ones).
            var run = workbook["run"]!.AsObject();
            run["verdict"] = result.Verdict;
            run["exercises"] = new JsonArray(result.Exercises.Select(e => (JsonNode)new JsonObject
            {
                ["metric"] = e.Metric,
                ["exercise"] = e.Exercise,
                ["state"] = e.State,
                ["message"] = e.Message,
            }).ToArray());
        }
        if (!executed.ContainsKey("nbformat_minor"))
        {
            executed["nbformat_minor"] = 5;
        }
        return executed;
    }

    private static void Fill(JsonObject cell, CellRun run, int executionCount)
    {
        var outputs = new JsonArray();
        JsonObject? lastStream = null;
        foreach (var node in run.Outputs)
        {
            var output = (JsonObject)node!.DeepClone();
            var type = output["output_type"]!.GetValue<string>();
            if (type == "stream")
            {
                var text = output["text"] is JsonArray ? NotebookDocument.ReadMultiline(output["text"], "stream") : output["text"]!.GetValue<string>();
                if (lastStream is not null && lastStream["name"]!.GetValue<string>() == output["name"]!.GetValue<string>())
                {
                    var merged = NotebookDocument.ReadMultiline(lastStream["text"], "stream") + text;
                    lastStream["text"] = NotebookDocument.ToMultiline(merged);
                    continue;
                }
                lastStream = new JsonObject { ["output_type"] = "stream", ["name"] = output["name"]!.GetValue<string>(), ["text"] = NotebookDocument.ToMultiline(text) };
                outputs.Add(lastStream);
                continue;
            }
            lastStream = null;
            if (type == "execute_result")
            {
                output["execution_count"] = executionCount;
            }
            outputs.Add(output.DeepClone());
        }
        cell["outputs"] = outputs;
        cell["execution_count"] = executionCount;
        var metadata = cell["metadata"] as JsonObject ?? new JsonObject();
        cell["metadata"] = metadata;
        var info = new JsonObject { ["seconds"] = Math.Round(run.Seconds, 3), ["status"] = run.Succeeded ? "ok" : "error" };
        if (run.Nuget is { } nuget)
        {
            info["nuget"] = WorkerProtocol.ToJson(nuget);
        }
        metadata["workbook"] = info;
    }

    /// <summary>Writes the executed notebook where the options say (atomically), and records where.</summary>
    public static void Write(NotebookRunResult result, RunOptions options)
    {
        if (result.Executed is null)
        {
            return;
        }
        string? target = options.InPlace ? result.NotebookPath
            : options.OutputDirectory is { } folder ? Path.Combine(Path.GetFullPath(folder), Path.GetFileName(result.NotebookPath))
            : null;
        if (target is null)
        {
            return;
        }
        NotebookDocument.WriteAtomically(result.Executed, target);
        result.OutputPath = target;
    }

    private static string UniqueId(NotebookDocument document, string wanted)
    {
        var ids = document.Cells.Select(c => c.Json["id"]?.ToString()).ToHashSet();
        var id = wanted;
        for (var i = 2; ids.Contains(id); i++)
        {
            id = $"{wanted}-{i}";
        }
        return id;
    }

    private static JsonNode? JsonNumber(double value) =>
        double.IsFinite(value) ? JsonValue.Create(value) : JsonValue.Create(value.ToString(CultureInfo.InvariantCulture));
}
