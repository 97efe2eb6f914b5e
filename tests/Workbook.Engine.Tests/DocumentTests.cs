using System.Text.Json.Nodes;
using Workbook.Engine.Documents;
using Workbook.Engine.Execution;

namespace Workbook.Engine.Tests;

public class DocumentTests
{
    private static NotebookFormatException Reject(string json)
    {
        var path = Path.Combine(Notebooks.TempFolder("doc"), "broken notebook.ipynb");
        File.WriteAllText(path, json);
        var error = Assert.Throws<NotebookFormatException>(() => NotebookDocument.Load(path));
        Assert.Contains(path, error.Message);
        return error;
    }

    [Fact]
    public void Malformed_notebooks_are_rejected_naming_the_file_and_the_problem()
    {
        Assert.Contains("not valid JSON", Reject("{\"cells\": [").Message);
        Assert.Contains("empty", Reject("").Message);
        Assert.Contains("\"cells\" is missing", Reject("{\"nbformat\": 4, \"nbformat_minor\": 5, \"metadata\": {}}").Message);
        Assert.Contains("only nbformat 4", Reject("{\"nbformat\": 3, \"nbformat_minor\": 0, \"metadata\": {}, \"cells\": []}").Message);
        Assert.Contains("\"nbformat\" is missing", Reject("{\"metadata\": {}, \"cells\": []}").Message);
        Assert.Contains("cell 2 (code) has no \"source\"",
            Reject("{\"nbformat\": 4, \"nbformat_minor\": 5, \"metadata\": {}, \"cells\": [{\"cell_type\": \"markdown\", \"metadata\": {}, \"source\": \"x\"}, {\"cell_type\": \"code\", \"metadata\": {}, \"outputs\": []}]}").Message);
        Assert.Contains("cell 1 has cell_type \"python\"",
            Reject("{\"nbformat\": 4, \"nbformat_minor\": 5, \"metadata\": {}, \"cells\": [{\"cell_type\": \"python\", \"metadata\": {}, \"source\": \"x\"}]}").Message);
        Assert.Contains("non-string element",
            Reject("{\"nbformat\": 4, \"nbformat_minor\": 5, \"metadata\": {}, \"cells\": [{\"cell_type\": \"code\", \"metadata\": {}, \"source\": [1], \"outputs\": []}]}").Message);
        Assert.Contains("top level must be a JSON object", Reject("[1, 2]").Message);
    }

    [Fact]
    public void Reading_keeps_unknown_metadata_and_joins_sources()
    {
        var json = """
            {"nbformat": 4, "nbformat_minor": 5,
             "metadata": {"polyglot_notebook": {"kernelInfo": {"defaultKernelName": "csharp"}}, "custom": {"keep": [1, 2]}},
             "cells": [
               {"cell_type": "code", "id": "a", "execution_count": null, "outputs": [], "source": ["var x = 1;\n", "x"],
                "metadata": {"polyglot_notebook": {"kernelName": "csharp"}, "tags": ["parameters"], "extra": true}},
               {"cell_type": "markdown", "id": "b", "metadata": {}, "source": "# title"}]}
            """;
        var document = NotebookDocument.Parse(json, "x.ipynb");
        Assert.Equal("var x = 1;\nx", document.Cells[0].Source);
        Assert.Equal(new[] { "parameters" }, document.Cells[0].Tags);
        Assert.Equal("csharp", document.Cells[0].KernelName);
        Assert.Equal(CellKind.Markdown, document.Cells[1].Kind);
        var written = JsonNode.Parse(NotebookDocument.Serialize(document.Json))!;
        Assert.Equal("[1,2]", written["metadata"]!["custom"]!["keep"]!.ToJsonString());
        Assert.True(written["cells"]![0]!["metadata"]!["extra"]!.GetValue<bool>());
        Assert.Empty(NotebookValidator.Validate(written.AsObject()));
    }

    [Fact]
    public void Validator_reports_what_front_ends_would_refuse()
    {
        var bad = JsonNode.Parse("""
            {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
             "cells": [{"cell_type": "code", "id": "a", "metadata": {}, "source": "x", "execution_count": "1",
                        "outputs": [{"output_type": "display_data", "data": {"text/plain": 3}},
                                    {"output_type": "stream", "name": "console", "text": "t"},
                                    {"output_type": "error", "ename": "E", "evalue": "v"}]},
                       {"cell_type": "markdown", "id": "a", "metadata": {}, "source": "m"}]}
            """)!.AsObject();
        var problems = NotebookValidator.Validate(bad);
        Assert.Contains(problems, p => p.Contains("cell 1: execution_count"));
        Assert.Contains(problems, p => p.Contains("output 1: data[\"text/plain\"]"));
        Assert.Contains(problems, p => p.Contains("output 1: display_data needs a metadata object"));
        Assert.Contains(problems, p => p.Contains("output 2: stream name"));
        Assert.Contains(problems, p => p.Contains("output 3: error needs traceback"));
        Assert.Contains(problems, p => p.Contains("cell 2: id \"a\" is used by an earlier cell"));
    }

    [Fact]
    public void Directives_are_blanked_keeping_line_numbers()
    {
        var parsed = CellDirectives.Parse("#!csharp\n#i \"nuget: ./feed\"\n#r \"nuget: Some.Package, 1.2.3\"\n#r \"lib/x.dll\"\nvar a = 1;");
        Assert.Null(parsed.Error);
        Assert.Equal("\n\n\n#r \"lib/x.dll\"\nvar a = 1;", parsed.Code);
        Assert.Equal(new NugetPackage("Some.Package", "1.2.3"), Assert.Single(parsed.Packages));
        Assert.Equal("./feed", Assert.Single(parsed.Sources));
        Assert.Equal((4, "lib/x.dll"), Assert.Single(parsed.AssemblyReferences));

        var fsharp = CellDirectives.Parse("var a = 1;\n#!fsharp\nlet x = 1");
        Assert.Equal(2, fsharp.Error!.Line);
        Assert.Contains("#!fsharp", fsharp.Error.Message);
        Assert.True(CellDirectives.Parse("#!time\n1").Time);                       // handled as the kernel does
        Assert.Contains("#!who is not supported", CellDirectives.Parse("#!who").Error!.Message.Replace("the magic command ", ""));
        Assert.NotNull(CellDirectives.Parse("#r \"nuget: \"").Error);
    }

    [Fact]
    public void Parameters_cell_declarations_are_found_from_the_syntax()
    {
        Assert.Equal(new[] { "steps", "rate", "name", "a", "b" },
            NotebookParameters.Declared("#!csharp\nvar steps = 2000;\ndouble rate = 0.1;\nstring name = \"x\";\nint a = 1, b = 2;\nConsole.WriteLine(steps);"));
    }
}
