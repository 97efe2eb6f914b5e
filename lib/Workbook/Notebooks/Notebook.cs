using Workbook.Display;
using Workbook.Tensors;

namespace Workbook.Notebooks;

/// <summary>What <see cref="Notebook.Start"/> set up, shown as the first cell's output.</summary>
/// <param name="Seed">The seed of TorchSharp's and .NET's generators.</param>
/// <param name="Host">Where the notebook runs (the engine or the real kernel).</param>
/// <param name="TorchSharpVersion">TorchSharp's version.</param>
/// <param name="Threads">libtorch's CPU threads.</param>
/// <param name="Convolutions">The convolution self-test of this process (<see cref="CpuKernels.Check"/>).</param>
public sealed record NotebookSession(int Seed, string Host, string TorchSharpVersion, int Threads, ConvolutionReport Convolutions)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"Workbook ready: seed {Seed}, host {Host}, TorchSharp {TorchSharpVersion}, {Threads} CPU threads" +
        (Convolutions.Passed ? "" : "\nWARNING: " + Convolutions + ". Notebooks with convolutions (04-04d) will fail their check rather than teach wrong numbers.");
}

/// <summary>The first call of every notebook.</summary>
public static class Notebook
{
    /// <summary>
    /// Prepares a notebook: sets libtorch's convolution route and checks float32 convolutions against float64 on this
    /// CPU (<see cref="CpuKernels.Check"/>, once per process, before any convolution), registers the workbook's
    /// displays (charts, tensors, tables, metrics), seeds TorchSharp and .NET randomness with <paramref name="seed"/>,
    /// and forgets metrics of an earlier run in the same kernel. The self-test's verdict is the metric
    /// <c>float32_convolutions_right</c>, which notebooks with convolutions bound to 1.
    /// </summary>
    public static NotebookSession Start(int seed = 0)
    {
        var convolutions = CpuKernels.Check();
        NotebookFormatters.Register();
        // Live displays (training curves) redraw through this host: the engine's update event or DisplayedValue.Update.
        UpdatableDisplays.Use(value => NotebookHost.DisplayUpdatable(value).Update);
        Charts.ChartHtml.ResetSession();
        Metrics.Clear();
        Metrics.Report("float32_convolutions_right", convolutions.Passed ? 1 : 0,
            "1 when this CPU's float32 convolutions agree with float64 (Notebook.Start's self-test), 0 when not");
        Seeds.Set(seed);
        var version = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) ?? "?";
        return new NotebookSession(seed, NotebookHost.Name, version, TorchSharp.torch.get_num_threads(), convolutions);
    }

    /// <summary>Shows a value as a display output (see <see cref="NotebookHost.Display"/>).</summary>
    public static void Display(object? value) => NotebookHost.Display(value);
}
