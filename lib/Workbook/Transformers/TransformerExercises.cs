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
}
