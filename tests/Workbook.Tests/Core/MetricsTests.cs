using Workbook.Notebooks;

namespace Workbook.Tests.Core;

[Collection(GlobalStateCollection.Name)]
public sealed class MetricsTests
{
    [Fact]
    public void ReportRecordsTheMetricAndPassesItToTheHost()
    {
        var previous = AppContext.GetData(NotebookHost.MetricKey);
        var received = new List<(string, double)>();
        try
        {
            AppContext.SetData(NotebookHost.MetricKey, new Action<string, double>((name, value) => received.Add((name, value))));
            Metrics.Clear();

            var metric = Metrics.Report("val_loss", 1.25, "validation loss");

            Assert.Equal(new Metric("val_loss", 1.25, "validation loss"), metric);
            Assert.Equal(new[] { ("val_loss", 1.25) }, received);
            Assert.Equal(new[] { metric }, Metrics.Reported);
        }
        finally
        {
            AppContext.SetData(NotebookHost.MetricKey, previous);
            Metrics.Clear();
        }
    }

    [Fact]
    public void ReportRejectsANameThatIsNotSnakeCase()
    {
        var e = Assert.Throws<ArgumentException>(() => Metrics.Report("Val Loss", 1));
        Assert.Contains("'Val Loss' is not snake_case", e.Message);
    }

    [Fact]
    public void SummaryCarriesAMachineReadableBundleThatRoundTripsEveryValue()
    {
        Metrics.Clear();
        try
        {
            Metrics.Report("accuracy", 0.1 + 0.2, "not exactly 0.3");
            Metrics.Report("loss", double.NaN);
            Metrics.Report("accuracy", 1.0 / 3.0);
            var summary = Metrics.Summary();

            Assert.True(summary.IsSummary);
            var bundle = System.Text.Json.Nodes.JsonNode.Parse(summary.ToBundleJson())!;
            Assert.Equal(MetricTable.BundleFormat, bundle["format"]!.GetValue<string>());
            Assert.Equal(1.0 / 3.0, bundle["metrics"]!["accuracy"]!.GetValue<double>()); // the last value, bit for bit
            Assert.Equal("NaN", bundle["metrics"]!["loss"]!.GetValue<string>());

            Notebooks.NotebookFormatters.Register();
            var html = Microsoft.DotNet.Interactive.Formatting.Formatter.ToDisplayString(summary, "text/html");
            Assert.Contains($"<script type=\"{MetricTable.BundleMimeType}\"", html);
            Assert.Contains(MetricTable.BundleMimeType,
                Microsoft.DotNet.Interactive.Formatting.Formatter.GetPreferredMimeTypesFor(typeof(MetricTable)));
            // An ordinary table of metrics (one Report) carries no bundle.
            var single = new MetricTable(summary.Metrics);
            Assert.DoesNotContain("<script", Microsoft.DotNet.Interactive.Formatting.Formatter.ToDisplayString(single, "text/html"));
        }
        finally
        {
            Metrics.Clear();
        }
    }

    [Fact]
    public void TheLibraryRegistersItsFSharpCoreRedirectWhenItLoads()
    {
        // A module initializer: no cell has to run first in the real kernel.
        Assert.True(Notebooks.KernelCompatibility.IsRegistered);
    }

    [Fact]
    public void SummaryKeepsTheLastValueOfEachName()
    {
        Metrics.Clear();
        try
        {
            Metrics.Report("loss", 3);
            Metrics.Report("accuracy", 0.5);
            Metrics.Report("loss", 1);

            var summary = Metrics.Summary().Metrics.ToDictionary(m => m.Name, m => m.Value);
            Assert.Equal(new Dictionary<string, double> { ["loss"] = 1, ["accuracy"] = 0.5 }, summary);
            Assert.Equal(3, Metrics.Reported.Count);
        }
        finally
        {
            Metrics.Clear();
        }
    }
}

[Collection(GlobalStateCollection.Name)]
public sealed class SeedsTests
{
    [Fact]
    public void SetMakesTorchAndDotNetRandomnessRepeat()
    {
        Seeds.Set(123);
        var torchFirst = TorchSharp.torch.rand(5).data<float>().ToArray();
        var dotnetFirst = Enumerable.Range(0, 5).Select(_ => Seeds.Random.Next()).ToArray();

        Seeds.Set(123);
        var torchSecond = TorchSharp.torch.rand(5).data<float>().ToArray();
        var dotnetSecond = Enumerable.Range(0, 5).Select(_ => Seeds.Random.Next()).ToArray();

        Assert.Equal(torchFirst, torchSecond);
        Assert.Equal(dotnetFirst, dotnetSecond);
        Seeds.Set(124);
        Assert.NotEqual(torchFirst, TorchSharp.torch.rand(5).data<float>().ToArray());
    }
}
