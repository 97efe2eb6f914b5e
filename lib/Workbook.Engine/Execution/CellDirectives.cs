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
/// (<c>#!csharp</c>, <c>#!c#</c>, <c>#!time</c>, <c>#!set</c>, <c>#r "nuget: ..."</c>,
/// <c>#i "nuget: ..."</c>) become empty lines, so line numbers in compiler messages and stack traces
/// stay those of the cell as the student sees it. A cell that starts with <c>#!markdown</c> or
/// <c>#!value</c> holds no C#: its text is shown (<see cref="Markdown"/>, <see cref="Value"/>), as the
/// .NET Interactive kernel shows it. What the kernel 1.0.712001 accepts and the engine does not (other
/// languages' kernels, <c>#!who</c>, <c>#!share</c>, <c>#!set</c> from another kernel's variable)
/// fails with an error naming the cell, the line and the kernel.
/// </summary>
public sealed partial class CellDirectives
{
    private CellDirectives(string code, IReadOnlyList<NugetPackage> packages, IReadOnlyList<string> sources,
        IReadOnlyList<(int Line, string Path)> assemblyReferences, DirectiveError? error,
        bool time = false, string? markdown = null, (string Name, string Text)? value = null)
    {
        Code = code;
        Packages = packages;
        Sources = sources;
        AssemblyReferences = assemblyReferences;
        Error = error;
        Time = time;
        Markdown = markdown;
        Value = value;
    }

    /// <summary>Whether the cell asked for its wall time (<c>#!time</c>): shown after its outputs.</summary>
    public bool Time { get; }

    /// <summary>A <c>#!markdown</c> cell's Markdown (shown as HTML; the cell has no C#), or null.</summary>
    public string? Markdown { get; }

    /// <summary>A <c>#!value --name N</c> cell's name and text (shown as text; the cell has no C#), or null.</summary>
    public (string Name, string Text)? Value { get; }

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

    /// <summary>
    /// Kernel names that mean C# in Polyglot Notebooks (the kernel 1.0.712001 knows <c>#!csharp</c> and
    /// <c>#!c#</c>; <c>#!cs</c> is "Unknown magic command" there, so it is here too).
    /// </summary>
    public static readonly IReadOnlySet<string> CSharpKernelNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "csharp", "c#" };

    // Kernels of Polyglot Notebooks other than C#: a cell switched to one cannot run in the engine.
    private static readonly HashSet<string> OtherKernelNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "fsharp", "f#", "fs", "pwsh", "powershell", "javascript", "js", "html", "sql", "kql", "mermaid", "http", "python", "r",
    };

    /// <summary>Splits a cell's source into directives and code.</summary>
    public static CellDirectives Parse(string source)
    {
        var packages = new List<NugetPackage>();
        var sources = new List<string>();
        var references = new List<(int, string)>();
        var time = false;
        DirectiveError? error = null;
        var code = new StringBuilder(source.Length);
        var lines = source.Split('\n');
        var first = Array.FindIndex(lines, l => l.Trim().Length > 0);
        if (first >= 0 && lines[first].Trim() is var head && (head == "#!markdown" || head.StartsWith("#!value ", StringComparison.Ordinal) || head == "#!value"))
        {
            var text = string.Join("\n", lines[(first + 1)..]).Trim('\r', '\n');
            if (head == "#!markdown")
            {
                return new CellDirectives("", packages, sources, references, null, markdown: text);
            }
            var name = Option(head, "--name");
            return name is null
                ? new CellDirectives("", packages, sources, references, new DirectiveError(first + 1, "#!value needs a name: #!value --name greeting"))
                : new CellDirectives("", packages, sources, references, null, value: (name, text));
        }
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.Trim();
            var number = i + 1;
            var keep = true;
            if (trimmed.StartsWith("#!", StringComparison.Ordinal))
            {
                var magic = trimmed.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries)[0];
                var word = magic[2..];
                keep = false;
                if (CSharpKernelNames.Contains(word))
                {
                }
                else if (word == "time")
                {
                    time = true;
                }
                else if (word == "set")
                {
                    var name = Option(trimmed, "--name");
                    var value = Option(trimmed, "--value");
                    if (name is null || value is null || !IdentifierPattern().IsMatch(name))
                    {
                        error ??= new DirectiveError(number, "#!set needs a C# name and a value: #!set --name steps --value 200");
                    }
                    else if (value.StartsWith('@'))
                    {
                        error ??= new DirectiveError(number,
                            $"#!set --value {value} shares a variable from another kernel; the workbook engine runs C# only, " +
                            "so it can set literal values (#!set --name x --value 7) but not take them from another kernel");
                    }
                    else
                    {
                        // Declared on the directive's own line, so later line numbers stay the cell's.
                        code.Append($"var {name} = {Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(value, quote: true)};");
                    }
                }
                else if (OtherKernelNames.Contains(word))
                {
                    error ??= new DirectiveError(number,
                        $"{magic} switches this cell to the {word} kernel; the workbook engine runs C# only " +
                        "(Polyglot Notebooks would run it): move this code to C#");
                }
                else
                {
                    error ??= new DirectiveError(number,
                        $"the magic command {magic} is not supported by the workbook engine (it handles #!csharp, #!c#, " +
                        "#!time, #!set with a literal value, #!markdown and #!value cells); remove it or run the notebook in Polyglot Notebooks");
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
        return new CellDirectives(code.ToString(), packages, sources, references, error, time);
    }

    // The value of "--option value" or "--option \"quoted value\"" in a magic command line.
    private static string? Option(string line, string option)
    {
        var match = Regex.Match(line, Regex.Escape(option) + "\\s+(?:\"(?<q>[^\"]*)\"|(?<v>\\S+))");
        return !match.Success ? null : match.Groups["q"].Success ? match.Groups["q"].Value : match.Groups["v"].Value;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex IdentifierPattern();

    [GeneratedRegex("^#r\\s+\"(?<target>[^\"]*)\"\\s*(//.*)?$")]
    private static partial Regex ReferencePattern();

    [GeneratedRegex("^#i\\s+\"(?<target>[^\"]*)\"\\s*(//.*)?$")]
    private static partial Regex IncludePattern();
}
