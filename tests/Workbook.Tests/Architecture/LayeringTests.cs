using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Workbook.Tests.Architecture;

/// <summary>
/// Holds lib/Workbook to the layer picture of lib/Workbook/README.md. The library's sources are compiled here with
/// Roslyn and every name in them is bound by the semantic model, so a type reached through a fully qualified name,
/// a static import, an extension method or a generic argument counts as much as one behind a <c>using</c>.
/// Doc-comment crefs do not count (they are not compiled references).
/// </summary>
public class LayeringTests
{
    /// <summary>Core: may use one another, never a topic, and only the session itself reads the session.</summary>
    public static readonly string[] Core = { "Tensors", "Training", "Data", "Exercises", "Charts", "Display", "Notebooks" };

    /// <summary>Topics in course order: a topic may use core and the topics before it, never one after it.</summary>
    public static readonly string[] Topics = { "Foundations", "Optimization", "DeepNets", "Convnets", "Recurrent", "Attention", "Transformers", "Text", "Rl" };

    /// <summary>The notebook session (seeds, metrics, host): what a notebook sets up, and no topic may read.</summary>
    public const string Session = "Notebooks";

    private static readonly Lazy<LibrarySources> Sources = new(LibrarySources.Compile);

    [Fact]
    public void TheLibraryCompilesHereSoEveryNameIsBound()
    {
        // CS8795: a [GeneratedRegex] partial method's body comes from the regex source generator, which this compilation does not run.
        var errors = Sources.Value.Compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS8795").Take(10).ToArray();
        Assert.True(errors.Length == 0, "The layering test could not bind the library's sources:\n" + string.Join("\n", errors.Select(e => e.ToString())));
    }

    [Fact]
    public void EveryFolderIsInTheLayerPicture()
    {
        var unknown = Sources.Value.Files.Select(f => f.Folder).Distinct().Where(f => Layer(f) is null).ToArray();
        Assert.True(unknown.Length == 0,
            $"lib/Workbook/{string.Join(", ", unknown)} is in no layer: add it to LayeringTests.Core or, in course order, to LayeringTests.Topics (and to the picture in lib/Workbook/README.md).");
    }

    [Fact]
    public void NamespacesFollowFolders()
    {
        var wrong = new List<string>();
        foreach (var file in Sources.Value.Files)
        {
            foreach (var declaration in file.Tree.GetRoot().DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>())
            {
                var name = declaration.Name.ToString();
                if (name != $"Workbook.{file.Folder}" && !name.StartsWith($"Workbook.{file.Folder}.", StringComparison.Ordinal))
                {
                    wrong.Add($"{file.RelativePath}: namespace {name} is not under Workbook.{file.Folder}");
                }
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void TopicsDependOnlyOnCoreAndEarlierTopics()
    {
        var violations = Sources.Value.References
            .Select(r => (Reference: r, Reason: Violation(r.FromFolder, r.ToFolder)))
            .Where(p => p.Reason is not null)
            .GroupBy(p => (p.Reference.File, p.Reference.Type))
            .Select(g => $"{g.Key.File}:{g.First().Reference.Line}: {g.Key.Type} ({g.First().Reference.ToFolder}) is used in {g.First().Reference.FromFolder}: {g.First().Reason}")
            .ToArray();
        Assert.True(violations.Length == 0, "Layering violations (see lib/Workbook/README.md, \"Layers\"):\n" + string.Join("\n", violations));
        // The binding really happened: the library's topics reach core and earlier topics many times.
        Assert.True(Sources.Value.References.Count(r => r.FromFolder != r.ToFolder) > 100,
            $"only {Sources.Value.References.Count(r => r.FromFolder != r.ToFolder)} cross-folder references were bound: the layering test is not seeing the code");
    }

    [Theory]
    [InlineData("Recurrent", "Transformers", false)]
    [InlineData("Transformers", "Recurrent", true)]
    [InlineData("Attention", "Rl", false)]
    [InlineData("Rl", "Training", true)]
    [InlineData("Recurrent", "Notebooks", false)]
    [InlineData("Training", "Recurrent", false)]
    [InlineData("Display", "Notebooks", false)]
    [InlineData("Notebooks", "Display", true)]
    public void TheRuleItself(string from, string to, bool allowed) => Assert.Equal(allowed, Violation(from, to) is null);

    private static string? Layer(string folder) =>
        Core.Contains(folder) ? "core" : Topics.Contains(folder) ? "topic" : null;

    /// <summary>Why a file in <paramref name="from"/> may not use a type of <paramref name="to"/>; null when it may.</summary>
    private static string? Violation(string from, string to)
    {
        if (from == to || Layer(from) is null || Layer(to) is null)
        {
            return null; // unknown folders fail EveryFolderIsInTheLayerPicture
        }
        if (to == Session && from != Session)
        {
            return Layer(from) == "core"
                ? "core code may not read the notebook session: the session sits on top of core (it registers core's displays, not the other way round)"
                : "topic code may not read the notebook session (seeds, metrics): take a Random, a Generator or a seed as an argument";
        }
        if (Layer(from) == "core")
        {
            return Layer(to) == "core" ? null : "core code may not depend on a topic";
        }
        if (Layer(to) == "core")
        {
            return null;
        }
        return Array.IndexOf(Topics, to) < Array.IndexOf(Topics, from)
            ? null
            : $"{to} comes after {from} in the course, so {from} may not use it (move the shared piece down into core or into the earlier topic)";
    }

    private sealed record SourceFile(string RelativePath, string Folder, SyntaxTree Tree);

    private sealed record Reference(string File, int Line, string FromFolder, string Type, string ToFolder);

    private sealed class LibrarySources
    {
        private LibrarySources(IReadOnlyList<SourceFile> files, CSharpCompilation compilation, IReadOnlyList<Reference> references)
        {
            Files = files;
            Compilation = compilation;
            References = references;
        }

        public IReadOnlyList<SourceFile> Files { get; }

        public CSharpCompilation Compilation { get; }

        public IReadOnlyList<Reference> References { get; }

        public static LibrarySources Compile()
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var library = Path.Combine(RepositoryRoot(), "lib", "Workbook");
            var parse = new CSharpParseOptions(LanguageVersion.Preview);
            var files = Directory.EnumerateFiles(library, "*.cs", SearchOption.AllDirectories)
                .Select(path => Path.GetRelativePath(library, path).Replace('\\', '/'))
                .Where(relative => !relative.StartsWith("obj/", StringComparison.Ordinal) && !relative.StartsWith("bin/", StringComparison.Ordinal) && relative.Contains('/'))
                .OrderBy(relative => relative, StringComparer.Ordinal)
                .Select(relative => new SourceFile("lib/Workbook/" + relative, relative[..relative.IndexOf('/')],
                    CSharpSyntaxTree.ParseText(File.ReadAllText(Path.Combine(library, relative)), parse, path: "lib/Workbook/" + relative)))
                .ToList();
            // The SDK's implicit usings (ImplicitUsings = enable in Directory.Build.props).
            var implicitUsings = CSharpSyntaxTree.ParseText(string.Join("\n", new[]
                { "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks" }
                .Select(n => $"global using {n};")), parse, path: "GlobalUsings.g.cs");
            var compilation = CSharpCompilation.Create("Workbook", files.Select(f => f.Tree).Append(implicitUsings), MetadataReferences(),
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
            var references = new List<Reference>();
            foreach (var file in files)
            {
                var model = compilation.GetSemanticModel(file.Tree);
                foreach (var node in file.Tree.GetRoot().DescendantNodes())
                {
                    var symbol = node switch
                    {
                        SimpleNameSyntax name => Bound(model, name),
                        ImplicitObjectCreationExpressionSyntax creation => model.GetTypeInfo(creation).Type,
                        _ => null,
                    };
                    if (TypeOf(symbol) is not { } type || !SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, compilation.Assembly))
                    {
                        continue;
                    }
                    var declaration = type.Locations.FirstOrDefault(l => l.IsInSource)?.SourceTree?.FilePath;
                    if (declaration is null || !declaration.StartsWith("lib/Workbook/", StringComparison.Ordinal))
                    {
                        continue;
                    }
                    var toFolder = declaration["lib/Workbook/".Length..].Split('/')[0];
                    var line = node.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                    references.Add(new Reference(file.RelativePath, line, file.Folder, type.ToDisplayString(), toFolder));
                }
            }
            Console.WriteLine($"layering: {files.Count} files, {references.Count} references bound in {clock.Elapsed.TotalSeconds:F1} s");
            return new LibrarySources(files, compilation, references);
        }

        private static ISymbol? Bound(SemanticModel model, SimpleNameSyntax name)
        {
            var info = model.GetSymbolInfo(name);
            return info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
        }

        /// <summary>The library type a bound symbol stands for: the type itself, or the type that declares the member.</summary>
        private static INamedTypeSymbol? TypeOf(ISymbol? symbol) => symbol switch
        {
            IAliasSymbol alias => TypeOf(alias.Target),
            INamedTypeSymbol named => (INamedTypeSymbol)named.OriginalDefinition,
            IArrayTypeSymbol array => TypeOf(array.ElementType),
            IMethodSymbol { ReducedFrom: { } extension } => extension.ContainingType,
            IMethodSymbol or IPropertySymbol or IFieldSymbol or IEventSymbol => symbol.ContainingType is { } owner ? (INamedTypeSymbol)owner.OriginalDefinition : null,
            _ => null,
        };

        private static IEnumerable<MetadataReference> MetadataReferences()
        {
            // The framework, then every assembly the library's own dependencies put beside the tests (TorchSharp, Plotly.NET, ...).
            var framework = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
            var beside = Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll");
            return framework.Concat(beside)
                .Where(path => !Path.GetFileNameWithoutExtension(path).Equals("Workbook", StringComparison.OrdinalIgnoreCase))
                .GroupBy(path => Path.GetFileName(path), StringComparer.OrdinalIgnoreCase)
                .Select(g => g.First())
                .Where(IsManaged)
                .Select(path => MetadataReference.CreateFromFile(path));
        }

        private static bool IsManaged(string path)
        {
            try
            {
                System.Reflection.AssemblyName.GetAssemblyName(path);
                return true;
            }
            catch (BadImageFormatException)
            {
                return false;
            }
        }

        private static string RepositoryRoot()
        {
            for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "lib", "Workbook", "Workbook.csproj")))
                {
                    return folder.FullName;
                }
            }
            throw new InvalidOperationException($"No lib/Workbook/Workbook.csproj above {AppContext.BaseDirectory}.");
        }
    }
}
