using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Workbook.Engine.Documents;
using Workbook.Engine.Execution;

namespace Workbook.Cli;

/// <summary>
/// The execution cache of <c>workbook run</c> and <c>workbook book</c> (as Jupyter Book and d2l cache executed notebooks):
/// a notebook is skipped when its source file, the parameters, the library build (the managed assemblies in
/// artifacts/Workbook, the engine) and the data sets are byte for byte what they were at its last passing run, and the
/// executed copy written then is still there unchanged. The key of each passing run is kept in
/// <c>OUT/.workbook-cache/NAME.json</c> beside the executed copies. Only the command line uses it: the test suite calls
/// the engine (<see cref="NotebookRunner"/>) directly, so every test run really executes every notebook.
/// </summary>
public static partial class ExecutionCache
{
    /// <summary>The folder of the cache records inside the output folder.</summary>
    public const string FolderName = ".workbook-cache";

    /// <summary>A cached passing run: when, how long it took, its metrics.</summary>
    public sealed record Entry(string Key, string CopySha256, string FinishedUtc, double Seconds, Dictionary<string, double> Metrics);

    /// <summary>The hash of what a run's result depends on besides the notebook: the library build and the data sets.</summary>
    public static string BuildKey(string repositoryRoot, string? workerAssembly)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var library = Path.Combine(repositoryRoot, "artifacts", "Workbook");
        var files = new List<string>();
        if (Directory.Exists(library))
        {
            files.AddRange(Directory.EnumerateFiles(library, "*.dll"));
        }
        var engine = workerAssembly ?? typeof(NotebookRunner).Assembly.Location;
        if (File.Exists(engine))
        {
            files.Add(engine);
        }
        var data = Path.Combine(repositoryRoot, "data");
        if (Directory.Exists(data))
        {
            files.AddRange(Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories));
        }
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(repositoryRoot, file) + "\n"));
            hash.AppendData(SHA256.HashData(File.ReadAllBytes(file)));
        }
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    /// <summary>
    /// The key of one notebook's run: its file, every assembly its cells load with <c>#r "file.dll"</c> (resolved against the
    /// notebook's folder, as the kernels do), the parameters and <paramref name="buildKey"/>.
    /// </summary>
    public static string Key(string notebookPath, IReadOnlyDictionary<string, string> parameters, string buildKey)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(SHA256.HashData(File.ReadAllBytes(notebookPath)));
        var folder = Path.GetDirectoryName(Path.GetFullPath(notebookPath))!;
        var cells = NotebookDocument.Load(notebookPath).Cells.Where(c => c.Kind == CellKind.Code);
        foreach (var reference in cells.SelectMany(c => Reference().Matches(c.Source)).Select(m => m.Groups[1].Value))
        {
            var dll = Path.GetFullPath(Path.Combine(folder, reference));
            hash.AppendData(Encoding.UTF8.GetBytes("\nreference " + reference + " "));
            hash.AppendData(File.Exists(dll) ? SHA256.HashData(File.ReadAllBytes(dll)) : Encoding.UTF8.GetBytes("missing"));
        }
        foreach (var (name, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"\nparam {name}={value}"));
        }
        hash.AppendData(Encoding.UTF8.GetBytes("\nbuild " + buildKey));
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    private static string RecordPath(string outputDirectory, string notebookPath) =>
        Path.Combine(outputDirectory, FolderName, Path.GetFileNameWithoutExtension(notebookPath) + ".json");

    /// <summary>The cached run of <paramref name="notebookPath"/> when its key matches and its executed copy is intact; else null.</summary>
    public static Entry? Lookup(string outputDirectory, string notebookPath, string key)
    {
        var record = RecordPath(outputDirectory, notebookPath);
        var copy = Path.Combine(outputDirectory, Path.GetFileName(notebookPath));
        if (!File.Exists(record) || !File.Exists(copy))
        {
            return null;
        }
        Entry? entry;
        try
        {
            entry = JsonSerializer.Deserialize<Entry>(File.ReadAllText(record));
        }
        catch (JsonException)
        {
            return null;
        }
        return entry is not null && entry.Key == key && entry.CopySha256 == Sha256(copy) ? entry : null;
    }

    /// <summary>Records a passing run (its executed copy must have been written); forgets a failed one.</summary>
    public static void Store(string outputDirectory, NotebookRunResult result, string key)
    {
        var record = RecordPath(outputDirectory, result.NotebookPath);
        if (!result.Succeeded || result.OutputPath is null || !File.Exists(result.OutputPath))
        {
            if (File.Exists(record))
            {
                File.Delete(record);
            }
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(record)!);
        var entry = new Entry(key, Sha256(result.OutputPath), DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            Math.Round(result.Seconds, 3), result.Metrics.ToDictionary(m => m.Key, m => m.Value));
        File.WriteAllText(record, JsonSerializer.Serialize(entry, new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>A result standing for a cached run (status passed, the cached time and metrics, the executed copy's path).</summary>
    public static NotebookRunResult AsResult(string notebookPath, string outputDirectory, Entry entry)
    {
        var result = new NotebookRunResult
        {
            NotebookPath = notebookPath,
            OutputPath = Path.Combine(outputDirectory, Path.GetFileName(notebookPath)),
            Seconds = entry.Seconds,
        };
        foreach (var (name, value) in entry.Metrics)
        {
            result.MetricReports.Add((name, value));
        }
        return result;
    }

    // #r "path.dll" at the start of a line of a code cell.
    [GeneratedRegex("^\\s*#r\\s+\"([^\"]+\\.dll)\"", RegexOptions.Multiline)]
    private static partial Regex Reference();

    private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();
}
