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
    /// Which component explains each action (the responsibilities, the E-step of a mixture; Notes §7.1.4.2, multimodal
    /// behaviour): student(logits [B, K], means [B, K], log σ [B, K], actions [B]) → γ [B, K],
    /// γ_bk = w_k N(a_b; μ_k, σ_k²) / Σ_j w_j N(a_b; μ_j, σ_j²), w = softmax(logits); every row sums to 1.
    /// <see cref="GaussianMixtureDistribution.LogProb"/> gives the log of the denominator and is allowed; the components'
    /// own log-densities and the normalisation are the exercise. Case 3 has actions far in a tail, where every density
    /// underflows to 0 in float32 and the ratio of densities is 0/0; its failure says so.
    /// </summary>
    public static ExerciseResult CheckMixtureResponsibilities(Func<Tensor, Tensor, Tensor, Tensor, Tensor> student)
    {
        var generator = new Generator(161);
        var cases = new List<Tensor[]>
        {
            new[] { tensor(new[] { 0f, 0f }, new long[] { 1, 2 }), tensor(new[] { -1f, 1f }, new long[] { 1, 2 }), zeros(1, 2), tensor(new[] { 0.5f }) },
            new[] { randn(new long[] { 16, 3 }, generator: generator), randn(new long[] { 16, 3 }, generator: generator), randn(new long[] { 16, 3 }, generator: generator) * 0.5f, randn(new long[] { 16 }, generator: generator) },
            new[] { randn(new long[] { 8, 5 }, generator: generator), randn(new long[] { 8, 5 }, generator: generator), full(new long[] { 8, 5 }, -3f), full(new long[] { 8 }, 4f) },
        };
        var result = Exercise.CheckTensors("mixture responsibilities",
            x => student(x[0], x[1], x[2], x[3]),
            x =>
            {
                var z = (x[3].unsqueeze(-1) - x[1]) / x[2].exp();                                          // [B, K]
                var joint = x[0].log_softmax(-1) - 0.5 * z * z - x[2] - 0.5 * Math.Log(2 * Math.PI);        // log w_k N_k: [B, K]
                var total = new GaussianMixtureDistribution(x[0], x[1].unsqueeze(-1), x[2].unsqueeze(-1)).LogProb(x[3].unsqueeze(-1)); // [B]
                return (joint - total.unsqueeze(-1)).exp();                                                 // [B, K]
            },
            cases, atol: 1e-4, rtol: 1e-4);
        return result.Passed || !result.Attempted || result.CasesChecked != 3
            ? result
            : result with { Message = $"{result.Message}; that case has σ = e^-3 and every action at 4, far in the tail of every component: the densities underflow to 0 there, so work with log-densities" };
    }
    /// <summary>
    /// Why BC's errors compound (Ross and Bagnell 2010; Notes §7.1.3): in the simplest model, the learner errs with
    /// probability ε at each step while it is on the expert's states, and after its first error it is off them for good
    /// and errs at every later step. student(ε, T) → the expected number of erring steps in an episode of T steps,
    /// Σ_{t=1..T} (1 − (1 − ε)^t). Float64 closed form; a failure names ε and T, and says when the answer is εT (no
    /// compounding: a learner that stays on the expert's states) or εT(T+1)/2 (the small-ε approximation, which can exceed T).
    /// </summary>
    public static ExerciseResult CheckCompoundingMistakes(Func<double, int, double> student)
    {
        const string exercise = "compounding mistakes";
        var cases = new (double Epsilon, int T)[] { (0.0, 10), (1.0, 5), (0.1, 1), (0.5, 3), (0.01, 500), (0.001, 500), (0.2, 40) };
        for (var i = 0; i < cases.Length; i++)
        {
            var (epsilon, t) = cases[i];
            var expected = CompoundingMistakes(epsilon, t);
            double got;
            try
            {
                got = student(epsilon, t);
            }
            catch (NotImplementedException e)
            {
                return new ExerciseResult(exercise, false, 0, $"not attempted yet: {e.Message}", Attempted: false);
            }
            catch (Exception e)
            {
                return new ExerciseResult(exercise, false, i + 1, $"case {i + 1} of {cases.Length}, ε = {epsilon}, T = {t}: your function threw {e.GetType().Name}: {e.Message.Split('\n')[0].Trim()}");
            }
            if (!(Math.Abs(got - expected) <= 1e-9 * (1 + Math.Abs(expected))))
            {
                var hint = Math.Abs(got - epsilon * t) <= 1e-9 * (1 + epsilon * t)
                    ? " That is εT: a learner whose every step is an independent ε-chance of error, with no compounding; here the first error takes it off the expert's states for good."
                    : Math.Abs(got - epsilon * t * (t + 1) / 2) <= 1e-9 * (1 + epsilon * t * t)
                        ? " That is εT(T+1)/2, the small-ε approximation; it overshoots when εT is not small (it can exceed T): use the exact probability that the first error came at or before step t."
                        : "";
                return new ExerciseResult(exercise, false, i + 1,
                    $"case {i + 1} of {cases.Length}, ε = {epsilon}, T = {t}: expected {expected:G10} erring steps but your function returned {got:G10}.{hint}");
            }
        }
        return new ExerciseResult(exercise, true, cases.Length, $"passed all {cases.Length} cases");
    }

    /// <summary>Σ_{t=1..T} (1 − (1 − ε)^t) in float64: the reference of <see cref="CheckCompoundingMistakes"/>.</summary>
    internal static double CompoundingMistakes(double epsilon, int steps)
    {
        var total = 0.0;
        for (var t = 1; t <= steps; t++)
        {
            total += 1 - Math.Pow(1 - epsilon, t);
        }
        return total;
    }
}
