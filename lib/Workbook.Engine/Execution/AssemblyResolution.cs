using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Workbook.Engine.Execution;

/// <summary>
/// Finds what a notebook's referenced assemblies need at run time: managed dependencies beside them
/// and native libraries flat beside them or in <c>runtimes/&lt;rid&gt;/native</c>. Hooks every
/// assembly load context that appears (Roslyn's script loader makes one per referenced assembly).
/// </summary>
public static class AssemblyResolution
{
    private static readonly object Gate = new();
    private static readonly List<string> Directories = new();
    private static readonly HashSet<AssemblyLoadContext> Hooked = new();
    private static bool installed;

    /// <summary>Folders searched, in the order they were added.</summary>
    public static IReadOnlyList<string> SearchDirectories
    {
        get
        {
            lock (Gate)
            {
                return Directories.ToArray();
            }
        }
    }

    /// <summary>Starts hooking load contexts (idempotent).</summary>
    public static void Install()
    {
        lock (Gate)
        {
            if (installed)
            {
                return;
            }
            installed = true;
        }
        AppDomain.CurrentDomain.AssemblyLoad += (_, args) => Hook(AssemblyLoadContext.GetLoadContext(args.LoadedAssembly));
        foreach (var context in AssemblyLoadContext.All.ToArray())
        {
            Hook(context);
        }
    }

    /// <summary>Adds a folder of assemblies (and its runtimes/&lt;rid&gt;/native folders) to the search.</summary>
    public static void AddDirectory(string directory)
    {
        var candidates = new List<string> { directory };
        foreach (var rid in RuntimeIdentifiers())
        {
            candidates.Add(Path.Combine(directory, "runtimes", rid, "native"));
            candidates.Add(Path.Combine(directory, "runtimes", rid, "lib"));
        }
        lock (Gate)
        {
            foreach (var candidate in candidates)
            {
                var full = Path.GetFullPath(candidate);
                if (Directory.Exists(full) && !Directories.Contains(full))
                {
                    Directories.Add(full);
                }
            }
        }
    }

    private static void Hook(AssemblyLoadContext? context)
    {
        if (context is null)
        {
            return;
        }
        lock (Gate)
        {
            if (!Hooked.Add(context))
            {
                return;
            }
        }
        context.ResolvingUnmanagedDll += ResolveNative;
        context.Resolving += ResolveManaged;
    }

    private static Assembly? ResolveManaged(AssemblyLoadContext context, AssemblyName name)
    {
        foreach (var directory in SearchDirectories)
        {
            var candidate = Path.Combine(directory, name.Name + ".dll");
            if (File.Exists(candidate))
            {
                try
                {
                    var found = AssemblyName.GetAssemblyName(candidate);
                    if (name.Version is null || found.Version is null || found.Version >= name.Version)
                    {
                        return context.LoadFromAssemblyPath(candidate);
                    }
                }
                catch (BadImageFormatException)
                {
                    // a native file with a .dll name: not ours to load
                }
            }
        }
        return null;
    }

    private static IntPtr ResolveNative(Assembly assembly, string name)
    {
        var directories = new List<string>();
        if (!string.IsNullOrEmpty(assembly.Location))
        {
            var own = Path.GetDirectoryName(assembly.Location)!;
            directories.Add(own);
            directories.AddRange(RuntimeIdentifiers().Select(rid => Path.Combine(own, "runtimes", rid, "native")));
        }
        directories.AddRange(SearchDirectories);
        foreach (var directory in directories)
        {
            foreach (var file in NativeFileNames(name))
            {
                var candidate = Path.Combine(directory, file);
                if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
                {
                    return handle;
                }
            }
        }
        return IntPtr.Zero;
    }

    private static IEnumerable<string> NativeFileNames(string name)
    {
        yield return name;
        if (OperatingSystem.IsWindows())
        {
            yield return name + ".dll";
        }
        else
        {
            var suffix = OperatingSystem.IsMacOS() ? ".dylib" : ".so";
            yield return name + suffix;
            if (!name.StartsWith("lib", StringComparison.Ordinal))
            {
                yield return "lib" + name + suffix;
                yield return "lib" + name;
            }
        }
    }

    /// <summary>This machine's runtime identifiers, most specific first (e.g. linux-x64, linux, unix).</summary>
    public static IEnumerable<string> RuntimeIdentifiers()
    {
        var rid = RuntimeInformation.RuntimeIdentifier;
        yield return rid;
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        if (rid != $"{os}-{arch}")
        {
            yield return $"{os}-{arch}";
        }
        yield return os;
        if (!OperatingSystem.IsWindows())
        {
            yield return "unix";
        }
    }
}
