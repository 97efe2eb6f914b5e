namespace Workbook.Tests.Core;

/// <summary>
/// Tests that touch process-wide state (the formatter registry, AppContext host data, reported
/// metrics, torch's global seed) run one at a time in this collection.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalStateCollection
{
    public const string Name = "Workbook global state";
}
