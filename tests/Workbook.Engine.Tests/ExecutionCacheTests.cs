using System.Diagnostics;
using Workbook.Cli;

namespace Workbook.Engine.Tests;

/// <summary>
/// The execution cache of `workbook run` (and `workbook book`): an unchanged notebook is skipped, a changed one re-runs alone,
/// a change to an assembly the notebooks load re-runs all of them, --force re-runs everything, a failed run is not cached.
/// </summary>
[Collection(WorkerCollection.Name)]
public class ExecutionCacheTests
{
    private static async Task<(int Code, string Out, string Err, double Seconds)> Workbook(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var clock = Stopwatch.StartNew();
        var code = await Commands.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString(), clock.Elapsed.TotalSeconds);
    }

    private static string Library(string folder, int answer) =>
        Notebooks.CompileAssembly(folder, "Tiny", $"public static class Tiny {{ public static int Answer() => {answer}; }}");

    [Fact]
    public async Task Unchanged_notebooks_are_skipped_a_changed_one_reruns_alone_and_a_library_change_reruns_all()
    {
        var folder = Notebooks.TempFolder("cache");
        var notebooks = Path.Combine(folder, "notebooks");
        Library(Path.Combine(folder, "lib"), 1);
        var a = Notebooks.Write(Path.Combine(notebooks, "01-a.ipynb"), new[] { new Cell("#r \"../lib/Tiny.dll\"\nConsole.WriteLine(\"a \" + Tiny.Answer());") });
        Notebooks.Write(Path.Combine(notebooks, "02-b.ipynb"), new[] { new Cell("#r \"../lib/Tiny.dll\"\nConsole.WriteLine(\"b \" + Tiny.Answer());") });
        var outDir = Path.Combine(folder, "out");

        var first = await Workbook("run", notebooks, "--out", outDir);
        Assert.True(first.Code == 0, first.Out + first.Err);
        Assert.DoesNotContain("cached", first.Out);

        var second = await Workbook("run", notebooks, "--out", outDir);
        Assert.True(second.Code == 0, second.Out + second.Err);
        Assert.Matches(@"01-a\.ipynb\s+cached", second.Out);
        Assert.Matches(@"02-b\.ipynb\s+cached", second.Out);
        Assert.Contains("2 notebooks unchanged since their last passing run: skipped", second.Out);
        Assert.True(second.Seconds < 5, $"an unchanged run took {second.Seconds:F1} s");

        Notebooks.Write(a, new[] { new Cell("#r \"../lib/Tiny.dll\"\nConsole.WriteLine(\"a, changed \" + Tiny.Answer());") });
        var third = await Workbook("run", notebooks, "--out", outDir);
        Assert.True(third.Code == 0, third.Out + third.Err);
        Assert.Matches(@"01-a\.ipynb\s+passed\s+1/1", third.Out);
        Assert.Matches(@"02-b\.ipynb\s+cached", third.Out);
        Assert.Contains("a, changed 1", File.ReadAllText(Path.Combine(outDir, "01-a.ipynb")));

        Library(Path.Combine(folder, "lib"), 2);                 // the library the notebooks load changes
        var fourth = await Workbook("run", notebooks, "--out", outDir);
        Assert.True(fourth.Code == 0, fourth.Out + fourth.Err);
        Assert.Matches(@"01-a\.ipynb\s+passed\s+1/1", fourth.Out);
        Assert.Matches(@"02-b\.ipynb\s+passed\s+1/1", fourth.Out);
        Assert.Contains("b 2", File.ReadAllText(Path.Combine(outDir, "02-b.ipynb")));

        var forced = await Workbook("run", notebooks, "--out", outDir, "--force");
        Assert.True(forced.Code == 0, forced.Out + forced.Err);
        Assert.DoesNotContain("cached", forced.Out);

        // Parameters are part of the key; a failed run is never cached.
        var bad = Notebooks.Write(Path.Combine(notebooks, "03-bad.ipynb"), new[] { new Cell("throw new Exception(\"no\");") });
        Assert.Equal(1, (await Workbook("run", bad, "--out", outDir)).Code);
        var again = await Workbook("run", bad, "--out", outDir);
        Assert.Equal(1, again.Code);
        Assert.Matches(@"03-bad\.ipynb\s+failed", again.Out);
    }

    [Fact]
    public async Task Force_with_in_place_is_a_usage_error()
    {
        var result = await Workbook("run", "--in-place", "--force");
        Assert.Equal(2, result.Code);
        Assert.Contains("--force", result.Err);
    }
}
