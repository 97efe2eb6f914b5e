using System.Text.Json.Serialization;

namespace Workbook.Engine.Protocol;

/// <summary>
/// The one request the runner sends the worker, as a JSON line on its stdin: the notebook and its code cells in
/// the order they run.
/// </summary>
/// <param name="Parent">process id of the runner: the worker exits when it dies.</param>
/// <param name="Notebook">full path of the source notebook (compiler messages and stack traces name it).</param>
/// <param name="NugetCache">cache folder for #r "nuget: …" restores; null: the default.</param>
/// <param name="Cells">the cells to run, in order.</param>
public sealed record WorkerRequest(int Parent, string Notebook, string? NugetCache, IReadOnlyList<CellRequest> Cells);

/// <summary>One cell of a <see cref="WorkerRequest"/>; "kind" on the wire tells which.</summary>
/// <param name="Number">1-based position among all cells of the source notebook (an injected cell: the parameters cell's).</param>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(CodeCellRequest), "code")]
[JsonDerivedType(typeof(InjectedParametersRequest), "injected_parameters")]
[JsonDerivedType(typeof(UnsupportedCellRequest), "unsupported")]
public abstract record CellRequest(int Number);

/// <summary>A C# cell to run as written.</summary>
public sealed record CodeCellRequest(int Number, string Source) : CellRequest(Number);

/// <summary>
/// The injected parameters cell, after the cell tagged "parameters": the worker turns the values (name → text as
/// given on the command line) into assignments once the declared variables' types are known.
/// </summary>
public sealed record InjectedParametersRequest(int Number, IReadOnlyDictionary<string, string> Parameters) : CellRequest(Number);

/// <summary>A cell the engine cannot run (another language's): the worker fails it with <paramref name="Error"/>.</summary>
public sealed record UnsupportedCellRequest(int Number, string Error) : CellRequest(Number);
