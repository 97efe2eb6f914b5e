using TorchSharp;
using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Text;

/// <summary>Library checks for the text exercises of notebooks 13 and 15 (tokenization, word embeddings).</summary>
public static class TextExercises
{
    /// <summary>
    /// One BPE merge: replace every non-overlapping occurrence of (left, right), scanning left to
    /// right, by <c>newToken</c>: student(tokens, left, right, newToken).
    /// </summary>
    public static ExerciseResult CheckMerge(Func<int[], int, int, int, int[]> student)
    {
        var cases = new (int[] Tokens, int Left, int Right, int New, int[] Expected)[]
        {
            (new[] { 1, 2, 3, 1, 2 }, 1, 2, 9, new[] { 9, 3, 9 }),
            (new[] { 1, 1, 1 }, 1, 1, 7, new[] { 7, 1 }),
            (new[] { 1, 1, 1, 1 }, 1, 1, 7, new[] { 7, 7 }),
            (new[] { 5 }, 5, 5, 6, new[] { 5 }),
            (Array.Empty<int>(), 1, 2, 3, Array.Empty<int>()),
            (new[] { 2, 1, 2, 1 }, 1, 2, 4, new[] { 2, 4, 1 }),
        };
        return Exercise.CheckValues("BPE merge", (Func<(int[] Tokens, int Left, int Right, int New), int[]>)(c => student((int[])c.Tokens.Clone(), c.Left, c.Right, c.New)),
            cases.Select(c => ((c.Tokens, c.Left, c.Right, c.New), c.Expected)),
            (a, b) => a.SequenceEqual(b));
    }

    /// <summary>
    /// The skip-gram negative-sampling loss (Notes §6.8.1) for centre vectors v [N, d], context
    /// vectors u [N, d] and noise vectors [N, k, d]: mean of -log σ(u·v) - Σ log σ(-u_w·v).
    /// </summary>
    public static ExerciseResult CheckSkipGramLoss(Func<Tensor, Tensor, Tensor, Tensor> student)
    {
        static Tensor Reference(Tensor[] i)
        {
            var positive = nn.functional.logsigmoid((i[0] * i[1]).sum(-1));
            var negative = nn.functional.logsigmoid(-i[2].matmul(i[0].unsqueeze(-1)).squeeze(-1)).sum(-1);
            return (-(positive + negative)).mean();
        }
        using var generator = new Generator(3);
        var cases = new[] { (4L, 3L, 8L), (1L, 1L, 2L), (16L, 5L, 10L) }.Select(s => new[]
        {
            randn(new[] { s.Item1, s.Item3 }, dtype: ScalarType.Float64, generator: generator),
            randn(new[] { s.Item1, s.Item3 }, dtype: ScalarType.Float64, generator: generator),
            randn(new[] { s.Item1, s.Item2, s.Item3 }, dtype: ScalarType.Float64, generator: generator),
        }).ToList();
        return Exercise.CheckTensors("skip-gram negative-sampling loss", i => student(i[0], i[1], i[2]), Reference, cases, atol: 1e-9, rtol: 1e-7);
    }

    /// <summary>
    /// The gradient of the skip-gram negative-sampling loss (mean over the batch of −log σ(u·v) − Σ_w log σ(−u_w·v),
    /// Notes §6.8.1) with respect to the centre vectors: student(v [N, d], u [N, d], noise [N, k, d]) → ∂L/∂v [N, d],
    /// derived by hand: the check runs the student's function with autograd off and compares with autograd in float64. Cases
    /// include scores of ±40 (σ saturates: 1 − σ(40) is below float64's resolution next to 1, so σ(−s) must not be
    /// written as 1 − σ(s)). A failure names the case's sizes and the row (the centre word) that is wrong.
    /// </summary>
    public static ExerciseResult CheckSkipGramCentreGradient(Func<Tensor, Tensor, Tensor, Tensor> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        static Tensor Reference(Tensor[] i)
        {
            using var enabled = enable_grad();
            var v = i[0].detach().clone().requires_grad_(true);
            var positive = nn.functional.logsigmoid((v * i[1]).sum(-1));
            var negative = nn.functional.logsigmoid(-i[2].matmul(v.unsqueeze(-1)).squeeze(-1)).sum(-1);
            (-(positive + negative)).mean().backward();
            return v.grad!.detach().clone();
        }
        using var generator = new Generator(4);
        var sizes = new[] { (4L, 3L, 8L, 1.0), (1L, 1L, 2L, 1.0), (16L, 5L, 10L, 1.0), (3L, 2L, 4L, 20.0) };
        var cases = sizes.Select(s => new[]
        {
            randn(new[] { s.Item1, s.Item3 }, dtype: ScalarType.Float64, generator: generator),
            randn(new[] { s.Item1, s.Item3 }, dtype: ScalarType.Float64, generator: generator) * s.Item4,
            randn(new[] { s.Item1, s.Item2, s.Item3 }, dtype: ScalarType.Float64, generator: generator) * s.Item4,
        }).ToList();
        var result = Exercise.CheckTensors("skip-gram gradient with respect to the centre vectors",
            i => Exercise.WithoutAutograd(() => student(i[0], i[1], i[2])), Reference, cases, atol: 1e-9, rtol: 1e-7);
        if (result.Passed || !result.Attempted || result.CasesChecked < 1 || result.CasesChecked > cases.Count)
        {
            return result;
        }
        var (n, k, d, scale) = sizes[result.CasesChecked - 1];
        return result with
        {
            Message = $"{result.Message}; that case has N = {n} centre words, k = {k} noise words each, d = {d}" +
                      (scale > 1 ? ", context and noise vectors drawn 20·N(0, 1) (scores in the tens: σ saturates)" : "") +
                      "; position [r, j] is ∂L/∂v for centre word r, coordinate j (the loss is the batch mean)",
        };
    }
}
