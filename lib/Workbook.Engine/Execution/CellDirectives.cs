using System.Text;
using System.Text.RegularExpressions;

namespace Workbook.Engine.Execution;

/// <summary>A package asked for with <c>#r "nuget: Id, Version"</c> (Version null: the latest).</summary>
public sealed record NugetPackage(string Id, string? Version)
{
    /// <inheritdoc />
    public override string ToString() => Version is null ? Id : $"{Id}, {Version}";
}

/// <summary>A directive or magic command that stops a cell before it runs.</summary>
/// <param name="Line">1-based line inside the cell.</param>
/// <param name="Message">what is wrong.</param>
public sealed record DirectiveError(int Line, string Message);

/// <summary>
/// The Polyglot directives of one cell, and the C# left for Roslyn. Lines the engine handles itself
/// (<c>#!csharp</c>, <c>#r "nuget: ..."</c>, <c>#i "nuget: ..."</c>) become empty lines, so line
/// numbers in compiler messages and stack traces stay those of the cell as the student sees it.
/// </summary>
public sealed partial class CellDirectives
{
    private CellDirectives(string code, IReadOnlyList<NugetPackage> packages, IReadOnlyList<string> sources,
        IReadOnlyList<(int Line, string Path)> assemblyReferences, DirectiveError? error)
    {
        Code = code;
        Packages = packages;
        Sources = sources;
        AssemblyReferences = assemblyReferences;
        Error = error;
    }

    /// <summary>The cell's C# with handled directive lines blanked.</summary>
    public string Code { get; }

    /// <summary>Packages from <c>#r "nuget: ..."</c>.</summary>
    public IReadOnlyList<NugetPackage> Packages { get; }

    /// <summary>Package sources from <c>#i "nuget: ..."</c>.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>File references <c>#r "path"</c> (left in the code for Roslyn to resolve).</summary>
    public IReadOnlyList<(int Line, string Path)> AssemblyReferences { get; }

    /// <summary>The first unsupported magic or malformed directive, if any.</summary>
    public DirectiveError? Error { get; }

    /// <summary>Kernel names that mean C# in Polyglot Notebooks.</summary>
    public static readonly IReadOnlySet<string> CSharpKernelNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "csharp", "c#" };

    /// <summary>Splits a cell's source into directives and code.</summary>
    public static CellDirectives Parse(string source)
    {
        var packages = new List<NugetPackage>();
        var sources = new List<string>();
        var references = new List<(int, string)>();
        DirectiveError? error = null;
        var code = new StringBuilder(source.Length);
        var lines = source.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.Trim();
            var number = i + 1;
            var keep = true;
            if (trimmed.StartsWith("#!", StringComparison.Ordinal))
            {
                var magic = trimmed.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries)[0];
                if (CSharpKernelNames.Contains(magic[2..]))
                {
                    keep = false;
                }
                else
                {
                    error ??= new DirectiveError(number,
                        $"the magic command {magic} is not supported by the workbook engine, which runs C# only " +
                        "(allowed: #!csharp); move this code to C# or run the notebook in Polyglot Notebooks");
                    keep = false;
                }
            }
            else if (ReferencePattern().Match(trimmed) is { Success: true } reference)
            {
                var target = reference.Groups["target"].Value;
                if (target.StartsWith("nuget:", StringComparison.OrdinalIgnoreCase))
                {
                    var spec = target["nuget:".Length..].Trim();
                    var parts = spec.Split(',', StringSplitOptions.TrimEntries);
                    if (parts.Length is < 1 or > 2 || parts[0].Length == 0 || parts.Any(p => p.Length == 0))
                    {
                        error ??= new DirectiveError(number, $"#r \"{target}\" is not a package reference; write #r \"nuget: Package.Id, 1.2.3\"");
                    }
                    else
                    {
                        packages.Add(new NugetPackage(parts[0], parts.Length == 2 ? parts[1] : null));
                    }
                    keep = false;
                }
                else
                {
                    references.Add((number, target));
                }
            }
            else if (IncludePattern().Match(trimmed) is { Success: true } include)
            {
                var target = include.Groups["target"].Value;
                if (target.StartsWith("nuget:", StringComparison.OrdinalIgnoreCase) && target.Length > "nuget:".Length)
                {
                    sources.Add(target["nuget:".Length..].Trim());
                }
                else
                {
                    error ??= new DirectiveError(number, $"#i \"{target}\" is not supported; write #i \"nuget: <package source folder or URL>\"");
                }
                keep = false;
            }
            if (keep)
            {
                code.Append(line);
            }
            else if (line.EndsWith('\r'))
            {
                code.Append('\r');
            }
            if (i < lines.Length - 1)
            {
                code.Append('\n');
            }
        }
        return new CellDirectives(code.ToString(), packages, sources, references, error);
    }

    [GeneratedRegex("^#r\\s+\"(?<target>[^\"]*)\"\\s*(//.*)?$")]
    private static partial Regex ReferencePattern();

    [GeneratedRegex("^#i\\s+\"(?<target>[^\"]*)\"\\s*(//.*)?$")]
    private static partial Regex IncludePattern();
}
