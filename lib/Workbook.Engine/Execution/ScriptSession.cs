using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Scripting;
using Microsoft.CodeAnalysis.Scripting.Hosting;
using Workbook.Engine.Documents;

namespace Workbook.Engine.Execution;

/// <summary>
/// One notebook's C# session on Roslyn scripting: each cell continues the state of the previous one
/// (variables, types, usings), directives as in Polyglot Notebooks, outputs sent to a sink. Runs in
/// the worker process; <see cref="NotebookRunner"/> drives it from outside.
/// </summary>
public sealed class ScriptSession
{
    /// <summary>Namespaces imported in every notebook (those the Polyglot C# kernel imports).</summary>
    public static readonly string[] DefaultImports =
    {
        "System", "System.Collections", "System.Collections.Generic", "System.Linq", "System.Text", "System.Threading.Tasks",
    };

    private static readonly string[] DefaultReferenceNames =
    {
        "System.Runtime", "System.Collections", "System.Linq", "System.Console", "System.Text.RegularExpressions",
        "System.Threading", "System.Threading.Tasks", "System.Net.Http", "System.ComponentModel.Primitives",
        "System.Linq.Expressions", "System.Runtime.InteropServices", "System.Memory", "System.Numerics.Vectors",
    };

    private static readonly Lazy<MetadataReference[]> DefaultReferences = new(() =>
        DefaultReferenceNames.Select(n => (MetadataReference)MetadataReference.CreateFromFile(Assembly.Load(n).Location)).ToArray());

    private readonly IExecutionSink sink;
    private readonly string notebookPath;
    private readonly string notebookDirectory;
    private readonly string? nugetCache;
    private readonly InteractiveAssemblyLoader loader = new();
    private readonly List<NugetPackage> packages = new();
    private readonly List<string> sources = new();
    private readonly HashSet<string> nugetReferences = new(StringComparer.Ordinal);
    private readonly NotebookGlobals globals;
    private ScriptOptions options;
    private ScriptState<object>? state;

    /// <summary>Creates a session for the notebook at <paramref name="notebookPath"/>.</summary>
    public ScriptSession(string notebookPath, IExecutionSink sink, string? nugetCache = null)
    {
        this.sink = sink;
        this.notebookPath = Path.GetFullPath(notebookPath);
        notebookDirectory = Path.GetDirectoryName(this.notebookPath)!;
        this.nugetCache = nugetCache;
        globals = new NotebookGlobals((value, mimes) => Display(value, mimes));
        AssemblyResolution.Install();
        // The formatter registry must be one instance for the engine and the notebook's libraries:
        // the host's copy is handed to Roslyn's loader, so a #r'd library that references it binds to it.
        loader.RegisterDependency(typeof(Microsoft.DotNet.Interactive.Formatting.Formatter).Assembly);
        options = ScriptOptions.Default
            .WithMetadataResolver(ScriptMetadataResolver.Default.WithBaseDirectory(notebookDirectory))
            .WithSourceResolver(new SourceFileResolver(ImmutableArray<string>.Empty, notebookDirectory))
            // Resolved to files once: references given by name are resolved again for every cell's
            // submission, which cost ~35 ms of a trivial cell's ~45 ms (measured); as files, ~10 ms.
            .WithReferences(DefaultReferences.Value)
            .AddReferences(typeof(Microsoft.DotNet.Interactive.Formatting.Formatter).Assembly, typeof(NotebookGlobals).Assembly)
            .WithImports(DefaultImports)
            .WithLanguageVersion(LanguageVersion.Latest)
            .WithOptimizationLevel(OptimizationLevel.Release)
            .WithEmitDebugInformation(true)
            .WithFileEncoding(Encoding.UTF8)
            .WithAllowUnsafe(true);
        AppContext.SetData("Workbook.Host.Display", (Action<object?>)(value => Display(value, Array.Empty<string>())));
        AppContext.SetData("Workbook.Host.Metric", (Action<string, double>)sink.Metric);
        AppContext.SetData("Workbook.Host.Name", "workbook-engine");
        // Updatable displays (a live training curve): shown once with an id, then replaced in place.
        AppContext.SetData("Workbook.Host.DisplayUpdatable", (Func<object?, string>)(value =>
        {
            var id = $"workbook-display-{Interlocked.Increment(ref nextDisplayId)}";
            BeforeDisplay?.Invoke();
            sink.Output(DisplayData(value), id);
            return id;
        }));
        AppContext.SetData("Workbook.Host.UpdateDisplay", (Action<string, object?>)((id, value) => sink.UpdateDisplay(id, DisplayData(value))));
    }

    private static int nextDisplayId;

    private static JsonObject DisplayData(object? value) => new()
    {
        ["output_type"] = "display_data",
        ["data"] = MimeBundles.For(value, Array.Empty<string>()),
        ["metadata"] = new JsonObject(),
    };

    /// <summary>Called before a display output, so that text printed earlier stays before it.</summary>
    public Action? BeforeDisplay { get; set; }

    /// <summary>The per-cell source path used for compiler messages and stack traces.</summary>
    public string CellPath(int cellNumber) => CellExceptions.CellFile(notebookPath, cellNumber);

    /// <summary>How messages name a cell ("cell 4" or "the injected parameters cell (after cell 3)").</summary>
    public static string CellName(int cellNumber, bool injected) =>
        injected ? $"the injected parameters cell (after cell {cellNumber})" : $"cell {cellNumber}";

    /// <summary>
    /// Runs one cell. <paramref name="cellNumber"/> is the 1-based position of the cell among all cells
    /// of the source notebook (for an injected parameters cell: the parameters cell's number).
    /// </summary>
    public async Task<CellOutcome> RunCellAsync(int cellNumber, string source, bool injected = false)
    {
        var clock = Stopwatch.StartNew();
        var name = CellName(cellNumber, injected);
        var directives = CellDirectives.Parse(source);
        if (directives.Error is { } directiveError)
        {
            return Fail(clock, name, directiveError.Line, "DirectiveError", directiveError.Message, Array.Empty<string>());
        }
        if (directives.Markdown is { } markdown)
        {
            // As the kernel's Markdown kernel does: the cell's Markdown, as HTML.
            Display(Markdig.Markdown.ToHtml(markdown, MarkdownPipeline), new[] { "text/html" }, raw: true);
            return new CellOutcome(true, clock.Elapsed.TotalSeconds);
        }
        if (directives.Value is { } text)
        {
            Display(text.Text, new[] { "text/plain" }, raw: true);
            return new CellOutcome(true, clock.Elapsed.TotalSeconds);
        }
        if (FindAssemblyReferences(directives, clock, name) is { } missing)
        {
            return missing;
        }
        var (restoreFailure, nugetInfo) = RestorePackages(directives, source, clock, name);
        if (restoreFailure is not null)
        {
            return restoreFailure;
        }
        var trailing = TrailingExpression(directives.Code);
        if (await RunScriptAsync(directives.Code, options.WithFilePath(CellPath(cellNumber)), cellNumber, clock, name).ConfigureAwait(false) is { } failure)
        {
            return failure;
        }
        if (trailing is not null)
        {
            ShowReturnValue(trailing);
        }
        if (directives.Time)
        {
            // The kernel's #!time output, after the cell's own outputs.
            Display(string.Create(CultureInfo.InvariantCulture, $"Wall time: {clock.Elapsed.TotalMilliseconds:0.####}ms"), new[] { "text/plain" }, raw: true);
        }
        return new CellOutcome(true, clock.Elapsed.TotalSeconds, Nuget: nugetInfo);
    }

    // #r "path.dll": the file must exist (a failed outcome names it), and its folder joins the assembly search path.
    private CellOutcome? FindAssemblyReferences(CellDirectives directives, Stopwatch clock, string name)
    {
        foreach (var (line, path) in directives.AssemblyReferences)
        {
            if (!LooksLikePath(path))
            {
                continue;
            }
            var full = Path.GetFullPath(path, notebookDirectory);
            if (!File.Exists(full))
            {
                var hint = string.Equals(Path.GetFileName(full), "Workbook.dll", StringComparison.OrdinalIgnoreCase)
                    ? "; build the workbook library first: dotnet build lib/Workbook"
                    : "";
                return Fail(clock, name, line, "FileNotFoundException",
                    $"#r \"{path}\": assembly file not found (looked for {full}){hint}", Array.Empty<string>());
            }
            AssemblyResolution.AddDirectory(Path.GetDirectoryName(full)!);
        }
        return null;
    }

    // #r "nuget: ..." and #i: restores every package named so far (later versions replace earlier ones), adds the new
    // assemblies to the session's references and shows the kernel's "Installed Packages" list; a failure names the line.
    private (CellOutcome? Failure, NugetReport? Nuget) RestorePackages(CellDirectives directives, string source, Stopwatch clock, string name)
    {
        sources.AddRange(directives.Sources.Where(s => !sources.Contains(s)));
        if (directives.Packages.Count == 0)
        {
            return (null, null);
        }
        foreach (var package in directives.Packages)
        {
            packages.RemoveAll(p => string.Equals(p.Id, package.Id, StringComparison.OrdinalIgnoreCase));
            packages.Add(package);
        }
        var restoreClock = Stopwatch.StartNew();
        NugetRestoreResult restored;
        try
        {
            restored = NugetRestorer.Restore(packages, sources, notebookDirectory, nugetCache);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            var line = source.Split('\n').ToList().FindIndex(l => l.TrimStart().StartsWith("#r", StringComparison.Ordinal) && l.Contains("nuget:", StringComparison.OrdinalIgnoreCase)) + 1;
            return (Fail(clock, name, line > 0 ? line : null, "NugetRestoreError", e.Message, Array.Empty<string>()), null);
        }
        AssemblyResolution.AddDirectory(restored.Directory);
        var fresh = restored.Assemblies.Where(nugetReferences.Add).ToArray();
        options = options.AddReferences(fresh.Select(path => MetadataReference.CreateFromFile(path)));
        // As the kernel does: a list of the packages this cell installed, before its outputs.
        Display("<div><div></div><div></div><div><strong>Installed Packages</strong><ul>" +
                string.Concat(directives.Packages.Select(p => $"<li><span>{System.Net.WebUtility.HtmlEncode(p.ToString())}</span></li>")) +
                "</ul></div></div>", new[] { "text/html" }, raw: true);
        return (null, new NugetReport(packages.Select(p => p.ToString()).ToArray(), !restored.FromCache, Math.Round(restoreClock.Elapsed.TotalSeconds, 3)));
    }

    // Compiles and runs the cell's code on the session's script state; a compile error or an exception becomes a failed
    // outcome naming the cell, the line and (for an exception) where it was thrown.
    private async Task<CellOutcome?> RunScriptAsync(string code, ScriptOptions cellOptions, int cellNumber, Stopwatch clock, string name)
    {
        try
        {
            state = state is null
                ? await CSharpScript.Create<object>(code, cellOptions, typeof(NotebookGlobals), loader).RunAsync(globals).ConfigureAwait(false)
                : await state.ContinueWithAsync<object>(code, cellOptions).ConfigureAwait(false);
            return null;
        }
        catch (CompilationErrorException e)
        {
            var first = e.Diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error) ?? e.Diagnostics.First();
            var span = first.Location.GetLineSpan();
            int? line = first.Location.IsInSource ? span.StartLinePosition.Line + 1 : null;
            var messages = e.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)
                .Select(d => $"({(d.Location.IsInSource ? d.Location.GetLineSpan().StartLinePosition.Line + 1 : 0)},{(d.Location.IsInSource ? d.Location.GetLineSpan().StartLinePosition.Character + 1 : 0)}): error {d.Id}: {d.GetMessage(CultureInfo.InvariantCulture)}")
                .ToArray();
            return Fail(clock, name, line, "CompilationError", $"error {first.Id}: {first.GetMessage(CultureInfo.InvariantCulture)}", messages);
        }
        catch (Exception e)
        {
            var exception = CellExceptions.Unwrap(e);
            var (line, origin) = CellExceptions.Locate(exception, notebookPath, cellNumber);
            var frames = CellExceptions.CleanStackTrace(exception, notebookPath);
            var message = $"{exception.GetType().FullName}: {exception.Message}" + (origin is null ? "" : $" (thrown at {origin})");
            return Fail(clock, name, line, exception.GetType().Name, message, frames);
        }
    }

    // As the kernel does: a cell ending in an expression shows its value (a void call shows nothing).
    private void ShowReturnValue(ExpressionSyntax trailing)
    {
        var value = state!.ReturnValue;
        if (value is null && IsVoid(trailing))
        {
            return;
        }
        BeforeDisplay?.Invoke();
        sink.Output(new JsonObject
        {
            ["output_type"] = "execute_result",
            ["execution_count"] = null,
            ["data"] = MimeBundles.For(value),
            ["metadata"] = new JsonObject(),
        });
    }

    /// <summary>The variables the cells run so far declared (name → type; a later declaration of a name wins).</summary>
    public IReadOnlyDictionary<string, Type> Variables
    {
        get
        {
            var variables = new Dictionary<string, Type>(StringComparer.Ordinal);
            foreach (var variable in state?.Variables ?? ImmutableArray<ScriptVariable>.Empty)
            {
                variables[variable.Name] = variable.Type;
            }
            return variables;
        }
    }

    private static readonly Markdig.MarkdownPipeline MarkdownPipeline =
        Markdig.MarkdownExtensions.UseAdvancedExtensions(new Markdig.MarkdownPipelineBuilder()).Build();

    /// <summary>
    /// Compiles and runs a throwaway script so that the first cell does not pay for Roslyn's warm-up
    /// (and a cell time limit measures the cell, not the compiler's start).
    /// </summary>
    public static async Task WarmUpAsync()
    {
        var options = ScriptOptions.Default.WithReferences(DefaultReferenceNames).WithImports(DefaultImports);
        var state = await CSharpScript.RunAsync<object>("var warm = new List<int> { 1 }.Select(x => x + 1).Sum();", options).ConfigureAwait(false);
        await state.ContinueWithAsync<object>("warm + 1", options).ConfigureAwait(false);
    }

    private void Display(object? value, string[] mimeTypes, bool raw = false)
    {
        BeforeDisplay?.Invoke();
        sink.Output(new JsonObject
        {
            ["output_type"] = "display_data",
            // raw: text the engine itself shows, under exactly the one MIME type given.
            ["data"] = raw ? new JsonObject { [mimeTypes[0]] = NotebookDocument.ToMultiline((string)value!) } : MimeBundles.For(value, mimeTypes),
            ["metadata"] = new JsonObject(),
        });
    }

    /// <summary>Records an error output for a cell that cannot run (e.g. a parameter that does not convert).</summary>
    public CellOutcome FailCell(int cellNumber, bool injected, string errorName, string detail) =>
        Fail(Stopwatch.StartNew(), CellName(cellNumber, injected), null, errorName, detail, Array.Empty<string>());

    private CellOutcome Fail(Stopwatch clock, string cellName, int? line, string errorName, string detail, IReadOnlyList<string> extra)
    {
        var where = $"{notebookPath}, {cellName}" + (line is { } l ? $", line {l}" : "");
        var message = $"{where}: {detail}";
        var traceback = new JsonArray { message };
        foreach (var item in extra)
        {
            traceback.Add(item);
        }
        BeforeDisplay?.Invoke();
        sink.Output(new JsonObject
        {
            ["output_type"] = "error",
            ["ename"] = errorName,
            ["evalue"] = message,
            ["traceback"] = traceback,
        });
        return new CellOutcome(false, clock.Elapsed.TotalSeconds, line, message);
    }

    private static bool LooksLikePath(string reference) =>
        reference.Contains('/') || reference.Contains('\\')
        || reference.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) || reference.EndsWith(".exe", StringComparison.OrdinalIgnoreCase);

    private static ExpressionSyntax? TrailingExpression(string code)
    {
        var tree = CSharpSyntaxTree.ParseText(code, CSharpParseOptions.Default.WithKind(SourceCodeKind.Script).WithLanguageVersion(LanguageVersion.Latest));
        var root = (CompilationUnitSyntax)tree.GetRoot();
        return root.Members.LastOrDefault() is GlobalStatementSyntax { Statement: ExpressionStatementSyntax { SemicolonToken.IsMissing: true } statement }
            ? statement.Expression
            : null;
    }

    private bool IsVoid(ExpressionSyntax parsedTrailing)
    {
        var compilation = state!.Script.GetCompilation();
        var tree = compilation.SyntaxTrees.Last();
        var root = (CompilationUnitSyntax)tree.GetRoot();
        if (root.Members.LastOrDefault() is not GlobalStatementSyntax { Statement: ExpressionStatementSyntax statement })
        {
            return true;
        }
        var info = compilation.GetSemanticModel(tree).GetTypeInfo(statement.Expression);
        _ = parsedTrailing;
        if (info.Type is null && statement.Expression.IsKind(SyntaxKind.NullLiteralExpression))
        {
            return false; // a trailing `null` shows <null>, as in the kernel
        }
        var type = info.Type;
        return type is null || type.SpecialType == SpecialType.System_Void;
    }
}
