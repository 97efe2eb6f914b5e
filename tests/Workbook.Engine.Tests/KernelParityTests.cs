using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Workbook.Engine.Documents;
using Workbook.Engine.Execution;

namespace Workbook.Engine.Tests;

/// <summary>
/// What a notebook written in Polyglot may contain runs the same in the workbook's engine and in the
/// real .NET Interactive kernel 1.0.712001: one notebook of those features goes through both, and
/// the text of every cell's outputs is compared. The differences that remain are named in
/// lib/Workbook.Engine/README.md and tested in <see cref="Engine_names_what_it_does_not_run"/>.
/// </summary>
[Collection(NotebookCollection.Name)]
public partial class KernelParityTests
{
    private static readonly string[] Features =
    {
        "#!csharp\nvar x = 1;\nx",                                              // a trailing expression
        "#!c#\nx + 2",                                                          // the other C# kernel name
        "#!time\nvar s = 0;\nfor (var i = 0; i < 1000; i++) s += i;\ns",        // #!time: "Wall time: ...ms" after the result
        "display(\"shown\");\ndisplay(42);",                                    // display(...) of a string and a number
        "null",                                                                 // a trailing null shows <null>
        "object o = null;\no",
        "Console.WriteLine(\"printed\");",                                      // console output is a stream
        "var sb = new StringBuilder(\"ab\");\nawait Task.Delay(1);\nsb.Append(Enumerable.Range(0, 3).Sum()).ToString()", // default usings, top-level await
        "#!markdown\n# A heading from a code cell\n\nsome *emphasis*",          // a Markdown cell inside a code cell
        "#!set --name y --value 7\ny",                                          // #!set of a literal: a string variable
        "#!value --name greeting\nhello",                                       // a value cell shows its text
        "int Twice(int v) => v * 2;\nTwice(21)",                                // local functions carry over
        "new[] { 1, 2, 3 }",                                                    // collections
        "#r \"lib/Greeter.dll\"\nGreeter.Hello(\"kernel\")",                    // #r of a relative path: the notebook's folder
        "#r \"nuget: Humanizer.Core, 3.0.10\"\nusing Humanizer;\n\"some_words_here\".Humanize()", // #r "nuget: ..."
        "void Nothing() { }\nNothing()",                                        // a trailing void call shows nothing
    };

    [Fact]
    public async Task Polyglot_features_give_the_same_output_text_in_both_kernels()
    {
        // Inside the repository (out/ is ignored), so that the kernel the Jupyter kernelspec starts in
        // the notebook's folder finds the pinned tools of .config/dotnet-tools.json.
        var folder = Path.Combine(Notebooks.RepoRoot, "out", "tests", $"parity-{Guid.NewGuid():N}"[..20]);
        Directory.CreateDirectory(Path.Combine(folder, "lib"));
        Notebooks.CompileAssembly(Path.Combine(folder, "lib"), "Greeter",
            "public static class Greeter { public static string Hello(string who) => \"hello, \" + who; }");
        var path = Notebooks.Write(Path.Combine(folder, "features.ipynb"), Features.Select(f => new Cell(f)));

        var engine = await NotebookRunner.RunAsync(path, new RunOptions { OutputDirectory = Path.Combine(folder, "engine") });
        Assert.True(engine.Succeeded, engine.Describe());
        var kernel = await RealKernel.ExecuteAsync(path, Path.Combine(folder, "kernel", "features.ipynb"), TimeSpan.FromMinutes(4));
        Assert.True(kernel.Problem is null && kernel.Errors == 0, $"the real kernel: {kernel.Problem}, {kernel.Errors} error outputs; log:\n{kernel.Log}");

        var fromEngine = OutputTexts(NotebookDocument.Load(engine.OutputPath!));
        var fromKernel = OutputTexts(NotebookDocument.Load(kernel.OutputPath));
        for (var i = 0; i < Features.Length; i++)
        {
            Assert.True(fromEngine[i].SequenceEqual(fromKernel[i]),
                $"cell {i + 1} ({Features[i].Split('\n')[0]}): the engine shows [{string.Join(" | ", fromEngine[i])}], " +
                $"the real kernel [{string.Join(" | ", fromKernel[i])}]");
        }
        // Not vacuous: the texts compared are the expected ones.
        Assert.Equal(new[] { "1" }, fromKernel[0]);
        Assert.Equal(new[] { "499500", "Wall time: #ms" }, fromKernel[2]);
        Assert.Equal(new[] { "A heading from a code cell some emphasis" }, fromKernel[8]);
        Assert.Equal(new[] { "hello, kernel" }, fromKernel[13]);
        Assert.Equal(new[] { "Installed Packages Humanizer.Core, 3.0.10", "some words here" }, fromKernel[14]);
        Assert.Empty(fromKernel[15]);
    }

    [Theory]
    [InlineData("#!fsharp\nlet z = 3", "the fsharp kernel")]
    [InlineData("#!pwsh\nGet-Date", "the pwsh kernel")]
    [InlineData("#!who", "#!who is not supported")]
    [InlineData("#!cs\n1", "#!cs is not supported")]
    [InlineData("#!set --name v --value @fsharp:z", "from another kernel")]
    public async Task Engine_names_what_it_does_not_run(string cell, string expected)
    {
        var folder = Notebooks.TempFolder("parity-errors");
        var path = Notebooks.Write(Path.Combine(folder, "other.ipynb"), new[] { new Cell("var before = 1;"), new Cell(cell) });
        var result = await NotebookRunner.RunAsync(path, new RunOptions { OutputDirectory = Path.Combine(folder, "out") });
        Assert.False(result.Succeeded);
        var message = result.Describe();
        Assert.Contains("cell 2", message);
        Assert.Contains("line 1", message);
        Assert.Contains(expected, message.Replace("the magic command ", "", StringComparison.Ordinal));
    }

    // The text a person sees of each output of each code cell: text/plain where there is one, else the
    // HTML's text; stream text trimmed; numbers in "Wall time" replaced by "#". The kernel's first-cell
    // script boilerplate (a hidden div) is not an output a person sees.
    private static List<string[]> OutputTexts(NotebookDocument document) =>
        document.Cells.Where(c => c.Kind == CellKind.Code).Select(cell =>
            (cell.Json["outputs"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
                .Select(Text).Where(t => t is not null).Select(t => t!).ToArray()).ToList();

    private static string? Text(JsonObject output)
    {
        if (output["output_type"]?.GetValue<string>() == "stream")
        {
            return NotebookDocument.ReadMultiline(output["text"], "text").Trim();
        }
        if (output["data"] is not JsonObject data)
        {
            return output["output_type"]?.GetValue<string>();
        }
        string text;
        if (data["text/plain"] is { } plain)
        {
            text = NotebookDocument.ReadMultiline(plain, "text/plain");
        }
        else if (data["text/html"] is { } htmlNode)
        {
            var html = NotebookDocument.ReadMultiline(htmlNode, "text/html");
            if (html.Contains("dotnet-interactive-this-cell", StringComparison.Ordinal))
            {
                return null;
            }
            html = StyleOrScript().Replace(html, "");
            text = System.Net.WebUtility.HtmlDecode(Tag().Replace(html, " "));
        }
        else
        {
            return string.Join(",", data.Select(d => d.Key));
        }
        text = Spaces().Replace(text, " ").Trim();
        return WallTime().Replace(text, "Wall time: #ms");
    }

    [GeneratedRegex("<(style|script)[^>]*>.*?</\\1>", RegexOptions.Singleline)]
    private static partial Regex StyleOrScript();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tag();

    [GeneratedRegex("\\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex("Wall time: [0-9.]+ms")]
    private static partial Regex WallTime();
}
