using System.Diagnostics;
using Workbook.Charts;
using Workbook.Training;
using Xunit.Abstractions;

namespace Workbook.Tests.Charts;

/// <summary>The live training display's throttle and its cost (the benchmark of issue 26's item 4).</summary>
public sealed class LiveTrainingTests(ITestOutputHelper output)
{
    [Fact]
    public void RedrawsAtMostAFewTimesASecondAndAlwaysAtTheLastStep()
    {
        var live = LiveTraining.Hidden();
        var clock = Stopwatch.StartNew();
        const long total = 2_000_000;
        for (long step = 1; step <= total; step++)
        {
            live.Report(new TrainingProgress(step, total, "loss", 1.0 / step));
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var redraws = live.RedrawSteps;
        Assert.Equal(1, redraws[0]);                     // the first report draws at once
        Assert.Equal(total, redraws[^1]);                // the last step is always drawn
        Assert.True(redraws.Count <= seconds * LiveTraining.UpdatesPerSecond + 2, $"{redraws.Count} redraws in {seconds:F2} s");
        Assert.Equal(total, live.Reports);
        Assert.Contains("done", live.ToHtml());
        Assert.Contains("live-curve", live.ToHtml());
    }

    // Benchmark: dotnet test tests/Workbook.Tests -c Release --no-build --filter "FullyQualifiedName~LiveTrainingTests.ReportCosts"
    [Fact]
    public void ReportCostsWellUnderAMicrosecond()
    {
        var live = LiveTraining.Hidden();
        const int n = 1_000_000;
        for (var i = 0; i < 10_000; i++)
        {
            live.Report(new TrainingProgress(i, 10 * n, "loss", 1));   // warm up
        }
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            live.Report(new TrainingProgress(10_000 + i, 10L * n, "loss", 1.0 / (i + 1)));
        }
        var perReport = clock.Elapsed.TotalMilliseconds * 1e6 / n;
        output.WriteLine($"{perReport:F0} ns per report ({n} reports, {live.RedrawSteps.Count} redraws)");
        // A training step of the workbook takes 1-50 ms; a report must cost under 0.1% of the fastest (1 µs).
        Assert.True(perReport < 1000, $"{perReport:F0} ns per report");
    }
}
