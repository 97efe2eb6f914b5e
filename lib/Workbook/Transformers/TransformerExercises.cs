using TorchSharp;
using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Transformers;

/// <summary>Library checks for the transformer exercises of notebooks 12 and 14 (the tokenizer and embedding checks are in Workbook.Text.TextExercises).</summary>
public static class TransformerExercises
{
    /// <summary>
    /// The backward pass of layer norm by hand, one level below the forward call (Notes §6.7.2.6):
    /// student(a [..., d], γ [d], g [..., d]) → ∂L/∂a [..., d], where the output is y = x̂·γ + β with
    /// x̂ = (a − μ)/√(σ² + ε) over the last dimension (biased variance, ε = 1e-5) and g = ∂L/∂y is the upstream gradient.
    /// The reference is autograd through <c>nn.functional.layer_norm</c> (float64), so a student who calls autograd
    /// passes: the notebook says so; the point is the formula
    /// ∂L/∂a = (γ⊙g − mean(γ⊙g) − x̂·mean(γ⊙g⊙x̂)) / √(σ² + ε). Cases: 2-D and 3-D inputs, γ = 1, a scaled and
    /// shifted input, d = 1 (the gradient is 0), and an upstream gradient along the all-ones direction (also 0).
    /// A failure names the case.
    /// </summary>
    public static ExerciseResult CheckLayerNormBackward(Func<Tensor, Tensor, Tensor, Tensor> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        static Tensor Reference(Tensor[] inputs)
        {
            var a = inputs[0].detach().clone().requires_grad_(true);
            using var enabled = enable_grad();
            var output = nn.functional.layer_norm(a, new[] { a.shape[^1] }, inputs[1], zeros_like(inputs[1]), 1e-5);
            output.backward(new[] { inputs[2] });
            return a.grad!.detach().clone();
        }
        using var generator = new Generator(5);
        Tensor Randn(params long[] shape) => randn(shape, dtype: ScalarType.Float64, generator: generator);
        Tensor Gain(long d) => rand(new[] { d }, dtype: ScalarType.Float64, generator: generator) + 0.5;  // in [0.5, 1.5)
        var cases = new List<(string What, Tensor[] Inputs)>
        {
            ("a [2, 4, 8] drawn N(0, 1), γ in [0.5, 1.5), g drawn N(0, 1)", new[] { Randn(2, 4, 8), Gain(8), Randn(2, 4, 8) }),
            ("a [3, 16] = 3·N(0, 1) + 1, γ = 1", new[] { Randn(3, 16) * 3 + 1, ones(16, dtype: ScalarType.Float64), Randn(3, 16) }),
            ("a [1, 4, 5] = 0.1·N(0, 1) − 2 (a small spread), γ in [0.5, 1.5)", new[] { Randn(1, 4, 5) * 0.1 - 2, Gain(5), Randn(1, 4, 5) }),
            ("a [2, 3, 1]: d = 1, so x̂ = 0 whatever a is", new[] { Randn(2, 3, 1), Gain(1), Randn(2, 3, 1) }),
            ("a [4, 6], γ = 1, and g = 1 everywhere (shifting every output equally)", new[] { Randn(4, 6), ones(6, dtype: ScalarType.Float64), ones(4, 6, dtype: ScalarType.Float64) }),
            ("a [2, 5, 32] = 5·N(0, 1) + 3, γ in [0.5, 1.5), g drawn N(0, 1)", new[] { Randn(2, 5, 32) * 5 + 3, Gain(32), Randn(2, 5, 32) }),
        };
        var result = Exercise.CheckTensors("layer-norm backward", inputs => Exercise.WithoutAutograd(() => student(inputs[0], inputs[1], inputs[2])), Reference,
            cases.Select(c => c.Inputs), atol: 1e-9, rtol: 1e-6);
        return result.Passed || !result.Attempted
            ? result
            : result with { Message = $"{result.Message}; that case is {cases[result.CasesChecked - 1].What} (inputs a, γ, g)" };
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
    /// The next-token sampling distribution (next-word prediction, Notes §6.3.1; temperature and top-k as in nanoGPT's sampler): student(logits [N, V], temperature, topK) → probabilities
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
