using TorchSharp;
using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Tensors;

/// <summary>
/// The checked exercise of notebook 00: the softmax normaliser computed online, one chunk of scores at a time
/// (the form blockwise attention uses, where the scores never exist all at once, so one call to
/// <c>softmax</c> cannot be made).
/// </summary>
public static class TensorExercises
{
    /// <summary>The state before any score: the running maximum m = −∞ and the running sum s = Σ e^{z − m} = 0.</summary>
    public static readonly (double Max, double Sum) EmptyState = (double.NegativeInfinity, 0.0);

    /// <summary>
    /// The reference step: with m' = max(m, max(chunk)), the running sum becomes s·e^{m − m'} + Σ_chunk e^{z − m'}
    /// (the old sum re-expressed against the new maximum, plus the chunk's terms); every exponent is ≤ 0.
    /// </summary>
    public static (double Max, double Sum) AbsorbChunk((double Max, double Sum) state, Tensor chunk)
    {
        if (chunk.numel() == 0)
        {
            return state;
        }
        var max = Math.Max(state.Max, chunk.max().ToDouble());
        var carried = double.IsNegativeInfinity(state.Max) ? 0.0 : state.Sum * Math.Exp(state.Max - max);
        return (max, carried + (chunk.to_type(ScalarType.Float64) - max).exp().sum().ToDouble());
    }

    /// <summary>The softmax of all the scores from the final state: e^{z − m} / s.</summary>
    public static Tensor SoftmaxFromState(Tensor scores, (double Max, double Sum) state) =>
        (scores.to_type(ScalarType.Float64) - state.Max).exp() / state.Sum;

    /// <summary>
    /// Checks student(state, chunk) → new state step by step against <see cref="AbsorbChunk"/>: after every
    /// chunk the maximum must be exact and the sum within a relative 1e-9. The cases include scores near 1000
    /// (e^{1000} overflows), a maximum that rises in a later chunk (the old sum must be rescaled), one that
    /// falls, single-score chunks and negative scores.
    /// </summary>
    public static ExerciseResult CheckOnlineSoftmax(Func<(double Max, double Sum), Tensor, (double Max, double Sum)> student)
    {
        var generator = new Generator(0);
        var cases = new List<((double Max, double Sum) Start, IReadOnlyList<Tensor> Inputs)>
        {
            (EmptyState, Chunks(new double[] { 1, 2, 3 }, new double[] { 0.5, -1 })),
            (EmptyState, Chunks(new double[] { 0, 1 }, new double[] { 4, 2 }, new double[] { 7 })),                  // the maximum rises twice
            (EmptyState, Chunks(new double[] { 1000, 999 }, new double[] { 1001, 1002 }, new double[] { 998 })),     // e^1000 = inf
            (EmptyState, Chunks(new double[] { 5 }, new double[] { -3, -4 }, new double[] { 2 })),                  // the maximum comes first
            (EmptyState, Chunks(new double[] { -1000, -1001 }, new double[] { -999.5 })),                          // e^-1000 = 0
            (EmptyState, Enumerable.Range(0, 4).Select(_ => randn(new long[] { 6 }, ScalarType.Float64, generator: generator) * 10).ToArray()),
        };
        return Exercise.CheckSteps("online softmax", student, AbsorbChunk, cases,
            (expected, got) => expected.Max == got.Max && Math.Abs(got.Sum - expected.Sum) <= 1e-9 * Math.Abs(expected.Sum),
            state => $"(Max: {Exercise.Show(state.Max)}, Sum: {Exercise.Show(state.Sum)})");
    }

    private static Tensor[] Chunks(params double[][] chunks) => chunks.Select(c => tensor(c)).ToArray();
}
