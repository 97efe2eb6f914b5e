using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Workbook.Charts;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Workbook.Tests.Charts;

public sealed class ChartSvgTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly ITestOutputHelper output;

    public ChartSvgTests(ITestOutputHelper output) => this.output = output;

    // ---- helpers ---------------------------------------------------------------------------------

    private readonly record struct Box(double X, double Y, double Width, double Height)
    {
        public bool Contains(double x, double y) => x >= X - 0.05 && x <= X + Width + 0.05 && y >= Y - 0.05 && y <= Y + Height + 0.05;

        public bool Overlaps(Box o) => X < o.X + o.Width && o.X < X + Width && Y < o.Y + o.Height && o.Y < Y + Height;
    }

    private static string Render(Figure figure)
    {
        var layout = JsonNode.Parse(figure.ToJson())!["layout"]!;
        return ChartSvg.Render(figure.ToJson(), layout["width"]!.GetValue<int>(), layout["height"]!.GetValue<int>());
    }

    private static XElement Parse(string svg) => XElement.Parse(svg);

    private static double D(XElement e, string attribute) =>
        double.Parse(e.Attribute(attribute)!.Value, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static IEnumerable<XElement> WithClass(XElement root, string name, string cssClass) =>
        root.Descendants(Svg + name).Where(e => ((string?)e.Attribute("class"))?.Split(' ').Contains(cssClass) == true);

    private static Box BoxOf(XElement rect) => new(D(rect, "x"), D(rect, "y"), D(rect, "width"), D(rect, "height"));

    private static List<Box> PlotAreas(XElement root) => WithClass(root, "rect", "plot-area").Select(BoxOf).ToList();

    private static (double X, double Y)[] Points(XElement polyline) =>
        polyline.Attribute("points")!.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(','))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))
            .ToArray();

    private static List<XElement> Polylines(XElement root) => WithClass(root, "g", "line").SelectMany(g => g.Elements(Svg + "polyline")).ToList();

    private static List<XElement> Circles(XElement root) => WithClass(root, "g", "markers").SelectMany(g => g.Elements(Svg + "circle")).ToList();

    private static List<XElement> Bars(XElement root) => WithClass(root, "g", "bars").SelectMany(g => g.Elements(Svg + "rect")).ToList();

    private static readonly Regex CellRectangle = new(@"M([-0-9.]+) ([-0-9.]+)h([-0-9.]+)v([-0-9.]+)h[-0-9.]+z");

    /// <summary>The heatmap's cells (one rectangle subpath per run of equal cells), with their fill colours.</summary>
    private static List<(Box Box, string Fill)> Cells(XElement root) =>
        WithClass(root, "g", "heatmap").SelectMany(g => g.Elements(Svg + "path"))
            .SelectMany(path => CellRectangle.Matches(path.Attribute("d")!.Value).Select(m => (
                new Box(Number(m.Groups[1]), Number(m.Groups[2]), Number(m.Groups[3]), Number(m.Groups[4])),
                path.Attribute("fill")!.Value)))
            .ToList();

    private static double Number(Group g) => double.Parse(g.Value, CultureInfo.InvariantCulture);

    private static List<string> Texts(XElement root, string? groupClass = null) =>
        (groupClass is null ? root.Descendants(Svg + "text") : WithClass(root, "g", groupClass).SelectMany(g => g.Descendants(Svg + "text")))
            .Select(t => t.Value).ToList();

    private static string SingleText(XElement root, string cssClass) => WithClass(root, "text", cssClass).Single().Value;

    private static Figure ThreeSeriesLine() => Plot.Line("Training loss", "step", "loss",
        Series.Of("train", new[] { 3.0, 2.0, 1.5, 1.2 }),
        Series.Of("validation", new[] { 3.5, 2.5, 2.0, 1.9 }),
        new Series("baseline", new[] { 0.0, 3.0 }, new[] { 2.2, 2.2 }));

    // ---- chart kinds -----------------------------------------------------------------------------

    [Fact]
    public void LineOfThreeSeriesDrawsThreePolylinesInsideThePlotAreaWithTitleLabelsAndLegend()
    {
        var svg = Parse(Render(ThreeSeriesLine()));

        Assert.Equal("svg", svg.Name.LocalName);
        Assert.Equal("720", svg.Attribute("width")!.Value);
        Assert.Equal("420", svg.Attribute("height")!.Value);
        var area = Assert.Single(PlotAreas(svg));
        var lines = Polylines(svg);
        Assert.Equal(3, lines.Count);
        Assert.Equal(new[] { 4, 4, 2 }, lines.Select(l => Points(l).Length));
        Assert.All(lines.SelectMany(Points), p => Assert.True(area.Contains(p.X, p.Y), $"({p.X}, {p.Y}) lies outside {area}"));
        // train falls from 3 to 1.2: its first point is higher on the page (a smaller SVG y), and x grows to the right.
        var train = Points(lines[0]);
        Assert.True(train[0].Y < train[^1].Y);
        Assert.True(train[0].X < train[^1].X);
        // Each series has its own colour: train and validation from the workbook's name table, baseline the first unused fallback.
        Assert.Equal(new[] { SeriesColours.Fixed("train"), SeriesColours.Fixed("validation"), "#2ca02c" },
            WithClass(svg, "g", "line").Select(g => g.Attribute("stroke")!.Value));
        Assert.Equal("Training loss", SingleText(svg, "title"));
        Assert.Equal(new[] { "step", "loss" }, WithClass(svg, "text", "axis-title").Select(t => t.Value));
        Assert.Equal(new[] { "train", "validation", "baseline" }, Texts(svg, "legend"));
        Assert.Contains("0", Texts(svg, "xaxis"));
        Assert.Contains("3", Texts(svg, "xaxis"));
        Assert.Empty(svg.Descendants(Svg + "script"));
        Assert.DoesNotContain("href", Render(ThreeSeriesLine()));
    }

    [Fact]
    public void MissingValuesBreakALineAndASingleSeriesHasNoLegend()
    {
        var svg = Parse(Render(Plot.Line("gaps", "step", "loss", Series.Of("train", new[] { 3.0, 2.5, double.NaN, 1.5, 1.0 }))));

        var lines = Polylines(svg);
        Assert.Equal(2, lines.Count);
        Assert.Equal(new[] { 2, 2 }, lines.Select(l => Points(l).Length));
        Assert.Empty(WithClass(svg, "g", "legend"));
    }

    [Fact]
    public void ScatterDrawsOneCirclePerPointAndNoLine()
    {
        var xs = new[] { 1.0, 2.0, 3.0, 4.0, 5.0 };
        var svg = Parse(Render(Plot.Scatter("Embedding", "dim 0", "dim 1",
            new Series("nouns", xs, new[] { -1.0, 4.0, 2.0, 0.5, 3.0 }),
            new Series("verbs", xs, new[] { 1.0, 1.5, -2.0, 0.0, 2.5 }))));

        var area = Assert.Single(PlotAreas(svg));
        var circles = Circles(svg);
        Assert.Equal(10, circles.Count);
        Assert.Empty(Polylines(svg));
        Assert.All(circles, c => Assert.True(area.Contains(D(c, "cx"), D(c, "cy"))));
        // Markers are padded away from the edges of the plot area, as plotly.js pads them.
        Assert.All(circles, c => Assert.True(D(c, "cx") > area.X + 5 && D(c, "cx") < area.X + area.Width - 5));
        var nouns = circles.Take(5).ToArray();
        Assert.True(D(nouns[1], "cy") < D(nouns[2], "cy"));   // 4.0 above 2.0
        Assert.True(D(nouns[0], "cy") > D(nouns[3], "cy"));   // -1.0 below 0.5
        Assert.Equal(new[] { "nouns", "verbs" }, Texts(svg, "legend"));
        Assert.Equal(new[] { "dim 0", "dim 1" }, WithClass(svg, "text", "axis-title").Select(t => t.Value));
    }

    [Fact]
    public void BarOfThreeCategoriesAndTwoGroupsDrawsSixBarsSideBySide()
    {
        var svg = Parse(Render(Plot.Bar("Accuracy", "model", "accuracy", new[] { "rnn", "lstm", "gru" },
            ("train", new[] { 0.8, 0.9, 0.85 }), ("test", new[] { 0.7, 0.6, 0.75 }))));

        var area = Assert.Single(PlotAreas(svg));
        var bars = Bars(svg).Select(BoxOf).ToList();
        Assert.Equal(6, bars.Count);
        Assert.All(bars, b => Assert.True(area.Contains(b.X, b.Y) && area.Contains(b.X + b.Width, b.Y + b.Height), $"{b} outside {area}"));
        for (var i = 0; i < bars.Count; i++)
        {
            for (var j = i + 1; j < bars.Count; j++)
            {
                Assert.False(bars[i].Overlaps(bars[j]), $"bars {i} and {j} overlap");
            }
        }
        // All bars stand on the same baseline (zero); a larger value is a taller bar.
        Assert.Single(bars.Select(b => Math.Round(b.Y + b.Height, 1)).Distinct());
        var (train, test) = (bars.Take(3).ToArray(), bars.Skip(3).ToArray());
        Assert.True(train[1].Height > train[0].Height);                // 0.9 > 0.8
        Assert.True(test[1].Height < test[0].Height);                  // 0.6 < 0.7
        Assert.Equal(0.8 / 0.7, train[0].Height / test[0].Height, 2);  // heights are proportional to the values
        Assert.True(train[0].X < test[0].X && test[0].X < train[1].X); // within a category, groups side by side
        Assert.Equal(new[] { "rnn", "lstm", "gru" }, Texts(svg, "xaxis").Take(3));
        Assert.Equal(new[] { "train", "test" }, Texts(svg, "legend"));
        Assert.Equal("Accuracy", SingleText(svg, "title"));
    }

    [Fact]
    public void HistogramBinsTheSamplesAndDrawsBarsAsTallAsTheCounts()
    {
        var svg = Parse(Render(Plot.Histogram("Episode lengths", "steps", ("random", new[] { 1.0, 2.0, 2.0, 3.0, 3.0, 3.0 }))));

        var bars = Bars(svg).Select(BoxOf).ToList();
        // Integer samples: bins of width 1 centred on 1, 2 and 3; heights in the ratio 1 : 2 : 3.
        Assert.Equal(3, bars.Count);
        Assert.Equal(2 * bars[0].Height, bars[1].Height, 0);
        Assert.Equal(3 * bars[0].Height, bars[2].Height, 0);
        Assert.InRange(bars[1].Width - bars[0].Width, -0.2, 0.2);
        Assert.InRange(bars[1].X - (bars[0].X + bars[0].Width), -0.2, 0.2);   // histogram bars touch
        Assert.Equal(new[] { "steps", "count" }, WithClass(svg, "text", "axis-title").Select(t => t.Value));
    }

    [Fact]
    public void OverlaidHistogramsShareBinsAndAreTranslucent()
    {
        var random = Enumerable.Range(0, 200).Select(i => Math.Sin(i * 1.7) * 3).ToArray();
        var trained = Enumerable.Range(0, 200).Select(i => 4 + Math.Cos(i * 0.9)).ToArray();
        var svg = Parse(Render(Plot.Histogram("Returns", "return", 12, ("random", random), ("trained", trained))));

        var groups = WithClass(svg, "g", "bars").ToList();
        Assert.Equal(2, groups.Count);
        Assert.All(groups, g => Assert.Equal("0.6", g.Attribute("opacity")!.Value));
        var widths = Bars(svg).Select(b => Math.Round(D(b, "width"))).Distinct().ToList();
        Assert.Single(widths);   // one bin size for both
        // nbinsx = 12 over [-3, 5]: 8 / 12 rounds up to bins of 1 (as plotly.js rounds), so 8 or 9 bins in all,
        // 6 or 7 of them holding "random" samples and 2 or 3 "trained" ones.
        Assert.InRange(Bars(svg).Count, 8, 10);
        var area = Assert.Single(PlotAreas(svg));
        Assert.InRange(widths[0], area.Width / 9.5, area.Width / 8);
        Assert.Equal(new[] { "random", "trained" }, Texts(svg, "legend"));
    }

    [Fact]
    public void HeatmapOf4x6DrawsTwentyFourCellsWithRowZeroAtTheTop()
    {
        var z = new double[4, 6];
        for (var r = 0; r < 4; r++)
        {
            for (var c = 0; c < 6; c++)
            {
                z[r, c] = r * 6 + c;
            }
        }
        var rows = new[] { "the", "cat", "sat", "the" };
        var columns = new[] { "le", "chat", "est", "assis", "là", "." };
        var svg = Parse(Render(Plot.Heatmap("Attention", z, rows, columns)));

        var area = Assert.Single(PlotAreas(svg));
        var cells = Cells(svg);
        Assert.Equal(24, cells.Count);
        Assert.All(cells, c => Assert.True(area.Contains(c.Box.X, c.Box.Y) && area.Contains(c.Box.X + c.Box.Width, c.Box.Y + c.Box.Height)));
        // The cells tile the plot area: their areas add up to it.
        Assert.Equal(area.Width * area.Height, cells.Sum(c => c.Box.Width * c.Box.Height), 0);
        // The smallest value (row 0, column 0) is the scale's first colour, in the top-left corner;
        // the largest (row 3, column 5) the last colour, bottom right.
        var min = cells.Single(c => c.Fill == "#0d0887").Box;
        var max = cells.Single(c => c.Fill == "#f0f921").Box;
        Assert.Equal(area.X, min.X, 1);
        Assert.Equal(area.Y, min.Y, 1);
        Assert.Equal(area.X + area.Width, max.X + max.Width, 1);
        Assert.Equal(area.Y + area.Height, max.Y + max.Height, 1);
        // Row labels top-down, repeated labels kept; column labels left to right.
        Assert.Equal(rows, Texts(svg, "yaxis").Take(4));
        Assert.Equal(columns, Texts(svg, "xaxis").Take(6));
        Assert.Equal(new[] { "key", "query" }, WithClass(svg, "text", "axis-title").Select(t => t.Value));
        Assert.NotEmpty(WithClass(svg, "g", "colorbar").SelectMany(g => g.Elements(Svg + "rect")));
        Assert.Empty(WithClass(svg, "g", "legend"));
    }

    [Fact]
    public void HeatmapOfATensorDrawsItsValuesWithIndexLabels()
    {
        using var weights = tensor(new float[] { 0.25f, 0.75f, 1, 0, 0.5f, 0.125f }, new long[] { 1, 3, 2 });
        var svg = Parse(Render(Plot.Heatmap("Weights", weights, xLabel: "source", yLabel: "target")));

        var cells = Cells(svg);
        Assert.Equal(6, cells.Count);
        // Row 1 holds the extremes: 1 (last colour) left, 0 (first colour) right, in the middle row.
        var one = cells.Single(c => c.Fill == "#f0f921").Box;
        var zero = cells.Single(c => c.Fill == "#0d0887").Box;
        Assert.Equal(one.Y, zero.Y, 1);
        Assert.True(one.X < zero.X);
        Assert.Equal(2, cells.Count(c => c.Box.Y < one.Y));
        Assert.Equal(new[] { "0", "1", "2" }, Texts(svg, "yaxis").Take(3));
        Assert.Equal(new[] { "0", "1" }, Texts(svg, "xaxis").Take(2));
        Assert.Equal("Weights", SingleText(svg, "title"));
    }

    [Fact]
    public void ALargeHeatmapIsAveragedDownToAtMost80CellsASide()
    {
        using var big = rand(new long[] { 200, 160 }, generator: manual_seed(1));
        var svg = Render(Plot.Heatmap("Positional table", big));
        var cells = Cells(Parse(svg));

        Assert.InRange(cells.Count, 1, 80 * 80);
        Assert.InRange(cells.Select(c => c.Box.Y).Distinct().Count(), 60, 80);
        Assert.True(svg.Length < 300_000, $"{svg.Length} bytes");
    }

    [Fact]
    public void ContourDrawsFilledBandsAndThePathAsLineWithMarkersOnTop()
    {
        var path = new Series("gradient descent", new[] { 0.8, 0.4, 0.1, 0.0 }, new[] { 1.5, 0.7, 0.2, 0.05 });
        var svg = Parse(Render(Plot.Contour("Loss surface", (x, y) => x * x + 3 * y * y, (-1, 1), (-2, 2), "w1", "w2", path)));

        var area = Assert.Single(PlotAreas(svg));
        var cells = Cells(svg);
        // Bands, not 80 x 80 separate cells: equal neighbours in a row are merged; the cells still tile the area.
        Assert.InRange(cells.Select(c => c.Fill).Distinct().Count(), 5, 25);
        Assert.True(cells.Count < 80 * 80 / 2, $"{cells.Count} runs");
        Assert.Equal(area.Width * area.Height, cells.Sum(c => c.Box.Width * c.Box.Height), 0);
        // The path is drawn after the bands (on top), as a line with a marker per point.
        var line = Assert.Single(Polylines(svg));
        Assert.Equal(4, Points(line).Length);
        Assert.Equal(4, Circles(svg).Count);
        var heatmap = WithClass(svg, "g", "heatmap").Single();
        Assert.True(heatmap.IsBefore(line));
        Assert.Equal(new[] { "gradient descent" }, Texts(svg, "legend"));
        Assert.Equal(new[] { "w1", "w2" }, WithClass(svg, "text", "axis-title").Select(t => t.Value));
        // The colour bar runs from the lowest band (bottom) to the highest (top): the bowl's minimum, at the
        // centre of the plot area, is in the lowest band, its corners (x = ±1, y = ±2) in the highest.
        var bar = WithClass(svg, "g", "colorbar").Single().Elements(Svg + "rect").OrderBy(r => D(r, "y")).ToList();
        var (highest, lowest) = (bar[0].Attribute("fill")!.Value, bar[^1].Attribute("fill")!.Value);
        string FillAt(double x, double y) => cells.Single(c => c.Box.Contains(x, y) && c.Box.Contains(x + 0.1, y + 0.1)).Fill;
        Assert.Equal(lowest, FillAt(area.X + area.Width / 2, area.Y + area.Height / 2));
        Assert.Equal(highest, FillAt(area.X + 0.5, area.Y + 0.5));
        Assert.Equal(highest, FillAt(area.X + area.Width - 1, area.Y + area.Height - 1));
    }

    [Fact]
    public void GridOfTwoPanelsDrawsEachInItsOwnBoxAndListsSharedNamesOnce()
    {
        var figure = Plot.Grid("Learning rates", 2,
            Plot.Line("lr 0.1", "step", "loss", Series.Of("train", new[] { 1.0, 0.5, 0.3 }), Series.Of("validation", new[] { 1.1, 0.7, 0.6 })),
            Plot.Line("lr 0.01", "step", "loss (x100)", Series.Of("train", new[] { 2.0, 1.5, 1.0 }), Series.Of("validation", new[] { 2.1, 1.8, 1.6 })));
        var svg = Parse(Render(figure));

        var subplots = WithClass(svg, "g", "subplot").ToList();
        Assert.Equal(2, subplots.Count);
        var areas = PlotAreas(svg);
        Assert.False(areas[0].Overlaps(areas[1]));
        Assert.True(areas[0].X + areas[0].Width < areas[1].X);   // side by side
        for (var i = 0; i < 2; i++)
        {
            var lines = Polylines(subplots[i]);
            Assert.Equal(2, lines.Count);
            Assert.All(lines.SelectMany(Points), p => Assert.True(areas[i].Contains(p.X, p.Y)));
        }
        Assert.Equal("Learning rates", SingleText(svg, "title"));
        Assert.Equal(new[] { "lr 0.1", "lr 0.01" }, WithClass(svg, "text", "annotation").Select(t => t.Value));
        Assert.Equal(new[] { "step", "loss", "step", "loss (x100)" }, WithClass(svg, "text", "axis-title").Select(t => t.Value));
        Assert.Equal(new[] { "train", "validation" }, Texts(svg, "legend"));
        // A name keeps its colour in every panel, so its one legend entry is true of both.
        var strokes = subplots.Select(s => WithClass(s, "g", "line").Select(g => g.Attribute("stroke")!.Value).ToArray()).ToArray();
        Assert.Equal(strokes[0], strokes[1]);
        Assert.NotEqual(strokes[0][0], strokes[0][1]);
    }

    [Fact]
    public void GridMixingKindsPutsEveryPanelInItsCell()
    {
        var figure = Plot.Grid("Small multiples", 2,
            Plot.Line("loss", "step", "loss", Series.Of("a", new[] { 1.0, 0.5 })),
            Plot.Heatmap("weights", new double[,] { { 0.1, 0.9 }, { 0.6, 0.4 } }, new[] { "a", "b" }, new[] { "c", "d" }),
            Plot.Bar("final", "run", "loss", new[] { "a", "b" }, ("final", new[] { 0.5, 1.0 }), ("best", new[] { 0.4, 0.9 })),
            Plot.Histogram("returns", "return", ("returns", new[] { 1.0, 2.0, 2.0 }), ("baseline", new[] { 1.5, 1.0 })));
        var svg = Parse(Render(figure));

        var areas = PlotAreas(svg);
        Assert.Equal(4, areas.Count);
        for (var i = 0; i < 4; i++)
        {
            for (var j = i + 1; j < 4; j++)
            {
                Assert.False(areas[i].Overlaps(areas[j]), $"panels {i} and {j} overlap");
            }
        }
        Assert.True(areas[0].Y < areas[2].Y);   // two rows, top to bottom
        var panels = WithClass(svg, "g", "subplot").ToList();
        Assert.Single(Polylines(panels[0]));
        Assert.Equal(4, Cells(panels[1]).Count);
        Assert.Equal(4, Bars(panels[2]).Count);
        Assert.NotEmpty(Bars(panels[3]));
        Assert.Equal(new[] { "final", "best", "returns", "baseline" }, Texts(svg, "legend"));
        Assert.Equal(new[] { "loss", "weights", "final", "returns" }, WithClass(svg, "text", "annotation").Select(t => t.Value));
    }

    [Fact]
    public void LogYSpacesDecadesEvenlyAndLabelsThem()
    {
        var svg = Parse(Render(Plot.Line("Loss", "step", "loss", Series.Of("train", new[] { 100.0, 10.0, 1.0, 0.1 })).WithLogY()));

        var points = Points(Assert.Single(Polylines(svg)));
        Assert.Equal(4, points.Length);
        var steps = points.Zip(points.Skip(1), (a, b) => b.Y - a.Y).ToArray();
        Assert.All(steps, s => Assert.Equal(steps[0], s, 0));   // each factor of 10 is the same distance down
        Assert.True(steps[0] > 0);
        var labels = Texts(svg, "yaxis");
        Assert.Contains("0.1", labels);
        Assert.Contains("1", labels);
        Assert.Contains("10", labels);
        Assert.Contains("100", labels);
    }

    [Fact]
    public void LogYLeavesOutValuesThatAreNotPositive()
    {
        var svg = Parse(Render(Plot.Line("Loss", "step", "loss", Series.Of("train", new[] { 1.0, 0.5, 0.0, 0.2, 0.1 })).WithLogY()));

        Assert.Equal(new[] { 2, 2 }, Polylines(svg).Select(l => Points(l).Length));
    }

    [Fact]
    public void DegenerateDataStillGivesAWellFormedPicture()
    {
        var figures = new[]
        {
            Plot.Line("constant", "step", "loss", Series.Of("flat", new[] { 2.0, 2.0, 2.0 })),
            Plot.Line("one point", "step", "loss", Series.Of("dot", new[] { 2.0 })),
            Plot.Line("all missing", "step", "loss", Series.Of("nan", new[] { double.NaN, double.NaN })),
            Plot.Line("no points", "step", "loss", Series.Of("empty", Array.Empty<double>())),
            Plot.Histogram("no samples", "x", ("none", Array.Empty<double>())),
            Plot.Histogram("one value", "x", ("same", new[] { 0.5, 0.5, 0.5 })),
            Plot.Heatmap("uniform", new double[,] { { 1, 1 }, { 1, 1 } }, new[] { "a", "b" }, new[] { "c", "d" }),
            Plot.Heatmap("with a hole", new double[,] { { 1, double.NaN }, { 0, 1 } }, new[] { "a", "b" }, new[] { "c", "d" }),
            Plot.Bar("negative", "model", "gain", new[] { "a", "b" }, ("delta", new[] { -1.0, 2.0 })),
            Plot.Line("huge", "step", "loss", Series.Of("big", new[] { 1e9, 3e9, 2.5e9 })).WithLogY(),
        };
        foreach (var figure in figures)
        {
            var svg = Parse(Render(figure));
            Assert.Single(PlotAreas(svg));
            Assert.Equal(figure.Title, SingleText(svg, "title"));
            Assert.DoesNotContain("NaN", svg.ToString());
            Assert.DoesNotContain("Infinity", svg.ToString());
        }
        var hole = Parse(Render(figures[7]));
        Assert.Equal(3, Cells(hole).Count);
        var negative = Bars(Parse(Render(figures[8]))).Select(BoxOf).ToList();
        Assert.Equal(negative[0].Y, negative[1].Y + negative[1].Height, 1);   // -1 hangs below the zero line that 2 stands on
    }

    [Fact]
    public void GridOfTwoHeatmapsInDifferentScaleGroupsGivesEachItsCellsAndColourBar()
    {
        using var offsets = arange(12).unsqueeze(0) - arange(12).unsqueeze(1);
        var svg = Parse(Render(Plot.Grid("Relative positions", 2,
            Plot.Heatmap("clipped offset j − i (L = 4)", offsets.clamp(-4, 4).to_type(ScalarType.Float32), xLabel: "key j", yLabel: "query i", scaleGroup: "offset"),
            Plot.Heatmap("causal", ones(6, 6).tril(), xLabel: "key j", yLabel: "query i", scaleGroup: "mask"))));

        var panels = WithClass(svg, "g", "subplot").ToList();
        Assert.Equal(2, panels.Count);
        // 9 offsets: each row of the first heatmap is a few runs of equal cells; the mask is 2 colours.
        Assert.Equal(12 * 12, Cells(panels[0]).Sum(c => Math.Round(c.Box.Width / (PlotAreas(panels[0])[0].Width / 12))));
        Assert.Equal(2, Cells(panels[1]).Select(c => c.Fill).Distinct().Count());
        Assert.Equal(2, WithClass(svg, "g", "colorbar").Count());
        var areas = PlotAreas(svg);
        var bars = WithClass(svg, "g", "colorbar").Select(g => BoxOf(g.Elements(Svg + "rect").First())).ToList();
        Assert.False(bars[0].Overlaps(areas[1]));
        Assert.True(bars[0].X > areas[0].X + areas[0].Width);
    }

    // ---- properties of the output ----------------------------------------------------------------

    [Fact]
    public void OutputIsTheSameOnEveryCallAndInEveryCulture()
    {
        var json = Plot.Line("Loss", "step", "loss", Series.Function("f", x => Math.Sin(x) * 1000.5, 0, 10, 300)).ToJson();
        var first = ChartSvg.Render(json, 720, 420);
        var previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            Assert.Equal(first, ChartSvg.Render(json, 720, 420));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
        Assert.Equal(first, ChartSvg.Render(json, 720, 420));
        Assert.Matches(@"points=""[0-9.]+,[0-9.]+ ", first);
    }

    [Fact]
    public void ATenThousandPointLineStaysUnder40KilobytesAndKeepsItsSpike()
    {
        var y = Enumerable.Range(0, 10_000).Select(i => 1.0 / (1 + i / 500.0) + 0.01 * Math.Sin(i)).ToArray();
        y[6_543] = 5;   // one spike: min/max downsampling keeps it
        var text = Render(Plot.Line("Long run", "step", "loss", Series.Of("train", y)));
        var svg = Parse(text);

        Assert.True(Encoding.UTF8.GetByteCount(text) < 40_000, $"{Encoding.UTF8.GetByteCount(text)} bytes");
        var points = Points(Assert.Single(Polylines(svg)));
        Assert.InRange(points.Length, 100, 402);
        var area = Assert.Single(PlotAreas(svg));
        var top = points.MinBy(p => p.Y);
        Assert.Equal(area.X + area.Width * 6_543 / 9_999.0, top.X, 0);
        Assert.True(top.Y < area.Y + area.Height * 0.1);
        // Coordinates have one decimal at most.
        Assert.DoesNotMatch(@"[0-9]\.[0-9]{2}", svg.Descendants(Svg + "polyline").Single().Attribute("points")!.Value);
    }

    [Fact]
    public void TitlesWithMarkupCharactersStayWellFormed()
    {
        var text = Render(Plot.Line("Loss & accuracy \"tuned\"", "step <t>", "loss", Series.Of("a & b", new[] { 1.0, 2.0 }), Series.Of("c", new[] { 2.0, 1.0 })));
        var svg = Parse(text);

        Assert.Equal("Loss & accuracy \"tuned\"", SingleText(svg, "title"));
        Assert.Contains("a & b", Texts(svg, "legend"));
    }

    [Theory]
    [InlineData("not json", "does not parse")]
    [InlineData("[1, 2]", "must be an object")]
    [InlineData("{\"layout\": {}}", "no \"data\" array")]
    [InlineData("{\"data\": [3]}", "trace 0 of the figure JSON is the value 3")]
    [InlineData("{\"data\": [], \"layout\": 7}", "\"layout\" must be an object")]
    [InlineData("{\"data\": [{\"type\": \"heatmap\", \"z\": [[1, 2], 3]}]}", "row 1 of the heatmap")]
    public void BadJsonIsAnArgumentExceptionThatNamesTheProblem(string json, string problem)
    {
        var e = Assert.Throws<ArgumentException>(() => ChartSvg.Render(json, 400, 300));
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void ANonPositiveSizeIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => ChartSvg.Render("{\"data\": []}", 0, 300));
        Assert.Contains("0 x 300", e.Message);
    }

    [Fact]
    public void AnEmptyFigureStillDrawsItsAxes()
    {
        var svg = Parse(ChartSvg.Render("{\"data\": [], \"layout\": {\"title\": {\"text\": \"nothing yet\"}}}", 400, 300));

        Assert.Single(PlotAreas(svg));
        Assert.Equal("nothing yet", SingleText(svg, "title"));
    }

    [Fact]
    public void ReportsTheSizeOfATypicalFigureOfEachKind()
    {
        var steps = Enumerable.Range(0, 2_000).Select(i => 2.5 * Math.Exp(-i / 400.0) + 0.05 * Math.Sin(i / 7.0)).ToArray();
        var validation = steps.Select((v, i) => v + 0.1 + 0.02 * Math.Cos(i / 3.0)).ToArray();
        var random = new Random(7);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        using var table = rand(new long[] { 64, 32 }, generator: manual_seed(3));
        using var similarity = rand(new long[] { 64, 64 }, generator: manual_seed(4));
        using var attention = rand(new long[] { 8, 8 }, generator: manual_seed(5)).softmax(-1);
        var figures = new (string Kind, Figure Figure)[]
        {
            ("line, 2 series x 2000 points", Plot.Line("Training loss", "step", "loss", Series.Of("train", steps), Series.Of("validation", validation))),
            ("scatter, 2 x 300 points", Plot.Scatter("Embedding", "dim 0", "dim 1",
                new Series("a", Enumerable.Range(0, 300).Select(_ => Normal()).ToArray(), Enumerable.Range(0, 300).Select(_ => Normal()).ToArray()),
                new Series("b", Enumerable.Range(0, 300).Select(_ => Normal() + 2).ToArray(), Enumerable.Range(0, 300).Select(_ => Normal()).ToArray()))),
            ("bar, 5 categories x 3 groups", Plot.Bar("Accuracy", "model", "accuracy", new[] { "rnn", "lstm", "gru", "attn", "gpt" },
                ("train", new[] { 0.8, 0.9, 0.85, 0.95, 0.97 }), ("valid", new[] { 0.7, 0.8, 0.8, 0.9, 0.93 }), ("test", new[] { 0.7, 0.79, 0.78, 0.9, 0.92 }))),
            ("histogram, 2 x 1000 samples", Plot.Histogram("Returns", "return",
                ("random", Enumerable.Range(0, 1000).Select(_ => Normal()).ToArray()), ("trained", Enumerable.Range(0, 1000).Select(_ => Normal() + 3).ToArray()))),
            ("heatmap 8 x 8 (attention)", Plot.Heatmap("Attention", attention)),
            ("heatmap 64 x 32 (random)", Plot.Heatmap("Positional encoding", table)),
            ("heatmap 64 x 64 (random)", Plot.Heatmap("Similarity", similarity)),
            ("heatmap 64 x 32 (sinusoidal table, notebook 11)", Plot.Heatmap("Sinusoidal positional encoding",
                Workbook.Attention.SinusoidalPositionalEncoding.Table(64, 32), xLabel: "dimension", yLabel: "position t")),
            ("contour 80 x 80 with a path", Plot.Contour("Loss surface", (x, y) => x * x + 3 * y * y + Math.Sin(3 * x), (-2, 2), (-2, 2), "w1", "w2",
                new Series("gd", new[] { 1.8, 1.0, 0.5, 0.2, 0.0 }, new[] { 1.5, 0.8, 0.3, 0.1, 0.0 }))),
            ("grid 2 x 2 (line, line, bar, heatmap 8 x 8)", Plot.Grid("Small multiples", 2,
                Plot.Line("a", "step", "loss", Series.Of("train", steps)), Plot.Line("b", "step", "loss", Series.Of("train", validation)),
                Plot.Bar("c", "model", "acc", new[] { "x", "y" }, ("final", new[] { 0.5, 0.6 })), Plot.Heatmap("d", attention))),
            ("grid 1 x 2 of heatmaps 12 x 12 and 6 x 6", Plot.Grid("Relative positions", 2,
                Plot.Heatmap("clipped offset j − i (L = 4)", (arange(12).unsqueeze(0) - arange(12).unsqueeze(1)).clamp(-4, 4).to_type(ScalarType.Float32)),
                Plot.Heatmap("causal", ones(6, 6).tril()))),
            ("line, log y, 2000 points", Plot.Line("Loss", "step", "loss", Series.Of("train", steps)).WithLogY()),
        };
        foreach (var (kind, figure) in figures)
        {
            var text = Render(figure);
            Parse(text);
            var bytes = Encoding.UTF8.GetByteCount(text);
            output.WriteLine($"{kind,-50} {bytes,8:N0} bytes SVG   ({Encoding.UTF8.GetByteCount(figure.ToJson()),9:N0} bytes figure JSON)");
            Assert.True(bytes < 200_000, $"{kind}: {bytes} bytes");
        }
    }
}
