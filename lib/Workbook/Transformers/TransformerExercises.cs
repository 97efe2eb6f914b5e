using TorchSharp;
using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Transformers;

/// <summary>Library checks for the transformer exercises of notebooks 12 and 14 (the tokenizer and embedding checks are in Workbook.Text.TextExercises).</summary>
public static class TransformerExercises
{
    /// <summary>
    /// The causal mask: a function of T returning a [T, T] boolean (or 0/1) tensor that is true
    /// where query i may attend to key j, i.e. j ≤ i (Notes §6.7.2.4).
    /// </summary>
    public static ExerciseResult CheckCausalMask(Func<long, Tensor> student) =>
        Exercise.CheckTensors("causal mask",
            inputs => student(inputs[0].item<long>()).to(ScalarType.Float64),
            inputs => ones(inputs[0].item<long>(), inputs[0].item<long>(), dtype: ScalarType.Float64).tril(),
            new[] { 1L, 2, 5, 16 }.Select(t => new[] { tensor(t) }), atol: 0, rtol: 0);

    /// <summary>
    /// Layer norm over the last dimension with gain γ and shift β (Notes §6.7.2.6), ε = 1e-5 inside
    /// the square root, biased variance: student(a, γ, β).
    /// </summary>
    public static ExerciseResult CheckLayerNorm(Func<Tensor, Tensor, Tensor, Tensor> student)
    {
        Tensor Reference(Tensor[] inputs)
        {
            var norm = new LayerNorm(inputs[0].shape[^1], dtype: ScalarType.Float64);
            using (no_grad())
            {
                norm.Weight.copy_(inputs[1]);
                norm.Bias.copy_(inputs[2]);
            }
            using (no_grad())
            {
                return norm.call(inputs[0]);
            }
        }
        using var generator = new Generator(5);
        var cases = new[] { (2L, 8L), (3L, 16L), (1L, 5L) }.Select(s => new[]
        {
            randn(new[] { s.Item1, 4, s.Item2 }, dtype: ScalarType.Float64, generator: generator) * 3 + 1,
            rand(new[] { s.Item2 }, dtype: ScalarType.Float64, generator: generator) + 0.5,
            randn(new[] { s.Item2 }, dtype: ScalarType.Float64, generator: generator),
        }).ToList();
        return Exercise.CheckTensors("layer norm", inputs => student(inputs[0], inputs[1], inputs[2]), Reference, cases, atol: 1e-8, rtol: 1e-6);
    }

    /// <summary>
    /// Mean pooling over the real tokens of a padded batch (notebook 15b): student(hidden [N, T, d], keep [N, T] bool)
    /// → [N, d], the mean of hidden[n, t] over the t where keep[n, t] is true; a row with no real token gives zeros.
    /// </summary>
    public static ExerciseResult CheckMaskedMean(Func<Tensor, Tensor, Tensor> student)
    {
        static Tensor Reference(Tensor[] inputs)
        {
            var keep = inputs[1].to(ScalarType.Float64).unsqueeze(-1);                      // [N, T, 1]
            var sums = (inputs[0] * keep).sum(1);                                              // [N, d]
            var counts = keep.sum(1);                                                          // [N, 1]
            return where(counts > 0, sums / counts.clamp_min(1), zeros_like(sums));
        }
        using var generator = new Generator(9);
        Tensor Keep(bool[,] k) => tensor(k);
        var cases = new List<Tensor[]>
        {
            new[] { randn(new long[] { 2, 4, 3 }, dtype: ScalarType.Float64, generator: generator), Keep(new[,] { { true, true, false, false }, { true, true, true, true } }) },
            new[] { randn(new long[] { 3, 5, 8 }, dtype: ScalarType.Float64, generator: generator), Keep(new[,] { { true, false, false, false, false }, { true, true, true, false, false }, { false, false, false, false, false } }) },
            new[] { randn(new long[] { 1, 6, 2 }, dtype: ScalarType.Float64, generator: generator), Keep(new[,] { { true, false, true, false, true, false } }) },
        };
        return Exercise.CheckTensors("masked mean", inputs => student(inputs[0], inputs[1]), Reference, cases, atol: 1e-10, rtol: 1e-8);
    }

    /// <summary>
    /// The next-token sampling distribution (Notes §6.8): student(logits [N, V], temperature, topK) → probabilities
    /// [N, V]: softmax(logits / T) over the k largest logits of each row (ties with the k-th kept; null or k ≥ V keeps
    /// all), zero elsewhere; T = 0 puts all mass on the row's first largest logit. Compared with the library's on
    /// every case; a failure names the case's temperature and k.
    /// </summary>
    public static ExerciseResult CheckNextTokenDistribution(Func<Tensor, double, int?, Tensor> student)
    {
        var generator = new Generator(14);
        var logits = randn(new long[] { 3, 7 }, generator: generator) * 2;                                     // [3, 7]
        var tied = tensor(new float[] { 1, 3, 2, 3, 0, 2, 3, 1 }).reshape(1, 8);                               // three logits tie at the top
        var cases = new (Tensor Logits, double Temperature, int? TopK)[]
        {
            (logits, 1.0, null), (logits, 0.5, null), (logits, 2.0, 3), (logits, 1.0, 1), (logits, 1.0, 7), (logits, 1.5, 10),
            (tied, 1.0, 2), (tied, 0.0, null), (logits, 0.0, 3),
        };
        for (var i = 0; i < cases.Length; i++)
        {
            var (x, temperature, topK) = cases[i];
            var result = Exercise.CheckTensors("next-token distribution", inputs => student(inputs[0], temperature, topK),
                inputs => Gpt.NextTokenProbabilities(inputs[0], temperature, topK), new[] { new[] { x } }, atol: 1e-6, rtol: 1e-5);
            if (!result.Passed)
            {
                return result.Attempted
                    ? result with { CasesChecked = i + 1, Message = $"case {i + 1} of {cases.Length} (temperature {Exercise.Show(temperature)}, topK {(topK is { } k ? k : "null")}, logits {Exercise.Show(x)}){result.Message["case 1 of 1".Length..]}" }
                    : result;
            }
        }
        return new ExerciseResult("next-token distribution", true, cases.Length, $"passed all {cases.Length} cases");
    }

    /// <summary>The student's distribution plugged into <see cref="Gpt.GenerateMany"/>; while it is the stub, the library's runs, and the plug says so.</summary>
    public static Plugged<Func<Tensor, double, int?, Tensor>> PlugNextTokenDistribution(Func<Tensor, double, int?, Tensor> student) =>
        Plug.In("next-token distribution", student, (logits, temperature, topK) => Gpt.NextTokenProbabilities(logits, temperature, topK));
}
