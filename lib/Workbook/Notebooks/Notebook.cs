using Workbook.Display;

namespace Workbook.Notebooks;

/// <summary>What <see cref="Notebook.Start"/> set up, shown as the first cell's output.</summary>
public sealed record NotebookSession(int Seed, string Host, string TorchSharpVersion, int Threads)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"Workbook ready: seed {Seed}, host {Host}, TorchSharp {TorchSharpVersion}, {Threads} CPU threads";
}

/// <summary>The first call of every notebook.</summary>
public static class Notebook
{
    /// <summary>
    /// Prepares a notebook: registers the workbook's displays (charts, tensors, tables, metrics),
    /// seeds TorchSharp and .NET randomness with <paramref name="seed"/>, and forgets metrics of
    /// an earlier run in the same kernel.
    /// </summary>
    public static NotebookSession Start(int seed = 0)
    {
        NotebookFormatters.Register();
        Charts.ChartHtml.ResetSession();
        Metrics.Clear();
        Seeds.Set(seed);
        var version = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) ?? "?";
        return new NotebookSession(seed, NotebookHost.Name, version, TorchSharp.torch.get_num_threads());
    }

    /// <summary>Shows a value as a display output (see <see cref="NotebookHost.Display"/>).</summary>
    public static void Display(object? value) => NotebookHost.Display(value);
}
