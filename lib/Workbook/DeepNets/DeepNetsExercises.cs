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
    /// Batch norm in training mode (Notes §4.3): the student's function gets (a [batch, features], γ [features],
    /// β [features], ε) and returns (a - μ) / √(σ² + ε) · γ + β with the batch's mean μ and biased variance σ², [batch, features].
    /// The reference is torch.nn.functional.batch_norm.
    /// </summary>
    public static ExerciseResult CheckBatchNormForward(Func<Tensor, Tensor, Tensor, double, Tensor> student)
    {
        const double epsilon = 1e-5;
        return Exercise.CheckTensors("batch norm (training mode)",
            t => student(t[0], t[1], t[2], epsilon),
            t => nn.functional.batch_norm(t[0], null, null, t[1], t[2], training: true, momentum: 0.1, eps: epsilon),
            Cases(seed: 31, (8, 3), (32, 5), (2, 4), (16, 1)), atol: 1e-9, rtol: 1e-7);
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
                var g = student(t[0], t[1], t[2]);
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

    private static List<Tensor[]> Cases(int seed, params (int Batch, int Features)[] shapes)
    {
        using var generator = new Generator((ulong)seed);
        return shapes.Select(s => new[]
        {
            Normal(generator, s.Batch, s.Features) * 3 + 1,                       // a: [batch, features]
            Normal(generator, s.Features),                                        // γ
            Normal(generator, s.Features),                                        // β
        }).ToList();
    }

    private static Tensor Normal(Generator generator, params long[] shape) => randn(shape, dtype: float64, generator: generator);
}
