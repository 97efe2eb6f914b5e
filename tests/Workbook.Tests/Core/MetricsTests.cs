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
    public void TheBundleCarriesEachExerciseStateAndMessage()
    {
        Metrics.Clear();
        try
        {
            static int Double(int x) => 2 * x;
            static int Wrong(int x) => x + 1;
            static int Stub(int x) => throw new NotImplementedException("Exercise 3: double x");
            var cases = new[] { (1, 2), (3, 6) };

            // A check passes, a check fails, a stub is not attempted; the metrics are reported as the notebooks do.
            var passed = global::Workbook.Exercises.Exercise.CheckValues("double", Double, cases);
            Metrics.Report("exercise_double_passed", passed.Passed ? 1 : 0, "the doubling exercise passes");
            var failed = global::Workbook.Exercises.Exercise.CheckValues("double", Wrong, cases);
            Metrics.Report("exercise_wrong_passed", failed.Passed ? 1 : 0);
            var stub = global::Workbook.Exercises.Exercise.CheckValues("double", Stub, cases);
            Metrics.Report("exercise_stub_passed", stub.Passed ? 1 : 0);
            // A demonstration failing the check before the student's stub: the stub's state wins.
            global::Workbook.Exercises.Exercise.CheckValues("double", Wrong, cases);
            var stubAgain = global::Workbook.Exercises.Exercise.CheckValues("double", Stub, cases);
            Metrics.Report("exercise_after_demo_passed", stubAgain.Passed ? 1 : 0);
            // A plugged-in stub falls back to the reference: not attempted; a plugged-in function that ran and missed its goal: failed.
            var plugged = global::Workbook.Exercises.Plug.In<int, int, int, int>("adder", (a, b, c) => throw new NotImplementedException(), (a, b, c) => a + b + c);
            plugged.Function(1, 2, 3);
            Metrics.Report("exercise_adder_trained", plugged.RanYours ? 1 : 0, "your adder trained the model");
            var ran = global::Workbook.Exercises.Plug.In<int, int, int, int>("adder", (a, b, c) => a * b * c, (a, b, c) => a + b + c);
            ran.Function(1, 2, 3);
            Metrics.Report("exercise_adder_goal", ran.RanYours && false ? 1 : 0, "your adder reached the goal");
            // Straight from the check's result.
            Metrics.Report("exercise_direct", failed, "reported from its result");
            Metrics.Report("loss", 0.5);

            var bundle = System.Text.Json.Nodes.JsonNode.Parse(Metrics.Summary().ToBundleJson())!;
            Assert.Equal("workbook-metrics/2", bundle["format"]!.GetValue<string>());
            var exercises = bundle["exercises"]!.AsObject();
            string State(string metric) => exercises[metric]!["state"]!.GetValue<string>();
            string Message(string metric) => exercises[metric]!["message"]!.GetValue<string>();
            Assert.Equal("passed", State("exercise_double_passed"));
            Assert.Equal("passed all 2 cases", Message("exercise_double_passed"));
            Assert.Equal("double", exercises["exercise_double_passed"]!["exercise"]!.GetValue<string>());
            Assert.Equal("failed", State("exercise_wrong_passed"));
            Assert.Equal("case 2 of 2: for input 3 expected 6 but your function returned 4", Message("exercise_wrong_passed"));
            Assert.Equal("not attempted", State("exercise_stub_passed"));
            Assert.Contains("Exercise 3: double x", Message("exercise_stub_passed"));
            Assert.Equal("not attempted", State("exercise_after_demo_passed"));
            Assert.Equal("not attempted", State("exercise_adder_trained"));
            Assert.Equal("failed", State("exercise_adder_goal"));
            Assert.Contains("your adder reached the goal", Message("exercise_adder_goal"));
            Assert.Equal("failed", State("exercise_direct"));
            Assert.Equal(0, bundle["metrics"]!["exercise_direct"]!.GetValue<double>());
            Assert.Null(exercises["loss"]);                                  // only exercise metrics carry a state
            Assert.Throws<ArgumentException>(() => Metrics.Report("accuracy", passed));
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
