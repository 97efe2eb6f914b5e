using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Workbook.Display;
using Workbook.Training;

namespace Workbook.Charts;

/// <summary>
/// A live training display: one output that redraws in place while a training cell runs (a small curve of the
/// watched value, the step, steps per second, time left) and stays, as the final curve, in the saved notebook.
/// Pass it as a trainer's progress sink:
/// <code>
/// var live = LiveTraining.Show("PPO-clip on CartPole", "episode return");
/// var run = Ppo.Train(env, config with { Progress = live });
/// </code>
/// It redraws at most <see cref="UpdatesPerSecond"/> times a second (and once more at the last step), so a
/// report costs a comparison of two clock readings; the picture is a plain SVG with no script, so it never takes
/// plotly.js away from the charts after it (the first chart of a session carries plotly.js). In VS Code and
/// Jupyter it is the kernel's updatable display (.NET Interactive's <c>DisplayedValue.Update</c>); in the
/// workbook's engine a display update event; elsewhere a line of text per redraw.
/// </summary>
public sealed class LiveTraining : IProgress<TrainingProgress>
{
    /// <summary>At most this many redraws a second (plus the last).</summary>
    public const double UpdatesPerSecond = 4;

    private const int Width = 520;
    private const int Height = 170;
    private readonly object gate = new();
    private readonly List<(double Step, double Value)> points = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly List<long> redrawnAt = new();
    private readonly Action<object?>? redraw;
    private long lastRedrawTicks = -Stopwatch.Frequency;
    private TrainingProgress latest;

    private LiveTraining(string title, string valueLabel, bool show)
    {
        Title = title;
        ValueLabel = valueLabel;
        if (show)
        {
            redraw = UpdatableDisplays.Show(this);
        }
    }

    /// <summary>Shows an empty live display now and returns it, to be passed to a trainer as its progress sink.</summary>
    public static LiveTraining Show(string title, string valueLabel = "loss") => new(title, valueLabel, show: true);

    /// <summary>A sink that records and throttles like <see cref="Show"/> but displays nothing (for benchmarks and tests).</summary>
    public static LiveTraining Hidden(string title = "hidden", string valueLabel = "loss") => new(title, valueLabel, show: false);

    /// <summary>The display's title.</summary>
    public string Title { get; }

    /// <summary>What the curve shows (the y axis).</summary>
    public string ValueLabel { get; }

    /// <summary>The steps at which the display was redrawn, in order (the first is the empty display's 0).</summary>
    public IReadOnlyList<long> RedrawSteps
    {
        get
        {
            lock (gate)
            {
                return redrawnAt.ToArray();
            }
        }
    }

    /// <summary>How many reports arrived.</summary>
    public long Reports { get; private set; }

    /// <inheritdoc />
    public void Report(TrainingProgress value)
    {
        lock (gate)
        {
            Reports++;
            latest = value;
            if (double.IsFinite(value.Value))
            {
                points.Add((value.Step, value.Value));
            }
            var now = clock.ElapsedTicks;
            var last = value.Step >= value.TotalSteps;
            if (!last && now - lastRedrawTicks < Stopwatch.Frequency / UpdatesPerSecond)
            {
                return;
            }
            lastRedrawTicks = now;
            redrawnAt.Add(value.Step);
        }
        redraw?.Invoke(this);
    }

    /// <summary>The display as HTML: a heading line and an SVG curve (no script).</summary>
    public string ToHtml()
    {
        lock (gate)
        {
            var html = new StringBuilder();
            html.Append("<div class=\"workbook-live\" data-redraw-steps=\"")
                .Append(string.Join(" ", redrawnAt.Select(s => s.ToString(CultureInfo.InvariantCulture))))
                .Append("\" style=\"font:13px sans-serif\">");
            html.Append("<div><b>").Append(WebUtility.HtmlEncode(Title)).Append("</b> · ").Append(WebUtility.HtmlEncode(StatusLine())).Append("</div>");
            html.Append(Svg());
            html.Append("</div>");
            return html.ToString();
        }
    }

    /// <inheritdoc />
    public override string ToString()
    {
        lock (gate)
        {
            return $"{Title}: {StatusLine()}";
        }
    }

    private string StatusLine()
    {
        if (Reports == 0)
        {
            return "waiting for the first step";
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var rate = latest.Step / Math.Max(seconds, 1e-9);
        var done = latest.Step >= latest.TotalSteps;
        var left = done ? "done" : rate > 0 ? $"about {Numbers.Format((latest.TotalSteps - latest.Step) / rate, 2)} s left" : "";
        var value = points.Count > 0 ? $"{ValueLabel} {Numbers.Format(points[^1].Value)}" : "";
        return string.Join(" · ", new[]
        {
            $"step {latest.Step.ToString(CultureInfo.InvariantCulture)} / {latest.TotalSteps.ToString(CultureInfo.InvariantCulture)}",
            value, $"{Numbers.Format(rate)} steps/s", $"{Numbers.Format(seconds, 2)} s", left,
        }.Where(p => p.Length > 0));
    }

    // A small line chart: the curve over steps 0..total, min and max of the values on the left.
    private string Svg()
    {
        const double left = 56, right = 12, top = 10, bottom = 26;
        var svg = new StringBuilder();
        svg.Append(FormattableString.Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-size=\"11\">"));
        svg.Append(FormattableString.Invariant($"<rect x=\"{left}\" y=\"{top}\" width=\"{Width - left - right}\" height=\"{Height - top - bottom}\" fill=\"#f6f7fb\"/>"));
        var total = Math.Max(1, latest.TotalSteps);
        if (points.Count > 0)
        {
            var lo = points.Min(p => p.Value);
            var hi = points.Max(p => p.Value);
            if (!(hi > lo))
            {
                (lo, hi) = (lo - 0.5, hi + 0.5);
            }
            double X(double step) => left + step / total * (Width - left - right);
            double Y(double v) => Height - bottom - (v - lo) / (hi - lo) * (Height - top - bottom);
            var stride = Math.Max(1, points.Count / 400);
            var coordinates = points.Where((_, i) => i % stride == 0 || i == points.Count - 1)
                .Select(p => FormattableString.Invariant($"{X(p.Step):0.#},{Y(p.Value):0.#}"));
            var colour = SeriesColours.For(new[] { Title }).First();
            svg.Append($"<polyline class=\"live-curve\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{string.Join(" ", coordinates)}\"/>");
            svg.Append(FormattableString.Invariant($"<text x=\"{left - 4}\" y=\"{top + 9}\" text-anchor=\"end\">{WebUtility.HtmlEncode(Numbers.Format(hi))}</text>"));
            svg.Append(FormattableString.Invariant($"<text x=\"{left - 4}\" y=\"{Height - bottom}\" text-anchor=\"end\">{WebUtility.HtmlEncode(Numbers.Format(lo))}</text>"));
        }
        svg.Append(FormattableString.Invariant($"<text x=\"{left}\" y=\"{Height - 8}\">0</text>"));
        svg.Append(FormattableString.Invariant($"<text x=\"{Width - right}\" y=\"{Height - 8}\" text-anchor=\"end\">{total} steps</text>"));
        svg.Append(FormattableString.Invariant($"<text x=\"{(left + Width - right) / 2}\" y=\"{Height - 8}\" text-anchor=\"middle\">{WebUtility.HtmlEncode(ValueLabel)} by step</text>"));
        svg.Append("</svg>");
        return svg.ToString();
    }
}
