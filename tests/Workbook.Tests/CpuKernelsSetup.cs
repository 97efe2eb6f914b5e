using System.Runtime.CompilerServices;
using Workbook.Tensors;

namespace Workbook.Tests;

internal static class CpuKernelsSetup
{
    // Every test in this process runs after libtorch's convolution route is set, as notebooks do in Notebook.Start
    // (CpuKernels explains the float32 convolution fault this avoids).
    [ModuleInitializer]
    internal static void PrepareConvolutions() => CpuKernels.Prepare();
}
