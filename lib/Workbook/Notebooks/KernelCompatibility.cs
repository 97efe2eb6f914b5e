using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace Workbook.Notebooks;

/// <summary>
/// Makes the library's F# dependencies load inside a host that already carries its own FSharp.Core,
/// as the .NET Interactive kernel does (VS Code Polyglot Notebooks, the <c>.net-csharp</c> Jupyter
/// kernel, dotnet-repl). Registered by the library itself when it loads: no cell has to run first.
/// </summary>
/// <remarks>
/// <para>The cause, as measured in the kernel 1.0.712001: the kernel loads FSharp.Core 10.0.0.0
/// into the default load context. A <c>#r</c>'d Workbook.dll and its dependencies load from
/// <c>artifacts/Workbook/</c> into separate load contexts; there Plotly.NET 6.0.0 asks for
/// FSharp.Core 10.1.0.0 and gets the library folder's copy, while Giraffe.ViewEngine (built against
/// FSharp.Core 5.0) gets the kernel's 10.0 copy. Two FSharp.Core assemblies mean two distinct
/// <c>FSharpFunc</c> types, so Plotly.NET's call to <c>Giraffe.ViewEngine.Attributes._id</c> finds no
/// method with its signature (<c>MissingMethodException</c> in Plotly.NET's <c>Defaults</c>) and
/// every chart fails.</para>
/// <para>The fix: one FSharp.Core per process. When a host has already loaded FSharp.Core into the
/// default context, every later request for FSharp.Core (any version) is answered with that copy.
/// Plotly.NET 6.0.0 runs on FSharp.Core 10.0 for every chart kind the library draws (the real-kernel
/// tests render each one). Where no FSharp.Core is loaded yet (the workbook's engine, tests, a plain
/// program) the handler answers nothing and normal probing finds the library's own copy.</para>
/// </remarks>
public static class KernelCompatibility
{
    private static int registered;

    /// <summary>Whether the FSharp.Core redirect is registered in this process.</summary>
    public static bool IsRegistered => Volatile.Read(ref registered) == 1;

    /// <summary>How many FSharp.Core requests the redirect answered with the host's copy.</summary>
    public static int RedirectCount => Volatile.Read(ref redirects);

    private static int redirects;

    /// <summary>Registers the redirect (once per process). Runs when the library's module loads.</summary>
#pragma warning disable CA2255 // a library module initializer, deliberately: it must run before Plotly.NET resolves FSharp.Core
    [ModuleInitializer]
#pragma warning restore CA2255
    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 1)
        {
            return;
        }
        AppDomain.CurrentDomain.AssemblyResolve += (_, args) => Resolve(new AssemblyName(args.Name));
        AssemblyLoadContext.Default.Resolving += (_, name) => Resolve(name);
    }

    private static Assembly? Resolve(AssemblyName requested)
    {
        if (!string.Equals(requested.Name, "FSharp.Core", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var hosts = AssemblyLoadContext.Default.Assemblies
            .FirstOrDefault(a => string.Equals(a.GetName().Name, "FSharp.Core", StringComparison.OrdinalIgnoreCase));
        if (hosts is not null)
        {
            Interlocked.Increment(ref redirects);
        }
        return hosts;
    }
}
