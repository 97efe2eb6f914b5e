using System.Text.Json.Nodes;
using Workbook.Engine.Claims;

namespace Workbook.Engine.Tests;

public class ClaimsTests
{
    [Theory]
    [InlineData("<= 1.5", 1.5, true)]
    [InlineData("<= 1.5", 1.5000001, false)]
    [InlineData(">= 475", 475, true)]
    [InlineData(">= 475", 474.9, false)]
    [InlineData("< 0.1", 0.1, false)]
    [InlineData("< 0.1", 0.0999, true)]
    [InlineData("> 0", 0, false)]
    [InlineData("> 0", 1e-12, true)]
    [InlineData("== 3", 3, true)]
    [InlineData("== 3", 3.0000001, false)]
    [InlineData("in [0, 0.5]", 0, true)]
    [InlineData("in [0, 0.5]", 0.5, true)]
    [InlineData("in [0, 0.5]", 0.51, false)]
    [InlineData("in [-1e-3, 1e-3]", -0.002, false)]
    [InlineData("<=1e-5", 1e-6, true)]
    public void Bounds_hold_exactly_where_they_say(string bound, double value, bool expected) =>
        Assert.Equal(expected, MetricBound.Parse(bound).IsSatisfiedBy(value));

    [Theory]
    [InlineData("<= 1")]
    [InlineData(">= 1")]
    [InlineData("in [0, 1]")]
    [InlineData("== 0")]
    public void NaN_fails_every_bound(string bound) => Assert.False(MetricBound.Parse(bound).IsSatisfiedBy(double.NaN));

    [Theory]
    [InlineData("about 3")]
    [InlineData(">= x")]
    [InlineData("in [2, 1]")]
    [InlineData("=> 3")]
    public void Malformed_bounds_are_rejected(string bound) => Assert.Throws<FormatException>(() => MetricBound.Parse(bound));

    [Fact]
    public void Claims_read_metadata_and_check_metrics_and_budget()
    {
        var metadata = JsonNode.Parse("""{"workbook": {"budget_seconds": 30, "metrics": {"mean_return": ">= 475", "gap": "in [0, 0.5]", "loss": "< 1"}}}""")!.AsObject();
        var claims = NotebookClaims.FromMetadata(metadata);
        Assert.Equal(30, claims.BudgetSeconds);
        var results = claims.Check(new Dictionary<string, double> { ["mean_return"] = 480, ["gap"] = 0.7 }, seconds: 31);
        Assert.True(results.Single(r => r.Name == "mean_return").Passed);
        var gap = results.Single(r => r.Name == "gap");
        Assert.False(gap.Passed);
        Assert.Contains("gap = 0.7 misses its bound in [0, 0.5]", gap.Message);
        var loss = results.Single(r => r.Name == "loss");
        Assert.False(loss.Passed);
        Assert.Contains("never reported", loss.Message);
        Assert.False(results.Single(r => r.Name == "budget_seconds").Passed);
    }

    [Fact]
    public void Default_budget_is_90_seconds_and_bad_metadata_names_the_metric()
    {
        Assert.Equal(90, NotebookClaims.FromMetadata(new JsonObject()).BudgetSeconds);
        Assert.Empty(NotebookClaims.FromMetadata(null).Bounds);
        var error = Assert.Throws<FormatException>(() =>
            NotebookClaims.FromMetadata(JsonNode.Parse("""{"workbook": {"metrics": {"accuracy": "big"}}}""")!.AsObject()));
        Assert.Contains("workbook.metrics.accuracy", error.Message);
        Assert.Throws<FormatException>(() => NotebookClaims.FromMetadata(JsonNode.Parse("""{"workbook": {"budget_seconds": -1}}""")!.AsObject()));
    }
}
