using System.Runtime.InteropServices;

namespace Workbook.Convnets;

/// <summary>
/// A workaround for a libtorch CPU bug seen on the machines this workbook is built on (AMD EPYC with AVX-512, libtorch
/// 2.10.0 as TorchSharp 0.107 ships it, 2026-12-01): oneDNN's AVX-512 kernels for the input-gradient of a
/// single-precision convolution (the same computation as a transposed convolution) return wrong values, sometimes NaN,
/// for batches of more than one image (relative errors around 0.5 against double precision and against
/// <see cref="Upsampling.TransposedConvolution"/>). Capping oneDNN at AVX2 through its environment variable makes them
/// agree to 1e-6. oneDNN reads the variable once, when it first runs a kernel, so this must run before the first
/// convolution of the process; .NET's own Environment.SetEnvironmentVariable does not reach native code on Linux, so
/// the C library's setenv is called.
/// </summary>
public static class CpuKernels
{
    /// <summary>The variable and value that cap oneDNN's instruction set.</summary>
    public const string Variable = "DNNL_MAX_CPU_ISA";

    /// <summary>Caps oneDNN at AVX2 for this process (no effect if a convolution already ran); returns whether setenv succeeded. Linux only; elsewhere does nothing and returns false.</summary>
    public static bool AvoidOneDnnAvx512()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        Environment.SetEnvironmentVariable(Variable, "AVX2");                        // the managed copy, for child processes
        return setenv(Variable, "AVX2", 1) == 0;
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int setenv(string name, string value, int overwrite);
}
