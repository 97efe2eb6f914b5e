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

/// <summary>Receives what cells produce, as it happens.</summary>
public interface IExecutionSink
{
    /// <summary>A Jupyter output (stream, display_data, execute_result or error) of the running cell.</summary>
    void Output(JsonObject output);

    /// <summary>A metric reported through the library's Metrics.Report.</summary>
    void Metric(string name, double value);
}

/// <summary>How one cell ended.</summary>
/// <param name="Succeeded">false on a directive, compile or run-time error.</param>
/// <param name="Seconds">wall time of the cell.</param>
/// <param name="Line">1-based line inside the cell where the error is, when known.</param>
/// <param name="Message">the error in one sentence ("…, cell 4, line 2: error CS0103: …").</param>
/// <param name="Nuget">what #r "nuget: …" did in this cell, if anything.</param>
public sealed record CellOutcome(bool Succeeded, double Seconds, int? Line = null, string? Message = null, JsonObject? Nuget = null);

/// <summary>
/// The globals every notebook sees, as in Polyglot Notebooks: <c>display(value)</c>.
/// </summary>
public sealed class NotebookGlobals
{
    private readonly Action<object?, string[]> show;

    internal NotebookGlobals(Action<object?, string[]> show) => this.show = show;

    /// <summary>Shows <paramref name="value"/> as a display output (optionally only as the given MIME types).</summary>
#pragma warning disable IDE1006 // lower case on purpose: the name Polyglot Notebooks use
    public void display(object? value, params string[] mimeTypes) => show(value, mimeTypes);
#pragma warning restore IDE1006
}

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
    }

    /// <summary>Called before a display output, so that text printed earlier stays before it.</summary>
    public Action? BeforeDisplay { get; set; }

    /// <summary>The per-cell source path used for compiler messages and stack traces.</summary>
    public string CellPath(int cellNumber) => $"{notebookPath}#cell{cellNumber}.csx";

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
    private (CellOutcome? Failure, JsonObject? Nuget) RestorePackages(CellDirectives directives, string source, Stopwatch clock, string name)
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
        return (null, new JsonObject
        {
            ["packages"] = new JsonArray(packages.Select(p => (JsonNode)JsonValue.Create(p.ToString())!).ToArray()),
            ["restored"] = !restored.FromCache,
            ["seconds"] = Math.Round(restoreClock.Elapsed.TotalSeconds, 3),
        });
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
            var exception = Unwrap(e);
            var (line, origin) = LocateException(exception, cellNumber);
            var frames = CleanStackTrace(exception);
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

    private static readonly Markdig.MarkdownPipeline MarkdownPipeline =
        Markdig.MarkdownExtensions.UseAdvancedExtensions(new Markdig.MarkdownPipelineBuilder()).Build();

    /// <summary>
    /// C# that assigns the given parameter values to the variables the parameters cell declared,
    /// converted to each variable's type. Throws <see cref="ArgumentException"/> naming the parameter
    /// when a name is unknown or a value does not convert.
    /// </summary>
    public string ParameterAssignments(IReadOnlyDictionary<string, string> parameters)
    {
        var variables = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var variable in state?.Variables ?? ImmutableArray<ScriptVariable>.Empty)
        {
            variables[variable.Name] = variable.Type;
        }
        var code = new StringBuilder("// Parameters injected by `workbook run --param`.\n");
        foreach (var (name, text) in parameters)
        {
            if (!variables.TryGetValue(name, out var type))
            {
                throw new ArgumentException(
                    $"parameter '{name}' is not a variable declared before the injection point; declared: {string.Join(", ", variables.Keys.Order())}");
            }
            code.Append(name).Append(" = ").Append(Literal(name, text, type)).Append(";\n");
        }
        return code.ToString();
    }

    private static string Literal(string name, string text, Type type)
    {
        var invariant = CultureInfo.InvariantCulture;
        string Bad() => throw new ArgumentException($"parameter '{name}': \"{text}\" is not a valid {TypeName(type)}");
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying != type && text is "null")
        {
            return "null";
        }
        if (underlying == typeof(string))
        {
            return SymbolDisplay.FormatLiteral(text, quote: true);
        }
        if (underlying == typeof(bool))
        {
            return bool.TryParse(text, out var b) ? (b ? "true" : "false") : Bad();
        }
        if (underlying == typeof(int))
        {
            return int.TryParse(text, NumberStyles.Integer, invariant, out var i) ? i.ToString(invariant) : Bad();
        }
        if (underlying == typeof(long))
        {
            return long.TryParse(text, NumberStyles.Integer, invariant, out var l) ? l.ToString(invariant) + "L" : Bad();
        }
        if (underlying == typeof(double))
        {
            if (!double.TryParse(text, NumberStyles.Float, invariant, out var d))
            {
                return Bad();
            }
            return double.IsNaN(d) ? "double.NaN" : double.IsPositiveInfinity(d) ? "double.PositiveInfinity"
                : double.IsNegativeInfinity(d) ? "double.NegativeInfinity" : d.ToString("R", invariant) + "d";
        }
        if (underlying == typeof(float))
        {
            if (!float.TryParse(text, NumberStyles.Float, invariant, out var f))
            {
                return Bad();
            }
            return float.IsNaN(f) ? "float.NaN" : float.IsPositiveInfinity(f) ? "float.PositiveInfinity"
                : float.IsNegativeInfinity(f) ? "float.NegativeInfinity" : f.ToString("R", invariant) + "f";
        }
        if (underlying == typeof(decimal))
        {
            return decimal.TryParse(text, NumberStyles.Float, invariant, out var m) ? m.ToString(invariant) + "m" : Bad();
        }
        if (underlying.IsEnum)
        {
            if (!Enum.TryParse(underlying, text, ignoreCase: false, out var value) || !Enum.IsDefined(underlying, value!))
            {
                throw new ArgumentException($"parameter '{name}': \"{text}\" is not a member of {TypeName(underlying)} ({string.Join(", ", Enum.GetNames(underlying))})");
            }
            return $"{SourceTypeName(underlying)}.{value}";
        }
        throw new ArgumentException($"parameter '{name}' has type {TypeName(type)}; only int, long, double, float, decimal, bool, string and enums can be set from the command line");
    }

    private static string TypeName(Type type) => (type.FullName ?? type.Name).Replace('+', '.');

    // How C# in a later cell names the type: a type declared in a notebook cell is nested in the
    // cell's submission class ("Submission#0+Mode") and is named by its simple name.
    private static string SourceTypeName(Type type)
    {
        var names = new List<string>();
        for (var current = type; current is not null; current = current.DeclaringType)
        {
            if (current.Name.StartsWith("Submission#", StringComparison.Ordinal))
            {
                return string.Join(".", names.AsEnumerable().Reverse());
            }
            names.Add(current.Name);
        }
        return "global::" + TypeName(type);
    }

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

    private static Exception Unwrap(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case TargetInvocationException { InnerException: { } inner }:
                    e = inner;
                    continue;
                case AggregateException { InnerExceptions.Count: 1 } aggregate:
                    e = aggregate.InnerExceptions[0];
                    continue;
                default:
                    return e;
            }
        }
    }

    // The line reported is the innermost frame in the failing cell; when that frame was called from
    // another line of the cell, or the exception came from code defined in an earlier cell, the
    // origin says so ("thrown at cell 3, line 5", "called from line 9").
    private (int? Line, string? Origin) LocateException(Exception exception, int cellNumber)
    {
        var own = CellPath(cellNumber);
        int? line = null;
        int? outerLine = null;
        string? origin = null;
        var frames = new StackTrace(exception, fNeedFileInfo: true).GetFrames();
        var prefix = notebookPath + "#cell";
        foreach (var frame in frames)
        {
            var file = frame.GetFileName();
            if (file is null || frame.GetFileLineNumber() <= 0)
            {
                continue;
            }
            if (file == own)
            {
                line ??= frame.GetFileLineNumber();
                outerLine = frame.GetFileLineNumber();
            }
            else if (origin is null && line is null && file.StartsWith(prefix, StringComparison.Ordinal))
            {
                var number = file[prefix.Length..].Replace(".csx", "");
                origin = $"cell {number}, line {frame.GetFileLineNumber()}";
            }
        }
        if (origin is null && outerLine is not null && outerLine != line)
        {
            origin = $"line {line}, called from line {outerLine}";
        }
        return (line, origin);
    }

    private IReadOnlyList<string> CleanStackTrace(Exception exception)
    {
        var text = exception.ToString().Replace(notebookPath + "#cell", "cell ", StringComparison.Ordinal).Replace(".csx:line", ", line", StringComparison.Ordinal);
        return text.Split('\n')
            .Select(l => l.TrimEnd('\r'))
            .Where(l => !l.Contains("Microsoft.CodeAnalysis.Scripting", StringComparison.Ordinal)
                        && !l.Contains("Workbook.Engine.Execution.", StringComparison.Ordinal)
                        && !l.Contains("System.Runtime.CompilerServices.AsyncTaskMethodBuilder", StringComparison.Ordinal)
                        && !l.Contains("System.Runtime.ExceptionServices", StringComparison.Ordinal)
                        && !l.Contains("--- End of stack trace from previous location ---", StringComparison.Ordinal))
            .ToArray();
    }
}
