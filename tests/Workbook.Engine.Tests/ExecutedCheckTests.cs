using System.Text.Json.Nodes;
using Workbook.Engine.Claims;
using Workbook.Engine.Documents;
using Workbook.Engine.Execution;

namespace Workbook.Engine.Tests;

/// <summary>
/// <c>workbook check --executed</c>: claims held from a notebook executed anywhere, from the metrics
/// bundle of its summary output; and the magics the engine handles as the kernel does.
/// </summary>
public sealed class ExecutedCheckTests
{
    private const string Bundle = "{\"format\":\"workbook-metrics/1\",\"host\":\"polyglot\",\"metrics\":{\"accuracy\":0.93,\"loss\":1.5}}";

    private static string Executed(string folder, JsonArray? summaryOutputs, JsonObject? workbook, JsonObject? extraOutput = null)
    {
        var path = Notebooks.Write(Path.Combine(folder, "nb.ipynb"), new[] { new Cell("var a = 1;"), new Cell("Metrics.Summary()") }, workbook);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var cells = json["cells"]!.AsArray();
        if (extraOutput is not null)
        {
            cells[0]!["outputs"]!.AsArray().Add(extraOutput);
        }
        if (summaryOutputs is not null)
        {
            cells[1]!["outputs"] = summaryOutputs;
        }
        if (workbook is null)
        {
            json["metadata"]!.AsObject().Remove("workbook");
        }
        File.WriteAllText(path, NotebookDocument.Serialize(json));
        return path;
    }

    private static JsonArray Display(JsonObject data) =>
        new(new JsonObject { ["output_type"] = "display_data", ["data"] = data, ["metadata"] = new JsonObject() });

    private static JsonObject Claims(string accuracy) => new() { ["metrics"] = new JsonObject { ["accuracy"] = accuracy, ["loss"] = "<= 2" } };

    [Fact]
    public void A_bundle_as_a_kernel_writes_it_holds_the_notebook_to_its_bounds()
    {
        var folder = Notebooks.TempFolder("executed");
        var passing = ExecutedNotebookCheck.Check(Executed(folder, Display(new JsonObject
        {
            [ExecutedNotebookCheck.BundleMimeType] = NotebookDocument.ToMultiline(Bundle), // a string, as the kernel writes it
            ["text/plain"] = "accuracy = 0.93",
        }), Claims(">= 0.9")));
        Assert.True(passing.Passed, passing.Describe());
        Assert.Equal(0.93, passing.Metrics!["accuracy"]);
        Assert.Equal("polyglot", passing.Host);

        var failing = ExecutedNotebookCheck.Check(Executed(folder, Display(new JsonObject
        {
            [ExecutedNotebookCheck.BundleMimeType] = JsonNode.Parse(Bundle), // an object, as the engine writes it
        }), Claims(">= 0.95")));
        Assert.False(failing.Passed);
        Assert.Contains("metric accuracy = 0.93 misses its bound >= 0.95", failing.Describe());
    }

    [Fact]
    public void The_engine_reads_the_bundle_the_library_writes()
    {
        // Written twice on purpose (the engine does not reference the notebooks' library): held equal here.
        Assert.Equal(Workbook.Notebooks.MetricTable.BundleMimeType, ExecutedNotebookCheck.BundleMimeType);
        Assert.Equal(Workbook.Notebooks.MetricTable.BundleFormat, ExecutedNotebookCheck.BundleFormat);
        Assert.Equal(Workbook.Notebooks.MetricTable.BundleFormatV1, MetricsBundle.FormatV1);
        // What the library writes now reads back, exercise states included.
        Workbook.Notebooks.Metrics.Clear();
        try
        {
            var stub = Workbook.Exercises.Exercise.CheckValues<int, int>("double", _ => throw new NotImplementedException("Exercise 1"), new[] { (1, 2) });
            Workbook.Notebooks.Metrics.Report("exercise_passed", stub.Passed ? 1 : 0);
            var bundle = MetricsBundle.Parse(JsonNode.Parse(Workbook.Notebooks.Metrics.Summary().ToBundleJson())!.AsObject());
            Assert.Equal(2, bundle.Version);
            Assert.Equal(new BundleExercise("exercise_passed", "double", "not attempted", "not attempted yet: Exercise 1", 0), bundle.Exercises!["exercise_passed"]);
        }
        finally
        {
            Workbook.Notebooks.Metrics.Clear();
        }
    }

    private const string BundleV2 = "{\"format\":\"workbook-metrics/2\",\"host\":\"workbook-engine\",\"metrics\":{\"accuracy\":0.93,\"loss\":1.5," +
        "\"exercise_passed\":0,\"exercise_ridge_passed\":0,\"exercise_adam_passed\":1},\"exercises\":{" +
        "\"exercise_passed\":{\"exercise\":\"online softmax\",\"state\":\"failed\",\"message\":\"case 2 of 6: expected 1.2, got 2.5\",\"cases\":2}," +
        "\"exercise_ridge_passed\":{\"exercise\":\"ridge\",\"state\":\"not attempted\",\"message\":\"not attempted yet: Exercise 2\",\"cases\":0}," +
        "\"exercise_adam_passed\":{\"exercise\":\"Adam update\",\"state\":\"passed\",\"message\":\"passed all 4 cases\",\"cases\":4}}}";

    [Fact]
    public void Both_bundle_versions_are_read_and_version_2_says_failed_or_not_attempted()
    {
        var folder = Notebooks.TempFolder("executed");
        var claims = new JsonObject
        {
            ["metrics"] = new JsonObject
            {
                ["accuracy"] = ">= 0.9", ["exercise_passed"] = "== 1", ["exercise_ridge_passed"] = "== 1", ["exercise_adam_passed"] = "== 1",
            },
        };
        var v2 = ExecutedNotebookCheck.Check(Executed(folder, Display(new JsonObject { [ExecutedNotebookCheck.BundleMimeType] = NotebookDocument.ToMultiline(BundleV2) }), (JsonObject)claims.DeepClone()));
        Assert.Equal(2, v2.Bundle!.Version);
        Assert.False(v2.Passed);
        var report = v2.Describe();
        Assert.Contains("metric exercise_passed = 0 misses its bound == 1 (online softmax: failed: case 2 of 6: expected 1.2, got 2.5)", report);
        Assert.Contains("metric exercise_ridge_passed = 0 misses its bound == 1 (ridge: not attempted: not attempted yet: Exercise 2)", report);
        Assert.Contains("ok: metric exercise_adam_passed = 1 meets == 1", report);
        Assert.Equal(new[] { "failed", "not attempted", "passed" }, v2.Bundle.ExerciseStates().Select(e => e.State));

        // The same numbers in a version-1 bundle: held to the same bounds; its exercises can only be passed or failed.
        var v1Text = "{\"format\":\"workbook-metrics/1\",\"host\":\"polyglot\",\"metrics\":{\"accuracy\":0.93,\"exercise_passed\":0,\"exercise_ridge_passed\":0,\"exercise_adam_passed\":1}}";
        var v1 = ExecutedNotebookCheck.Check(Executed(folder, Display(new JsonObject
        {
            ["text/html"] = $"<table></table><script type=\"{ExecutedNotebookCheck.BundleMimeType}\" class=\"workbook-metrics-bundle\">{v1Text}</script>",
        }), (JsonObject)claims.DeepClone()));
        Assert.Equal(1, v1.Bundle!.Version);
        Assert.Null(v1.Bundle.Exercises);
        Assert.Equal(v2.Claims.Select(c => (c.Name, c.Passed)), v1.Claims.Select(c => (c.Name, c.Passed)));
        Assert.Contains("metric exercise_ridge_passed = 0 misses its bound == 1", v1.Describe());
        Assert.Equal(new[] { "failed", "failed", "passed" }, v1.Bundle.ExerciseStates().Select(e => e.State));

        // A bundle of an unknown version, or a version 2 without its exercises, does not read.
        var unknown = ExecutedNotebookCheck.Check(Executed(folder, Display(new JsonObject
        {
            [ExecutedNotebookCheck.BundleMimeType] = JsonNode.Parse("{\"format\":\"workbook-metrics/3\",\"metrics\":{}}"),
        }), (JsonObject)claims.DeepClone()));
        Assert.Contains("not in the format workbook-metrics/2 or workbook-metrics/1", unknown.Describe());
        var noExercises = ExecutedNotebookCheck.Check(Executed(folder, Display(new JsonObject
        {
            [ExecutedNotebookCheck.BundleMimeType] = JsonNode.Parse("{\"format\":\"workbook-metrics/2\",\"metrics\":{}}"),
        }), (JsonObject)claims.DeepClone()));
        Assert.Contains("has no \"exercises\" object", noExercises.Describe());
    }

    [Fact]
    public async Task The_cli_checks_both_bundle_versions()
    {
        var claims = new JsonObject { ["metrics"] = new JsonObject { ["accuracy"] = ">= 0.9", ["exercise_passed"] = "== 1" } };
        foreach (var text in new[] { Bundle.Replace("\"loss\":1.5", "\"exercise_passed\":1"), BundleV2.Replace("\"exercise_passed\":0", "\"exercise_passed\":1").Replace("\"state\":\"failed\"", "\"state\":\"passed\"") })
        {
            var folder = Notebooks.TempFolder("executed-cli");
            Executed(folder, Display(new JsonObject { [ExecutedNotebookCheck.BundleMimeType] = JsonNode.Parse(text) }), (JsonObject)claims.DeepClone());
            var output = new StringWriter();
            var error = new StringWriter();
            Assert.True(0 == await Cli.Commands.RunAsync(new[] { "check", "--executed", folder }, output, error), output + "\n" + error);
            Assert.Contains("nb.ipynb: ok (2 claims hold", output.ToString());
        }
        var failing = Notebooks.TempFolder("executed-cli");
        Executed(failing, Display(new JsonObject { [ExecutedNotebookCheck.BundleMimeType] = JsonNode.Parse(BundleV2) }), (JsonObject)claims.DeepClone());
        var failedError = new StringWriter();
        Assert.Equal(1, await Cli.Commands.RunAsync(new[] { "check", "--executed", failing }, new StringWriter(), failedError));
        Assert.Contains("(online softmax: failed: case 2 of 6: expected 1.2, got 2.5)", failedError.ToString());
    }

    [Fact]
    public void The_copy_embedded_in_the_html_is_enough()
    {
        var folder = Notebooks.TempFolder("executed");
        var check = ExecutedNotebookCheck.Check(Executed(folder, Display(new JsonObject
        {
            ["text/html"] = $"<table></table><script type=\"{ExecutedNotebookCheck.BundleMimeType}\" class=\"workbook-metrics-bundle\">{Bundle}</script>",
        }), Claims(">= 0.9")));
        Assert.True(check.Passed, check.Describe());
    }

    [Fact]
    public void Error_outputs_and_a_missing_summary_fail_with_what_is_wrong()
    {
        var folder = Notebooks.TempFolder("executed");
        var error = new JsonObject { ["output_type"] = "error", ["ename"] = "Error", ["evalue"] = "CS0103: x does not exist\nmore", ["traceback"] = new JsonArray() };
        var withError = ExecutedNotebookCheck.Check(Executed(folder, Display(new JsonObject
        {
            [ExecutedNotebookCheck.BundleMimeType] = JsonNode.Parse(Bundle),
        }), Claims(">= 0.9"), error));
        Assert.False(withError.Passed);
        Assert.Contains("error output in cell 1: Error: CS0103: x does not exist", withError.Describe());

        var unfinished = ExecutedNotebookCheck.Check(Executed(folder, new JsonArray(), Claims(">= 0.9")));
        Assert.False(unfinished.Passed);
        Assert.Contains("no metrics bundle", unfinished.Describe());
    }

    [Fact]
    public void A_copy_without_claims_takes_them_from_its_source_or_fails()
    {
        var folder = Notebooks.TempFolder("executed");
        var source = Notebooks.Write(Path.Combine(Notebooks.TempFolder("source"), "nb.ipynb"), new[] { new Cell("1") }, Claims(">= 0.99"));
        var executed = Executed(folder, Display(new JsonObject { [ExecutedNotebookCheck.BundleMimeType] = JsonNode.Parse(Bundle) }), workbook: null);

        var alone = ExecutedNotebookCheck.Check(executed);
        Assert.False(alone.Passed);
        Assert.Contains("no declared claims", alone.Describe());

        var fromSource = ExecutedNotebookCheck.Check(executed, source);
        Assert.False(fromSource.Passed);
        Assert.Contains("misses its bound >= 0.99", fromSource.Describe());
    }

    [Fact]
    public async Task The_cli_checks_a_folder_of_executed_notebooks()
    {
        var folder = Notebooks.TempFolder("executed");
        Executed(folder, Display(new JsonObject { [ExecutedNotebookCheck.BundleMimeType] = JsonNode.Parse(Bundle) }), Claims(">= 0.95"));
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await Cli.Commands.RunAsync(new[] { "check", "--executed", folder }, output, error);
        Assert.Equal(1, code);
        Assert.Contains("nb.ipynb: FAILED", output.ToString());
        Assert.Contains("misses its bound >= 0.95", error.ToString());
    }

    [Theory]
    [InlineData("in [0, 1]")]
    [InlineData(">= 0")]
    [InlineData("> 0")]
    public void Check_rejects_a_bound_that_rarely_proves_anything_unless_marked_sanity_with_a_reason(string bound)
    {
        var folder = Notebooks.TempFolder("weak");
        var weak = Notebooks.Write(Path.Combine(folder, "weak.ipynb"), new[] { new Cell("1") },
            new JsonObject { ["metrics"] = new JsonObject { ["share"] = bound, ["loss"] = "<= 2" } });
        var problem = Assert.Single(NotebookChecks.Check(weak));
        Assert.Contains($"metric share is bounded by \"{bound}\"", problem);

        var marked = Notebooks.Write(Path.Combine(folder, "marked.ipynb"), new[] { new Cell("1") }, new JsonObject
        {
            ["metrics"] = new JsonObject { ["share"] = bound },
            ["sanity"] = new JsonObject { ["share"] = "the count of failed runs must not be negative; a bug made it -1 once" },
            ["varying"] = new JsonArray("share"),
        });
        Assert.Empty(NotebookChecks.Check(marked));
        Assert.Contains("share", NotebookClaims.FromMetadata(NotebookDocument.Load(marked).Metadata).Varying);

        var noReason = Notebooks.Write(Path.Combine(folder, "noreason.ipynb"), new[] { new Cell("1") }, new JsonObject
        {
            ["metrics"] = new JsonObject { ["share"] = bound },
            ["sanity"] = new JsonObject { ["share"] = "ok" },
        });
        Assert.Contains("must give the reason in words", Assert.Single(NotebookChecks.Check(noReason)));
    }

    [Fact]
    public void Check_flags_a_module_called_through_forward_but_not_a_forward_override()
    {
        var folder = Notebooks.TempFolder("forward");
        var direct = Notebooks.Write(Path.Combine(folder, "direct.ipynb"),
            new[] { new Cell("var y = 1;"), new Cell("var x = 2;\nusing (no_grad()) model.forward(x);") });
        var problem = Assert.Single(NotebookChecks.Check(direct));
        Assert.Contains("cell 2, line 2: calls a module's forward directly", problem);

        var called = Notebooks.Write(Path.Combine(folder, "called.ipynb"), new[]
        {
            new Cell("sealed class Twice : nn.Module<Tensor, Tensor>\n{\n    public Twice() : base(\"twice\") { }\n    public override Tensor forward(Tensor x) => x * 2;\n}"),
            new Cell("using (no_grad()) model.call(x); // not model.forward(x)"),
        });
        Assert.Empty(NotebookChecks.Check(called));
    }

    [Theory]
    [InlineData("#!time\nvar s = 1;", true, "\nvar s = 1;")]
    [InlineData("#!c#\n#!time\ns", true, "\n\ns")]
    [InlineData("#!set --name steps --value 200\nsteps", false, "var steps = \"200\";\nsteps")]
    [InlineData("#!set --name label --value \"two words\"", false, "var label = \"two words\";")]
    public void Magics_handled_as_the_kernel_handles_them_keep_line_numbers(string source, bool time, string code)
    {
        var directives = CellDirectives.Parse(source);
        Assert.Null(directives.Error);
        Assert.Equal(time, directives.Time);
        Assert.Equal(code, directives.Code);
    }

    [Fact]
    public void Markdown_and_value_cells_hold_text_not_code()
    {
        var markdown = CellDirectives.Parse("#!markdown\n# Title\n\ntext");
        Assert.Equal("# Title\n\ntext", markdown.Markdown);
        Assert.Equal("", markdown.Code);
        var value = CellDirectives.Parse("#!value --name greeting\nhello");
        Assert.Equal(("greeting", "hello"), value.Value);
        Assert.Equal(2, CellDirectives.Parse("var a = 1;\n#!fsharp\nlet b = 2").Error!.Line);
    }
}
