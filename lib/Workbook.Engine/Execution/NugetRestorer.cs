using System.Diagnostics;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Workbook.Build;

namespace Workbook.Engine.Execution;

/// <summary>What a restore produced: the managed assemblies to reference and the folder holding them.</summary>
/// <param name="Directory">publish folder with every assembly and native file of the packages.</param>
/// <param name="Assemblies">managed assemblies to reference (full paths).</param>
/// <param name="FromCache">true when an earlier run's restore was reused.</param>
public sealed record NugetRestoreResult(string Directory, IReadOnlyList<string> Assemblies, bool FromCache);

/// <summary>
/// Resolves <c>#r "nuget: ..."</c> with a real NuGet restore: a small project in a cache folder keyed
/// by the package set and the sources is published once for this machine's runtime; later runs reuse it.
/// </summary>
public static class NugetRestorer
{
    /// <summary>Environment variable naming the cache folder (default ~/.cache/workbook/nuget).</summary>
    public const string CacheVariable = "WORKBOOK_NUGET_CACHE";

    /// <summary>The cache folder in effect.</summary>
    public static string DefaultCacheRoot =>
        Environment.GetEnvironmentVariable(CacheVariable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "workbook", "nuget");

    /// <summary>
    /// Restores <paramref name="packages"/> from the default sources plus <paramref name="sources"/>
    /// (folders relative to <paramref name="baseDirectory"/>, or URLs). Throws
    /// <see cref="InvalidOperationException"/> with NuGet's own error lines when the restore fails.
    /// </summary>
    public static NugetRestoreResult Restore(IReadOnlyList<NugetPackage> packages, IReadOnlyList<string> sources,
        string baseDirectory, string? cacheRoot = null)
    {
        var resolvedSources = sources
            .Select(s => Uri.TryCreate(s, UriKind.Absolute, out var uri) && !uri.IsFile ? s : Path.GetFullPath(s, baseDirectory))
            .Distinct()
            .ToArray();
        var rid = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
        var key = string.Join("\n", packages.Select(p => $"{p.Id.ToLowerInvariant()}|{p.Version ?? "*"}").Distinct().Order())
                  + "\n--\n" + string.Join("\n", resolvedSources.Order()) + "\n--\n" + rid;
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16].ToLowerInvariant();
        var root = Path.Combine(cacheRoot ?? DefaultCacheRoot, hash);
        var manifest = Path.Combine(root, "references.json");
        System.IO.Directory.CreateDirectory(root);

        using var gate = AcquireLock(Path.Combine(root, ".lock"));
        if (File.Exists(manifest))
        {
            var cached = JsonSerializer.Deserialize<string[]>(File.ReadAllText(manifest)) ?? Array.Empty<string>();
            if (cached.All(File.Exists))
            {
                return new NugetRestoreResult(Path.Combine(root, "out"), cached, FromCache: true);
            }
        }

        var project = new StringBuilder();
        project.AppendLine("<Project Sdk=\"Microsoft.NET.Sdk\">");
        project.AppendLine("  <PropertyGroup>");
        project.AppendLine("    <TargetFramework>net" + Environment.Version.ToString(2) + "</TargetFramework>");
        project.AppendLine("    <OutputType>Library</OutputType>");
        project.AppendLine("    <ImplicitUsings>disable</ImplicitUsings>");
        project.AppendLine("    <EnableDefaultCompileItems>false</EnableDefaultCompileItems>");
        project.AppendLine("    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>");
        project.AppendLine("    <TreatWarningsAsErrors>false</TreatWarningsAsErrors>");
        project.AppendLine("    <NoWarn>$(NoWarn);NU1603;NU1701;NU1902;NU1903</NoWarn>");
        project.AppendLine("    <CopyLocalLockFileAssemblies>true</CopyLocalLockFileAssemblies>");
        project.AppendLine("  </PropertyGroup>");
        project.AppendLine("  <ItemGroup>");
        foreach (var package in packages.DistinctBy(p => p.Id.ToLowerInvariant()))
        {
            project.AppendLine($"    <PackageReference Include=\"{Xml(package.Id)}\" Version=\"{Xml(package.Version ?? "*")}\" />");
        }
        project.AppendLine("  </ItemGroup>");
        project.AppendLine("</Project>");
        File.WriteAllText(Path.Combine(root, "restore.csproj"), project.ToString());

        var config = new StringBuilder();
        config.AppendLine("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
        config.AppendLine("<configuration>");
        config.AppendLine("  <packageSources>");
        for (var i = 0; i < resolvedSources.Length; i++)
        {
            config.AppendLine($"    <add key=\"notebook-source-{i}\" value=\"{Xml(resolvedSources[i])}\" />");
        }
        config.AppendLine("  </packageSources>");
        config.AppendLine("</configuration>");
        File.WriteAllText(Path.Combine(root, "nuget.config"), config.ToString());

        var output = Path.Combine(root, "out");
        if (System.IO.Directory.Exists(output))
        {
            System.IO.Directory.Delete(output, recursive: true);
        }
        var (exitCode, log) = RunDotnet(root,
            "publish", "restore.csproj", "-c", "Release", "-r", rid, "--self-contained", "false", "-o", output, "-nologo",
            "-p:UseAppHost=false", "-p:ImportDirectoryBuildProps=false", "-p:ImportDirectoryBuildTargets=false",
            "-p:ImportDirectoryPackagesProps=false", "-p:GenerateDocumentationFile=false");
        if (exitCode != 0)
        {
            var errors = log.Split('\n').Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase))
                .Select(l => l.Trim()).Distinct().Take(10).ToArray();
            throw new InvalidOperationException(
                $"NuGet restore of {string.Join("; ", packages)} failed (project in {root}):\n" +
                string.Join("\n", errors.Length > 0 ? errors : log.Split('\n').TakeLast(20)));
        }

        foreach (var native in System.IO.Directory.EnumerateFiles(output, "libLibTorchSharp.so", SearchOption.AllDirectories))
        {
            LibTorchSharpPatch.Apply(native);
        }
        // Assemblies the host already has (its trusted platform assemblies, e.g. the formatter
        // registry) are referenced from there, so that the notebook and the host share one copy.
        var trusted = ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .GroupBy(path => Path.GetFileNameWithoutExtension(path), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        var assemblies = System.IO.Directory.EnumerateFiles(output, "*.dll")
            .Where(path => !string.Equals(Path.GetFileNameWithoutExtension(path), "restore", StringComparison.OrdinalIgnoreCase))
            .Where(IsManagedAssembly)
            .Select(path => trusted.TryGetValue(Path.GetFileNameWithoutExtension(path), out var host) ? host : path)
            .Order(StringComparer.Ordinal)
            .ToArray();
        File.WriteAllText(manifest, JsonSerializer.Serialize(assemblies));
        return new NugetRestoreResult(output, assemblies, FromCache: false);
    }

    private static bool IsManagedAssembly(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new PEReader(stream);
            return reader.HasMetadata && reader.GetMetadataReader().IsAssembly;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }

    private static (int ExitCode, string Log) RunDotnet(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetHost.Path)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        DotnetHost.CleanEnvironment(start);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static FileStream AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(200);
            }
        }
    }

    private static string Xml(string text) => System.Security.SecurityElement.Escape(text) ?? text;
}

/// <summary>Where the dotnet host is, and a clean environment for child dotnet processes.</summary>
public static class DotnetHost
{
    /// <summary>Full path of the dotnet executable (the running host when it is dotnet).</summary>
    public static string Path
    {
        get
        {
            var process = Environment.ProcessPath;
            if (process is not null && System.IO.Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            {
                return process;
            }
            if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
            {
                return host;
            }
            var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
            if (!string.IsNullOrEmpty(root))
            {
                var candidate = System.IO.Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
            return "dotnet";
        }
    }

    /// <summary>Removes MSBuild variables inherited from a parent build or test run.</summary>
    public static void CleanEnvironment(ProcessStartInfo start)
    {
        foreach (var name in start.Environment.Keys.ToArray())
        {
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || name.Equals("MSBUILDNOINPROCNODE", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(name);
            }
        }
    }
}
