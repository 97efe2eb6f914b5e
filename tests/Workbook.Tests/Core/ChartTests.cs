using System.Text.Json.Nodes;
using Workbook.Charts;
using static TorchSharp.torch;

namespace Workbook.Tests.Core;

public sealed class ChartTests
{
    private static JsonNode Parse(Figure figure) => JsonNode.Parse(figure.ToJson())!;

    private static JsonArray Traces(JsonNode json) => json["data"]!.AsArray();

    private static double[] Doubles(JsonNode? node) => node!.AsArray().Select(v => v!.GetValue<double>()).ToArray();

    private static string[] Strings(JsonNode? node) => node!.AsArray().Select(v => v!.GetValue<string>()).ToArray();

    private static void AssertTitles(JsonNode json, string title, string xLabel, string yLabel, string axisSuffix = "")
    {
        Assert.Equal(title, json["layout"]!["title"]!["text"]!.GetValue<string>());
        Assert.Equal(xLabel, json["layout"]!["xaxis" + axisSuffix]!["title"]!["text"]!.GetValue<string>());
        Assert.Equal(yLabel, json["layout"]!["yaxis" + axisSuffix]!["title"]!["text"]!.GetValue<string>());
    }

    [Fact]
    public void LineCarriesEverySeriesWithNamesDataTitleAndAxisLabels()
    {
        var figure = Plot.Line("Training loss", "step", "loss",
            Series.Of("train", new[] { 3.0, 2.0, 1.5 }),
            new Series("validation", new[] { 0.0, 2.0 }, new[] { 3.5, 2.5 }));
        var json = Parse(figure);

        AssertTitles(json, "Training loss", "step", "loss");
        var traces = Traces(json);
        Assert.Equal(2, traces.Count);
        Assert.Equal("scatter", traces[0]!["type"]!.GetValue<string>());
        Assert.Equal("lines+markers", traces[0]!["mode"]!.GetValue<string>());   // house style: a series of fewer than 15 points shows its points
        Assert.Equal("train", traces[0]!["name"]!.GetValue<string>());
        Assert.Equal(new[] { 0.0, 1.0, 2.0 }, Doubles(traces[0]!["x"]));
        Assert.Equal(new[] { 3.0, 2.0, 1.5 }, Doubles(traces[0]!["y"]));
        Assert.Equal("validation", traces[1]!["name"]!.GetValue<string>());
        Assert.Equal(new[] { 0.0, 2.0 }, Doubles(traces[1]!["x"]));
        Assert.Equal(new[] { 3.5, 2.5 }, Doubles(traces[1]!["y"]));
        Assert.Equal("Training loss", figure.Title);
        Assert.Equal(2, figure.TraceCount);
    }

    [Fact]
    public void ScatterDrawsMarkersOnly()
    {
        var json = Parse(Plot.Scatter("Embedding", "dim 0", "dim 1", new Series("tokens", new[] { 1.0, 2.0 }, new[] { -1.0, 4.0 })));

        AssertTitles(json, "Embedding", "dim 0", "dim 1");
        var trace = Traces(json).Single()!;
        Assert.Equal("markers", trace["mode"]!.GetValue<string>());
        Assert.Equal("tokens", trace["name"]!.GetValue<string>());
        Assert.Equal(new[] { 1.0, 2.0 }, Doubles(trace["x"]));
        Assert.Equal(new[] { -1.0, 4.0 }, Doubles(trace["y"]));
    }

    [Fact]
    public void BarGroupsValuesByCategory()
    {
        var json = Parse(Plot.Bar("Accuracy", "model", "accuracy", new[] { "rnn", "lstm" },
            ("train", new[] { 0.8, 0.9 }), ("test", new[] { 0.7, 0.85 })));

        AssertTitles(json, "Accuracy", "model", "accuracy");
        Assert.Equal("group", json["layout"]!["barmode"]!.GetValue<string>());
        var traces = Traces(json);
        Assert.Equal(new[] { "train", "test" }, traces.Select(t => t!["name"]!.GetValue<string>()));
        Assert.All(traces, t => Assert.Equal("bar", t!["type"]!.GetValue<string>()));
        Assert.Equal(new[] { "rnn", "lstm" }, Strings(traces[0]!["x"]));
        Assert.Equal(new[] { 0.7, 0.85 }, Doubles(traces[1]!["y"]));
    }

    [Fact]
    public void BarRejectsAGroupWhoseLengthDiffersFromTheCategories()
    {
        var e = Assert.Throws<ArgumentException>(() => Plot.Bar("t", "x", "y", new[] { "a", "b" }, ("g", new[] { 1.0 })));
        Assert.Contains("'g' has 1 values but there are 2 categories", e.Message);
    }

    [Fact]
    public void HistogramOverlaysSamplesWithTheirNamesAndBins()
    {
        var json = Parse(Plot.Histogram("Returns", "return", 12, ("random", new[] { 1.0, 2.0, 2.0 }), ("trained", new[] { 5.0, 6.0 })));

        AssertTitles(json, "Returns", "return", "count");
        Assert.Equal("overlay", json["layout"]!["barmode"]!.GetValue<string>());
        var traces = Traces(json);
        Assert.Equal("histogram", traces[0]!["type"]!.GetValue<string>());
        Assert.Equal("random", traces[0]!["name"]!.GetValue<string>());
        Assert.Equal(new[] { 1.0, 2.0, 2.0 }, Doubles(traces[0]!["x"]));
        Assert.Equal(12, traces[1]!["nbinsx"]!.GetValue<int>());
        Assert.Equal(new[] { 5.0, 6.0 }, Doubles(traces[1]!["x"]));
    }

    [Fact]
    public void HeatmapKeepsRowsTopDownWithLabelledAxesAndAColourBar()
    {
        var z = new double[,] { { 0.1, 0.9 }, { 0.5, 0.5 }, { 1.0, 0.0 } };
        var json = Parse(Plot.Heatmap("Attention", z, new[] { "the", "cat", "the" }, new[] { "le", "chat" }));

        AssertTitles(json, "Attention", "key", "query");
        var trace = Traces(json).Single()!;
        Assert.Equal("heatmap", trace["type"]!.GetValue<string>());
        Assert.True(trace["showscale"]!.GetValue<bool>());
        var rows = trace["z"]!.AsArray().Select(Doubles).ToArray();
        Assert.Equal(new[] { 0.1, 0.9 }, rows[0]);
        Assert.Equal(new[] { 1.0, 0.0 }, rows[2]);
        // Row 0 at the top: the y axis runs downwards; repeated labels stay separate rows.
        var yAxis = json["layout"]!["yaxis"]!;
        Assert.Equal("reversed", yAxis["autorange"]!.GetValue<string>());
        Assert.Equal(new[] { 0.0, 1.0, 2.0 }, Doubles(yAxis["tickvals"]));
        Assert.Equal(new[] { "the", "cat", "the" }, Strings(yAxis["ticktext"]));
        Assert.Equal(new[] { "le", "chat" }, Strings(json["layout"]!["xaxis"]!["ticktext"]));
    }

    [Fact]
    public void HeatmapOfATensorUsesItsValuesAndIndexLabels()
    {
        using var weights = tensor(new float[] { 0.25f, 0.75f, 1, 0, 0.5f, 0.5f }, new long[] { 1, 3, 2 });
        var json = Parse(Plot.Heatmap("Weights", weights, xLabel: "source", yLabel: "target"));

        AssertTitles(json, "Weights", "source", "target");
        var rows = Traces(json).Single()!["z"]!.AsArray().Select(Doubles).ToArray();
        Assert.Equal(3, rows.Length);
        Assert.Equal(new[] { 0.25, 0.75 }, rows[0]);
        Assert.Equal(new[] { 0.5, 0.5 }, rows[2]);
        Assert.Equal(new[] { "0", "1", "2" }, Strings(json["layout"]!["yaxis"]!["ticktext"]));
    }

    [Fact]
    public void HeatmapRejectsATensorThatIsNotAMatrix()
    {
        using var cube = zeros(2, 3, 4);
        var e = Assert.Throws<ArgumentException>(() => Plot.Heatmap("bad", cube));
        Assert.Contains("[2, 3, 4]", e.Message);
    }

    [Fact]
    public void ContourSamplesTheFunctionAndDrawsPathsWithMarkersOnTop()
    {
        var path = new Series("gradient descent", new[] { 1.0, 0.5, 0.25 }, new[] { 2.0, 1.0, 0.5 });
        var json = Parse(Plot.Contour("Loss surface", (x, y) => x * x + 10 * y, (-1, 1), (0, 2), "w1", "w2", resolution: 3, path));

        AssertTitles(json, "Loss surface", "w1", "w2");
        var traces = Traces(json);
        Assert.Equal(2, traces.Count);
        var contour = traces[0]!;
        Assert.Equal("contour", contour["type"]!.GetValue<string>());
        Assert.Equal(new[] { -1.0, 0.0, 1.0 }, Doubles(contour["x"]));
        Assert.Equal(new[] { 0.0, 1.0, 2.0 }, Doubles(contour["y"]));
        var z = contour["z"]!.AsArray().Select(Doubles).ToArray();
        Assert.Equal(new[] { 1.0, 0.0, 1.0 }, z[0]);          // y = 0
        Assert.Equal(new[] { 21.0, 20.0, 21.0 }, z[2]);       // y = 2
        var line = traces[1]!;                                 // drawn after, so on top
        Assert.Equal("scatter", line["type"]!.GetValue<string>());
        Assert.Equal("lines+markers", line["mode"]!.GetValue<string>());
        Assert.Equal("gradient descent", line["name"]!.GetValue<string>());
        Assert.Equal(new[] { 2.0, 1.0, 0.5 }, Doubles(line["y"]));
    }

    [Fact]
    public void GridPlacesPanelsWithTheirOwnTitlesAndAxes()
    {
        var figure = Plot.Grid("Small multiples", 2,
            Plot.Line("lr 0.1", "step", "loss", Series.Of("a", new[] { 1.0, 0.5 })),
            Plot.Line("lr 0.01", "step", "loss (x100)", Series.Of("b", new[] { 2.0, 1.0 })),
            Plot.Bar("final", "run", "loss", new[] { "a", "b" }, ("final", new[] { 0.5, 1.0 }), ("best", new[] { 0.4, 0.9 })),
            Plot.Histogram("returns", "return", ("returns", new[] { 1.0, 2.0 }), ("baseline", new[] { 1.5, 1.0 })));
        var json = Parse(figure);

        Assert.Equal("Small multiples", json["layout"]!["title"]!["text"]!.GetValue<string>());
        Assert.Equal(2, json["layout"]!["grid"]!["rows"]!.GetValue<int>());
        Assert.Equal(2, json["layout"]!["grid"]!["columns"]!.GetValue<int>());
        var panelTitles = json["layout"]!["annotations"]!.AsArray().Select(a => a!["text"]!.GetValue<string>());
        Assert.Equal(new[] { "lr 0.1", "lr 0.01", "final", "returns" }, panelTitles);
        // One bar mode per figure: grouped bars win over overlaid histograms, so no bar hides another.
        Assert.Equal("group", json["layout"]!["barmode"]!.GetValue<string>());
        Assert.Equal("loss (x100)", json["layout"]!["yaxis2"]!["title"]!["text"]!.GetValue<string>());
        Assert.Equal("run", json["layout"]!["xaxis3"]!["title"]!["text"]!.GetValue<string>());
        var traces = Traces(json);
        Assert.Equal(6, traces.Count);
        Assert.Equal(6, figure.TraceCount);
        Assert.Equal("x2", traces[1]!["xaxis"]!.GetValue<string>());
        Assert.Equal(new[] { 2.0, 1.0 }, Doubles(traces[1]!["y"]));
    }

    [Fact]
    public void GridGivesASeriesOneColourAndOneLegendEntryInEveryPanel()
    {
        // As in notebook 21's race: the same algorithms in two panels (return vs steps, vs seconds).
        var figure = Plot.Grid("Race", 2,
            Plot.Line("vs steps", "steps", "return", Series.Of("PPO", new[] { 1.0, 2.0 }), Series.Of("A2C", new[] { 1.0, 1.5 })),
            Plot.Line("vs time", "seconds", "return", Series.Of("A2C", new[] { 1.0, 1.5 }), Series.Of("PPO", new[] { 1.0, 2.0 })));
        var traces = Traces(Parse(figure)).Select(t => t!).ToList();

        string Colour(JsonNode trace) => trace["line"]!["color"]!.GetValue<string>();
        var byName = traces.GroupBy(t => t["name"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(2, byName["PPO"].Count);
        Assert.Single(byName["PPO"].Select(Colour).Distinct());                   // PPO: one colour in both panels
        Assert.Single(byName["A2C"].Select(Colour).Distinct());
        Assert.NotEqual(Colour(byName["PPO"][0]), Colour(byName["A2C"][0]));     // and the two differ
        Assert.Equal(1, byName["PPO"].Count(t => t["showlegend"]!.GetValue<bool>())); // listed once
        Assert.Equal(1, byName["A2C"].Count(t => t["showlegend"]!.GetValue<bool>()));
        Assert.All(traces, t => Assert.Equal(t["name"]!.GetValue<string>(), t["legendgroup"]!.GetValue<string>())); // toggles together
    }

    [Fact]
    public void PointsAndCurvesDrawsTheDataAsMarkersAndEveryCurveAsALine()
    {
        var figure = Plot.PointsAndCurves("Fits", "x", "y", new Series("data", new[] { 0.0, 1.0 }, new[] { 0.5, 0.7 }),
            new Series("degree 1", new[] { 0.0, 1.0 }, new[] { 0.4, 0.8 }), new Series("degree 2", new[] { 0.0, 1.0 }, new[] { 0.5, 0.7 }));
        var json = Parse(figure);
        var traces = Traces(json);
        Assert.Equal(3, figure.TraceCount);
        Assert.Equal("markers", traces[0]!["mode"]!.GetValue<string>());
        Assert.All(traces.Skip(1), t => Assert.Equal("lines+markers", t!["mode"]!.GetValue<string>()));   // 2-point curves: markers (house style)
        Assert.All(traces, t => Assert.True(t!["showlegend"]!.GetValue<bool>()));
        AssertTitles(json, "Fits", "x", "y");
    }

    [Fact]
    public void APlotlyChartMadeDirectlyBecomesAFigure()
    {
        var chart = Plotly.NET.CSharp.Chart.Line<double, double, string>(x: new[] { 1.0, 2.0 }, y: new[] { 3.0, 4.0 }, Name: "direct");
        var figure = Figure.From(chart);
        Assert.Equal(1, figure.TraceCount);
        Assert.Equal("Plotly.NET chart", figure.Title);
        Assert.Equal(new[] { 3.0, 4.0 }, Doubles(Traces(Parse(figure))[0]!["y"]));
        var titled = Figure.From(Plotly.NET.Chart.withTitle("named", null).Invoke(chart));
        Assert.Equal("named", titled.Title);
    }

    [Fact]
    public void WithSizeAndWithLogYChangeTheLayoutAndKeepTheLabels()
    {
        var json = Parse(Plot.Line("Loss", "step", "loss", Series.Of("train", new[] { 10.0, 1.0, 0.1 })).WithSize(500, 300).WithLogY());

        AssertTitles(json, "Loss", "step", "loss");
        Assert.Equal(500, json["layout"]!["width"]!.GetValue<int>());
        Assert.Equal(300, json["layout"]!["height"]!.GetValue<int>());
        Assert.Equal("log", json["layout"]!["yaxis"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public void SeriesWithMismatchedLengthsIsRejectedWithItsName()
    {
        var e = Assert.Throws<ArgumentException>(() => Plot.Line("t", "x", "y", new Series("bad", new[] { 1.0, 2.0 }, new[] { 1.0 })));
        Assert.Contains("series 'bad' has 2 x values but 1 y values", e.Message);
    }
}
