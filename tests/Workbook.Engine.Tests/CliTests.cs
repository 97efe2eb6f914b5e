using System.Diagnostics;
using System.Text.Json.Nodes;
using Workbook.Cli;

namespace Workbook.Engine.Tests;

[Collection(WorkerCollection.Name)]
public class CliTests
{
    private static async Task<(int Code, string Out, string Err)> Workbook(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await Commands.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task The_workbooks_notebooks_pass_check()
    {
        // Format, directives, claims, and no bound that rarely proves anything (unless marked sanity).
        var (code, output, error) = await Workbook("check", Path.Combine(Notebooks.RepoRoot, "notebooks"));
        Assert.True(code == 0, output + error);
    }

    [Fact]
    public async Task Run_exits_zero_when_all_pass_and_non_zero_naming_notebook_cell_and_line_when_one_fails()
    {
        var folder = Notebooks.TempFolder("cli");
        var notebooks = Path.Combine(folder, "notebooks");
        Notebooks.Write(Path.Combine(notebooks, "01-good.ipynb"), new[]
        {
            new Cell($"#r \"{Notebooks.WorkbookDll}\"\nusing Workbook.Notebooks;\nMetrics.Report(\"answer\", 42);"),
        }, new JsonObject { ["metrics"] = new JsonObject { ["answer"] = "== 42" } });
        var bad = Notebooks.Write(Path.Combine(notebooks, "02-bad.ipynb"), new[]
        {
            new Cell("text", Type: "markdown"),
            new Cell("var a = 1;\nvar b = a\n    .Missing();"),
        });
        var outDir = Path.Combine(folder, "out");

        var good = await Workbook("run", Path.Combine(notebooks, "01-good.ipynb"), "--out", outDir);
        Assert.True(good.Code == 0, good.Out + good.Err);
        Assert.Contains("All 1 notebook passed.", good.Out);
        Assert.Matches(@"01-good\.ipynb\s+passed\s+1/1\s+\d+\.\d\s+answer=42", good.Out);
        Assert.True(File.Exists(Path.Combine(outDir, "01-good.ipynb")));

        var both = await Workbook("run", notebooks, "--out", outDir, "--cell-timeout", "120");
        Assert.Equal(1, both.Code);
        Assert.Contains("1 of 2 notebooks failed", both.Err);
        Assert.Contains($"{bad}, cell 2, line 3: error CS1061", both.Err);
        Assert.Contains("Missing", both.Err);
        Assert.Matches(@"02-bad\.ipynb\s+failed\s+1/1", both.Out);
        Assert.Contains("cell 2", both.Out);
    }

    [Fact]
    public async Task The_workbook_executable_returns_the_exit_code_of_the_run()
    {
        var folder = Notebooks.TempFolder("exe");
        var path = Notebooks.Write(Path.Combine(folder, "fails.ipynb"), new[] { new Cell("var x = 1;\nthrow new InvalidOperationException(\"student-facing\");") });
        var start = new ProcessStartInfo(Execution.DotnetHost.Path) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "Workbook.Cli.dll"), "run", path, "--out", Path.Combine(folder, "out") })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(1, process.ExitCode);
        Assert.Contains($"{path}, cell 1, line 2: System.InvalidOperationException: student-facing", await stderr);
        Assert.Contains("fails.ipynb", await stdout);
    }

    [Fact]
    public async Task Usage_errors_exit_two_and_check_reports_problems_without_running()
    {
        Assert.Equal(2, (await Workbook("run", "--frobnicate")).Code);
        Assert.Equal(2, (await Workbook("run", "/no/such/notebook.ipynb")).Code);
        Assert.Equal(2, (await Workbook("run", "--param", "novalue", "/tmp")).Code);

        var folder = Notebooks.TempFolder("check");
        var good = Notebooks.Write(Path.Combine(folder, "good.ipynb"), new[] { new Cell("var steps = 1;", Tags: new[] { "parameters" }) },
            new JsonObject { ["metrics"] = new JsonObject { ["x"] = ">= 1" } });
        var bad = Notebooks.Write(Path.Combine(folder, "bad.ipynb"), new[] { new Cell("#!pwsh\nGet-Date") },
            new JsonObject { ["metrics"] = new JsonObject { ["x"] = "roughly 1" } });
        var ok = await Workbook("check", good);
        Assert.True(ok.Code == 0, ok.Err);
        var problems = await Workbook("check", bad);
        Assert.Equal(1, problems.Code);
        Assert.Contains("workbook.metrics.x", problems.Err);
        Assert.Contains($"{bad}, cell 1, line 1: #!pwsh switches this cell to the pwsh kernel", problems.Err);
    }

    [Fact]
    public async Task Every_command_has_help_and_the_version_is_printed()
    {
        var run = await Workbook("run", "--help");
        Assert.True(run.Code == 0, run.Out + run.Err);
        foreach (var option in new[] { "--out", "--param", "--cell-timeout", "--timeout", "--in-place", "[default: 900]" })
        {
            Assert.Contains(option, run.Out);
        }
        Assert.Contains("workbook run", run.Out);
        foreach (var (command, option) in new[] { ("check", "--executed"), ("check", "--claims-from"), ("student", "--out"), ("data", "--out") })
        {
            var help = await Workbook(command, "-h");
            Assert.True(help.Code == 0, help.Out + help.Err);
            Assert.Contains(option, help.Out);
        }
        var top = await Workbook("--help");
        Assert.Equal(0, top.Code);
        foreach (var command in new[] { "run", "check", "student", "data" })
        {
            Assert.Contains($"  {command}", top.Out);
        }

        var version = await Workbook("--version");
        Assert.Equal(0, version.Code);
        Assert.Equal(Commands.Version, version.Out.Trim());
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Out);
    }

    [Fact]
    public async Task Malformed_options_are_usage_errors_that_name_the_option()
    {
        var seconds = await Workbook("run", "--timeout", "soon", Path.Combine(Notebooks.RepoRoot, "notebooks"));
        Assert.Equal(2, seconds.Code);
        Assert.Contains("--timeout expects a number of seconds, got 'soon'", seconds.Err);
        Assert.Contains("workbook run --help", seconds.Err);
        Assert.Equal(2, (await Workbook("run", "--cell-timeout", "-1")).Code);
        Assert.Equal(2, (await Workbook("frobnicate")).Code);
        Assert.Equal(2, (await Workbook()).Code);
        var claims = await Workbook("check", "--claims-from", Notebooks.RepoRoot, Path.Combine(Notebooks.RepoRoot, "notebooks", "00-getting-started.ipynb"));
        Assert.Equal(2, claims.Code);
        Assert.Contains("--claims-from applies only with --executed", claims.Err);
        Assert.Equal(2, (await Workbook("check", "--executed")).Code);
        Assert.Equal(2, (await Workbook("data", "--out")).Code);
    }
}
