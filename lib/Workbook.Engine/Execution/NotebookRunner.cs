using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Workbook.Engine.Claims;
using Workbook.Engine.Documents;

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

/// <summary>One executed cell.</summary>
public sealed record CellRun(int Number, bool Injected, double Seconds, bool Succeeded, JsonArray Outputs, JsonObject? Nuget = null);

/// <summary>Why a notebook failed: the cell (1-based among all cells) and line when known.</summary>
public sealed record RunFailure(int? Cell, int? Line, string Message, string? Metric = null);

/// <summary>The outcome of one notebook.</summary>
public sealed class NotebookRunResult
{
    /// <summary>The source notebook.</summary>
    public required string NotebookPath { get; init; }

    /// <summary>Where the executed copy was written, if it was.</summary>
    public string? OutputPath { get; set; }

    /// <summary>"passed", "failed" (a cell error or a missed claim) or "timeout".</summary>
    public string Status => TimedOut ? "timeout" : Failures.Count == 0 ? "passed" : "failed";

    /// <summary>True when no cell failed, no limit was exceeded and every claim held.</summary>
    public bool Succeeded => Failures.Count == 0;

    /// <summary>Whether a time limit stopped the run.</summary>
    public bool TimedOut { get; set; }

    /// <summary>Wall time, worker start to end.</summary>
    public double Seconds { get; set; }

    /// <summary>The cells that ran, in order.</summary>
    public List<CellRun> Cells { get; } = new();

    /// <summary>Number of code cells in the notebook (the injected one not counted).</summary>
    public int CodeCells { get; set; }

    /// <summary>Every metric report, in order.</summary>
    public List<(string Name, double Value)> MetricReports { get; } = new();

    /// <summary>The last value of each reported metric.</summary>
    public IReadOnlyDictionary<string, double> Metrics =>
        MetricReports.GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Last().Value);

    /// <summary>The claims checked (metric bounds and budget).</summary>
    public List<ClaimResult> Claims { get; } = new();

    /// <summary>The parameter values used.</summary>
    public Dictionary<string, string> Parameters { get; } = new();

    /// <summary>What went wrong, each message naming the notebook, cell and line.</summary>
    public List<RunFailure> Failures { get; } = new();

    /// <summary>The executed notebook (null when the source could not be read).</summary>
    public JsonObject? Executed { get; set; }

    /// <summary>A report of every failure, for a student: one line each.</summary>
    public string Describe() => Failures.Count == 0
        ? $"{NotebookPath}: passed in {Seconds:F1} s"
        : string.Join("\n", Failures.Select(f => f.Message));
}

/// <summary>
/// Runs a notebook in a worker process (<c>dotnet Workbook.Engine.dll worker</c>), one at a time: the
/// worker executes the cells, this side enforces the time limits (killing the worker's process tree),
/// builds the executed notebook and checks the notebook's claims.
/// </summary>
public static class NotebookRunner
{
    /// <summary>Tag of the cell holding parameter defaults (as papermill).</summary>
    public const string ParametersTag = "parameters";

    /// <summary>Tag of the cell the engine inserts with overriding values.</summary>
    public const string InjectedTag = "injected-parameters";

    /// <summary>Runs <paramref name="notebookPath"/>; never throws for a notebook's own failures.</summary>
    public static async Task<NotebookRunResult> RunAsync(string notebookPath, RunOptions options, CancellationToken cancellation = default)
    {
        var path = Path.GetFullPath(notebookPath);
        var result = new NotebookRunResult { NotebookPath = path };
        NotebookDocument document;
        try
        {
            document = NotebookDocument.Load(path);
        }
        catch (NotebookFormatException e)
        {
            result.Failures.Add(new RunFailure(null, null, e.Message));
            return result;
        }

        NotebookClaims? claims = null;
        try
        {
            claims = NotebookClaims.FromMetadata(document.Metadata);
        }
        catch (FormatException e)
        {
            result.Failures.Add(new RunFailure(null, null, $"{path}: notebook metadata: {e.Message}"));
        }

        var codeCells = document.Cells.Where(c => c.Kind == CellKind.Code).ToList();
        result.CodeCells = codeCells.Count;
        var parametersCell = codeCells.FirstOrDefault(c => c.Tags.Contains(ParametersTag));
        foreach (var (name, value) in options.Parameters)
        {
            result.Parameters[name] = value;
        }
        if (options.Parameters.Count > 0)
        {
            var declared = parametersCell is null ? Array.Empty<string>() : DeclaredVariables(parametersCell.Source);
            var unknown = options.Parameters.Keys.Where(k => !declared.Contains(k)).ToArray();
            if (unknown.Length > 0)
            {
                var where = parametersCell is null ? "it has no cell tagged \"parameters\"" : $"cell {parametersCell.Number} (tagged parameters) declares: {(declared.Length == 0 ? "nothing" : string.Join(", ", declared))}";
                result.Failures.Add(new RunFailure(parametersCell?.Number, null,
                    $"{path}: unknown parameter{(unknown.Length > 1 ? "s" : "")} {string.Join(", ", unknown)}: {where}"));
                result.Executed = BuildExecuted(document, result, parametersCell, null, options);
                Write(result, options);
                return result;
            }
        }

        var requestCells = new JsonArray();
        foreach (var cell in codeCells)
        {
            var item = new JsonObject { ["number"] = cell.Number, ["source"] = cell.Source };
            if (!CellDirectives.CSharpKernelNames.Contains(cell.KernelName))
            {
                item["error"] = $"the cell is a {cell.KernelName} cell (cell metadata kernelName); the workbook engine runs C# cells only";
            }
            requestCells.Add(item);
            if (cell == parametersCell && options.Parameters.Count > 0)
            {
                requestCells.Add(new JsonObject
                {
                    ["number"] = cell.Number,
                    ["injected"] = true,
                    ["parameters"] = new JsonObject(options.Parameters.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))),
                });
            }
        }
        var request = new JsonObject
        {
            ["parent"] = Environment.ProcessId,
            ["notebook"] = path,
            ["nugetCache"] = options.NugetCache,
            ["cells"] = requestCells,
        };

        string? injectedSource = null;
        try
        {
            injectedSource = await ExecuteAsync(request, result, options, requestCells.Count, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.ComponentModel.Win32Exception or FileNotFoundException)
        {
            result.Failures.Add(new RunFailure(null, null, $"{path}: the worker process could not run: {e.Message}"));
        }

        if (claims is not null)
        {
            var completed = result.Failures.Count == 0;
            result.Claims.AddRange(claims.Check(result.Metrics, completed ? result.Seconds : null));
            if (completed)
            {
                foreach (var claim in result.Claims.Where(c => !c.Passed))
                {
                    result.Failures.Add(new RunFailure(null, null, $"{path}: {claim.Message}", claim.Name));
                }
            }
        }
        result.Executed = BuildExecuted(document, result, parametersCell, injectedSource, options);
        Write(result, options);
        return result;
    }

    /// <summary>Names of the variables a parameters cell declares at top level.</summary>
    public static string[] DeclaredVariables(string source)
    {
        var code = CellDirectives.Parse(source).Code;
        var tree = CSharpSyntaxTree.ParseText(code, CSharpParseOptions.Default.WithKind(SourceCodeKind.Script).WithLanguageVersion(LanguageVersion.Latest));
        var names = new List<string>();
        foreach (var member in ((CompilationUnitSyntax)tree.GetRoot()).Members)
        {
            var declaration = member switch
            {
                FieldDeclarationSyntax field => field.Declaration,
                GlobalStatementSyntax { Statement: LocalDeclarationStatementSyntax local } => local.Declaration,
                _ => null,
            };
            if (declaration is not null)
            {
                names.AddRange(declaration.Variables.Select(v => v.Identifier.ValueText));
            }
        }
        return names.ToArray();
    }

    /// <summary>The worker assembly: Workbook.Engine.dll (with its runtimeconfig.json beside it).</summary>
    public static string LocateWorker(string? configured)
    {
        var candidate = configured ?? typeof(NotebookRunner).Assembly.Location;
        if (string.IsNullOrEmpty(candidate) || !File.Exists(candidate))
        {
            candidate = Path.Combine(AppContext.BaseDirectory, "Workbook.Engine.dll");
        }
        if (!File.Exists(candidate))
        {
            throw new FileNotFoundException($"the worker Workbook.Engine.dll was not found ({configured ?? AppContext.BaseDirectory})");
        }
        if (!File.Exists(Path.ChangeExtension(candidate, ".runtimeconfig.json")))
        {
            throw new FileNotFoundException($"{Path.ChangeExtension(candidate, ".runtimeconfig.json")} is missing: the worker cannot start (rebuild lib/Workbook.Engine)");
        }
        return Path.GetFullPath(candidate);
    }

    /// <summary>
    /// Runs the request in a worker process and turns its events into <paramref name="result"/>'s cells, metrics and
    /// failures, enforcing the notebook's and each cell's time limit. Returns the injected parameters cell's source.
    /// </summary>
    private static async Task<string?> ExecuteAsync(JsonObject request, NotebookRunResult result, RunOptions options, int codeCellCount, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        using var worker = await WorkerProcess.StartAsync(result.NotebookPath, options, request, cancellation).ConfigureAwait(false);
        var run = new WorkerEvents(result, options, codeCellCount, clock);
        try
        {
            while (!run.Finished)
            {
                var (wait, limitMessage) = run.TimeLeft();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                if (wait is { } w)
                {
                    timeout.CancelAfter(w > TimeSpan.Zero ? w : TimeSpan.Zero);
                }
                WorkerProcess.Message? message;
                try
                {
                    message = await worker.ReadAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
                {
                    worker.Kill();
                    run.TimedOut(limitMessage!);
                    break;
                }
                if (message is not { } m)
                {
                    break;                                       // both streams ended: the worker is gone
                }
                run.Handle(m);
            }
        }
        finally
        {
            worker.Stop(run.Finished);
            result.Seconds = clock.Elapsed.TotalSeconds;
        }

        if (!run.Finished)
        {
            await worker.WaitForExitAsync().ConfigureAwait(false);
            run.Crashed(worker.ExitCode, worker.StderrTail);
        }
        return run.InjectedSource;
    }

    /// <summary>The state of one run as the worker's events arrive: the cell in progress, progress reports, time limits.</summary>
    private sealed class WorkerEvents(NotebookRunResult result, RunOptions options, int codeCellCount, Stopwatch clock)
    {
        private readonly string path = result.NotebookPath;
        private CellRun? current;
        private TimeSpan currentStarted;
        private int position;

        /// <summary>The run ended: "done" arrived, or a limit stopped it.</summary>
        public bool Finished { get; private set; }

        /// <summary>The injected parameters cell's source, when the worker sent one.</summary>
        public string? InjectedSource { get; private set; }

        /// <summary>How long to wait for the next event, and what to say if the wait runs out (null: no limit).</summary>
        public (TimeSpan? Wait, string? Message) TimeLeft()
        {
            var now = clock.Elapsed;
            TimeSpan? wait = null;
            string? message = null;
            if (options.NotebookTimeout is { } notebookLimit)
            {
                wait = notebookLimit - now;
                message = $"the notebook exceeded its limit of {Seconds(notebookLimit)} s" + (current is null ? " (before its first cell started)" : $" during {ScriptSession.CellName(current.Number, current.Injected)}");
            }
            if (current is not null && options.CellTimeout is { } cellLimit && (wait is null || cellLimit - (now - currentStarted) < wait))
            {
                wait = cellLimit - (now - currentStarted);
                message = $"{ScriptSession.CellName(current.Number, current.Injected)} exceeded its limit of {Seconds(cellLimit)} s";
            }
            return (wait, message);
        }

        /// <summary>Applies one message of the worker: raw text goes to the current cell's outputs, events update the run.</summary>
        public void Handle(WorkerProcess.Message message)
        {
            if (message.Event is not { } e)
            {
                if (current is not null && message.Raw is not null)
                {
                    current.Outputs.Add(new JsonObject { ["output_type"] = "stream", ["name"] = message.Stream, ["text"] = message.Raw });
                }
                return;
            }
            switch (e["event"]?.GetValue<string>())
            {
                case "cell_start":
                    position++;
                    current = new CellRun(e["number"]!.GetValue<int>(), e["injected"]?.GetValue<bool>() ?? false, 0, true, new JsonArray());
                    currentStarted = clock.Elapsed;
                    options.Progress?.Invoke(new RunProgress(path, current.Number, current.Injected, position, codeCellCount, null, null));
                    break;
                case "injected_source":
                    InjectedSource = e["source"]!.GetValue<string>();
                    break;
                case "output":
                    current?.Outputs.Add(e["output"]!.DeepClone());
                    break;
                case "metric":
                    result.MetricReports.Add((e["name"]!.GetValue<string>(), ReadDouble(e["value"])));
                    break;
                case "cell_end" when current is not null:
                    var ok = e["ok"]!.GetValue<bool>();
                    var seconds = e["seconds"]!.GetValue<double>();
                    var done = current with { Seconds = seconds, Succeeded = ok, Nuget = e["nuget"] is JsonObject nuget ? (JsonObject)nuget.DeepClone() : null };
                    result.Cells.Add(done);
                    options.Progress?.Invoke(new RunProgress(path, done.Number, done.Injected, position, codeCellCount, seconds, ok));
                    if (!ok)
                    {
                        result.Failures.Add(new RunFailure(done.Number, e["line"]?.GetValue<int?>(), e["message"]?.GetValue<string>() ?? $"{path}: cell {done.Number} failed"));
                    }
                    current = null;
                    break;
                case "fatal":
                    result.Failures.Add(new RunFailure(current?.Number, null, $"{path}: the worker failed: {e["message"]?.GetValue<string>()}"));
                    break;
                case "done":
                    Finished = true;
                    break;
            }
        }

        /// <summary>A time limit ran out: the cell in progress fails with a TimeoutError; later cells never ran.</summary>
        public void TimedOut(string limitMessage)
        {
            result.TimedOut = true;
            var message = $"{path}: {limitMessage}; later cells were not run";
            if (current is not null)
            {
                var seconds = (clock.Elapsed - currentStarted).TotalSeconds;
                current.Outputs.Add(ErrorOutput("TimeoutError", message));
                result.Cells.Add(current with { Seconds = seconds, Succeeded = false });
                options.Progress?.Invoke(new RunProgress(path, current.Number, current.Injected, position, codeCellCount, seconds, false));
            }
            result.Failures.Add(new RunFailure(current?.Number, null, message));
            current = null;
            Finished = true;
        }

        /// <summary>The worker ended without "done": the failure names the cell it was in and the end of its stderr.</summary>
        public void Crashed(int exitCode, string stderrTail)
        {
            var message = $"{path}: the worker process ended unexpectedly (exit code {exitCode})" +
                          (current is null ? "" : $" during {ScriptSession.CellName(current.Number, current.Injected)}") +
                          (stderrTail.Length > 0 ? $": {stderrTail}" : "");
            if (current is not null)
            {
                current.Outputs.Add(ErrorOutput("WorkerCrashed", message));
                result.Cells.Add(current with { Seconds = (clock.Elapsed - currentStarted).TotalSeconds, Succeeded = false });
            }
            result.Failures.Add(new RunFailure(current?.Number, null, message));
        }
    }

    private static JsonObject BuildExecuted(NotebookDocument document, NotebookRunResult result, NotebookCell? parametersCell, string? injectedSource, RunOptions options)
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
                        ["tags"] = new JsonArray(InjectedTag),
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
            info["nuget"] = nuget.DeepClone();
        }
        metadata["workbook"] = info;
    }

    private static void Write(NotebookRunResult result, RunOptions options)
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

    private static double ReadDouble(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String
            ? double.Parse(value.GetValue<string>(), CultureInfo.InvariantCulture)
            : node!.Deserialize<double>(NotebookWorker.ProtocolOptions);

    private static JsonObject ErrorOutput(string name, string message) => new()
    {
        ["output_type"] = "error",
        ["ename"] = name,
        ["evalue"] = message,
        ["traceback"] = new JsonArray(message),
    };

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
