using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workbook.Engine.Execution;

/// <summary>
/// The worker side of a notebook run: reads one request (the notebook's code cells) as a JSON line on
/// stdin, runs the cells in one <see cref="ScriptSession"/>, and reports events as JSON lines on
/// stdout, each prefixed with <see cref="Marker"/> so that text native code prints is told apart.
/// </summary>
public static class NotebookWorker
{
    /// <summary>Prefix of every protocol line (ASCII record separator, "WB ").</summary>
    public const string Marker = "\u001eWB ";

    /// <summary>Protocol JSON options (NaN and infinities allowed as named literals).</summary>
    public static readonly JsonSerializerOptions ProtocolOptions = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Runs the worker on the process's stdin/stdout. Returns the process exit code.</summary>
    public static async Task<int> RunAsync()
    {
        var protocol = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true };
        var warmUp = Task.Run(ScriptSession.WarmUpAsync);
        var requestLine = await Console.In.ReadLineAsync().ConfigureAwait(false);
        Console.SetIn(TextReader.Null);
        if (requestLine is null)
        {
            await protocol.WriteLineAsync(Marker + "{\"event\":\"fatal\",\"message\":\"no request on stdin\"}").ConfigureAwait(false);
            return 2;
        }
        var request = JsonNode.Parse(requestLine)!.AsObject();
        if (request["parent"]?.GetValue<int>() is { } parent)
        {
            WatchParent(parent);
        }
        var sink = new ProtocolSink(protocol);
        var stdout = new StreamCapture("stdout", sink.Stream);
        var stderr = new StreamCapture("stderr", sink.Stream);
        Console.SetOut(stdout);
        Console.SetError(stderr);
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
            var session = new ScriptSession(request["notebook"]!.GetValue<string>(), sink, request["nugetCache"]?.GetValue<string>())
            {
                BeforeDisplay = () =>
                {
                    stdout.Flush();
                    stderr.Flush();
                },
            };
            foreach (var cell in request["cells"]!.AsArray())
            {
                var number = cell!["number"]!.GetValue<int>();
                var injected = cell["injected"]?.GetValue<bool>() ?? false;
                string source;
                if (injected)
                {
                    var parameters = cell["parameters"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
                    try
                    {
                        source = session.ParameterAssignments(parameters);
                    }
                    catch (ArgumentException e)
                    {
                        sink.Send(new JsonObject { ["event"] = "cell_start", ["number"] = number, ["injected"] = true });
                        var outcome = session.FailCell(number, true, "ParameterError", e.Message);
                        sink.Send(CellEnd(number, true, outcome));
                        break;
                    }
                    sink.Send(new JsonObject { ["event"] = "injected_source", ["number"] = number, ["source"] = source });
                }
                else if (cell["error"] is { } preflight)
                {
                    sink.Send(new JsonObject { ["event"] = "cell_start", ["number"] = number, ["injected"] = false });
                    sink.Send(CellEnd(number, false, session.FailCell(number, false, "UnsupportedCell", preflight.GetValue<string>())));
                    break;
                }
                else
                {
                    source = cell["source"]!.GetValue<string>();
                }
                sink.Send(new JsonObject { ["event"] = "cell_start", ["number"] = number, ["injected"] = injected });
                var result = await session.RunCellAsync(number, source, injected).ConfigureAwait(false);
                stdout.Flush();
                stderr.Flush();
                sink.Send(CellEnd(number, injected, result));
                if (!result.Succeeded)
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            stdout.Flush();
            stderr.Flush();
            sink.Send(new JsonObject { ["event"] = "fatal", ["message"] = e.ToString() });
            return 3;
        }
        stdout.Flush();
        stderr.Flush();
        sink.Send(new JsonObject { ["event"] = "done" });
        return 0;
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

    private static JsonObject CellEnd(int number, bool injected, CellOutcome outcome) => new()
    {
        ["event"] = "cell_end",
        ["number"] = number,
        ["injected"] = injected,
        ["ok"] = outcome.Succeeded,
        ["seconds"] = outcome.Seconds,
        ["line"] = outcome.Line,
        ["message"] = outcome.Message,
        ["nuget"] = outcome.Nuget,
    };

    private sealed class ProtocolSink(StreamWriter writer) : IExecutionSink
    {
        public void Output(JsonObject output) => Send(new JsonObject { ["event"] = "output", ["output"] = output });

        public void Metric(string name, double value) => Send(new JsonObject { ["event"] = "metric", ["name"] = name, ["value"] = value });

        public void Stream(string name, string text) =>
            Output(new JsonObject { ["output_type"] = "stream", ["name"] = name, ["text"] = text });

        public void Send(JsonObject message)
        {
            var line = Marker + message.ToJsonString(ProtocolOptions);
            lock (writer)
            {
                // A line of its own even when native code left a partial line on stdout.
                writer.Write("\n" + line + "\n");
            }
        }
    }
}
