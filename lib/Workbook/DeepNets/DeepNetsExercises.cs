using TorchSharp;
using Workbook.Exercises;
using static TorchSharp.torch;
using Workbook.Tensors;

namespace Workbook.DeepNets;

/// <summary>
/// Library checks for notebook 03's exercises: each runs the student's function and a reference (TorchSharp's own
/// operations or autograd) on random float64 inputs with a fixed seed, and reports the first mismatch (see <see cref="Exercise"/>).
/// </summary>
public static class DeepNetsExercises
{
    /// <summary>
    /// The backward pass of batch norm in training mode (Notes §4.3), one level below the forward call
    /// (<c>torch.nn.functional.batch_norm</c> answers the forward outright): the student's function gets (a [batch, features],
    /// γ [features], δ = dL/dy [batch, features], ε) for y = (a − μ) / √(σ² + ε) · γ + β with the batch's mean μ and biased
    /// variance σ², and returns (dL/da [batch, features], dL/dγ [features], dL/dβ [features]). The reference is autograd
    /// through batch_norm in float64; a failing case is named by its inputs and by which of the three gradients is wrong.
    /// </summary>
    public static ExerciseResult CheckBatchNormBackward(Func<Tensor, Tensor, Tensor, double, (Tensor Input, Tensor Gamma, Tensor Beta)> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        const double epsilon = 1e-5;
        static Tensor Flat((Tensor Input, Tensor Gamma, Tensor Beta) g) =>
            cat(new[] { g.Input.flatten(), g.Gamma.flatten(), g.Beta.flatten() });   // [batch·features + 2·features]
        using var generator = new Generator(31);
        var cases = new List<(string What, Tensor[] Inputs)>
        {
            ("a [8, 3] = 3·N(0, 1) + 1, γ and δ drawn N(0, 1)", new[] { Normal(generator, 8, 3) * 3 + 1, Normal(generator, 3), Normal(generator, 8, 3) }),
            ("a [32, 5] = 3·N(0, 1) + 1, γ = 1", new[] { Normal(generator, 32, 5) * 3 + 1, ones(5, dtype: float64), Normal(generator, 32, 5) }),
            ("a [2, 4]: a batch of two, so x̂ = ±1 (up to ε)", new[] { Normal(generator, 2, 4), Normal(generator, 4), Normal(generator, 2, 4) }),
            ("a [16, 1] = 0.1·N(0, 1) − 2 (a small spread, one feature)", new[] { Normal(generator, 16, 1) * 0.1 - 2, Normal(generator, 1), Normal(generator, 16, 1) }),
            ("a [6, 4], δ = 1 everywhere (every output pushed up alike)", new[] { Normal(generator, 6, 4), Normal(generator, 4), ones(6, 4, dtype: float64) }),
        };
        var result = Exercise.CheckTensors("batch norm backward",
            t =>
            {
                var g = Exercise.WithoutAutograd(() => student(t[0], t[1], t[2], epsilon));
                if (g.Input is null || g.Gamma is null || g.Beta is null || !g.Input.shape.SequenceEqual(t[0].shape)
                    || !g.Gamma.shape.SequenceEqual(t[1].shape) || !g.Beta.shape.SequenceEqual(t[1].shape))
                {
                    throw new ArgumentException(
                        $"expected da {Shapes.Of(t[0].shape)}, dγ {Shapes.Of(t[1].shape)} and dβ {Shapes.Of(t[1].shape)}, got {Shapes.Of(g.Input?.shape ?? Array.Empty<long>())}, {Shapes.Of(g.Gamma?.shape ?? Array.Empty<long>())} and {Shapes.Of(g.Beta?.shape ?? Array.Empty<long>())}");
                }
                return Flat(g);
            },
            t =>
            {
                using var enabled = enable_grad();
                var a = t[0].detach().clone().requires_grad_(true);
                var gamma = t[1].detach().clone().requires_grad_(true);
                var beta = zeros_like(t[1]).requires_grad_(true);
                var y = nn.functional.batch_norm(a, null, null, gamma, beta, training: true, momentum: 0.1, eps: epsilon);
                y.backward(new[] { t[2] });
                return Flat((a.grad!.detach().clone(), gamma.grad!.detach().clone(), beta.grad!.detach().clone()));
            },
            cases.Select(c => c.Inputs), atol: 1e-9, rtol: 1e-6);
        if (result.Passed || !result.Attempted || result.CasesChecked < 1 || result.CasesChecked > cases.Count)
        {
            return result;
        }
        var failed = cases[result.CasesChecked - 1];
        var (batch, features) = (failed.Inputs[0].shape[0], failed.Inputs[0].shape[1]);
        var part = "";
        var position = System.Text.RegularExpressions.Regex.Match(result.Message, @"at \[(\d+)\]");
        if (position.Success && long.TryParse(position.Groups[1].Value, out var index))
        {
            part = index < batch * features ? $"; position [{index}] is in dL/da (row {index / features}, feature {index % features})"
                : index < batch * features + features ? $"; position [{index}] is in dL/dγ (feature {index - batch * features})"
                : $"; position [{index}] is in dL/dβ (feature {index - batch * features - features})";
        }
        return result with { Message = $"{result.Message}; that case is {failed.What} (inputs a, γ, δ; outputs flattened as da, dγ, dβ){part}" };
    }

    /// <summary>
    /// The backward pass of one linear layer z = a Wᵀ + b (Notes §4.2): the student's function gets (a [batch, in],
    /// W [out, in], δ = dL/dz [batch, out]) and returns (dL/dW [out, in], dL/db [out], dL/da [batch, in]). The reference
    /// is autograd on L = Σ δ ⊙ z.
    /// </summary>
    public static ExerciseResult CheckLinearBackward(Func<Tensor, Tensor, Tensor, (Tensor Weight, Tensor Bias, Tensor Input)> student)
    {
        static Tensor Flat((Tensor Weight, Tensor Bias, Tensor Input) g) =>
            cat(new[] { g.Weight.flatten(), g.Bias.flatten(), g.Input.flatten() });   // [out·in + out + batch·in]
        using var generator = new Generator(37);              // its own generator: the notebook's random stream is left alone
        var cases = new List<Tensor[]>();
        foreach (var (batch, inputs, outputs) in new[] { (4, 3, 2), (1, 5, 5), (16, 8, 3), (7, 1, 4) })
        {
            cases.Add(new[] { Normal(generator, batch, inputs), Normal(generator, outputs, inputs), Normal(generator, batch, outputs) });
        }
        return Exercise.CheckTensors("linear layer backward",
            t =>
            {
                var g = Exercise.WithoutAutograd(() => student(t[0], t[1], t[2]));
                if (!g.Weight.shape.SequenceEqual(t[1].shape) || g.Bias.shape.Length != 1 || g.Bias.shape[0] != t[1].shape[0] || !g.Input.shape.SequenceEqual(t[0].shape))
                {
                    throw new ArgumentException(
                        $"expected dW {Shapes.Of(t[1].shape)}, db [{t[1].shape[0]}] and da {Shapes.Of(t[0].shape)}, got {Shapes.Of(g.Weight.shape)}, {Shapes.Of(g.Bias.shape)} and {Shapes.Of(g.Input.shape)}");
                }
                return Flat(g);
            },
            t =>
            {
                var a = t[0].requires_grad_(true);
                var w = t[1].requires_grad_(true);
                var b = zeros(t[1].shape[0], dtype: float64, requires_grad: true);
                (nn.functional.linear(a, w, b) * t[2]).sum().backward();
                return Flat((w.grad!, b.grad!, a.grad!));
            },
            cases, atol: 1e-10, rtol: 1e-8);
    }

    private static Tensor Normal(Generator generator, params long[] shape) => randn(shape, dtype: float64, generator: generator);
}
