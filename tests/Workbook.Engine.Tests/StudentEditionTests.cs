using System.Text.Json.Nodes;
using Workbook.Engine.Claims;
using Workbook.Engine.Documents;
using Workbook.Engine.Execution;

namespace Workbook.Engine.Tests;

/// <summary>
/// The student edition (<c>workbook student</c>): answers replaced by stubs that compile, outputs
/// cleared, paths rewritten; and every notebook's edition runs top to bottom with every declared
/// bound holding except the exercises', whose checks say "not attempted".
/// </summary>
[Collection(NotebookCollection.Name)]
public sealed class StudentEditionTests
{
    [Fact]
    public void Regions_become_stubs_that_say_what_to_do_and_paths_follow_the_edition()
    {
        var folder = Notebooks.TempFolder("student-unit");
        var path = Notebooks.Write(Path.Combine(folder, "notebooks", "nb.ipynb"), new[]
        {
            new Cell("# Title", Type: "markdown"),
            new Cell("#r \"../artifacts/Workbook/Workbook.dll\"\nvar a = 1;"),
            new Cell("int Twice(int x)\n{\n    // BEGIN SOLUTION Exercise 1: double x\n    return 2 * x;\n    // END SOLUTION\n}\nTwice(2)"),
            new Cell("double Half(double x)\n{\n    // BEGIN SOLUTION\n    // STUB: return double.NaN;\n    return x / 2;\n    // END SOLUTION\n}"),
        });
        var (edition, regions) = StudentEdition.Create(NotebookDocument.Load(path), Path.Combine(folder, "course", "student"));

        Assert.Equal(new[] { new SolutionRegion(3, 3, "Exercise 1: double x"), new SolutionRegion(4, 3, "Exercise 2: write your answer here") }, regions);
        var cells = edition["cells"]!.AsArray().Select(c => NotebookDocument.ReadMultiline(c!["source"], "source")).ToList();
        Assert.Contains("2 exercises to write", cells[1]);                            // the note, after the title
        Assert.Equal("#r \"../../artifacts/Workbook/Workbook.dll\"\nvar a = 1;", cells[2]); // one folder deeper
        Assert.Equal("int Twice(int x)\n{\n    // Exercise 1: double x\n    throw new NotImplementedException(\"Exercise 1: double x\");\n}\nTwice(2)", cells[3]);
        Assert.Equal("double Half(double x)\n{\n    // Exercise 2: write your answer here\n    return double.NaN;\n}", cells[4]);
        Assert.DoesNotContain(cells, c => c.Contains("2 * x", StringComparison.Ordinal));
        Assert.Equal(2, edition["metadata"]!["workbook"]!["student_edition"]!["exercises"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("int F()\n{\n    // BEGIN SOLUTION\n    return 1;\n}", "cell 2, line 3: // BEGIN SOLUTION is never closed")]
    [InlineData("int F()\n{\n    return 1;\n    // END SOLUTION\n}", "cell 2, line 4: // END SOLUTION without a // BEGIN SOLUTION")]
    public void A_malformed_region_names_the_notebook_cell_and_line(string code, string expected)
    {
        var folder = Notebooks.TempFolder("student-bad");
        var path = Notebooks.Write(Path.Combine(folder, "bad.ipynb"), new[] { new Cell("# t", Type: "markdown"), new Cell(code) });
        var e = Assert.Throws<NotebookFormatException>(() => StudentEdition.Create(NotebookDocument.Load(path), Path.Combine(folder, "out")));
        Assert.Contains("bad.ipynb", e.Message);
        Assert.Contains(expected, e.Message);
    }

    /// <summary>
    /// A notebook with one exercise, a machine-dependent metric (declared varying, bound missed) and a time budget no
    /// run meets: the author's run fails on both with the author's advice; its student edition's verdict is about the
    /// exercise only: "1 not attempted" untouched, "1 failing" with a wrong answer, "1 passed" with a right one.
    /// </summary>
    [Fact]
    public async Task The_student_editions_verdict_lists_the_exercises_without_machine_dependent_bounds_or_author_advice()
    {
        var folder = Notebooks.TempFolder("student-verdict");
        var source = Notebooks.Write(Path.Combine(folder, "notebooks", "nb.ipynb"), new[]
        {
            new Cell("# Doubling", Type: "markdown"),
            new Cell($"#r \"{Notebooks.WorkbookDll}\"\nusing Workbook.Notebooks;\nusing Workbook.Exercises;\nNotebook.Start(seed: 0)"),
            new Cell("int Twice(int x)\n{\n    // BEGIN SOLUTION Exercise 1: double x\n    return 2 * x;\n    // END SOLUTION\n}\n" +
                     "var check = Exercise.CheckValues(\"twice\", Twice, new[] { (1, 2), (3, 6) });\n" +
                     "Metrics.Report(\"exercise_passed\", check.Passed ? 1 : 0, \"the doubling exercise passes its check\");\ncheck"),
            new Cell("Metrics.Report(\"seconds_per_step\", 1e9, \"a time: machine-dependent\");\nMetrics.Report(\"answer\", 42);"),
            new Cell("Metrics.Summary()"),
        }, new JsonObject
        {
            ["budget_seconds"] = 0.001,
            ["metrics"] = new JsonObject { ["exercise_passed"] = "== 1", ["seconds_per_step"] = "<= 1", ["answer"] = "== 42" },
            ["varying"] = new JsonArray("seconds_per_step"),
        });
        var author = await Notebooks.Run(source);
        Assert.False(author.StudentEdition);
        Assert.Contains("make the notebook faster or smaller", author.Describe());
        Assert.Contains("metric seconds_per_step = 1E+09 misses its bound <= 1", author.Describe());

        var studentFolder = Path.Combine(folder, "student");
        var (edition, _) = StudentEdition.Create(NotebookDocument.Load(source), studentFolder);
        var path = Path.Combine(studentFolder, "nb.ipynb");
        async Task<NotebookRunResult> RunWith(string? answer)
        {
            var json = (JsonObject)edition.DeepClone();
            if (answer is not null)
            {
                var cell = json["cells"]![3]!.AsObject();
                cell["source"] = NotebookDocument.ToMultiline(NotebookDocument.ReadMultiline(cell["source"], "source")
                    .Replace("throw new NotImplementedException(\"Exercise 1: double x\");", answer, StringComparison.Ordinal));
            }
            NotebookDocument.WriteAtomically(json, path);
            return await NotebookRunner.RunAsync(path, new RunOptions { OutputDirectory = Path.Combine(studentFolder, "executed") });
        }

        var untouched = await RunWith(null);
        Assert.True(untouched.StudentEdition);
        Assert.True(untouched.Succeeded, untouched.Describe());
        Assert.Equal("1 not attempted", untouched.Verdict);
        var exercise = Assert.Single(untouched.Exercises);
        Assert.Equal(new BundleExercise("exercise_passed", "twice", "not attempted", "not attempted yet: Exercise 1: double x", 0), exercise);
        Assert.DoesNotContain(untouched.Claims, c => c.Name is NotebookClaims.BudgetClaim or "seconds_per_step");
        Assert.DoesNotContain("faster or smaller", untouched.Describe());
        Assert.Contains("1 not attempted, no failure", untouched.Describe());
        var run = NotebookDocument.Load(Path.Combine(studentFolder, "executed", "nb.ipynb")).Metadata["workbook"]!["run"]!;
        Assert.Equal("1 not attempted", run["verdict"]!.GetValue<string>());
        Assert.Equal("not attempted", run["exercises"]![0]!["state"]!.GetValue<string>());

        var wrong = await RunWith("return x + 1;");
        Assert.False(wrong.Succeeded);
        Assert.Equal("1 failing", wrong.Verdict);
        Assert.Equal("exercise twice is failing: case 2 of 2: for input 3 expected 6 but your function returned 4", Assert.Single(wrong.Failures).Message.Split(": ", 2)[1]);

        var right = await RunWith("return x + x;");
        Assert.True(right.Succeeded, right.Describe());
        Assert.Equal("1 passed", right.Verdict);

        // The command line says the same to the student.
        var output = new StringWriter();
        Assert.Equal(0, await Cli.Commands.RunAsync(new[] { "run", path, "--out", Path.Combine(studentFolder, "cli") }, output, new StringWriter()));
        Assert.Contains("student edition: 1 passed", output.ToString());
    }

    [Fact]
    public async Task The_cli_never_writes_over_the_source_notebooks()
    {
        var folder = Notebooks.TempFolder("student-cli");
        var path = Notebooks.Write(Path.Combine(folder, "nb.ipynb"), new[] { new Cell("1") });
        var before = File.ReadAllText(path);
        var error = new StringWriter();
        Assert.Equal(2, await Cli.Commands.RunAsync(new[] { "student", path, "--out", folder }, new StringWriter(), error));
        Assert.Contains("would overwrite", error.ToString());
        Assert.Equal(before, File.ReadAllText(path));
    }
}

/// <summary>
/// Every notebook's student edition, in two halves that run side by side (two worker processes on two cores: most
/// notebooks use one libtorch thread), so the editions cost about half their serial time. Every other collection of
/// this assembly runs alone, after these (xUnit runs the collections that allow parallelism first).
/// </summary>
public static class StudentEditionRuns
{
    /// <summary>Notebooks of one half: alternate notebooks, so each half gets a share of the long RL notebooks.</summary>
    public static IEnumerable<object[]> Half(int half) =>
        NotebookTests.All().Where((_, k) => k % 2 == half);

    public static IEnumerable<object[]> FirstHalf() => Half(0);

    public static IEnumerable<object[]> SecondHalf() => Half(1);

    /// <summary>
    /// Runs <paramref name="notebook"/>'s student edition in the engine: every cell succeeds, every declared bound holds
    /// except the exercises' (which say "not attempted"), the time budget and the timings the notebook declares
    /// <c>varying</c>: two editions run side by side here, so times are not those of an idle machine (the instructor's
    /// notebook holds them, alone, in <see cref="NotebookTests"/>).
    /// </summary>
    public static async Task RunsAndHoldsEveryBoundButTheExercises(string notebook)
    {
        var source = Path.Combine(Notebooks.RepoRoot, "notebooks", notebook);
        if (!File.Exists(source))
        {
            return; // the sentinel row of an empty notebooks/ folder
        }
        var folder = Path.Combine(Notebooks.RepoRoot, "out", "tests", $"student-{Guid.NewGuid():N}"[..20]);
        Directory.CreateDirectory(folder);
        var (edition, regions) = StudentEdition.Create(NotebookDocument.Load(source), folder);
        var path = Path.Combine(folder, notebook);
        NotebookDocument.WriteAtomically(edition, path);
        var claims = NotebookClaims.FromMetadata(NotebookDocument.Load(source).Metadata);

        var result = await NotebookRunner.RunAsync(path, new RunOptions
        {
            OutputDirectory = Path.Combine(folder, "executed"),
            // A limit for hangs, not a budget: two editions side by side, two libtorch threads each, oversubscribe 2 cores and
            // run 4-6x slower than alone (25's pretraining 134 s against 23 s alone, so 3x its budget was passed). One thread
            // per edition would be faster but changes float32 rounding, and so seeded RL results (25's kl_ratio_off_on
            // 1.15 -> 2.89): the editions keep the author run's thread count and get more time.
            NotebookTimeout = TimeSpan.FromSeconds(6 * claims.BudgetSeconds),
        });

        Assert.All(result.Cells, cell => Assert.True(cell.Succeeded, $"{notebook} (student edition), cell {cell.Number} failed: {result.Describe()}"));
        // The student's verdict: the exercises "not attempted", no failure. Every bound but the exercises' holds; what
        // depends on an idle machine (the time budget, the timings the notebook declares varying) is not in it at all
        // (two editions run side by side here; NotebookTests holds those, alone).
        Assert.True(result.StudentEdition);
        Assert.True(result.Succeeded, $"{notebook} (student edition): {result.Describe()}");
        Assert.DoesNotContain(result.Claims, c => c.Name == NotebookClaims.BudgetClaim || claims.Varying.Contains(c.Name));
        var exercises = result.Metrics.Keys.Count(k => k.StartsWith("exercise", StringComparison.Ordinal));
        Assert.Equal(exercises, result.Exercises.Count);
        Assert.All(result.Exercises, e => Assert.True(e.State == BundleExercise.NotAttempted, $"{notebook} (student edition): {e}"));
        Assert.Equal(regions.Count == 0 && exercises == 0 ? "no exercise" : $"{exercises} not attempted", result.Verdict);
        if (regions.Count > 0)
        {
            Assert.NotEmpty(result.Exercises);
            var texts = result.Cells.SelectMany(c => c.Outputs).OfType<JsonObject>().Select(o => o.ToJsonString()).ToList();
            Assert.Contains(texts, t => t.Contains("NOT ATTEMPTED", StringComparison.Ordinal));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class StudentEditionsA
{
    public const string Name = "student editions, first half";
}

[CollectionDefinition(Name)]
public sealed class StudentEditionsB
{
    public const string Name = "student editions, second half";
}

[Collection(StudentEditionsA.Name)]
public sealed class StudentEditionFirstHalfTests
{
    [Theory]
    [MemberData(nameof(StudentEditionRuns.FirstHalf), MemberType = typeof(StudentEditionRuns))]
    public Task The_student_edition_runs_and_holds_every_bound_but_the_exercises(string notebook) =>
        StudentEditionRuns.RunsAndHoldsEveryBoundButTheExercises(notebook);
}

[Collection(StudentEditionsB.Name)]
public sealed class StudentEditionSecondHalfTests
{
    [Theory]
    [MemberData(nameof(StudentEditionRuns.SecondHalf), MemberType = typeof(StudentEditionRuns))]
    public Task The_student_edition_runs_and_holds_every_bound_but_the_exercises(string notebook) =>
        StudentEditionRuns.RunsAndHoldsEveryBoundButTheExercises(notebook);
}
