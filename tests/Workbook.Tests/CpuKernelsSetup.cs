using System.Runtime.CompilerServices;
using Workbook.Convnets;

namespace Workbook.Tests;

internal static class CpuKernelsSetup
{
    // The convolution tests (Convnets/) run in this process: cap oneDNN at AVX2 before any test runs a kernel, as the
    // convnet notebooks do in their first cell (CpuKernels explains the AVX-512 input-gradient bug this avoids).
    [ModuleInitializer]
    internal static void CapOneDnn() => CpuKernels.AvoidOneDnnAvx512();
}
