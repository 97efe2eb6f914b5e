namespace Workbook.Engine.Execution;

/// <summary>How one cell ended (sent to the runner in the worker's cell_end event).</summary>
/// <param name="Succeeded">false on a directive, compile or run-time error.</param>
/// <param name="Seconds">wall time of the cell.</param>
/// <param name="Line">1-based line inside the cell where the error is, when known.</param>
/// <param name="Message">the error in one sentence ("…, cell 4, line 2: error CS0103: …").</param>
/// <param name="Nuget">what #r "nuget: …" did in this cell, if anything.</param>
public sealed record CellOutcome(bool Succeeded, double Seconds, int? Line = null, string? Message = null, NugetReport? Nuget = null);

/// <summary>What #r "nuget: …" did in a cell (kept in the executed cell's metadata.workbook.nuget).</summary>
/// <param name="Packages">every package of the session so far ("Id, Version").</param>
/// <param name="Restored">true when restored now, false when taken from the cache.</param>
/// <param name="Seconds">time the restore took.</param>
public sealed record NugetReport(IReadOnlyList<string> Packages, bool Restored, double Seconds);
