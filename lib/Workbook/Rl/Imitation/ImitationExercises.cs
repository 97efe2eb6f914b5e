using TorchSharp;
using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Rl.Imitation;

/// <summary>
/// Checked exercises of the imitation notebook (16): the history features of a policy conditioned on past observations
/// (Notes §7.1.4.1), checked on their own and then plugged into DAgger, where they are the learner's input.
/// </summary>
public static class ImitationExercises
{
    /// <summary>
    /// student(history, keep, stack) → the coordinates <c>keep</c> of the last <c>stack</c> observations, oldest first,
    /// with the first observation repeated while the episode is shorter than <c>stack</c> (see <see cref="ImitationTask.Stack"/>).
    /// </summary>
    public static ExerciseResult CheckHistoryFeatures(Func<IReadOnlyList<double[]>, int[], int, double[]> student)
    {
        var random = new Random(16);
        double[] Observation() => Enumerable.Range(0, 4).Select(_ => Math.Round(random.NextDouble() * 2 - 1, 3)).ToArray();
        var cases = new List<((IReadOnlyList<double[]> History, int[] Keep, int Stack) Input, double[] Expected)>();
        foreach (var (length, keep, stack) in new[] { (1, new[] { 0, 2 }, 2), (5, new[] { 0, 2 }, 2), (2, new[] { 1 }, 3), (6, new[] { 3, 0, 1 }, 3), (4, new[] { 0, 1, 2, 3 }, 1) })
        {
            var history = Enumerable.Range(0, length).Select(_ => Observation()).ToList();
            cases.Add(((history, keep, stack), ImitationTask.Stack(history, keep, stack)));
        }
        return Exercise.CheckValues("history features",
            ((IReadOnlyList<double[]> History, int[] Keep, int Stack) x) => student(x.History.Select(o => (double[])o.Clone()).ToList(), (int[])x.Keep.Clone(), x.Stack),
            cases, (expected, got) => got is not null && expected.SequenceEqual(got));
    }

    /// <summary>
    /// The student's history features plugged into a task (<see cref="ImitationTask.WithFeatures"/>): they compute the
    /// learner's input at every step of every DAgger round; while they are the student edition's stub, the library's
    /// <see cref="ImitationTask.Stack"/> does, and the plug says so.
    /// </summary>
    public static Plugged<Func<IReadOnlyList<double[]>, double[]>> PlugHistoryFeatures(
        Func<IReadOnlyList<double[]>, int[], int, double[]> student, int[] keep, int stack) =>
        Plug.Custom<Func<IReadOnlyList<double[]>, double[]>>("history features",
            p => history => p.Call(() => student(history, keep, stack), () => ImitationTask.Stack(history, keep, stack)));

    /// <summary>
    /// The log-likelihood of one-dimensional actions under a mixture of Gaussians: student(logits [B, K], means [B, K],
    /// log σ [B, K], actions [B]) → log Σ_k w_k N(a; μ_k, σ_k²), [B], with w = softmax(logits) (compared with
    /// <see cref="GaussianMixtureDistribution.LogProb"/>, including actions far in a tail where the densities underflow).
    /// </summary>
    public static ExerciseResult CheckMixtureLogProb(Func<Tensor, Tensor, Tensor, Tensor, Tensor> student)
    {
        var generator = new Generator(161);
        var cases = new List<Tensor[]>
        {
            new[] { tensor(new[] { 0f, 0f }, new long[] { 1, 2 }), tensor(new[] { -1f, 1f }, new long[] { 1, 2 }), zeros(1, 2), tensor(new[] { 0.5f }) },
            new[] { randn(new long[] { 16, 3 }, generator: generator), randn(new long[] { 16, 3 }, generator: generator), randn(new long[] { 16, 3 }, generator: generator) * 0.5f, randn(new long[] { 16 }, generator: generator) },
            new[] { randn(new long[] { 8, 5 }, generator: generator), randn(new long[] { 8, 5 }, generator: generator), full(new long[] { 8, 5 }, -3f), full(new long[] { 8 }, 4f) },
        };
        return Exercise.CheckTensors("mixture log-likelihood",
            x => student(x[0], x[1], x[2], x[3]),
            x => new GaussianMixtureDistribution(x[0], x[1].unsqueeze(-1), x[2].unsqueeze(-1)).LogProb(x[3].unsqueeze(-1)),
            cases, atol: 1e-4, rtol: 1e-4);
    }
}
