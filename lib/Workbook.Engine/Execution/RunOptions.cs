namespace Workbook.Engine.Execution;

/// <summary>How to run notebooks.</summary>
public sealed record RunOptions
{
    /// <summary>Values for the variables of the cell tagged "parameters" (name → text).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Longest a single cell may run; null: no limit.</summary>
    public TimeSpan? CellTimeout { get; init; }

    /// <summary>Longest the whole notebook may run (worker start included); null: no limit.</summary>
    public TimeSpan? NotebookTimeout { get; init; }

    /// <summary>Folder for executed copies (same file name); null with <see cref="InPlace"/> false: nothing written.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Write the executed notebook over the source file.</summary>
    public bool InPlace { get; init; }

    /// <summary>The worker: path of Workbook.Engine.dll (default: the loaded engine assembly).</summary>
    public string? WorkerAssembly { get; init; }

    /// <summary>Cache folder for #r "nuget: …" restores (default <see cref="NugetRestorer.DefaultCacheRoot"/>).</summary>
    public string? NugetCache { get; init; }

    /// <summary>Extra environment variables for the worker process.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>Receives progress as cells start and finish.</summary>
    public Action<RunProgress>? Progress { get; init; }
}

/// <summary>A progress report: a cell started (Seconds null) or finished.</summary>
public sealed record RunProgress(string Notebook, int Cell, bool Injected, int Position, int CodeCells, double? Seconds, bool? Succeeded);
