using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Workbook.Engine.Execution;

namespace Workbook.Engine.Protocol;

/// <summary>
/// What the worker reports, one JSON line each on its stdout (after <see cref="WorkerProtocol.Marker"/>); "event" on
/// the wire tells which. In a run: per cell <see cref="CellStarted"/>, its outputs and metrics, <see cref="CellEnded"/>;
/// at the end <see cref="RunDone"/>, or <see cref="WorkerFailed"/> when the worker itself broke.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "event")]
[JsonDerivedType(typeof(CellStarted), "cell_start")]
[JsonDerivedType(typeof(InjectedSource), "injected_source")]
[JsonDerivedType(typeof(CellOutput), "output")]
[JsonDerivedType(typeof(DisplayUpdated), "display_update")]
[JsonDerivedType(typeof(MetricReported), "metric")]
[JsonDerivedType(typeof(CellEnded), "cell_end")]
[JsonDerivedType(typeof(WorkerFailed), "fatal")]
[JsonDerivedType(typeof(RunDone), "done")]
public abstract record WorkerEvent;

/// <summary>A cell starts (its time limit runs from here).</summary>
public sealed record CellStarted(int Number, bool Injected) : WorkerEvent;

/// <summary>The C# the worker wrote for the injected parameters cell (it goes into the executed notebook).</summary>
public sealed record InjectedSource(int Number, string Source) : WorkerEvent;

/// <summary>
/// A Jupyter output of the running cell (stream, display_data, execute_result or error), as nbformat writes it.
/// <paramref name="DisplayId"/> names a display that a later <see cref="DisplayUpdated"/> may replace.
/// </summary>
public sealed record CellOutput(JsonObject Output, string? DisplayId = null) : WorkerEvent;

/// <summary>
/// New content for the display output sent earlier with <paramref name="DisplayId"/>, possibly by an earlier cell
/// (a live training curve redrawn as it runs, as Jupyter's update_display_data): it replaces that output's data and
/// metadata where it stands.
/// </summary>
public sealed record DisplayUpdated(string DisplayId, JsonObject Output) : WorkerEvent;

/// <summary>A metric reported through the library's Metrics.Report (NaN and infinities allowed).</summary>
public sealed record MetricReported(string Name, double Value) : WorkerEvent;

/// <summary>A cell ended, how: <see cref="CellOutcome"/>.</summary>
public sealed record CellEnded(int Number, bool Injected, CellOutcome Outcome) : WorkerEvent;

/// <summary>The worker itself failed (not a cell): a bad request or an exception of the engine.</summary>
public sealed record WorkerFailed(string Message) : WorkerEvent;

/// <summary>Every cell that was to run has run (the last may have failed); the worker exits next.</summary>
public sealed record RunDone : WorkerEvent;
