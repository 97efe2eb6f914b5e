using Workbook.Cli.Book;

namespace Workbook.Book.Tests;

/// <summary>Display math as the notebooks write it (a $$ span starting a line inside a paragraph) becomes a math block.</summary>
public sealed class DisplayMathTests
{
    [Fact]
    public void A_display_span_inside_a_paragraph_becomes_a_fenced_block()
    {
        var source = "the chain rule gives\n$$\\frac{\\partial L}{\\partial W} = \\delta^{\\top} a\n + b$$\nso the gradient is";
        Assert.Equal("the chain rule gives\n\n$$\n\\frac{\\partial L}{\\partial W} = \\delta^{\\top} a\n+ b\n$$\n\nso the gradient is",
            SiteBuilder.DisplayMathAsBlocks(source));
    }

    [Theory]
    [InlineData("inline $x$ and $$y$$ in a line")]       // not at a line's start: Markdig's inline math
    [InlineData("```\n$$ not math in code\n$$\n```")]     // code fences are left alone
    [InlineData("$$ unclosed\n\nnext paragraph")]          // no closing $$ before the paragraph ends
    public void Other_text_is_left_alone(string source) => Assert.Equal(source, SiteBuilder.DisplayMathAsBlocks(source));

    [Fact]
    public void Inline_math_split_by_a_line_break_is_joined_onto_one_line() =>
        Assert.Equal("a quadratic, $\\frac12 x^\\top A x$, so\nthe next line",
            SiteBuilder.DisplayMathAsBlocks("a quadratic, $\\frac12 x^\\top\nA x$, so\nthe next line"));
}
