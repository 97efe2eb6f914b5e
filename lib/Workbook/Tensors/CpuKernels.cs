using System.Runtime.InteropServices;

namespace Workbook.Tensors;

/// <summary>
/// Makes libtorch's CPU convolutions right on every x86-64 CPU, once per process, before the first convolution.
/// <para>
/// Why: on AMD EPYC machines with AVX-512 (libtorch 2.10.0 as TorchSharp 0.107 ships it, measured 2026-12-07), oneDNN's
/// float32 convolution kernels return wrong values for batches larger than one: shifted taps in a stride-1
/// conv_transpose1d, conv2d input gradients off by a relative 0.2-0.8, in some runs only. Capping oneDNN at AVX2
/// (<c>DNNL_MAX_CPU_ISA</c>) does not cure it; SSE4.1 does, and so does leaving oneDNN out of convolutions altogether
/// (libtorch then uses its own im2col-and-matrix-product kernels). Batch 1 and float64 were right everywhere.
/// </para>
/// <para>
/// What is done (<see cref="Route"/>): libtorch's own switch, <c>at::globalContext().setUserEnabledMkldnn(false)</c> —
/// the C++ call behind PyTorch's <c>torch.backends.mkldnn.enabled = False</c>, which TorchSharp 0.107 does not expose —
/// is called through the exported symbol of <c>libtorch_cpu</c>; NNPACK is switched off the same way
/// (<c>setUserEnabledNNPACK(false)</c>), which also stops libtorch from probing it and printing "Could not initialize
/// NNPACK! Reason: Unsupported hardware." on CPUs it does not support. The switches are read at each convolution, so
/// they work whenever they are set; oneDNN still serves other operations. Measured on the faulty CPU: every case of
/// <see cref="ConvolutionSelfTest"/> right, and notebooks 04-04d no slower (see the README's benchmarks).
/// </para>
/// <para>
/// Set <c>WORKBOOK_CONVOLUTIONS=libtorch-default</c> to leave libtorch as it is (to see the fault), or
/// <c>WORKBOOK_CONVOLUTIONS=onednn-sse41</c> for the instruction-set cap (must be set before the process's first
/// oneDNN kernel).
/// </para>
/// </summary>
public static class CpuKernels
{
    /// <summary>The environment variable that chooses the route (see <see cref="ConvolutionRoute"/>).</summary>
    public const string Variable = "WORKBOOK_CONVOLUTIONS";

    private static readonly object Gate = new();
    private static ConvolutionRoute? applied;
    private static ConvolutionReport? report;

    /// <summary>The route this process uses, from <see cref="Variable"/> (default: <see cref="ConvolutionRoute.WithoutOneDnn"/>).</summary>
    public static ConvolutionRoute Route => (Environment.GetEnvironmentVariable(Variable) ?? "").Trim().ToLowerInvariant() switch
    {
        "libtorch-default" => ConvolutionRoute.LibtorchDefault,
        "onednn-sse41" => ConvolutionRoute.OneDnnSse41,
        "" or "without-onednn" => ConvolutionRoute.WithoutOneDnn,
        var other => throw new ArgumentException(
            $"{Variable}={other} is not a convolution route; use without-onednn (the default), onednn-sse41 or libtorch-default"),
    };

    /// <summary>
    /// Applies <see cref="Route"/> once per process (later calls return at once). Call it before the first convolution:
    /// <c>Notebook.Start</c>, the test and benchmark processes do.
    /// </summary>
    public static ConvolutionRoute Prepare()
    {
        lock (Gate)
        {
            if (applied is { } done)
            {
                return done;
            }
            var route = Route;
            switch (route)
            {
                case ConvolutionRoute.WithoutOneDnn:
                    LibtorchContext.SetUserEnabled(mkldnn: false, nnpack: false);
                    break;
                case ConvolutionRoute.OneDnnSse41:
                    SetNativeEnvironment("DNNL_MAX_CPU_ISA", "SSE41");
                    LibtorchContext.SetUserEnabled(mkldnn: true, nnpack: false);
                    break;
                case ConvolutionRoute.LibtorchDefault:
                    break;
            }
            applied = route;
            return route;
        }
    }

    /// <summary>
    /// <see cref="Prepare"/>, then <see cref="ConvolutionSelfTest.Run"/> once per process (later calls return the first
    /// report): whether float32 convolutions agree with float64 on this CPU.
    /// </summary>
    public static ConvolutionReport Check()
    {
        lock (Gate)
        {
            Prepare();
            return report ??= ConvolutionSelfTest.Run();
        }
    }

    /// <summary>The CPU's model name and its AVX-512 flags, e.g. "AMD EPYC (avx512f, avx512bw, ...)".</summary>
    public static string CpuName { get; } = ReadCpuName();

    private static string ReadCpuName()
    {
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo"))
            {
                var lines = File.ReadLines("/proc/cpuinfo").Take(60).ToList();
                var model = lines.FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
                var flags = lines.FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(':', 2)[1]
                    .Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(f => f.StartsWith("avx512", StringComparison.Ordinal)).ToList() ?? new();
                return flags.Count == 0 ? model : $"{model} ({string.Join(", ", flags)})";
            }
        }
        catch (IOException)
        {
        }
        return RuntimeInformation.ProcessArchitecture + " " + RuntimeInformation.OSDescription;
    }

    // .NET's Environment.SetEnvironmentVariable does not reach native code on Linux: call the C library's setenv too.
    private static void SetNativeEnvironment(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            _ = setenv(name, value, 1);
        }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int setenv(string name, string value, int overwrite);
}

/// <summary>How libtorch's CPU convolutions are run in this process (<see cref="CpuKernels.Variable"/>).</summary>
public enum ConvolutionRoute
{
    /// <summary>libtorch's own convolution kernels; oneDNN and NNPACK switched off for convolutions (the default).</summary>
    WithoutOneDnn,

    /// <summary>oneDNN capped at SSE4.1 through <c>DNNL_MAX_CPU_ISA</c> (only before the process's first oneDNN kernel).</summary>
    OneDnnSse41,

    /// <summary>libtorch as shipped: on some AVX-512 CPUs, wrong float32 convolutions for batches above one.</summary>
    LibtorchDefault,
}
