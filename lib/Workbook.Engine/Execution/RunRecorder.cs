using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Workbook.Engine.Protocol;

namespace Workbook.Engine.Execution;

/// <summary>
/// The runner's side of one run as the worker's messages arrive: the cell in progress, its outputs, metrics and
/// failures recorded into the <see cref="NotebookRunResult"/>, progress reports, and how long the next wait may be
/// before a time limit runs out.
/// </summary>
internal sealed class RunRecorder(NotebookRunResult result, RunOptions options, int codeCellCount, Stopwatch clock)
{
    private readonly string path = result.NotebookPath;
    private readonly Dictionary<string, JsonObject> displays = new(StringComparer.Ordinal);
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
        if (message.ProtocolError is { } error)
        {
            result.Failures.Add(new RunFailure(current?.Number, null, $"{path}: {error}"));
        }
        if (message.Event is { } e)
        {
            Apply(e);
        }
        else if (current is not null && message.Raw is not null)
        {
            current.Outputs.Add(new JsonObject { ["output_type"] = "stream", ["name"] = message.Stream, ["text"] = message.Raw });
        }
    }

    /// <summary>Applies one event of the worker.</summary>
    public void Apply(WorkerEvent e)
    {
        switch (e)
        {
            case CellStarted started:
                position++;
                current = new CellRun(started.Number, started.Injected, 0, true, new JsonArray());
                currentStarted = clock.Elapsed;
                options.Progress?.Invoke(new RunProgress(path, current.Number, current.Injected, position, codeCellCount, null, null));
                break;
            case InjectedSource injected:
                InjectedSource = injected.Source;
                break;
            case CellOutput output:
                if (current is null)
                {
                    break;
                }
                var copy = (JsonObject)output.Output.DeepClone();
                current.Outputs.Add(copy);
                if (output.DisplayId is { } id)
                {
                    displays[id] = copy;
                }
                break;
            case DisplayUpdated update:
                UpdateDisplay(update);
                break;
            case MetricReported metric:
                result.MetricReports.Add((metric.Name, metric.Value));
                break;
            case CellEnded ended when current is not null:
                var outcome = ended.Outcome;
                var done = current with { Seconds = outcome.Seconds, Succeeded = outcome.Succeeded, Nuget = outcome.Nuget };
                result.Cells.Add(done);
                options.Progress?.Invoke(new RunProgress(path, done.Number, done.Injected, position, codeCellCount, outcome.Seconds, outcome.Succeeded));
                if (!outcome.Succeeded)
                {
                    result.Failures.Add(new RunFailure(done.Number, outcome.Line, outcome.Message ?? $"{path}: cell {done.Number} failed"));
                }
                current = null;
                break;
            case CellEnded:
                break;
            case WorkerFailed failed:
                result.Failures.Add(new RunFailure(current?.Number, null, $"{path}: the worker failed: {failed.Message}"));
                break;
            case RunDone:
                Finished = true;
                break;
            default:
                throw new InvalidOperationException($"worker event {e.GetType().Name} is not handled by the runner");
        }
    }

    // The display keeps its place (in an earlier cell, maybe); its data and metadata become the update's.
    private void UpdateDisplay(DisplayUpdated update)
    {
        if (!displays.TryGetValue(update.DisplayId, out var display))
        {
            result.Failures.Add(new RunFailure(current?.Number, null, $"{path}: the worker updated display \"{update.DisplayId}\", which no earlier output has"));
            return;
        }
        foreach (var key in new[] { "data", "metadata" })
        {
            display[key] = update.Output[key]?.DeepClone();
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

    private static JsonObject ErrorOutput(string name, string message) => new()
    {
        ["output_type"] = "error",
        ["ename"] = name,
        ["evalue"] = message,
        ["traceback"] = new JsonArray(message),
    };

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
