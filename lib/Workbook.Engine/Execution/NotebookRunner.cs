using System.Diagnostics;
using Workbook.Engine.Claims;
using Workbook.Engine.Documents;
using Workbook.Engine.Protocol;

namespace Workbook.Engine.Execution;

/// <summary>
/// Runs a notebook in a worker process (<c>dotnet Workbook.Engine.dll worker</c>), one at a time: the
/// worker executes the cells, this side enforces the time limits (killing the worker's process tree),
/// builds the executed notebook and checks the notebook's claims.
/// </summary>
public static class NotebookRunner
{
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
        var parametersCell = NotebookParameters.FindCell(document);
        foreach (var (name, value) in options.Parameters)
        {
            result.Parameters[name] = value;
        }
        if (NotebookParameters.FindUnknown(path, parametersCell, options.Parameters.Keys) is { } unknown)
        {
            result.Failures.Add(new RunFailure(parametersCell?.Number, null, unknown));
            result.Executed = ExecutedNotebook.Build(document, result, parametersCell, null);
            ExecutedNotebook.Write(result, options);
            return result;
        }

        var request = new WorkerRequest(Environment.ProcessId, path, options.NugetCache, Requests(codeCells, parametersCell, options.Parameters));
        string? injectedSource = null;
        try
        {
            injectedSource = await ExecuteAsync(request, result, options, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.ComponentModel.Win32Exception or FileNotFoundException)
        {
            result.Failures.Add(new RunFailure(null, null, $"{path}: the worker process could not run: {e.Message}"));
        }

        result.StudentEdition = StudentEdition.IsEdition(document.Metadata);
        if (claims is not null && result.StudentEdition)
        {
            StudentVerdict(result, claims);
        }
        else if (claims is not null)
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
        result.Executed = ExecutedNotebook.Build(document, result, parametersCell, injectedSource);
        ExecutedNotebook.Write(result, options);
        return result;
    }

    /// <summary>
    /// A student edition's verdict: each exercise passed, not attempted or failing (from the summary's metrics bundle;
    /// only a failing one fails the run), every other claim held as in the author's notebook, except what depends on the
    /// machine (the time budget and the metrics the notebook declares <c>varying</c>: times, throughput), which stays out
    /// of the student's verdict along with the author's advice that goes with it.
    /// </summary>
    private static void StudentVerdict(NotebookRunResult result, NotebookClaims claims)
    {
        var completed = result.Failures.Count == 0;
        var machineDependent = claims.Varying;
        result.Claims.AddRange(claims.Check(result.Metrics, seconds: null).Where(c => !machineDependent.Contains(c.Name)));
        var bundle = MetricsBundle.Last(result.Cells.SelectMany(c => c.Outputs).OfType<System.Text.Json.Nodes.JsonObject>(), out _);
        var states = bundle?.Exercises ?? new Dictionary<string, BundleExercise>();
        foreach (var (name, value) in result.Metrics.Where(m => m.Key.StartsWith("exercise", StringComparison.Ordinal)))
        {
            result.Exercises.Add(states.TryGetValue(name, out var known)
                ? known
                : new BundleExercise(name, name, value == 1 ? BundleExercise.Passed : BundleExercise.Failed,
                    value == 1 ? "" : $"{name} = {value.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)} (the run wrote no summary saying more)", 0));
        }
        if (!completed)
        {
            return;
        }
        foreach (var claim in result.Claims.Where(c => !c.Passed))
        {
            var exercise = result.Exercises.FirstOrDefault(e => e.Metric == claim.Name);
            if (exercise is null)
            {
                result.Failures.Add(new RunFailure(null, null, $"{result.NotebookPath}: {claim.Message}", claim.Name));
            }
            else if (exercise.State == BundleExercise.Failed)
            {
                result.Failures.Add(new RunFailure(null, null, $"{result.NotebookPath}: exercise {exercise.Exercise} is failing: {exercise.Message}", claim.Name));
            }
        }
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

    // The code cells in order: another language's cell goes as an unsupported cell (the worker fails it), and given
    // parameters go as an injected cell right after the cell tagged "parameters".
    private static List<CellRequest> Requests(IEnumerable<NotebookCell> codeCells, NotebookCell? parametersCell, IReadOnlyDictionary<string, string> parameters)
    {
        var requests = new List<CellRequest>();
        foreach (var cell in codeCells)
        {
            requests.Add(CellDirectives.CSharpKernelNames.Contains(cell.KernelName)
                ? new CodeCellRequest(cell.Number, cell.Source)
                : new UnsupportedCellRequest(cell.Number, $"the cell is a {cell.KernelName} cell (cell metadata kernelName); the workbook engine runs C# cells only"));
            if (cell == parametersCell && parameters.Count > 0)
            {
                requests.Add(new InjectedParametersRequest(cell.Number, new Dictionary<string, string>(parameters)));
            }
        }
        return requests;
    }

    /// <summary>
    /// Runs the request in a worker process and turns its events into <paramref name="result"/>'s cells, metrics and
    /// failures, enforcing the notebook's and each cell's time limit. Returns the injected parameters cell's source.
    /// </summary>
    private static async Task<string?> ExecuteAsync(WorkerRequest request, NotebookRunResult result, RunOptions options, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        using var worker = await WorkerProcess.StartAsync(result.NotebookPath, options, request, cancellation).ConfigureAwait(false);
        var run = new RunRecorder(result, options, request.Cells.Count, clock);
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
}
