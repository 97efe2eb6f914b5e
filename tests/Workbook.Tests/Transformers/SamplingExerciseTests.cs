using Workbook.Transformers;
using static TorchSharp.torch;

namespace Workbook.Tests.Transformers;

public sealed class SamplingExerciseTests
{
    // Written from the definition, with sort instead of topk.
    private static Tensor Distribution(Tensor logits, double temperature, int? topK, bool strictTies = false)
    {
        if (temperature <= 0)
        {
            return nn.functional.one_hot(logits.argmax(-1), logits.shape[^1]).to(logits.dtype);
        }
        var scaled = logits / temperature;
        if (topK is { } k && k < logits.shape[^1])
        {
            var kth = scaled.sort(-1, descending: true).Values[.., (k - 1)..k];   // [N, 1]
            var drop = strictTies ? scaled <= kth : scaled < kth;
            if (strictTies)
            {
                drop = drop & (scaled.argsort(-1, descending: true).argsort(-1) >= k);   // keep exactly k
            }
            scaled = scaled.masked_fill(drop, double.NegativeInfinity);
        }
        return scaled.softmax(-1);
    }

    [Fact]
    public void A_distribution_written_from_the_definition_passes()
    {
        var result = TransformerExercises.CheckNextTokenDistribution((l, t, k) => Distribution(l, t, k));
        Assert.True(result.Passed, result.Message);
    }

    [Fact]
    public void Forgetting_the_temperature_fails_and_names_the_case()
    {
        var result = TransformerExercises.CheckNextTokenDistribution((l, t, k) => Distribution(l, t <= 0 ? 0 : 1.0, k));
        Assert.False(result.Passed);
        Assert.StartsWith("case 2 of 9 (temperature 0.5, topK null, logits tensor [3, 7])", result.Message);
        Assert.Contains("expected", result.Message);
    }

    [Fact]
    public void Dropping_ties_with_the_kth_logit_fails_on_the_tied_case()
    {
        var result = TransformerExercises.CheckNextTokenDistribution((l, t, k) => Distribution(l, t, k, strictTies: true));
        Assert.False(result.Passed);
        Assert.StartsWith("case 7 of 9 (temperature 1, topK 2, logits tensor [1, 8] [1, 3, 2, 3, 0, 2, 3, 1])", result.Message);
    }

    [Fact]
    public void The_plugged_distribution_drives_sampling_and_gives_the_library_draws()
    {
        random.manual_seed(0);
        var model = new Gpt(new GptConfig(VocabularySize: 11, ContextLength: 8, Width: 16, Heads: 2, Layers: 1));
        using var first = new Generator(3);
        var library = model.GenerateMany(new[] { 1 }, 4, 6, 1.5, 3, first);
        var plugged = TransformerExercises.PlugNextTokenDistribution((l, t, k) => Distribution(l, t, k));
        using var second = new Generator(3);
        var yours = model.GenerateMany(new[] { 1 }, 4, 6, 1.5, 3, second, plugged.Function);
        Assert.True(plugged.RanYours);
        Assert.Equal(library, yours);
        Assert.Equal(model.Generate(new[] { 1, 2 }, 5, 0), model.Generate(new[] { 1, 2 }, 5, 0, distribution: plugged.Function));
    }
}
