using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Workbook.Engine.Execution;

namespace Workbook.Engine.Tests;

/// <summary>Tests that start worker processes run one at a time (2 cores, timing-sensitive tests).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WorkerCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "worker processes";
}

/// <summary>A code cell for <see cref="Notebooks.Write"/>.</summary>
public sealed record Cell(string Source, string Type = "code", string[]? Tags = null, string? Kernel = null);

/// <summary>Writes scratch notebooks and finds the repository.</summary>
public static class Notebooks
{
    /// <summary>The repository root (folder of Workbook.sln), walking up from the test's folder.</summary>
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>artifacts/Workbook/Workbook.dll, the notebooks' library (built with the tests).</summary>
    public static string WorkbookDll => Path.Combine(RepoRoot, "artifacts", "Workbook", "Workbook.dll");

    /// <summary>A fresh temporary folder.</summary>
    public static string TempFolder(string name = "engine")
    {
        var folder = Path.Combine(Path.GetTempPath(), "workbook-engine-tests", $"{name}-{Guid.NewGuid():N}"[..Math.Min(name.Length + 13, 60)]);
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Writes a Polyglot notebook with the given cells; returns its path.</summary>
    public static string Write(string path, IEnumerable<Cell> cells, JsonObject? workbookMetadata = null)
    {
        var array = new JsonArray();
        var i = 0;
        foreach (var cell in cells)
        {
            i++;
            var metadata = new JsonObject();
            if (cell.Type == "code")
            {
                metadata["dotnet_interactive"] = new JsonObject { ["language"] = cell.Kernel ?? "csharp" };
                metadata["polyglot_notebook"] = new JsonObject { ["kernelName"] = cell.Kernel ?? "csharp" };
            }
            if (cell.Tags is not null)
            {
                metadata["tags"] = new JsonArray(cell.Tags.Select(t => (JsonNode)JsonValue.Create(t)!).ToArray());
            }
            var json = new JsonObject
            {
                ["cell_type"] = cell.Type,
                ["id"] = $"cell-{i}",
                ["metadata"] = metadata,
                ["source"] = Documents.NotebookDocument.ToMultiline(cell.Source),
            };
            if (cell.Type == "code")
            {
                json["execution_count"] = null;
                json["outputs"] = new JsonArray();
            }
            array.Add(json);
        }
        var notebookMetadata = new JsonObject
        {
            ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
            ["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" },
            ["polyglot_notebook"] = new JsonObject
            {
                ["kernelInfo"] = new JsonObject
                {
                    ["defaultKernelName"] = "csharp",
                    ["items"] = new JsonArray(new JsonObject { ["aliases"] = new JsonArray(), ["name"] = "csharp" }),
                },
            },
        };
        if (workbookMetadata is not null)
        {
            notebookMetadata["workbook"] = workbookMetadata;
        }
        var notebook = new JsonObject { ["cells"] = array, ["metadata"] = notebookMetadata, ["nbformat"] = 4, ["nbformat_minor"] = 5 };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, notebook.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    /// <summary>Runs a notebook with the engine (a worker process).</summary>
    public static Task<NotebookRunResult> Run(string path, RunOptions? options = null) =>
        NotebookRunner.RunAsync(path, options ?? new RunOptions { NotebookTimeout = TimeSpan.FromSeconds(120) });

    /// <summary>The outputs of the executed cell with the given source number (1-based, all cells).</summary>
    public static JsonArray Outputs(NotebookRunResult result, int cellNumber) =>
        result.Cells.Single(c => c.Number == cellNumber && !c.Injected).Outputs;

    /// <summary>All text of the outputs of one cell (stream text and text/plain), for assertions.</summary>
    public static string Text(NotebookRunResult result, int cellNumber) =>
        string.Concat(Outputs(result, cellNumber).Select(o => o!["output_type"]!.GetValue<string>() switch
        {
            "stream" => o["text"]!.ToString(),
            "error" => o["evalue"]!.GetValue<string>(),
            // display outputs without text/plain (the list of installed packages is HTML only, as in the kernel)
            _ => o["data"]!["text/plain"] is { } plain ? Documents.NotebookDocument.ReadMultiline(plain, "text/plain") : "",
        }));

    /// <summary>Compiles C# into an assembly file with Roslyn (for #r tests).</summary>
    public static string CompileAssembly(string folder, string name, string code, params string[] references)
    {
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is "System.Runtime.dll" or "System.Private.CoreLib.dll" or "System.Console.dll" or "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Concat(references.Select(r => MetadataReference.CreateFromFile(r)));
        var compilation = CSharpCompilation.Create(name,
            new[] { CSharpSyntaxTree.ParseText(code) },
            trusted,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".dll");
        var emitted = compilation.Emit(path);
        if (!emitted.Success)
        {
            throw new InvalidOperationException(string.Join("\n", emitted.Diagnostics));
        }
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Workbook.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"Workbook.sln not found above {AppContext.BaseDirectory}");
    }
}
