using System.Text;
using System.Text.Json.Nodes;
using Workbook.Engine.Protocol;

namespace Workbook.Engine.Execution;

/// <summary>
/// The worker side of a notebook run: reads one <see cref="WorkerRequest"/> (the notebook's code cells) as a JSON
/// line on stdin, runs the cells in one <see cref="ScriptSession"/>, and reports <see cref="WorkerEvent"/>s as lines
/// on stdout (<see cref="WorkerProtocol"/>).
/// </summary>
public static class NotebookWorker
{
    /// <summary>Runs the worker on the process's stdin/stdout. Returns the process exit code.</summary>
    public static async Task<int> RunAsync()
    {
        var sink = new ProtocolSink(new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true });
        var warmUp = Task.Run(ScriptSession.WarmUpAsync);
        var requestLine = await Console.In.ReadLineAsync().ConfigureAwait(false);
        Console.SetIn(TextReader.Null);
        if (requestLine is null)
        {
            sink.Send(new WorkerFailed("no request on stdin"));
            return 2;
        }
        WorkerRequest request;
        try
        {
            request = WorkerProtocol.ReadRequest(requestLine);
        }
        catch (WorkerProtocolException e)
        {
            sink.Send(new WorkerFailed(e.Message));
            return 2;
        }
        WatchParent(request.Parent);
        var stdout = new StreamCapture("stdout", sink.Stream);
        var stderr = new StreamCapture("stderr", sink.Stream);
        Console.SetOut(stdout);
        Console.SetError(stderr);
        void FlushStreams()
        {
            stdout.Flush();
            stderr.Flush();
        }
        try
        {
            try
            {
                await warmUp.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Only a warm-up: the first cell reports any real problem.
            }
            var session = new ScriptSession(request.Notebook, sink, request.NugetCache) { BeforeDisplay = FlushStreams };
            foreach (var cell in request.Cells)
            {
                var outcome = await RunCellAsync(session, cell, sink).ConfigureAwait(false);
                FlushStreams();
                sink.Send(new CellEnded(cell.Number, cell is InjectedParametersRequest, outcome));
                if (!outcome.Succeeded)
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            FlushStreams();
            sink.Send(new WorkerFailed(e.ToString()));
            return 3;
        }
        FlushStreams();
        sink.Send(new RunDone());
        return 0;
    }

    // One cell of the request, from its cell_start to its outcome (the caller sends cell_end). The injected
    // parameters cell's source is written here, from the variables the cells before it declared.
    private static async Task<CellOutcome> RunCellAsync(ScriptSession session, CellRequest cell, ProtocolSink sink)
    {
        var injected = cell is InjectedParametersRequest;
        string source;
        switch (cell)
        {
            case InjectedParametersRequest parameters:
                try
                {
                    source = NotebookParameters.Assignments(parameters.Parameters, session.Variables);
                }
                catch (ArgumentException e)
                {
                    sink.Send(new CellStarted(cell.Number, true));
                    return session.FailCell(cell.Number, true, "ParameterError", e.Message);
                }
                sink.Send(new InjectedSource(cell.Number, source));
                break;
            case UnsupportedCellRequest unsupported:
                sink.Send(new CellStarted(cell.Number, false));
                return session.FailCell(cell.Number, false, "UnsupportedCell", unsupported.Error);
            case CodeCellRequest code:
                source = code.Source;
                break;
            default:
                throw new InvalidOperationException($"cell request {cell.GetType().Name} is not handled");
        }
        sink.Send(new CellStarted(cell.Number, injected));
        return await session.RunCellAsync(cell.Number, source, injected).ConfigureAwait(false);
    }

    // A worker whose controller died (a killed test run, a closed terminal) must not run on: a
    // runaway cell would otherwise keep a core busy forever.
    private static void WatchParent(int parentId)
    {
        System.Diagnostics.Process parent;
        try
        {
            parent = System.Diagnostics.Process.GetProcessById(parentId);
        }
        catch (ArgumentException)
        {
            Environment.Exit(4);
            return;
        }
        var thread = new Thread(() =>
        {
            parent.WaitForExit();
            Environment.Exit(4);
        })
        { IsBackground = true, Name = "workbook parent watch" };
        thread.Start();
    }

    private sealed class ProtocolSink(StreamWriter writer) : IExecutionSink
    {
        public void Output(JsonObject output) => Send(new CellOutput(output));

        public void Output(JsonObject output, string displayId) => Send(new CellOutput(output, displayId));

        public void UpdateDisplay(string displayId, JsonObject output) => Send(new DisplayUpdated(displayId, output));

        public void Metric(string name, double value) => Send(new MetricReported(name, value));

        public void Stream(string name, string text) =>
            Output(new JsonObject { ["output_type"] = "stream", ["name"] = name, ["text"] = text });

        public void Send(WorkerEvent message)
        {
            var line = WorkerProtocol.Marker + WorkerProtocol.WriteEvent(message);
            lock (writer)
            {
                // A line of its own even when native code left a partial line on stdout.
                writer.Write("\n" + line + "\n");
            }
        }
    }
}
