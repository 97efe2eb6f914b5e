using System.Diagnostics;
using System.Text.Json.Nodes;
using Workbook.Engine.Execution;
using Workbook.Engine.Protocol;

namespace Workbook.Engine.Tests;

/// <summary>The worker protocol: every message round-trips, a line that does not read says why, the runner handles every event.</summary>
public class ProtocolTests
{
    private static JsonObject Display(string text) => new()
    {
        ["output_type"] = "display_data",
        ["data"] = new JsonObject { ["text/plain"] = new JsonArray(text) },
        ["metadata"] = new JsonObject(),
    };

    /// <summary>One of each event type.</summary>
    private static WorkerEvent[] EveryEvent() =>
    [
        new CellStarted(3, false),
        new InjectedSource(2, "// Parameters injected\nsteps = 20;\n"),
        new CellOutput(new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = "π ≈ 3.14\n\u001eWB not an event\n" }),
        new CellOutput(Display("loss 0.5"), "curve-1"),
        new DisplayUpdated("curve-1", Display("loss 0.25")),
        new MetricReported("loss", 0.125),
        new CellEnded(3, false, new CellOutcome(true, 1.5, Nuget: new NugetReport(["Plotly.NET, 5.0.0"], true, 2.25))),
        new CellEnded(4, true, new CellOutcome(false, 0.01, 2, "nb.ipynb, cell 4, line 2: error CS0103")),
        new WorkerFailed("System.InvalidOperationException: broken"),
        new RunDone(),
    ];

    [Fact]
    public void Every_event_type_round_trips_as_one_line()
    {
        var events = EveryEvent();
        Assert.Equal(WorkerProtocol.EventNames.Order(), events.Select(e => Discriminator(WorkerProtocol.WriteEvent(e))).Distinct().Order());
        foreach (var message in events)
        {
            var line = WorkerProtocol.WriteEvent(message);
            Assert.DoesNotContain('\n', line);
            Assert.DoesNotContain(WorkerProtocol.Marker, line, StringComparison.Ordinal);   // (culturally, \u001e weighs nothing)
            var read = WorkerProtocol.ReadEvent(line);
            Assert.IsType(message.GetType(), read);
            Assert.Equal(line, WorkerProtocol.WriteEvent(read));
        }
        var nuget = Assert.IsType<CellEnded>(WorkerProtocol.ReadEvent(WorkerProtocol.WriteEvent(events[6]))).Outcome.Nuget!;
        Assert.Equal(("Plotly.NET, 5.0.0", true, 2.25), (Assert.Single(nuget.Packages), nuget.Restored, nuget.Seconds));
        Assert.Equal("π ≈ 3.14\n\u001eWB not an event\n",
            ((CellOutput)WorkerProtocol.ReadEvent(WorkerProtocol.WriteEvent(events[2]))).Output["text"]!.GetValue<string>());
    }

    [Fact]
    public void Metrics_keep_NaN_and_infinities()
    {
        foreach (var value in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, double.Epsilon, 1e308 })
        {
            var read = Assert.IsType<MetricReported>(WorkerProtocol.ReadEvent(WorkerProtocol.WriteEvent(new MetricReported("m", value))));
            Assert.Equal(value, read.Value);
        }
    }

    [Fact]
    public void The_wire_names_are_snake_case_with_the_type_first()
    {
        Assert.Equal("""{"event":"cell_start","number":3,"injected":false}""", WorkerProtocol.WriteEvent(new CellStarted(3, false)));
        Assert.Equal("""{"event":"done"}""", WorkerProtocol.WriteEvent(new RunDone()));
        Assert.Equal("""{"parent":7,"notebook":"/n.ipynb","nugetCache":null,"cells":[{"kind":"code","source":"1","number":1}]}""".Replace("nugetCache", "nuget_cache"),
            WorkerProtocol.WriteRequest(new WorkerRequest(7, "/n.ipynb", null, [new CodeCellRequest(1, "1")])));
        // Fields in another order still read (the type need not come first).
        Assert.Equal(new CellStarted(5, true), WorkerProtocol.ReadEvent("""{"number":5,"injected":true,"event":"cell_start"}"""));
    }

    [Fact]
    public void Every_request_kind_round_trips()
    {
        var request = new WorkerRequest(4242, "/work/notebooks/03-x.ipynb", "/tmp/cache",
        [
            new CodeCellRequest(2, "#!csharp\nvar steps = 2000;"),
            new InjectedParametersRequest(2, new Dictionary<string, string> { ["steps"] = "200", ["name"] = "say \"hi\"" }),
            new UnsupportedCellRequest(5, "the cell is a fsharp cell"),
        ]);
        var line = WorkerProtocol.WriteRequest(request);
        Assert.DoesNotContain('\n', line);
        var read = WorkerProtocol.ReadRequest(line);
        Assert.Equal((request.Parent, request.Notebook, request.NugetCache), (read.Parent, read.Notebook, read.NugetCache));
        Assert.Equal(request.Cells.Select(c => c.GetType()), read.Cells.Select(c => c.GetType()));
        Assert.Equal("say \"hi\"", ((InjectedParametersRequest)read.Cells[1]).Parameters["name"]);
        Assert.Equal(line, WorkerProtocol.WriteRequest(read));
        Assert.Null(WorkerProtocol.ReadRequest(WorkerProtocol.WriteRequest(request with { NugetCache = null })).NugetCache);
    }

    [Theory]
    [InlineData("""{"event":"cell_explode","number":1}""", "unknown event type \"cell_explode\" (known: cell_start, injected_source, output, display_update, metric, cell_end, fatal, done)")]
    [InlineData("""{"event":"cell_start","number":1,"inje""", "not JSON")]
    [InlineData("""not json at all""", "not JSON")]
    [InlineData("""[1, 2]""", "a JSON array, not an object")]
    [InlineData("""{"number":1,"injected":false}""", "no \"event\" naming its type (one of cell_start, ")]
    [InlineData("""{"event":"cell_start","injected":false}""", "a malformed \"cell_start\" event")]
    [InlineData("""{"event":"cell_start","number":"one","injected":false}""", "a malformed \"cell_start\" event")]
    [InlineData("""{"event":"cell_start","number":1,"injected":false,"cell":2}""", "a malformed \"cell_start\" event")]
    [InlineData("""{"event":"fatal","message":null}""", "a malformed \"fatal\" event")]
    public void A_line_that_does_not_read_says_what_is_wrong(string line, string expected)
    {
        var error = Assert.Throws<WorkerProtocolException>(() => WorkerProtocol.ReadEvent(line));
        Assert.Contains("the worker protocol's event line does not read: " + expected, error.Message);
        Assert.Contains("line: " + line, error.Message);
    }

    [Fact]
    public void Malformed_fields_are_named()
    {
        Assert.Contains("number", Assert.Throws<WorkerProtocolException>(() => WorkerProtocol.ReadEvent("""{"event":"cell_start","injected":false}""")).Message);
        Assert.Contains("cell", Assert.Throws<WorkerProtocolException>(() => WorkerProtocol.ReadEvent("""{"event":"cell_start","number":1,"injected":false,"cell":2}""")).Message);
        var request = Assert.Throws<WorkerProtocolException>(() => WorkerProtocol.ReadRequest("""{"parent":1,"notebook":"/n.ipynb","nuget_cache":null,"cells":[{"kind":"python","number":1}]}"""));
        Assert.Contains("the worker protocol's request line does not read", request.Message);
        Assert.Contains("python", request.Message);
    }

    [Fact]
    public void The_runner_handles_every_event_and_display_updates_replace_the_earlier_display()
    {
        var result = new NotebookRunResult { NotebookPath = "/n.ipynb" };
        var progress = new List<RunProgress>();
        var recorder = new RunRecorder(result, new RunOptions { Progress = progress.Add }, 2, Stopwatch.StartNew());
        foreach (var message in EveryEvent())
        {
            recorder.Apply(WorkerProtocol.ReadEvent(WorkerProtocol.WriteEvent(message)));
        }
        Assert.True(recorder.Finished);
        Assert.Equal("// Parameters injected\nsteps = 20;\n", recorder.InjectedSource);
        var cell = Assert.Single(result.Cells);
        Assert.Equal((3, true, 1.5, "Plotly.NET, 5.0.0"), (cell.Number, cell.Succeeded, cell.Seconds, cell.Nuget!.Packages[0]));
        Assert.Equal(2, cell.Outputs.Count);
        Assert.Equal("loss 0.25", cell.Outputs[1]!["data"]!["text/plain"]![0]!.GetValue<string>());
        Assert.Equal(("loss", 0.125), Assert.Single(result.MetricReports));
        Assert.Equal(new[] { "/n.ipynb: the worker failed: System.InvalidOperationException: broken" }, result.Failures.Select(f => f.Message));
        Assert.Equal(2, progress.Count);

        recorder.Apply(new DisplayUpdated("nowhere", Display("x")));
        Assert.Contains("updated display \"nowhere\", which no earlier output has", result.Failures[^1].Message);
    }

    [Fact]
    public void A_torn_protocol_line_fails_the_run_naming_the_problem_and_keeps_the_text()
    {
        var result = new NotebookRunResult { NotebookPath = "/n.ipynb" };
        var recorder = new RunRecorder(result, new RunOptions(), 1, Stopwatch.StartNew());
        recorder.Apply(new CellStarted(1, false));
        const string torn = "\u001eWB {\"event\":\"cell_end\",\"num";
        recorder.Handle(new WorkerProcess.Message(null, torn + "\n", "stdout", "the worker protocol's event line does not read: not JSON"));
        Assert.Equal("/n.ipynb: the worker protocol's event line does not read: not JSON", Assert.Single(result.Failures).Message);
        Assert.Equal(1, result.Failures[0].Cell);
        Assert.False(recorder.Finished);
    }

    private static string Discriminator(string line) => JsonNode.Parse(line)!["event"]!.GetValue<string>();
}
