using System.Diagnostics;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Benchmarks.Convolutions;

/// <summary>
/// The convolution self-test's result and cost in this process, and the speed of a small convolutional training step:
/// <c>dotnet run -c Release --project bench/Workbook.Benchmarks -- convolutions [runs]</c>. The route comes from
/// <c>WORKBOOK_CONVOLUTIONS</c> (see <see cref="CpuKernels"/>); run it once per route, in separate processes, to compare:
/// <c>WORKBOOK_CONVOLUTIONS=libtorch-default</c> shows the fault on a CPU that has it (add <c>DNNL_MAX_CPU_ISA=AVX2</c>
/// to see the old cap).
/// </summary>
public static class ConvolutionsBenchmark
{
    /// <summary>Runs the harness.</summary>
    public static int Run(string[] args)
    {
        var runs = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 5;
        var clock = Stopwatch.StartNew();
        var route = CpuKernels.Prepare();
        Console.WriteLine($"CPU: {CpuKernels.CpuName}");
        Console.WriteLine($"route: {route} (WORKBOOK_CONVOLUTIONS={Environment.GetEnvironmentVariable(CpuKernels.Variable) ?? "unset"}, " +
                          $"DNNL_MAX_CPU_ISA={Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA") ?? "unset"}); prepare {clock.Elapsed.TotalMilliseconds:F0} ms");
        var wrongRuns = 0;
        for (var r = 0; r < runs; r++)
        {
            var report = ConvolutionSelfTest.Run();
            wrongRuns += report.Passed ? 0 : 1;
            var distinct = report.Wrong.Select(c => c.Name).Distinct().Count();
            Console.WriteLine($"self-test run {r + 1}: {report.Milliseconds,6:F1} ms, {distinct} of {report.Cases.Count / 3} cases wrong, worst error {report.WorstError:G2}");
            foreach (var line in report.Wrong.GroupBy(c => c.Name).Select(g => g.MaxBy(c => double.IsNaN(c.Worst) ? double.MaxValue : c.Worst)!.Describe(report.Tolerance)))
            {
                Console.WriteLine("    " + line);
            }
        }
        Console.WriteLine($"runs with a wrong case: {wrongRuns} of {runs}");

        // A small convolutional training step, as in 04-04d: batch 32, 3→16→32 channels, 32×32 images.
        manual_seed(0);
        var model = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.ConvTranspose2d(32, 8, 2, stride: 2), nn.Flatten(), nn.Linear(8 * 16 * 16, 10));
        var optimizer = optim.Adam(model.parameters(), 1e-3);
        var x = randn(32, 3, 32, 32);
        var y = randint(0, 10, 32);
        var times = new List<double>();
        for (var step = 0; step < 40; step++)
        {
            var t = Stopwatch.StartNew();
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            nn.functional.cross_entropy(model.call(x), y).backward();
            optimizer.step();
            if (step >= 5) times.Add(t.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        Console.WriteLine($"conv training step (batch 32, 32×32): median {times[times.Count / 2]:F2} ms over {times.Count} steps");
        return wrongRuns == 0 ? 0 : 1;
    }
}
