namespace Workbook.Cli;

/// <summary>The `workbook` command: run and check notebooks (see <see cref="Commands.Usage"/>).</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static Task<int> Main(string[] args) => Commands.RunAsync(args, Console.Out, Console.Error);
}
