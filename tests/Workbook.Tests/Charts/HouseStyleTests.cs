using System.Text.Json.Nodes;
using Workbook.Charts;
using Workbook.Display;
using Workbook.Notebooks;

namespace Workbook.Tests.Charts;

/// <summary>The house style of Charts/README.md, checked on the figure JSON that both renderers read.</summary>
public sealed class HouseStyleTests
{
    private static JsonArray Data(Figure figure) => (JsonArray)JsonNode.Parse(figure.ToJson())!["data"]!;

    private static JsonObject Layout(Figure figure) => (JsonObject)JsonNode.Parse(figure.ToJson())!["layout"]!;

    private static string? LineColour(JsonNode trace) => trace["line"]?["color"]?.GetValue<string>() ?? trace["marker"]?["color"]?.GetValue<string>();

    private static string? ColourOf(Figure figure, string name) =>
        Data(figure).Where(t => t!["name"]?.GetValue<string>() == name).Select(t => LineColour(t!)).First();

    private static Series S(string name, params double[] y) => Series.Of(name, y);

    [Fact]
    public void ASeriesKeepsItsColourWhateverItsOrderAndWhicheverChartKind()
    {
        var race = Plot.Line("race", "steps", "return", S("PPO-clip", 1, 2, 3), S("A2C", 1, 1, 2), S("TRPO", 2, 2, 2));
        var other = Plot.Line("other", "steps", "return", S("A2C", 3, 2, 1), S("PPO-clip", 1, 5, 3));
        var scatter = Plot.Scatter("points", "x", "y", S("TRPO", 1, 2), S("PPO-clip", 2, 1));
        var bars = Plot.Bar("bars", "method", "return", new[] { "CartPole" }, ("A2C", new[] { 1.0 }), ("PPO-clip", new[] { 2.0 }));
        var grid = Plot.Grid("grid", 2, Plot.Line("a", "x", "y", S("TRPO", 1, 2, 3)), Plot.Line("b", "x", "y", S("x", 1, 2), S("PPO-clip", 3, 2, 1)));
        var ppo = SeriesColours.Fixed("PPO-clip");
        Assert.NotNull(ppo);
        foreach (var figure in new[] { race, other, scatter, bars, grid })
        {
            Assert.Equal(ppo, ColourOf(figure, "PPO-clip"));
        }
        Assert.Equal(SeriesColours.Fixed("A2C"), ColourOf(other, "A2C"));
        Assert.Equal(SeriesColours.Fixed("A2C"), ColourOf(bars, "A2C"));
        Assert.Equal(SeriesColours.Fixed("TRPO"), ColourOf(grid, "TRPO"));
        // Longer names of a method take its colour; a longer key wins over a shorter one.
        Assert.Equal(SeriesColours.Fixed("PPO"), SeriesColours.Fixed("PPO (greedy, after training)"));
        Assert.NotEqual(SeriesColours.Fixed("PPO-KL"), SeriesColours.Fixed("PPO-clip"));
        Assert.Null(SeriesColours.Fixed("PPOX"));
    }

    [Fact]
    public void SeriesOfOneFigureNeverShareAColour()
    {
        var colours = SeriesColours.For(new[] { "PPO-clip", "PPO on real steps only", "a", "b", "train", "training loss" });
        Assert.Equal(colours.Count, colours.Distinct().Count());
        Assert.Equal(SeriesColours.Fixed("PPO-clip"), colours[0]);
    }

    [Fact]
    public void ShortSeriesGetMarkersAndOverlappingLinesGetDashes()
    {
        var figure = Plot.Line("f", "x", "y", S("by hand", 1, 2, 3), S("autograd", 1, 2, 3), Series.Function("long", x => x, 0, 1, 50));
        var data = Data(figure);
        Assert.Equal("lines+markers", data[0]!["mode"]!.GetValue<string>());
        Assert.Equal("lines", data[2]!["mode"]!.GetValue<string>());
        Assert.Null(data[0]!["line"]!["dash"]);
        Assert.Equal("dash", data[1]!["line"]!["dash"]!.GetValue<string>());
        Assert.Null(data[2]!["line"]!["dash"]);
        var svg = ChartSvg.Render(figure.ToJson(), 720, 420);
        Assert.Contains("stroke-dasharray", svg);
    }

    [Fact]
    public void DataOverMoreThanTwoDecadesGetALogAxisWithPlainTickLabels()
    {
        var widths = new[] { 4.0, 16, 64, 256, 1024 };
        var figure = Plot.Line("d_k", "d_k", "weight", new Series("w", widths, widths.Select(w => 1e-5 * w).ToArray()));
        var layout = Layout(figure);
        Assert.Equal("log", layout["xaxis"]!["type"]!.GetValue<string>());
        Assert.Equal("log", layout["yaxis"]!["type"]!.GetValue<string>());
        var labels = layout["yaxis"]!["ticktext"]!.AsArray().Select(t => t!.GetValue<string>()).ToArray();
        Assert.Contains("1e-4", labels);
        Assert.Contains("0.001", labels);
        Assert.DoesNotContain(labels, l => l.Contains('µ') || l.Contains("E-"));
        // The static picture writes the same labels.
        var svg = ChartSvg.Render(figure.ToJson(), 720, 420);
        Assert.Contains(">1e-4<", svg);
        Assert.Contains(">0.001<", svg);
        Assert.DoesNotContain("µ", svg);
        // Evenly spaced steps stay linear even over decades; a small span stays linear.
        var steps = Plot.Line("s", "step", "loss", new Series("l", new[] { 1.0, 500, 1000 }, new[] { 2.0, 1, 0.5 }));
        Assert.NotEqual("log", Layout(steps)["xaxis"]!["type"]?.GetValue<string>());
        Assert.NotEqual("log", Layout(steps)["yaxis"]!["type"]?.GetValue<string>());
        Assert.Equal("linear", Layout(figure.WithLinearY())["yaxis"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public void LogTicksArePlainPowersOfTen()
    {
        var (values, labels) = HouseStyle.LogTicks(3e-5, 2);
        Assert.Equal(new[] { "1e-5", "1e-4", "0.001", "0.01", "0.1", "1", "10" }, labels);
        Assert.Equal(1e-4, values[1], 12);
        var (_, narrow) = HouseStyle.LogTicks(1.5, 40);
        Assert.Contains("2", narrow);
        Assert.Contains("20", narrow);
    }

    [Fact]
    public void AReferenceLineIsADashedGreyTraceAcrossTheDataInBothRenderings()
    {
        var figure = Plot.Line("accuracy", "distance", "accuracy", S("GRU", 0.9, 0.8, 0.5, 0.3)).WithReference("chance 0.25", 0.25);
        var data = Data(figure);
        var reference = data[^1]!;
        Assert.Equal("chance 0.25", reference["name"]!.GetValue<string>());
        Assert.Equal(SeriesColours.Reference, reference["line"]!["color"]!.GetValue<string>());
        Assert.Equal("dash", reference["line"]!["dash"]!.GetValue<string>());
        Assert.Equal(new[] { 0.0, 3.0 }, reference["x"]!.AsArray().Select(v => v!.GetValue<double>()));
        Assert.Equal(new[] { 0.25, 0.25 }, reference["y"]!.AsArray().Select(v => v!.GetValue<double>()));
        Assert.True(data[0]!["showlegend"]!.GetValue<bool>());
        var svg = ChartSvg.Render(figure.ToJson(), 720, 420);
        Assert.Contains("chance 0.25", svg);
        // In a grid the reference keeps its grey.
        var grid = Plot.Grid("g", 2, figure, Plot.Line("b", "x", "y", S("LSTM", 1, 2)));
        Assert.Equal(SeriesColours.Reference, ColourOf(grid, "chance 0.25"));
        var vertical = Plot.Line("kl", "update", "KL", S("TRPO", 0.001, 0.02, 0.005)).WithReferenceX("x = 1", 1);
        Assert.Equal(new[] { 1.0, 1.0 }, Data(vertical)[^1]!["x"]!.AsArray().Select(v => v!.GetValue<double>()));
    }

    [Fact]
    public void AGridOfHeatmapsSharesOneColourRangeAndOneColourBarBesideItsPanel()
    {
        var a = new double[,] { { 0.15, 0.2 }, { 0.18, 0.17 } };
        var b = new double[,] { { 0, 1 }, { 0.9, 0.1 } };
        string[] l = { "a", "b" };
        var grid = Plot.Grid("weights", 2, Plot.Heatmap("additive", a, l, l), Plot.Heatmap("dot product", b, l, l));
        var heatmaps = Data(grid).Where(t => t!["type"]!.GetValue<string>() == "heatmap").ToList();
        Assert.Equal(2, heatmaps.Count);
        Assert.All(heatmaps, h =>
        {
            Assert.Equal(0, h!["zmin"]!.GetValue<double>());
            Assert.Equal(1, h["zmax"]!.GetValue<double>());
        });
        Assert.False(heatmaps[0]!["showscale"]!.GetValue<bool>());
        Assert.True(heatmaps[1]!["showscale"]!.GetValue<bool>());
        // The one colour bar sits beside the last panel (x domain [0.571, 1] of 2 columns with gap 0.25), not over a legend.
        Assert.InRange(heatmaps[1]!["colorbar"]!["x"]!.GetValue<double>(), 1.0, 1.05);
        var svg = ChartSvg.Render(grid.ToJson(), 900, 400);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(svg, "class=\"colorbar\""));
    }

    [Fact]
    public void NumbersAreWrittenForPeople()
    {
        Assert.Equal("0.00299", Numbers.Format(0.0029871));
        Assert.Equal("9.54e-7", Numbers.Format(9.5412e-7));
        Assert.Equal("1e-4", Numbers.Format(1e-4));
        Assert.Equal("0.25", Numbers.Format(0.25));
        Assert.Equal("12346", Numbers.Format(12345.6));
        Assert.Equal("2.5e6", Numbers.Format(2.5e6));
        Assert.Equal("10", Numbers.Format(9.996));
        Assert.Equal("-1.5", Numbers.Format(-1.5));
        Assert.Equal("0", Numbers.Format(0));
    }

    [Fact]
    public void LatestShowsOnlyTheMetricsSinceTheLastTable()
    {
        Metrics.Clear();
        Metrics.Report("first_metric", 1);
        Assert.Single(Metrics.Latest().Metrics);
        Metrics.Report("second_metric", 2);
        Metrics.Report("third_metric", 3);
        Assert.Equal(new[] { "second_metric", "third_metric" }, Metrics.Latest().Metrics.Select(m => m.Name));
        Assert.False(Metrics.Latest().IsSummary);
        Assert.Equal(3, Metrics.Summary().Metrics.Count);
        Metrics.Clear();
    }
}
