using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Workbook.Engine.Documents;

namespace Workbook.Engine.Tests;

/// <summary>
/// A live training display (Workbook.Charts.LiveTraining as PPO's progress sink) in a training cell of about 20 s:
/// in the workbook's engine (display update events) the display is redrawn at least 3 times with an increasing step, and the saved notebook
/// keeps the final curve in the display's place; a chart after it still carries plotly.js. (In the real kernel the
/// redraws do not reach the saved notebook yet: issue 26 item 4 is open; there is no test for it, rather than a skipped one.)
/// </summary>
[Collection(NotebookCollection.Name)]
public partial class LiveTrainingTests
{
    private static Cell[] Cells(string library) => new[]
    {
        new Cell($"#r \"{library}/Workbook.dll\"\nusing Workbook.Notebooks;\nNotebook.Start(seed: 0)"),
        new Cell("using Workbook.Charts;\nusing Workbook.Rl.Algorithms;\nusing Workbook.Rl.Environments;\nTorchSharp.torch.set_num_threads(1);\n" +
                 "var live = LiveTraining.Show(\"PPO-clip on CartPole\", \"episode return\");\n" +
                 "var run = Ppo.Train(VectorEnvironments.CartPole(8, seed: 0), new PpoConfig(TotalSteps: 100_000) { Progress = live });\n" +
                 "Console.WriteLine($\"{run.WallSeconds:F1} s, redrawn at steps {string.Join(\" \", live.RedrawSteps)}\");"),
        new Cell("Plot.Line(\"after the live display\", \"step\", \"value\", Series.Of(\"v\", new double[] { 1, 3, 2 }))"),
    };

    [Fact]
    public async Task Engine_redraws_the_live_display_in_place_and_saves_the_final_curve()
    {
        var folder = Notebooks.TempFolder("live");
        var library = Path.GetRelativePath(folder, Path.Combine(Notebooks.RepoRoot, "artifacts", "Workbook"));
        var path = Notebooks.Write(Path.Combine(folder, "live.ipynb"), Cells(library));
        var result = await Notebooks.Run(path);
        Assert.True(result.Succeeded, result.Describe());
        var cells = (JsonArray)result.Executed!["cells"]!;
        Check((JsonObject)cells[1]!, (JsonObject)cells[2]!);
    }

    private static void Check(JsonObject training, JsonObject after)
    {
        var outputs = (training["outputs"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().ToList();
        var html = outputs.Select(o => o["data"]?["text/html"]).Where(h => h is not null)
            .Select(h => NotebookDocument.ReadMultiline(h, "text/html")).Single(h => h.Contains("workbook-live", StringComparison.Ordinal));
        // The display stays where it was shown: the cell's first output, before the line printed after training.
        Assert.Contains("workbook-live", NotebookDocument.ReadMultiline(outputs[0]["data"]!["text/html"], "text/html"));
        var steps = Regex.Match(html, "data-redraw-steps=\"([0-9 ]*)\"").Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray();
        Assert.True(steps.Length >= 3, $"redrawn at steps [{string.Join(", ", steps)}]");
        Assert.True(steps.Zip(steps.Skip(1)).All(p => p.Second > p.First), $"steps not increasing: [{string.Join(", ", steps)}]");
        Assert.True(steps[^1] >= 100_000, $"the last redraw is at step {steps[^1]}, before the end");
        Assert.Contains("done", html);
        Assert.Matches("<polyline class=\"live-curve\"[^>]*points=\"([^\" ]+ ){10,}", html);
        Assert.DoesNotContain("<script", html);
        // The chart after it carries plotly.js (the live display did not use up the session's first chart).
        var chart = (after["outputs"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().Select(o => o["data"]?["text/html"])
            .Where(h => h is not null).Select(h => NotebookDocument.ReadMultiline(h, "text/html")).Single(h => h.Contains("workbook-chart", StringComparison.Ordinal));
        Assert.Contains("plotly.js v", chart);
    }
}
