using System.Diagnostics;
using System.Text.Json.Nodes;
using Workbook.Engine.Documents;
using Workbook.Engine.Execution;

namespace Workbook.Engine.Tests;

[Collection(WorkerCollection.Name)]
public class ExecutionTests
{
    private static string Reference => $"#r \"{Notebooks.WorkbookDll}\"";

    [Fact]
    public async Task Cells_share_state_and_show_displays_trailing_values_and_streams()
    {
        var folder = Notebooks.TempFolder("state");
        var path = Notebooks.Write(Path.Combine(folder, "state.ipynb"), new[]
        {
            new Cell("# Title", Type: "markdown"),                                          // 1
            new Cell("using System.Globalization;\nrecord Point(int X, int Y);\nvar total = 40;"), // 2
            new Cell(""),                                                                     // 3 empty cell
            new Cell("#!csharp\ntotal += 2;\nvar p = new Point(total, 1);\np.X"),              // 4
            new Cell("Console.WriteLine($\"out {total}\");\nConsole.Error.WriteLine(\"err line\");\ndisplay(\"shown\");\nConsole.WriteLine(\"after\");"), // 5
            new Cell("string nothing = null;\nnothing"),                                      // 6 trailing null
            new Cell("Console.WriteLine(\"no value\")"),                                      // 7 trailing void call
            new Cell("var x = 1;"),                                                           // 8 no trailing expression
            new Cell("42.5.ToString(CultureInfo.InvariantCulture)"),                          // 9 usings carried over
        });
        var result = await Notebooks.Run(path);
        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal(new[] { 2, 3, 4, 5, 6, 7, 8, 9 }, result.Cells.Select(c => c.Number));

        var four = Assert.Single(Notebooks.Outputs(result, 4))!.AsObject();
        Assert.Equal("execute_result", four["output_type"]!.GetValue<string>());
        Assert.Equal("42", NotebookDocument.ReadMultiline(four["data"]!["text/plain"], "x"));

        var five = Notebooks.Outputs(result, 5).Select(o => o!["output_type"]!.GetValue<string>() + ":" + (o["name"]?.GetValue<string>() ?? "")).ToArray();
        Assert.Equal(new[] { "stream:stdout", "stream:stderr", "display_data:", "stream:stdout" }, five);
        Assert.Equal("out 42\nerr line\nshownafter\n", Notebooks.Text(result, 5));

        var six = Assert.Single(Notebooks.Outputs(result, 6))!;
        Assert.Equal("<null>", NotebookDocument.ReadMultiline(six["data"]!["text/plain"], "x"));
        Assert.Equal("no value\n", Notebooks.Text(result, 7));
        Assert.Single(Notebooks.Outputs(result, 7));
        Assert.Empty(Notebooks.Outputs(result, 8));
        Assert.Empty(Notebooks.Outputs(result, 3));
        Assert.Equal("42.5", Notebooks.Text(result, 9));

        var executed = result.Executed!;
        Assert.Empty(NotebookValidator.Validate(executed));
        var cells = executed["cells"]!.AsArray();
        Assert.Equal(1, cells[1]!["execution_count"]!.GetValue<int>());
        Assert.Equal(3, cells[3]!["execution_count"]!.GetValue<int>());
        Assert.Equal(3, cells[3]!["outputs"]![0]!["execution_count"]!.GetValue<int>());
        Assert.True(cells[3]!["metadata"]!["workbook"]!["seconds"]!.GetValue<double>() >= 0);
        Assert.Equal("passed", executed["metadata"]!["workbook"]!["run"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_library_loads_with_TorchSharp_natives_metrics_and_its_formatters()
    {
        var folder = Notebooks.TempFolder("library");
        var path = Notebooks.Write(Path.Combine(folder, "library.ipynb"), new[]
        {
            new Cell($"{Reference}\nusing Workbook.Notebooks;\nNotebook.Start(seed: 0)"),
            new Cell("using TorchSharp;\nvar m = torch.ones(3, 3).matmul(torch.ones(3, 3));\nm.sum().item<float>()"),
            new Cell("Metrics.Report(\"matrix_sum\", m.sum().item<float>(), \"sum of a product of ones\")"),
            new Cell("Notebook.Display(Metrics.Summary());\nMetrics.Report(\"nan_metric\", double.NaN);"),
            new Cell("typeof(Microsoft.DotNet.Interactive.Formatting.Formatter).Assembly == typeof(Workbook.Display.WorkbookFormatters).GetMethod(\"Register\")!.Module.Assembly.GetReferencedAssemblies().Select(a => System.Reflection.Assembly.Load(a)).First(a => a.GetName().Name == \"Microsoft.DotNet.Interactive.Formatting\")"),
        }, new JsonObject { ["metrics"] = new JsonObject { ["matrix_sum"] = "== 27" } });
        var result = await Notebooks.Run(path);
        Assert.True(result.Succeeded, result.Describe());
        Assert.Contains("workbook-engine", Notebooks.Text(result, 1));
        Assert.Equal("27", Notebooks.Text(result, 2));
        var metric = Assert.Single(Notebooks.Outputs(result, 3))!["data"]!.AsObject();
        Assert.Contains("<table class=\"workbook-metrics\">", NotebookDocument.ReadMultiline(metric["text/html"], "html"));
        Assert.Equal("matrix_sum = 27  (sum of a product of ones)", NotebookDocument.ReadMultiline(metric["text/plain"], "plain"));
        var summary = Assert.Single(Notebooks.Outputs(result, 4))!;
        Assert.Equal("display_data", summary["output_type"]!.GetValue<string>());
        Assert.Contains("workbook-metrics", summary["data"]!["text/html"]!.ToJsonString());
        Assert.Equal(27, result.Metrics["matrix_sum"]);
        Assert.True(double.IsNaN(result.Metrics["nan_metric"]));
        Assert.Equal("True", Notebooks.Text(result, 5));
        Assert.True(Assert.Single(result.Claims, c => c.Name == "matrix_sum").Passed);
        Assert.Empty(NotebookValidator.Validate(result.Executed!));
        Assert.Equal("NaN", result.Executed!["metadata"]!["workbook"]!["run"]!["metrics"]!["nan_metric"]!.GetValue<string>());
    }

    [Fact]
    public async Task Compile_errors_name_notebook_cell_and_line_counting_magic_lines()
    {
        var folder = Notebooks.TempFolder("compile");
        var path = Notebooks.Write(Path.Combine(folder, "compile.ipynb"), new[]
        {
            new Cell("intro", Type: "markdown"),
            new Cell("var a = 1;"),
            new Cell("#!csharp\nvar b = a + 1;\nvar c = undefinedName + b;"),
            new Cell("var never = 1;"),
        });
        var result = await Notebooks.Run(path);
        var failure = Assert.Single(result.Failures);
        Assert.Equal(3, failure.Cell);
        Assert.Equal(3, failure.Line);
        Assert.Contains($"{path}, cell 3, line 3: error CS0103", failure.Message);
        Assert.Contains("undefinedName", failure.Message);
        Assert.DoesNotContain(result.Cells, c => c.Number == 4);
        var error = Notebooks.Outputs(result, 3).Single(o => o!["output_type"]!.GetValue<string>() == "error")!;
        Assert.Equal("CompilationError", error["ename"]!.GetValue<string>());
        Assert.Null(result.Executed!["cells"]![3]!["execution_count"]);
        Assert.Empty(NotebookValidator.Validate(result.Executed!));
    }

    [Fact]
    public async Task Exceptions_name_the_cell_and_the_line_they_came_from()
    {
        var folder = Notebooks.TempFolder("exception");
        var path = Notebooks.Write(Path.Combine(folder, "exception.ipynb"), new[]
        {
            new Cell("int Divide(int x, int y)\n{\n    return x / y;\n}"),
            new Cell("var ok = Divide(4, 2);\nConsole.WriteLine(ok);\n\nvar list = new List<int>();\nvar first = list[3];"),
        });
        var result = await Notebooks.Run(path);
        var failure = Assert.Single(result.Failures);
        Assert.Equal(2, failure.Cell);
        Assert.Equal(5, failure.Line);
        Assert.Contains($"{path}, cell 2, line 5: System.ArgumentOutOfRangeException", failure.Message);
        Assert.Equal("2\n", Notebooks.Text(result, 2)[..2]);

        var other = Notebooks.Write(Path.Combine(folder, "thrown elsewhere.ipynb"), new[]
        {
            new Cell("int Divide(int x, int y)\n{\n    return x / y;\n}"),
            new Cell("var zero = 0;\nDivide(1, zero)"),
        });
        var elsewhere = await Notebooks.Run(other);
        var message = Assert.Single(elsewhere.Failures).Message;
        Assert.Contains("cell 2, line 2: System.DivideByZeroException", message);
        Assert.Contains("thrown at cell 1, line 3", message);
    }

    [Fact]
    public async Task Other_languages_are_rejected_naming_the_cell()
    {
        var folder = Notebooks.TempFolder("fsharp");
        var path = Notebooks.Write(Path.Combine(folder, "fsharp.ipynb"), new[]
        {
            new Cell("var a = 1;"),
            new Cell("#!fsharp\nlet x = 1"),
            new Cell("var b = 2;"),
        });
        var result = await Notebooks.Run(path);
        var failure = Assert.Single(result.Failures);
        Assert.Equal(2, failure.Cell);
        Assert.Contains($"{path}, cell 2, line 1: #!fsharp switches this cell to the fsharp kernel", failure.Message);
        Assert.DoesNotContain(result.Cells, c => c.Number == 3);

        var pwsh = Notebooks.Write(Path.Combine(folder, "kernel.ipynb"), new[] { new Cell("Get-Date", Kernel: "pwsh") });
        var byMetadata = await Notebooks.Run(pwsh);
        Assert.Contains("cell 1: the cell is a pwsh cell", Assert.Single(byMetadata.Failures).Message);
    }

    [Fact]
    public async Task Relative_references_load_dependencies_and_notebooks_do_not_share_state()
    {
        var folder = Notebooks.TempFolder("reference with spaces");
        var libraries = Path.Combine(folder, "lib folder");
        var helper = Notebooks.CompileAssembly(libraries, "Helper", "namespace Helpers { public static class Text { public static string Shout(string s) => s.ToUpperInvariant() + \"!\"; } }");
        Notebooks.CompileAssembly(libraries, "Greeter",
            "namespace Greeting { public static class Greeter { public static int Calls; public static string Hello(string name) { Calls++; return Helpers.Text.Shout(\"hello \" + name); } } }",
            helper);
        // A native library in runtimes/<rid>/native beside a referenced assembly (a copy of zlib
        // under a name the system loader cannot find by itself).
        var native = Path.Combine(libraries, "runtimes", System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier, "native");
        Directory.CreateDirectory(native);
        File.Copy("/lib/x86_64-linux-gnu/libz.so.1", Path.Combine(native, "libworkbooktestz.so"));
        Notebooks.CompileAssembly(libraries, "NativeProbe",
            "using System.Runtime.InteropServices; namespace Probe { public static class Zlib { [DllImport(\"workbooktestz\")] private static extern System.IntPtr zlibVersion(); public static string Version() => Marshal.PtrToStringAnsi(zlibVersion())!; } }",
            typeof(System.Runtime.InteropServices.Marshal).Assembly.Location);
        var notebooks = Path.Combine(folder, "my notebooks");
        var first = Notebooks.Write(Path.Combine(notebooks, "first notebook.ipynb"), new[]
        {
            new Cell("#r \"../lib folder/Greeter.dll\"\nusing Greeting;\nvar shared = Greeter.Hello(\"ada\");\nGreeter.Calls += 10;\nshared"),
            new Cell("Greeter.Calls"),
            new Cell("#r \"../lib folder/NativeProbe.dll\"\nProbe.Zlib.Version()"),
        });
        var second = Notebooks.Write(Path.Combine(notebooks, "second notebook.ipynb"), new[]
        {
            new Cell("#r \"../lib folder/Greeter.dll\"\nGreeting.Greeter.Calls"),
            new Cell("shared"),
        });
        var one = await Notebooks.Run(first);
        Assert.True(one.Succeeded, one.Describe());
        Assert.Equal("HELLO ADA!", Notebooks.Text(one, 1));
        Assert.Equal("11", Notebooks.Text(one, 2));
        Assert.StartsWith("1.", Notebooks.Text(one, 3));

        var two = await Notebooks.Run(second);
        Assert.Equal("0", Notebooks.Text(two, 1));
        var failure = Assert.Single(two.Failures);
        Assert.Equal(2, failure.Cell);
        Assert.Contains("CS0103", failure.Message);
        Assert.Contains("'shared'", failure.Message);
    }

    [Fact]
    public async Task A_missing_reference_names_the_path()
    {
        var folder = Notebooks.TempFolder("missing");
        var path = Notebooks.Write(Path.Combine(folder, "missing.ipynb"), new[] { new Cell("var a = 1;\n"), new Cell("#!csharp\n#r \"../nowhere/Missing.dll\"\nvar b = 2;") });
        var result = await Notebooks.Run(path);
        var failure = Assert.Single(result.Failures);
        Assert.Equal(2, failure.Cell);
        Assert.Equal(2, failure.Line);
        Assert.Contains("../nowhere/Missing.dll", failure.Message);
        Assert.Contains(Path.GetFullPath(Path.Combine(folder, "../nowhere/Missing.dll")), failure.Message);
    }

    [Fact]
    public async Task A_runaway_cell_is_stopped_at_its_limit_and_later_cells_do_not_run()
    {
        var folder = Notebooks.TempFolder("timeout");
        var marker = Path.Combine(folder, "later-cell-ran.txt");
        var path = Notebooks.Write(Path.Combine(folder, "timeout.ipynb"), new[]
        {
            new Cell("Console.WriteLine(\"looping\");\nwhile (true) { }"),
            new Cell($"System.IO.File.WriteAllText(@\"{marker}\", \"ran\");"),
        });
        var clock = Stopwatch.StartNew();
        var result = await Notebooks.Run(path, new RunOptions { CellTimeout = TimeSpan.FromSeconds(4), NotebookTimeout = TimeSpan.FromSeconds(120) });
        clock.Stop();
        Assert.True(result.TimedOut);
        Assert.Equal("timeout", result.Status);
        var failure = Assert.Single(result.Failures);
        Assert.Equal(1, failure.Cell);
        Assert.Contains("cell 1 exceeded its limit of 4 s", failure.Message);
        var cell = Assert.Single(result.Cells);
        Assert.InRange(cell.Seconds, 4, 4 + 4);
        Assert.Contains("looping", Notebooks.Text(result, 1));
        Assert.False(File.Exists(marker));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
        Assert.Empty(NotebookValidator.Validate(result.Executed!));
    }

    [Fact]
    public async Task The_notebook_limit_stops_a_notebook_whose_cells_are_each_short()
    {
        var folder = Notebooks.TempFolder("notebook-timeout");
        var path = Notebooks.Write(Path.Combine(folder, "slow.ipynb"),
            Enumerable.Range(0, 30).Select(i => new Cell($"System.Threading.Thread.Sleep(1000);\nvar step{i} = {i};")));
        var clock = Stopwatch.StartNew();
        var result = await Notebooks.Run(path, new RunOptions { NotebookTimeout = TimeSpan.FromSeconds(12) });
        clock.Stop();
        Assert.True(result.TimedOut);
        Assert.Contains("the notebook exceeded its limit of 12 s", Assert.Single(result.Failures).Message);
        Assert.InRange(clock.Elapsed.TotalSeconds, 12, 12 + 8);
        Assert.InRange(result.Cells.Count, 0, 12);
        Assert.DoesNotContain(result.Cells, c => c.Number == 30);
    }

    [Fact]
    public async Task Parameters_override_defaults_keep_their_types_and_are_recorded()
    {
        var folder = Notebooks.TempFolder("parameters");
        var path = Notebooks.Write(Path.Combine(folder, "parameters.ipynb"), new[]
        {
            new Cell("enum Mode { Fast, Careful }"),
            new Cell("var steps = 2000;\ndouble rate = 0.1;\nvar name = \"default\";\nvar verbose = false;\nvar mode = Mode.Fast;\nlong big = 1;\nfloat scale = 1f;", Tags: new[] { "parameters" }),
            new Cell("$\"{steps}:{steps.GetType().Name} {rate}:{rate.GetType().Name} {name} {verbose} {mode} {big}:{big.GetType().Name} {scale}:{scale.GetType().Name}\""),
        });
        var parameters = new Dictionary<string, string> { ["steps"] = "200", ["rate"] = "0.5", ["name"] = "say \"hi\"", ["verbose"] = "true", ["mode"] = "Careful", ["big"] = "5000000000", ["scale"] = "2.5" };
        var result = await Notebooks.Run(path, new RunOptions { Parameters = parameters, NotebookTimeout = TimeSpan.FromSeconds(120) });
        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal("200:Int32 0.5:Double say \"hi\" True Careful 5000000000:Int64 2.5:Single", Notebooks.Text(result, 3).Replace(",", "."));

        var cells = result.Executed!["cells"]!.AsArray();
        Assert.Equal(4, cells.Count);
        var injected = cells[2]!;
        Assert.Equal("injected-parameters", injected["metadata"]!["tags"]![0]!.GetValue<string>());
        Assert.Contains("steps = 200;", NotebookDocument.ReadMultiline(injected["source"], "source"));
        Assert.Equal(3, injected["execution_count"]!.GetValue<int>());
        Assert.Equal("200", result.Executed["metadata"]!["workbook"]!["run"]!["parameters"]!["steps"]!.GetValue<string>());
        Assert.Empty(NotebookValidator.Validate(result.Executed));

        var unknown = await Notebooks.Run(path, new RunOptions { Parameters = new Dictionary<string, string> { ["epochs"] = "3" } });
        var message = Assert.Single(unknown.Failures).Message;
        Assert.Contains("unknown parameter epochs", message);
        Assert.Contains("steps, rate, name, verbose, mode, big, scale", message);
        Assert.Empty(unknown.Cells);

        var badValue = await Notebooks.Run(path, new RunOptions { Parameters = new Dictionary<string, string> { ["steps"] = "many" } });
        Assert.Contains("parameter 'steps': \"many\" is not a valid System.Int32", Assert.Single(badValue.Failures).Message);
    }

    [Fact]
    public async Task Malformed_and_empty_notebooks()
    {
        var folder = Notebooks.TempFolder("malformed");
        var broken = Path.Combine(folder, "broken.ipynb");
        File.WriteAllText(broken, "{\"nbformat\": 4, \"cells\": [");
        var result = await Notebooks.Run(broken, new RunOptions { OutputDirectory = Path.Combine(folder, "out") });
        Assert.Contains($"{broken}: not valid JSON", Assert.Single(result.Failures).Message);
        Assert.False(File.Exists(Path.Combine(folder, "out", "broken.ipynb")));

        var empty = Notebooks.Write(Path.Combine(folder, "empty.ipynb"), Array.Empty<Cell>());
        var emptyResult = await Notebooks.Run(empty, new RunOptions { OutputDirectory = Path.Combine(folder, "out") });
        Assert.True(emptyResult.Succeeded, emptyResult.Describe());
        Assert.Empty(NotebookValidator.Validate(NotebookDocument.Load(emptyResult.OutputPath!).Json));
    }

    [Fact]
    public async Task Executed_copy_is_written_atomically_and_the_source_is_untouched()
    {
        var folder = Notebooks.TempFolder("write");
        var path = Notebooks.Write(Path.Combine(folder, "source nb.ipynb"), new[]
        {
            new Cell("Console.WriteLine(\"hello\");\n1 + 1"),
            new Cell("throw new Exception(\"stop here\");"),
        }, new JsonObject { ["budget_seconds"] = 60 });
        var before = File.ReadAllBytes(path);
        var output = Path.Combine(folder, "out");
        var result = await Notebooks.Run(path, new RunOptions { OutputDirectory = output });
        Assert.False(result.Succeeded);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(Path.Combine(output, "source nb.ipynb"), result.OutputPath);
        Assert.Equal(new[] { "source nb.ipynb" }, Directory.GetFiles(output).Select(Path.GetFileName));
        var written = NotebookDocument.Load(result.OutputPath!);
        Assert.Empty(NotebookValidator.Validate(written.Json));
        Assert.Contains("stop here", written.Json["cells"]![1]!["outputs"]![0]!["evalue"]!.GetValue<string>());
        Assert.Equal("failed", written.Metadata["workbook"]!["run"]!["status"]!.GetValue<string>());
        Assert.Equal(60, written.Metadata["workbook"]!["budget_seconds"]!.GetValue<int>());

        var inPlace = await Notebooks.Run(path, new RunOptions { InPlace = true });
        Assert.Equal(path, inPlace.OutputPath);
        Assert.NotEqual(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { "source nb.ipynb" }, Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_missed_claim_fails_the_notebook_naming_metric_and_bound()
    {
        var folder = Notebooks.TempFolder("claims");
        var path = Notebooks.Write(Path.Combine(folder, "claims.ipynb"), new[]
        {
            new Cell($"{Reference}\nusing Workbook.Notebooks;\nMetrics.Report(\"accuracy\", 0.42);"),
        }, new JsonObject { ["metrics"] = new JsonObject { ["accuracy"] = ">= 0.9", ["loss"] = "<= 1" } });
        var result = await Notebooks.Run(path);
        Assert.Equal("failed", result.Status);
        Assert.Contains(result.Failures, f => f.Metric == "accuracy" && f.Message.Contains("accuracy = 0.42 misses its bound >= 0.9"));
        Assert.Contains(result.Failures, f => f.Metric == "loss" && f.Message.Contains("never reported"));
    }
}
