using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using TorchSharp;
using Workbook.Attention;
using static TorchSharp.torch;

namespace Workbook.Benchmarks.Attention;

/// <summary>
/// From-scratch scaled dot-product attention (<see cref="DotProductAttention.Context"/>: scale folded into Q, matmul,
/// in-place softmax) against TorchSharp's fused <c>scaled_dot_product_attention</c> on the CPU, inference (no autograd),
/// float32, across sequence lengths and head sizes. Time = median wall time of interleaved runs and least thread CPU time; peak memory = the rise of the
/// process's resident-set high-water mark (VmHWM, reset through /proc/self/clear_refs) during one call, with glibc told
/// to serve large blocks by mmap so freed memory leaves the process (Linux only; elsewhere memory shows as n/a).
/// <code>dotnet run -c Release --project bench/Workbook.Benchmarks -- attention [--lengths 64,256,1024,2048] [--dims 32,64] [--batch 1] [--heads 8] [--causal] [--threads 1]</code>
/// </summary>
public static class AttentionBenchmark
{
    public static int Run(string[] args)
    {
        var lengths = Option(args, "--lengths", "64,128,256,512,1024,2048").Split(',').Select(long.Parse).ToArray();
        var dims = Option(args, "--dims", "32,64").Split(',').Select(long.Parse).ToArray();
        var batch = long.Parse(Option(args, "--batch", "1"), CultureInfo.InvariantCulture);
        var heads = long.Parse(Option(args, "--heads", "8"), CultureInfo.InvariantCulture);
        var threads = int.Parse(Option(args, "--threads", "1"), CultureInfo.InvariantCulture);
        var causal = args.Contains("--causal");
        set_num_threads(threads);

        // Timing first, with glibc keeping freed blocks for reuse (both paths profit alike); then the memory pass, with
        // glibc returning every large block so that the high-water mark shows each call's own peak.
        AttentionCost.KeepFreedMemory();
        Console.WriteLine($"scaled dot-product attention, CPU float32, no autograd, batch {batch}, heads {heads}, {threads} thread(s){(causal ? ", causal" : "")}");
        var rows = new List<(long T, long D, double ScratchMs, double FusedMs, double ScratchCpu, double FusedCpu, double Difference)>();
        foreach (var d in dims)
        {
            foreach (var t in lengths)
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var (scratch, fused) = Calls(batch, heads, t, d, causal);
                var difference = (scratch() - fused()).abs().max().item<float>();
                var iterations = (int)Math.Clamp(2_000_000_000L / (batch * heads * t * t * d), 5, 200);
                var (scratchMs, fusedMs, scratchCpu, fusedCpu) = TimeBoth(scratch, fused, iterations);
                rows.Add((t, d, scratchMs, fusedMs, scratchCpu, fusedCpu, difference));
            }
        }
        var memoryMeasured = PeakMemory.Prepare();
        Console.WriteLine($"{"T",6} {"d",4} | {"scratch ms",11} {"fused ms",9} {"wall ratio",10} | {"scratch cpu",11} {"fused cpu",9} {"cpu ratio",9} | {"scratch MiB",11} {"fused MiB",10} {"full scores MiB",15} | max|diff|");
        foreach (var row in rows)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var (scratch, fused) = Calls(batch, heads, row.T, row.D, causal);
            var scratchMiB = memoryMeasured ? PeakMemory.Measure(scratch) : double.NaN;
            var fusedMiB = memoryMeasured ? PeakMemory.Measure(fused) : double.NaN;
            var scoresMiB = 4.0 * batch * heads * row.T * row.T / (1 << 20);   // one float32 [B, H, T, T] buffer
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row.T,6} {row.D,4} | {row.ScratchMs,11:F3} {row.FusedMs,9:F3} {row.ScratchMs / row.FusedMs,10:F2} | {row.ScratchCpu,11:F3} {row.FusedCpu,9:F3} {row.ScratchCpu / row.FusedCpu,9:F2} | {scratchMiB,11:F1} {fusedMiB,10:F1} {scoresMiB,15:F1} | {row.Difference:E1}"));
        }
        foreach (var (label, ratios) in new[] { ("wall", rows.Select(r => r.ScratchMs / r.FusedMs).ToArray()), ("cpu", rows.Select(r => r.ScratchCpu / r.FusedCpu).ToArray()) })
        {
            var geometricMean = Math.Exp(ratios.Average(Math.Log));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label} time ratio scratch/fused: geometric mean {geometricMean:F2}, min {ratios.Min():F2}, max {ratios.Max():F2}"));
        }
        return 0;
    }

    private static (Func<Tensor> Scratch, Func<Tensor> Fused) Calls(long batch, long heads, long t, long d, bool causal)
    {
        manual_seed(0);
        var q = randn(batch, heads, t, d);                                   // [B, H, T, d]
        var k = randn(batch, heads, t, d);
        var v = randn(batch, heads, t, d);
        return (() => DotProductAttention.Context(q, k, v, causal: causal),
                () => nn.functional.scaled_dot_product_attention(q, k, v, is_casual: causal));
    }

    // Alternates the two runs so that both see the same machine load (the machine is shared); medians of wall time in ms,
    // and the least thread CPU time of each (with one libtorch thread all the work runs on this thread).
    private static (double FirstWall, double SecondWall, double FirstCpu, double SecondCpu) TimeBoth(Func<Tensor> first, Func<Tensor> second, int iterations)
    {
        double cpuA = double.MaxValue, cpuB = double.MaxValue;
        for (var i = 0; i < 2; i++)
        {
            first().Dispose();                                           // warm-up
            second().Dispose();
        }
        var a = new double[iterations];
        var b = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var cpu = AttentionCost.ThreadCpuMilliseconds();
            var watch = Stopwatch.StartNew();
            first().Dispose();
            a[i] = watch.Elapsed.TotalMilliseconds;
            cpuA = Math.Min(cpuA, AttentionCost.ThreadCpuMilliseconds() - cpu);
            cpu = AttentionCost.ThreadCpuMilliseconds();
            watch.Restart();
            second().Dispose();
            b[i] = watch.Elapsed.TotalMilliseconds;
            cpuB = Math.Min(cpuB, AttentionCost.ThreadCpuMilliseconds() - cpu);
        }
        Array.Sort(a);
        Array.Sort(b);
        return (a[iterations / 2], b[iterations / 2], cpuA, cpuB);
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }

    /// <summary>Peak resident memory of one call, from Linux's VmHWM.</summary>
    private static class PeakMemory
    {
        private const int MmapThreshold = -3; // M_MMAP_THRESHOLD
        private const int TrimThreshold = -1; // M_TRIM_THRESHOLD

        [DllImport("libc", EntryPoint = "mallopt")]
        private static extern int MallocOption(int parameter, int value);

        public static bool Prepare()
        {
            if (!OperatingSystem.IsLinux() || !File.Exists("/proc/self/clear_refs"))
            {
                return false;
            }
            try
            {
                // A fixed threshold: every block of 128 KiB or more is its own mapping, returned to the system on free.
                MallocOption(MmapThreshold, 128 * 1024);
                MallocOption(TrimThreshold, 128 * 1024);
                File.WriteAllText("/proc/self/clear_refs", "5");
                return ReadKiB("VmHWM:") > 0;
            }
            catch (Exception)
            {
                return false;
            }
        }

        public static double Measure(Func<Tensor> run)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            File.WriteAllText("/proc/self/clear_refs", "5");       // VmHWM := VmRSS
            var before = ReadKiB("VmRSS:");
            var result = run();
            var peak = ReadKiB("VmHWM:");
            result.Dispose();
            return Math.Max(0, peak - before) / 1024.0;
        }

        private static long ReadKiB(string field)
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
            return -1;
        }
    }
}
