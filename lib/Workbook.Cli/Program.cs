namespace Workbook.Cli;

/// <summary>The `workbook` command: run and check notebooks (`workbook --help`, <see cref="Commands.Description"/>).</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static Task<int> Main(string[] args) => Commands.RunAsync(args, Console.Out, Console.Error);
}
