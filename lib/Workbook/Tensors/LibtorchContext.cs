using System.Runtime.InteropServices;

namespace Workbook.Tensors;

/// <summary>
/// libtorch's global switches that TorchSharp 0.107 does not expose, reached through the C++ symbols
/// <c>libtorch_cpu</c> exports (Itanium C++ ABI names, so Linux and macOS): <c>at::globalContext()</c> returns the
/// process's <c>at::Context</c>, whose member functions <c>setUserEnabledMkldnn(bool)</c> and
/// <c>setUserEnabledNNPACK(bool)</c> are what PyTorch's <c>torch.backends.mkldnn.enabled</c> and
/// <c>torch.backends.nnpack.set_flags</c> call. A member function takes the object as its first argument.
/// </summary>
internal static class LibtorchContext
{
    private const string GlobalContext = "_ZN2at13globalContextEv";
    private const string SetUserEnabledMkldnn = "_ZN2at7Context20setUserEnabledMkldnnEb";
    private const string SetUserEnabledNnpack = "_ZN2at7Context20setUserEnabledNNPACKEb";
    private const string UserEnabledMkldnn = "_ZNK2at7Context17userEnabledMkldnnEv";

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GetContext();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetFlag(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool value);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    private delegate bool GetFlag(IntPtr context);

    /// <summary>Sets both switches; throws with the reason when libtorch_cpu or a symbol cannot be found.</summary>
    public static void SetUserEnabled(bool mkldnn, bool nnpack)
    {
        var library = Load();
        var context = Function<GetContext>(library, GlobalContext)();
        Function<SetFlag>(library, SetUserEnabledMkldnn)(context, mkldnn);
        Function<SetFlag>(library, SetUserEnabledNnpack)(context, nnpack);
        var now = Function<GetFlag>(library, UserEnabledMkldnn)(context);
        if (now != mkldnn)
        {
            throw new InvalidOperationException($"libtorch's mkldnn switch reads {now} after being set to {mkldnn}");
        }
    }

    private static T Function<T>(IntPtr library, string symbol) where T : Delegate =>
        NativeLibrary.TryGetExport(library, symbol, out var address)
            ? Marshal.GetDelegateForFunctionPointer<T>(address)
            : throw new EntryPointNotFoundException($"libtorch_cpu exports no {symbol} (a libtorch other than 2.10?)");

    // libtorch_cpu is loaded by TorchSharp's own loader as a dependency of libLibTorchSharp: make TorchSharp load it,
    // then open the same file (dlopen returns the handle of the already-loaded copy).
    private static IntPtr Load()
    {
        _ = TorchSharp.torch.get_num_threads();
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException("libtorch's C++ switches are reached by their Itanium ABI names (Linux, macOS)");
        }
        var name = OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
        if (NativeLibrary.TryLoad(name, out var handle))
        {
            return handle;
        }
        // Not on the loader's search path: find the copy this process mapped.
        var mapped = OperatingSystem.IsLinux() && File.Exists("/proc/self/maps")
            ? File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault())
                .FirstOrDefault(p => p is not null && p.EndsWith("/" + name, StringComparison.Ordinal))
            : null;
        return mapped is not null && NativeLibrary.TryLoad(mapped, out handle)
            ? handle
            : throw new DllNotFoundException($"{name} is not loaded in this process (TorchSharp did not load libtorch?)");
    }
}
