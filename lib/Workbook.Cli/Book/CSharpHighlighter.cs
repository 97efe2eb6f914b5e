using System.Net;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Workbook.Cli.Book;

/// <summary>
/// Highlights a C# cell at build time with Roslyn's own lexer (the engine already carries Microsoft.CodeAnalysis.CSharp), so
/// the page needs no script, every C# token kind (raw and interpolated strings, directives such as <c>#r</c>, contextual
/// keywords) is classified as the compiler reads it, and no package is added. Classes: k keyword, s string, n number,
/// c comment, d directive, t a name starting with a capital (a type or member: syntax alone cannot tell which), f a call.
/// </summary>
public static class CSharpHighlighter
{
    private static readonly CSharpParseOptions Script = new(LanguageVersion.Latest, DocumentationMode.None, SourceCodeKind.Script);

    /// <summary>The cell's source as HTML (escaped, with spans).</summary>
    public static string Highlight(string source)
    {
        var root = CSharpSyntaxTree.ParseText(source, Script).GetRoot();
        var html = new StringBuilder(source.Length * 2);
        foreach (var token in root.DescendantTokens())
        {
            Emit(token, html);
        }
        return html.ToString();
    }

    private static void Emit(SyntaxToken token, StringBuilder html)
    {
        foreach (var trivia in token.LeadingTrivia)
        {
            Trivia(trivia, html);
        }
        Token(token, html);
        foreach (var trivia in token.TrailingTrivia)
        {
            Trivia(trivia, html);
        }
    }

    private static void Trivia(SyntaxTrivia trivia, StringBuilder html)
    {
        if (trivia.GetStructure() is { } structure)
        {
            foreach (var token in structure.DescendantTokens())  // a directive (#r "...") or a documentation comment
            {
                Emit(token, html);
            }
            return;
        }
        var kind = trivia.Kind();
        var css = kind switch
        {
            SyntaxKind.SingleLineCommentTrivia or SyntaxKind.MultiLineCommentTrivia
                or SyntaxKind.SingleLineDocumentationCommentTrivia or SyntaxKind.MultiLineDocumentationCommentTrivia => "c",
            SyntaxKind.DisabledTextTrivia or SyntaxKind.PreprocessingMessageTrivia => "d",
            _ => null,
        };
        Span(css, trivia.ToString(), html);
    }

    private static void Token(SyntaxToken token, StringBuilder html)
    {
        var kind = token.Kind();
        string? css;
        if (token.Parent is not null && IsInDirective(token))
        {
            css = kind is SyntaxKind.StringLiteralToken ? "s" : "d";
        }
        else if (SyntaxFacts.IsKeywordKind(kind))
        {
            css = "k";
        }
        else if (kind == SyntaxKind.IdentifierToken)
        {
            var text = token.ValueText;
            css = text is "var" or "await" or "async" or "yield" or "record" or "init" or "required" or "nameof" or "when" or "dynamic" or "get" or "set" ? "k"
                : IsCall(token) ? "f"
                : text.Length > 0 && char.IsUpper(text[0]) ? "t"
                : null;
        }
        else
        {
            css = kind switch
            {
                SyntaxKind.StringLiteralToken or SyntaxKind.CharacterLiteralToken or SyntaxKind.InterpolatedStringStartToken
                    or SyntaxKind.InterpolatedStringEndToken or SyntaxKind.InterpolatedStringTextToken or SyntaxKind.InterpolatedVerbatimStringStartToken
                    or SyntaxKind.InterpolatedRawStringEndToken or SyntaxKind.InterpolatedSingleLineRawStringStartToken
                    or SyntaxKind.InterpolatedMultiLineRawStringStartToken or SyntaxKind.SingleLineRawStringLiteralToken
                    or SyntaxKind.MultiLineRawStringLiteralToken or SyntaxKind.Utf8StringLiteralToken => "s",
                SyntaxKind.NumericLiteralToken => "n",
                _ => null,
            };
        }
        Span(css, token.ToString(), html);
    }

    // The name of a called method: F(...) or x.F(...).
    private static bool IsCall(SyntaxToken token) => token.Parent switch
    {
        Microsoft.CodeAnalysis.CSharp.Syntax.SimpleNameSyntax { Parent: Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax call } name => call.Expression == name,
        Microsoft.CodeAnalysis.CSharp.Syntax.SimpleNameSyntax { Parent: Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax { Parent: Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax } access } name => access.Name == name,
        _ => false,
    };

    private static bool IsInDirective(SyntaxToken token)
    {
        for (var node = token.Parent; node is not null; node = node.Parent)
        {
            if (node is Microsoft.CodeAnalysis.CSharp.Syntax.DirectiveTriviaSyntax)
            {
                return true;
            }
        }
        return false;
    }

    private static void Span(string? css, string text, StringBuilder html)
    {
        if (text.Length == 0)
        {
            return;
        }
        var encoded = WebUtility.HtmlEncode(text);
        if (css is null)
        {
            html.Append(encoded);
        }
        else
        {
            html.Append("<span class=\"").Append(css).Append("\">").Append(encoded).Append("</span>");
        }
    }
}
