using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Workbook.Cli;

namespace Workbook.Engine.Tests;

/// <summary>`workbook grade` (quick mode): a class's saved notebooks to one row per student and exercise, running nothing.</summary>
public class GradeTests
{
    private const string Check = "var result = TensorExercises.CheckOnlineSoftmax(AbsorbChunk);\nMetrics.Report(\"exercise_passed\", result.Passed ? 1 : 0);\nresult";

    // Outputs as the engine and .NET Interactive save them (Workbook.Display.WorkbookFormatters: text/plain and HTML).
    private static JsonObject Plain(string text) => new()
    {
        ["output_type"] = "execute_result", ["execution_count"] = 1, ["metadata"] = new JsonObject(),
        ["data"] = new JsonObject { ["text/plain"] = new JsonArray(text) },
    };

    private static JsonObject Html(string state, string name, string verdict, string message) => new()
    {
        ["output_type"] = "execute_result", ["execution_count"] = 1, ["metadata"] = new JsonObject(),
        ["data"] = new JsonObject
        {
            ["text/html"] = $"<div class=\"workbook-exercise {state}\" style=\"border:2px solid #c62828\"><strong>\u2718 {name}: {verdict}</strong> " +
                            $"<span>(2 cases checked)</span><div style=\"font-family:monospace;white-space:pre-wrap\">{message}</div></div>",
        },
    };

    private static JsonObject Error(string name, string value) => new()
    {
        ["output_type"] = "error", ["ename"] = name, ["evalue"] = value, ["traceback"] = new JsonArray(),
    };

    private static string Notebook(string path, params (string Source, JsonObject[] Outputs, int? Count)[] cells)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var notebook = new JsonObject
        {
            ["nbformat"] = 4, ["nbformat_minor"] = 5, ["metadata"] = new JsonObject(),
            ["cells"] = new JsonArray(cells.Select(c => (JsonNode)new JsonObject
            {
                ["cell_type"] = "code", ["metadata"] = new JsonObject(), ["source"] = c.Source,
                ["execution_count"] = c.Count, ["outputs"] = new JsonArray(c.Outputs.Select(o => o.DeepClone()).ToArray()),
            }).ToArray()),
        };
        File.WriteAllText(path, notebook.ToJsonString());
        return path;
    }

    private static (string, JsonObject[], int?) Cell(string source, int? count, params JsonObject[] outputs) => (source, outputs, count);

    [Fact]
    public async Task Grade_writes_one_row_per_student_and_exercise_and_skips_bad_files()
    {
        var folder = Notebooks.TempFolder("grade");
        // A demonstration in the notebook (a wrong step failing the same check) is not the student's exercise.
        var demo = Cell("var wrong = TensorExercises.CheckOnlineSoftmax(Forgetful);\nwrong", 2, Plain("FAILED online softmax: case 2 of 6 (the demonstration)"));
        Notebook(Path.Combine(folder, "alice", "00-start.ipynb"), Cell(Check, 1, Plain("PASSED online softmax: passed all 6 cases")), demo);
        Notebook(Path.Combine(folder, "bob", "00-start.ipynb"), Cell(Check, 1, Html("failed", "online softmax", "not yet", "case 2 of 6: expected 1.2 but your function returned 2.5, &lt;wrong&gt;")), demo);
        Notebook(Path.Combine(folder, "carol", "00-start.ipynb"), Cell(Check, 1, Plain("NOT ATTEMPTED online softmax: not attempted yet: Exercise 1")));
        Notebook(Path.Combine(folder, "dave", "00-start.ipynb"), Cell("int F() => \"x\";\n" + Check, 1, Error("Error", "(1,12): error CS0029: Cannot implicitly convert type 'string' to 'int'\nmore")));
        Notebook(Path.Combine(folder, "gina__00-start.ipynb"), Cell("var x = 1;", null), Cell(Check, null));
        Directory.CreateDirectory(Path.Combine(folder, "erin"));
        File.WriteAllText(Path.Combine(folder, "erin", "00-start.ipynb"), "{\"cells\": [ truncated");
        File.WriteAllText(Path.Combine(folder, "frank__00-start.ipynb"), "{\"title\": \"my notes, not a notebook\"}");
        var csv = Path.Combine(folder, "out", "grades.csv");

        var output = new StringWriter();
        var error = new StringWriter();
        var code = await Commands.RunAsync(new[] { "grade", folder, "--csv", csv }, output, error);

        Assert.True(code == 0, output + "\n" + error);
        Assert.Equal(
            """
            student,notebook,exercise,state,message,verified
            alice,00-start,online softmax,passed,passed all 6 cases,no
            bob,00-start,online softmax,failed,"case 2 of 6: expected 1.2 but your function returned 2.5, <wrong>",no
            carol,00-start,online softmax,not attempted,not attempted yet: Exercise 1,no
            dave,00-start,exercise_passed,error,"cell 1: Error: (1,12): error CS0029: Cannot implicitly convert type 'string' to 'int'",no
            erin,00-start,-,unreadable,(the JSON reader's message),no
            frank,00-start,-,unreadable,not a Jupyter notebook (no cells array),no
            gina,00-start,exercise_passed,not run,cell 2 was not run (or not saved after running),no

            """.ReplaceLineEndings("\n"), Regex.Replace(File.ReadAllText(csv), "(?m)^(erin,00-start,-,unreadable,).*,no$", "$1(the JSON reader's message),no"));
        Assert.Contains("skipped erin/00-start", error.ToString());
        Assert.Contains("skipped frank/00-start", error.ToString());
        Assert.Contains("unverified", output.ToString());
        Assert.Contains("7 students, 7 notebooks", output.ToString());
    }

    [Fact]
    public async Task Grade_without_a_folder_of_notebooks_is_a_usage_error()
    {
        Assert.Equal(2, (await Commands.RunAsync(new[] { "grade", "/no/such/class" }, new StringWriter(), new StringWriter())));
        Assert.Equal(2, await Commands.RunAsync(new[] { "grade", Notebooks.TempFolder("grade-empty") }, new StringWriter(), new StringWriter()));
        Assert.Equal(2, await Commands.RunAsync(new[] { "grade" }, new StringWriter(), new StringWriter()));
        var help = new StringWriter();
        Assert.Equal(0, await Commands.RunAsync(new[] { "grade", "--help" }, help, new StringWriter()));
        Assert.Contains("--csv", help.ToString());
    }
}
