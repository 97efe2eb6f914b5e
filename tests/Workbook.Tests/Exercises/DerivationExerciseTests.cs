using Workbook.Attention;
using Workbook.Foundations;
using Workbook.Text;
using static TorchSharp.torch;

namespace Workbook.Tests.Exercises;

// The checks of the exercises that ask for a derivation (01 ridge towards a prior mean, 11 the offset matrix, 15 the
// skip-gram gradient): a right answer passes, a typical wrong one fails with a message naming the case.
public sealed class DerivationExerciseTests
{
    [Fact]
    public void Ridge_towards_a_prior_mean_accepts_the_normal_equations_and_rejects_forgetting_the_mean()
    {
        var right = FoundationsExercises.CheckRidgeTowardsPrior((x, y, l, m) => linalg.solve(x.t().matmul(x) + diag(l), x.t().matmul(y) + l * m));
        Assert.True(right.Passed, right.Message);
        var plainRidge = FoundationsExercises.CheckRidgeTowardsPrior((x, y, l, m) => linalg.solve(x.t().matmul(x) + diag(l), x.t().matmul(y)));
        Assert.False(plainRidge.Passed);
        Assert.Contains("prior mean m =", plainRidge.Message);
        var meanAdded = FoundationsExercises.CheckRidgeTowardsPrior((x, y, l, m) => linalg.solve(x.t().matmul(x) + diag(l), x.t().matmul(y)) + m);
        Assert.False(meanAdded.Passed);
    }

    private static Tensor Offset(long dim, double k, bool transposed)
    {
        var m = zeros(dim, dim, dtype: ScalarType.Float64);
        for (long i = 0; i < dim / 2; i++)
        {
            var angle = k * Math.Pow(10000.0, -2.0 * i / dim);
            m[2 * i, 2 * i] = Math.Cos(angle);
            m[2 * i + 1, 2 * i + 1] = Math.Cos(angle);
            m[2 * i, 2 * i + 1] = (transposed ? 1 : -1) * Math.Sin(angle);
            m[2 * i + 1, 2 * i] = (transposed ? -1 : 1) * Math.Sin(angle);
        }
        return m;
    }

    [Fact]
    public void The_offset_matrix_check_accepts_the_rotation_blocks_and_rejects_their_transpose()
    {
        var right = AttentionExercises.CheckSinusoidalShift((d, k) => Offset(d, k, transposed: false));
        Assert.True(right.Passed, right.Message);
        var wrong = AttentionExercises.CheckSinusoidalShift((d, k) => Offset(d, k, transposed: true));
        Assert.False(wrong.Passed);
        Assert.Contains("offset 1", wrong.Message);
        Assert.Contains("frequencies", wrong.Message);
    }

    private static Tensor Gradient(Tensor v, Tensor u, Tensor noise, bool sum)
    {
        var positive = (u * v).sum(-1, keepdim: true);
        var negative = noise.matmul(v.unsqueeze(-1));
        var g = -(-positive).sigmoid() * u + (negative.sigmoid() * noise).sum(1);
        return sum ? g : g / v.shape[0];
    }

    [Fact]
    public void The_skip_gram_gradient_check_wants_the_mean_and_rejects_the_sum()
    {
        var right = TextExercises.CheckSkipGramCentreGradient((v, u, n) => Gradient(v, u, n, sum: false));
        Assert.True(right.Passed, right.Message);
        var summed = TextExercises.CheckSkipGramCentreGradient((v, u, n) => Gradient(v, u, n, sum: true));
        Assert.False(summed.Passed);
        Assert.Contains("the loss is the batch mean", summed.Message);
    }
}

public sealed class LstmStepMessageTests
{
    [Fact]
    public void A_wrong_memory_path_is_named_with_the_hidden_path_right()
    {
        // dL/dh_(t-1) right (by autograd, switched back on on purpose), dL/dc_(t-1) without the forget gate
        var result = Workbook.Recurrent.SequenceExercises.CheckLstmStepBackward((x, h, c, w, b, dh, dc) =>
        {
            using var on = enable_grad();
            var hidden = h.detach().clone().requires_grad_(true);
            var cell = c.detach().clone().requires_grad_(true);
            var z = (cat(new[] { hidden, x }, 1).matmul(w.t()) + b).chunk(4, 1);
            var (i, f, g, o) = (z[0].sigmoid(), z[1].sigmoid(), z[2].tanh(), z[3].sigmoid());
            var next = f * cell + i * g;
            ((o * next.tanh() * dh).sum() + (next * dc).sum()).backward();
            var total = dc + dh * o * (1 - next.tanh().pow(2));
            return (hidden.grad!.detach(), total.detach());   // the memory path without × f
        });
        Assert.False(result.Passed);
        Assert.StartsWith("dL/dh_(t-1) right, dL/dc_(t-1) wrong: ", result.Message);
    }
}
