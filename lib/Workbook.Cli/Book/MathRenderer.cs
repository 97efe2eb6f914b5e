using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workbook.Cli.Book;

/// <summary>Thrown when the book cannot be built (node or KaTeX missing, math KaTeX cannot typeset); the message says what to do.</summary>
public sealed class BookException(string message) : Exception(message);

/// <summary>
/// Typesets TeX with KaTeX under node when the book is built, so pages carry finished HTML (and MathML) and read with
/// scripts off. KaTeX comes from the npm package pinned in Book/package-lock.json, installed once with <c>npm ci</c> into
/// out/.book-tools (a folder of the build, never committed).
/// </summary>
public sealed class MathRenderer
{
    /// <summary>The KaTeX version pinned in Book/package.json.</summary>
    public const string KatexVersion = "0.19.1";

    /// <summary>The folder of the installed katex package (its dist/ holds katex.min.css and fonts/).</summary>
    public string KatexFolder { get; }

    private readonly string node;
    private readonly string script;

    private MathRenderer(string node, string katexFolder, string script)
    {
        this.node = node;
        KatexFolder = katexFolder;
        this.script = script;
    }

    /// <summary>Finds node and installs KaTeX into <paramref name="toolsFolder"/> when it is not there yet.</summary>
    public static MathRenderer Prepare(string toolsFolder, TextWriter log)
    {
        var node = FindOnPath("node") ?? throw new BookException(
            "workbook book typesets the notebooks' math with KaTeX under node when it builds the book (so pages read offline and with scripts off), "
            + "and node was not found on PATH. Install Node.js 18 or later with npm (Debian/Ubuntu: sudo apt-get install nodejs npm), then run it again.");
        Directory.CreateDirectory(toolsFolder);
        var katex = Path.Combine(toolsFolder, "node_modules", "katex");
        if (InstalledVersion(katex) != KatexVersion)
        {
            var npm = FindOnPath("npm") ?? throw new BookException(
                $"workbook book needs KaTeX {KatexVersion} from npm, and npm was not found on PATH (node is at {node}). "
                + "Install npm (Debian/Ubuntu: sudo apt-get install npm), then run it again.");
            File.WriteAllText(Path.Combine(toolsFolder, "package.json"), Resource("package.json"));
            File.WriteAllText(Path.Combine(toolsFolder, "package-lock.json"), Resource("package-lock.json"));
            log.WriteLine($"installing KaTeX {KatexVersion} from npm into {toolsFolder} (once)");
            var (code, text) = Execute(npm, toolsFolder, null, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error");
            if (code != 0 || InstalledVersion(katex) != KatexVersion)
            {
                throw new BookException($"npm ci could not install KaTeX {KatexVersion} into {toolsFolder} (exit code {code}): {text.Trim()}\n"
                    + "The npm registry must be reachable once; after that the book builds offline.");
            }
        }
        var script = Path.Combine(toolsFolder, "katex-render.js");
        File.WriteAllText(script, Resource("katex-render.js"));
        return new MathRenderer(node, katex, script);
    }

    /// <summary>Typesets every (TeX, display) pair; throws a <see cref="BookException"/> naming each one KaTeX rejects.</summary>
    public Dictionary<(string Tex, bool Display), string> Render(IEnumerable<(string Tex, bool Display, string Where)> items)
    {
        var distinct = items.GroupBy(i => (i.Tex, i.Display)).Select(g => (g.Key.Tex, g.Key.Display, Where: g.First().Where)).ToList();
        var input = new JsonArray(distinct.Select(i => (JsonNode)new JsonObject { ["tex"] = i.Tex, ["display"] = i.Display }).ToArray());
        var (code, text) = Execute(node, Path.GetDirectoryName(script)!, input.ToJsonString(), script, KatexFolder);
        if (code != 0)
        {
            throw new BookException($"KaTeX under node failed (exit code {code}): {text.Trim()}");
        }
        var results = JsonNode.Parse(text)!["results"]!.AsArray();
        var html = new Dictionary<(string, bool), string>();
        var errors = new List<string>();
        for (var i = 0; i < distinct.Count; i++)
        {
            if (results[i]!["error"] is { } error)
            {
                errors.Add($"{distinct[i].Where}: {error.GetValue<string>()} in ${distinct[i].Tex}$");
            }
            else
            {
                html[(distinct[i].Tex, distinct[i].Display)] = results[i]!["html"]!.GetValue<string>();
            }
        }
        if (errors.Count > 0)
        {
            throw new BookException($"KaTeX cannot typeset {errors.Count} formula(s):\n  " + string.Join("\n  ", errors));
        }
        return html;
    }

    private static string? InstalledVersion(string katexFolder)
    {
        var package = Path.Combine(katexFolder, "package.json");
        if (!File.Exists(package))
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(File.ReadAllText(package))?["version"]?.GetValue<string>();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static string Resource(string name)
    {
        using var stream = typeof(MathRenderer).Assembly.GetManifestResourceStream("Workbook.Cli.Book." + name)
            ?? throw new InvalidOperationException($"the CLI lacks its embedded resource Book/{name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    internal static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var candidate in OperatingSystem.IsWindows() ? new[] { name + ".exe", name + ".cmd" } : new[] { name })
            {
                var path = Path.Combine(dir, candidate);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }
        return null;
    }

    private static (int Code, string Output) Execute(string file, string workingDirectory, string? stdin, params string[] arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{Path.GetFileName(file)} did not finish within 5 minutes");
        }
        return (process.ExitCode, process.ExitCode == 0 ? stdout.Result : stderr.Result + stdout.Result);
    }
}
