using TorchSharp;
using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Recurrent;

/// <summary>
/// Library checks for the sequence notebooks' exercises: each runs the student's function and the library's on random
/// inputs (fixed seed) and reports the first mismatch (see <see cref="Exercise"/>).
/// </summary>
public static class SequenceExercises
{
    /// <summary>
    /// One vanilla RNN step, <c>h_t = tanh(W [h_{t-1}; x_t] + b)</c> (Notes §6.1.1). The student's function gets
    /// (x [batch, input], h [batch, hidden], W [hidden, hidden + input], b [hidden]) and returns h_t [batch, hidden].
    /// </summary>
    public static ExerciseResult CheckRnnStep(Func<Tensor, Tensor, Tensor, Tensor, Tensor> student) =>
        Exercise.CheckTensors("RNN step",
            t => student(t[0], t[1], t[2], t[3]),
            t => Reference<RnnCell>(t, (cell, x, h, _) => cell.Step(x, new RecurrentState(h)).Hidden, cell => (cell.Weight, cell.Bias)),
            Cases(gates: 1, seed: 1, withCell: false), atol: 1e-9, rtol: 1e-7);

    /// <summary>
    /// One LSTM step (Notes §6.2.1) with the gates in torch's order [i, f, g, o] from ONE matrix on [h_{t-1}; x_t]. The
    /// student's function gets (x [batch, input], h [batch, hidden], c [batch, hidden], W [4·hidden, hidden + input],
    /// b [4·hidden]) and returns h_t and c_t.
    /// </summary>
    public static ExerciseResult CheckLstmStep(Func<Tensor, Tensor, Tensor, Tensor, Tensor, (Tensor Hidden, Tensor Cell)> student) =>
        Exercise.CheckTensors("LSTM step",
            t =>
            {
                var (h, c) = student(t[0], t[1], t[2], t[3], t[4]);
                return cat(new[] { h, c }, 1);                                   // [batch, 2·hidden]
            },
            t => Reference<LstmCell>(t, (cell, x, h, c) =>
            {
                var next = cell.Step(x, new RecurrentState(h, c));
                return cat(new[] { next.Hidden, next.Cell! }, 1);
            }, cell => (cell.Weight, cell.Bias)),
            Cases(gates: 4, seed: 4, withCell: true), atol: 1e-9, rtol: 1e-7);

    /// <summary>
    /// Clip by norm (Notes §6.1.3): the student's function gets the gradients as one flat vector and the bound, and returns
    /// the clipped vector (torch's rule: scale by maxNorm / (norm + 1e-6) when that is below 1).
    /// </summary>
    public static ExerciseResult CheckClipByNorm(Func<double[], double, double[]> student)
    {
        var random = new Random(5);
        var cases = new List<(double[] Input, double[] Expected)>();
        foreach (var (size, scale, bound) in new[] { (5, 10.0, 1.0), (8, 0.1, 1.0), (3, 4.0, 2.5), (12, 1.0, 0.5) })
        {
            var g = Enumerable.Range(0, size).Select(_ => scale * (2 * random.NextDouble() - 1)).ToArray();
            var norm = Math.Sqrt(g.Sum(v => v * v));
            var factor = Math.Min(1, bound / (norm + 1e-6));
            cases.Add((g.Append(bound).ToArray(), g.Select(v => v * factor).ToArray()));
        }
        return Exercise.CheckNumbers("clip by norm", input => student(input[..^1], input[^1]), cases, atol: 1e-9);
    }

    /// <summary>
    /// The length-normalised beam-search score of Notes §6.4.2.2: given the log-probabilities of a hypothesis' tokens,
    /// return (1/T) Σ_t log p_t.
    /// </summary>
    public static ExerciseResult CheckLengthNormalisedScore(Func<double[], double> student)
    {
        var cases = new[] { new[] { -0.1 }, new[] { -0.5, -0.2, -1.5 }, new[] { -2.0, -0.01, -0.01, -0.01, -0.3 }, new[] { -0.7, -0.7 } }
            .Select(lp => (lp, new[] { new Hypothesis(lp.Select(_ => 0).ToArray(), lp.Sum(), true).Score(1.0) }));
        return Exercise.CheckNumbers("length-normalised score", lp => new[] { student(lp) }, cases, atol: 1e-9);
    }

    /// <summary>
    /// Dot-product attention for one decoder step (Notes §6.5.2): the student's function gets the decoder state
    /// s [batch, hidden] and the encoder states h [batch, source, hidden] and returns the context Σ_j softmax_j(s·h_j) h_j [batch, hidden].
    /// </summary>
    public static ExerciseResult CheckDotAttentionContext(Func<Tensor, Tensor, Tensor> student)
    {
        var generator = new Generator(7);
        var cases = new[] { (2L, 5L, 4L), (3L, 1L, 6L), (1L, 9L, 3L) }
            .Select(s => new[] { randn(s.Item1, s.Item3, dtype: float64, generator: generator), randn(s.Item1, s.Item2, s.Item3, dtype: float64, generator: generator) })
            .ToArray();
        return Exercise.CheckTensors("dot-product attention context",
            t => student(t[0], t[1]),
            t =>
            {
                var scores = t[1].matmul(t[0].unsqueeze(2)).squeeze(2);         // [batch, source]
                return scores.softmax(1).unsqueeze(1).matmul(t[1]).squeeze(1);  // [batch, hidden]
            },
            cases, atol: 1e-9, rtol: 1e-7);
    }

    private static Tensor Reference<TCell>(Tensor[] t, Func<TCell, Tensor, Tensor, Tensor?, Tensor> step, Func<TCell, (Tensor Weight, Tensor Bias)> parameters)
        where TCell : RecurrentCell
    {
        var withCell = t.Length == 5;
        var x = t[0];
        var h = t[1];
        var c = withCell ? t[2] : null;
        var weight = t[withCell ? 3 : 2];
        var bias = t[withCell ? 4 : 3];
        var cell = (TCell)RecurrentCell.Create(typeof(TCell) == typeof(LstmCell) ? CellKind.Lstm : CellKind.Rnn, (int)x.shape[1], (int)h.shape[1]);
        cell.to(float64);
        var (w, b) = parameters(cell);
        using (no_grad())
        {
            w.copy_(weight);
            b.copy_(bias);
        }
        using var _ = no_grad();
        return step(cell, x, h, c);
    }

    private static IEnumerable<Tensor[]> Cases(int gates, int seed, bool withCell)
    {
        var generator = new Generator((ulong)(100 + seed));
        foreach (var (batch, input, hidden) in new[] { (2L, 3L, 4L), (1L, 5L, 2L), (4L, 2L, 6L) })
        {
            var list = new List<Tensor> { randn(batch, input, dtype: float64, generator: generator), randn(batch, hidden, dtype: float64, generator: generator) };
            if (withCell)
            {
                list.Add(randn(batch, hidden, dtype: float64, generator: generator));
            }
            list.Add(randn(gates * hidden, hidden + input, dtype: float64, generator: generator) * 0.5);
            list.Add(randn(gates * hidden, dtype: float64, generator: generator) * 0.5);
            yield return list.ToArray();
        }
    }
}
