namespace Workbook.Engine;

/// <summary>
/// Entry point of the worker process (<c>dotnet Workbook.Engine.dll worker</c>) that executes one
/// notebook for <see cref="Execution.NotebookRunner"/>.
/// </summary>
public static class Program
{
    /// <summary>Runs the worker when the first argument is "worker".</summary>
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 1 && args[0] == "worker")
        {
            return await Execution.NotebookWorker.RunAsync().ConfigureAwait(false);
        }
        await Console.Error.WriteLineAsync("Workbook.Engine.dll is the notebook worker: start it as `dotnet Workbook.Engine.dll worker` (the workbook CLI does).").ConfigureAwait(false);
        return 2;
    }
}
