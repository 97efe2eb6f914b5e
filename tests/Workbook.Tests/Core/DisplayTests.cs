using System.Text.RegularExpressions;
using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;
using Workbook.Charts;
using Workbook.Display;
using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Tests.Core;

[Collection(GlobalStateCollection.Name)]
public sealed class DisplayTests
{
    public DisplayTests()
    {
        WorkbookFormatters.Register();
        Workbook.Notebooks.NotebookFormatters.Register();         // the session line's formatter (so the test does not depend on which test ran first)
    }

    private static string Html(object value) => Formatter.ToDisplayString(value, HtmlFormatter.MimeType);

    private static string Plain(object value) => Formatter.ToDisplayString(value, PlainTextFormatter.MimeType);

    [Fact]
    public void FigureDisplaysAsAnInteractiveChart()
    {
        var figure = Plot.Line("Loss", "step", "loss", Series.Of("train", new[] { 1.0, 0.5 }));

        Assert.Equal(HtmlFormatter.MimeType, Formatter.GetPreferredMimeTypesFor(typeof(Figure)).First());
        var html = Html(figure);
        Assert.Matches("<div id=\"workbook-chart-\\d+\"", html);
        Assert.Contains("Plotly.newPlot(", html);
        Assert.Equal("Figure \"Loss\" (1 trace)", Plain(figure));
    }

    [Fact]
    public void SmallTensorShowsShapeDtypeAndValuesAsText()
    {
        using var t = tensor(new float[] { 1, 2.5f, -3, 4 }, new long[] { 2, 2 });

        var text = Plain(t);
        Assert.StartsWith("tensor [2, 2] float32 cpu requires_grad=False", text);
        Assert.Contains("[[ 1.0000,  2.5000],", text);
        Assert.Contains(" [-3.0000,  4.0000]]", text);
    }

    [Fact]
    public void SmallMatrixShowsAsAnHtmlTableWithTheRightCells()
    {
        using var t = tensor(new double[] { 0.5, 1, 2, 3, 4, 5 }, new long[] { 2, 3 }, requires_grad: true);

        Assert.Equal(HtmlFormatter.MimeType, Formatter.GetPreferredMimeTypesFor(typeof(Tensor)).First());
        var html = Html(t);
        Assert.Contains("tensor [2, 3] float64 cpu requires_grad=True", html);
        var rows = Regex.Matches(html, "<tr><th>(\\d+)</th>(.*?)</tr>").Select(m =>
            Regex.Matches(m.Groups[2].Value, "<td[^>]*>(.*?)</td>").Select(c => c.Groups[1].Value).ToArray()).ToArray();
        Assert.Equal(2, rows.Length);
        Assert.Equal(new[] { "0.5000", "1.0000", "2.0000" }, rows[0]);
        Assert.Equal(new[] { "3.0000", "4.0000", "5.0000" }, rows[1]);
    }

    [Fact]
    public void LargeTensorIsSummarisedNotDumped()
    {
        using var t = arange(0, 10_000, dtype: ScalarType.Float32).reshape(100, 100);

        var text = Plain(t);
        Assert.StartsWith("tensor [100, 100] float32 cpu", text);
        Assert.Contains("10,000 elements: mean 5000, std 2887, min 0, max 9999", text);
        Assert.True(text.Length < 300, $"a summary, not a dump ({text.Length} characters)");
        var html = Html(t);
        Assert.Contains("mean 5000", html);
        Assert.DoesNotContain("<table", html);
    }

    [Fact]
    public void ParameterDisplaysLikeATensor()
    {
        using var p = new TorchSharp.Modules.Parameter(ones(2));
        Assert.StartsWith("tensor [2] float32 cpu requires_grad=True", Plain(p));
    }

    [Fact]
    public void IntegerAndBoolTensorsShowExactValues()
    {
        using var ints = tensor(new long[] { 3, -7, 12 });
        using var flags = tensor(new[] { true, false });
        Assert.Contains("[ 3, -7, 12]", Plain(ints));
        Assert.Contains("[ True, False]", Plain(flags));
    }

    [Fact]
    public void DataFrameDisplaysAsATableWithColumnTypesAndRemainingRowCount()
    {
        var frame = new DataFrame(
            new PrimitiveDataFrameColumn<int>("step", Enumerable.Range(0, 25)),
            new DoubleDataFrameColumn("loss", Enumerable.Range(0, 25).Select(i => 1.0 / (i + 1))));

        var html = Html(frame);
        Assert.Contains("<th>step<br><small>int</small></th>", html);
        Assert.Contains("<th>loss<br><small>double</small></th>", html);
        Assert.Contains("<tr><th>1</th><td>1</td><td>0.5</td></tr>", html);
        Assert.Equal(DataFrameDisplay.MaxRows, Regex.Matches(html, "<tr><th>\\d+</th>").Count);
        Assert.Contains("25 rows × 2 columns, 5 more rows not shown", html);
        Assert.Contains("5 more rows not shown", Plain(frame));
    }

    [Fact]
    public void ExerciseResultShowsAsAPassOrFailBox()
    {
        var passed = Html(new ExerciseResult("softmax", true, 10, "passed all 10 cases"));
        var failed = Html(new ExerciseResult("softmax", false, 3, "case 3 of 10: expected shape [2] but your function returned [3]"));

        Assert.Contains("workbook-exercise passed", passed);
        Assert.Contains("passed all 10 cases", passed);
        Assert.Contains("workbook-exercise failed", failed);
        Assert.Contains("expected shape [2] but your function returned [3]", failed);
        Assert.Equal("FAILED softmax: case 3 of 10: expected shape [2] but your function returned [3]",
            Plain(new ExerciseResult("softmax", false, 3, "case 3 of 10: expected shape [2] but your function returned [3]")));
    }

    [Fact]
    public void NotebookSessionShowsItsOneLineSummary()
    {
        var right = new Workbook.Tensors.ConvolutionReport(new[] { new Workbook.Tensors.ConvolutionCase("conv2d", 1e-7, 1e-7, 1e-7) }, 1e-4, 5);
        var session = new Workbook.Notebooks.NotebookSession(7, "test-host", "0.107.0", 2, right);
        Assert.Equal("Workbook ready: seed 7, host test-host, TorchSharp 0.107.0, 2 CPU threads", Plain(session));
        Assert.Contains("<code>Workbook ready: seed 7", Html(session));

        // A CPU whose float32 convolutions are wrong: one more line names the operation and what is wrong.
        var wrong = session with { Convolutions = new Workbook.Tensors.ConvolutionReport(new[] { new Workbook.Tensors.ConvolutionCase("conv2d stride 1, batch 8", 1e-7, 0.21, 1e-7) }, 1e-4, 5) };
        Assert.Contains("WARNING: float32 convolutions are WRONG on this CPU", Plain(wrong));
        Assert.Contains("conv2d stride 1, batch 8: input gradient off by 0.21", Plain(wrong));
    }

    [Fact]
    public void RegisterAgainAfterAResetRestoresTheFormatters()
    {
        Formatter.ResetToDefault();
        Assert.False(WorkbookFormatters.IsRegistered);
        WorkbookFormatters.Register();
        Assert.True(WorkbookFormatters.IsRegistered);
        Assert.Contains("workbook-exercise passed", Html(new ExerciseResult("x", true, 1, "ok")));
    }
}
