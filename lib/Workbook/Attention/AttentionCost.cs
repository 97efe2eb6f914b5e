using System.Diagnostics;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Attention;

/// <summary>Cost of one scaled dot-product attention call at sequence length n.</summary>
/// <param name="Length">n (queries = keys).</param>
/// <param name="CpuMilliseconds">CPU time of the calling thread, least of the repeats (robust on a shared machine).</param>
/// <param name="WallMilliseconds">wall-clock time, least of the repeats.</param>
/// <param name="WeightBytes">size of the attention-weight tensor [B, H, n, n] the call materialises.</param>
public sealed record AttentionCostPoint(long Length, double CpuMilliseconds, double WallMilliseconds, long WeightBytes);

/// <summary>
/// Measures the O(n²) cost of attention (Notes §6.7.4.1): every query scores every key, so one call builds
/// B·H·n² weights. Time is taken as the calling thread's CPU time (Linux CLOCK_THREAD_CPUTIME_ID; wall time elsewhere)
/// so that other programs on the machine do not distort it; run with <c>torch.set_num_threads(1)</c> so that all the
/// work happens on this thread.
/// </summary>
public static class AttentionCost
{
    /// <summary>
    /// Times one attention call at every length in <paramref name="lengths"/>, the lengths interleaved round by round
    /// (n₁, n₂, …, n₁, n₂, …) and the least time per length kept. A burst of load from another program then slows one
    /// call of every length instead of every call of one length, which would bend the fitted exponent.
    /// </summary>
    public static AttentionCostPoint[] MeasureCurve(IReadOnlyList<long> lengths, long batch = 1, long heads = 1, long headDim = 16, int rounds = 9)
    {
        if (lengths.Count == 0 || rounds < 1)
        {
            throw new ArgumentException($"need at least one length and one round, got {lengths.Count} lengths and {rounds} rounds.");
        }
        KeepFreedMemory();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var inputs = lengths.Select(n => randn(batch, heads, n, headDim)).ToArray();   // [B, H, n, d] per length
        foreach (var qkv in inputs)
        {
            DotProductAttention.Attend(qkv, qkv, qkv).Dispose();                       // warm-up
        }
        var bestCpu = Enumerable.Repeat(double.MaxValue, lengths.Count).ToArray();
        var bestWall = Enumerable.Repeat(double.MaxValue, lengths.Count).ToArray();
        var weightBytes = new long[lengths.Count];
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < lengths.Count; i++)
            {
                var cpuStart = ThreadCpuMilliseconds();
                var watch = Stopwatch.StartNew();
                using var result = DotProductAttention.Attend(inputs[i], inputs[i], inputs[i]);
                var wall = watch.Elapsed.TotalMilliseconds;
                var cpu = ThreadCpuMilliseconds() - cpuStart;
                bestWall[i] = Math.Min(bestWall[i], wall);
                bestCpu[i] = Math.Min(bestCpu[i], double.IsNaN(cpu) ? wall : cpu);
                weightBytes[i] = result.Weights.NumberOfElements * result.Weights.ElementSize;
            }
        }
        return lengths.Select((n, i) => new AttentionCostPoint(n, bestCpu[i], bestWall[i], weightBytes[i])).ToArray();
    }

    /// <summary>Least-squares slope of log y against log x: the p in y ∝ x^p.</summary>
    public static double FitExponent(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count || x.Count < 2)
        {
            throw new ArgumentException($"need at least two (x, y) pairs of equal count, got {x.Count} x and {y.Count} y.");
        }
        var lx = x.Select(v => Math.Log(v)).ToArray();
        var ly = y.Select(v => Math.Log(v)).ToArray();
        double mx = lx.Average(), my = ly.Average();
        return lx.Zip(ly).Sum(p => (p.First - mx) * (p.Second - my)) / lx.Sum(v => (v - mx) * (v - mx));
    }

    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID on Linux
    private const int MallocTrimThreshold = -1; // M_TRIM_THRESHOLD
    private const int MallocMmapThreshold = -3; // M_MMAP_THRESHOLD

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallocOption(int parameter, int value);

    /// <summary>
    /// Asks glibc to keep freed blocks of up to 32 MiB in the heap for reuse instead of returning them to the system.
    /// Otherwise whether a buffer of a given size is mapped afresh (and page-faulted in again) on every call depends on
    /// glibc's adaptive thresholds, which makes timings jump between sizes. Linux only; a no-op elsewhere.
    /// </summary>
    public static void KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        try
        {
            MallocOption(MallocMmapThreshold, 32 * 1024 * 1024);
            MallocOption(MallocTrimThreshold, 1024 * 1024 * 1024);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>CPU time of the calling thread in ms, or NaN where it cannot be read.</summary>
    public static double ThreadCpuMilliseconds()
    {
        if (!OperatingSystem.IsLinux())
        {
            return double.NaN;
        }
        try
        {
            return ClockGetTime(ClockThreadCpuTime, out var t) == 0 ? t.Seconds * 1e3 + t.Nanoseconds / 1e6 : double.NaN;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return double.NaN;
        }
    }
}
