using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Workbook.Engine.Documents;

namespace Workbook.Engine.Execution;

/// <summary>
/// Notebook parameters (papermill style), all in one place: the first code cell tagged "parameters" holds the
/// defaults; before anything runs the runner checks the given names against the variables that cell declares
/// (<see cref="Declared"/>, <see cref="FindUnknown"/>); in the worker, once the declarations have run, the values
/// become C# assignments converted to each variable's type (<see cref="Assignments"/>), run as the cell tagged
/// "injected-parameters".
/// </summary>
public static class NotebookParameters
{
    /// <summary>Tag of the cell holding parameter defaults (as papermill).</summary>
    public const string Tag = "parameters";

    /// <summary>Tag of the cell the engine inserts with overriding values.</summary>
    public const string InjectedTag = "injected-parameters";

    /// <summary>The first code cell tagged <see cref="Tag"/>, if any.</summary>
    public static NotebookCell? FindCell(NotebookDocument document) =>
        document.Cells.FirstOrDefault(c => c.Kind == CellKind.Code && c.Tags.Contains(Tag));

    /// <summary>Names of the variables a parameters cell declares at top level.</summary>
    public static string[] Declared(string source)
    {
        var code = CellDirectives.Parse(source).Code;
        var tree = CSharpSyntaxTree.ParseText(code, CSharpParseOptions.Default.WithKind(SourceCodeKind.Script).WithLanguageVersion(LanguageVersion.Latest));
        var names = new List<string>();
        foreach (var member in ((CompilationUnitSyntax)tree.GetRoot()).Members)
        {
            var declaration = member switch
            {
                FieldDeclarationSyntax field => field.Declaration,
                GlobalStatementSyntax { Statement: LocalDeclarationStatementSyntax local } => local.Declaration,
                _ => null,
            };
            if (declaration is not null)
            {
                names.AddRange(declaration.Variables.Select(v => v.Identifier.ValueText));
            }
        }
        return names.ToArray();
    }

    /// <summary>
    /// Null when every name in <paramref name="names"/> is declared by <paramref name="parametersCell"/>; otherwise
    /// the failure, naming the unknown parameters and what the cell declares.
    /// </summary>
    public static string? FindUnknown(string notebookPath, NotebookCell? parametersCell, IEnumerable<string> names)
    {
        var given = names.ToArray();
        if (given.Length == 0)
        {
            return null;
        }
        var declared = parametersCell is null ? Array.Empty<string>() : Declared(parametersCell.Source);
        var unknown = given.Where(k => !declared.Contains(k)).ToArray();
        if (unknown.Length == 0)
        {
            return null;
        }
        var where = parametersCell is null
            ? "it has no cell tagged \"parameters\""
            : $"cell {parametersCell.Number} (tagged parameters) declares: {(declared.Length == 0 ? "nothing" : string.Join(", ", declared))}";
        return $"{notebookPath}: unknown parameter{(unknown.Length > 1 ? "s" : "")} {string.Join(", ", unknown)}: {where}";
    }

    /// <summary>
    /// C# that assigns the given parameter values to the <paramref name="variables"/> declared so far (name → type),
    /// converted to each variable's type. Throws <see cref="ArgumentException"/> naming the parameter when a name is
    /// unknown or a value does not convert.
    /// </summary>
    public static string Assignments(IReadOnlyDictionary<string, string> parameters, IReadOnlyDictionary<string, Type> variables)
    {
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
}
