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
    /// One step of backpropagation through time for the vanilla RNN (Notes §6.1.2), one level below the forward step
    /// (an <c>nn.RNNCell</c> or the library's <see cref="RnnCell"/> answers the forward outright): for
    /// <c>h_t = tanh([h_{t-1}; x_t] Wᵀ + b)</c> the student's function gets (x [batch, input], h_{t-1} [batch, hidden],
    /// W [hidden, hidden + input], b [hidden], g = dL/dh_t [batch, hidden]) and returns (dL/dh_{t-1} [batch, hidden],
    /// dL/dW [hidden, hidden + input], dL/db [hidden]): what one step hands back to the step before it, and its share of
    /// the parameter gradient. The reference is autograd through <see cref="RnnCell"/> in float64; a failing case is
    /// named by its inputs and by which of the three gradients is wrong.
    /// </summary>
    public static ExerciseResult CheckRnnStepBackward(Func<Tensor, Tensor, Tensor, Tensor, Tensor, (Tensor Hidden, Tensor Weight, Tensor Bias)> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        static Tensor Flat((Tensor Hidden, Tensor Weight, Tensor Bias) g) =>
            cat(new[] { g.Hidden.flatten(), g.Weight.flatten(), g.Bias.flatten() });   // [batch·hidden + hidden·(hidden + input) + hidden]
        var generator = new Generator(105);
        var cases = new List<(string What, Tensor[] Inputs)>();
        foreach (var (batch, input, hidden, scale, what) in new[]
                 {
                     (2L, 3L, 4L, 0.5, "W and b drawn 0.5·N(0, 1)"), (1L, 5L, 2L, 0.5, "a batch of one, W and b drawn 0.5·N(0, 1)"),
                     (4L, 2L, 6L, 0.5, "W and b drawn 0.5·N(0, 1)"), (3L, 2L, 3L, 4.0, "W and b drawn 4·N(0, 1): tanh near saturation"),
                 })
        {
            cases.Add(($"x [{batch}, {input}], h [{batch}, {hidden}], {what}, g drawn N(0, 1)", new[]
            {
                randn(batch, input, dtype: float64, generator: generator), randn(batch, hidden, dtype: float64, generator: generator),
                randn(hidden, hidden + input, dtype: float64, generator: generator) * scale, randn(hidden, dtype: float64, generator: generator) * scale,
                randn(batch, hidden, dtype: float64, generator: generator),
            }));
        }
        var result = Exercise.CheckTensors("RNN step backward",
            t =>
            {
                var g = Exercise.WithoutAutograd(() => student(t[0], t[1], t[2], t[3], t[4]));
                if (g.Hidden is null || g.Weight is null || g.Bias is null || !g.Hidden.shape.SequenceEqual(t[1].shape)
                    || !g.Weight.shape.SequenceEqual(t[2].shape) || !g.Bias.shape.SequenceEqual(t[3].shape))
                {
                    throw new ArgumentException(
                        $"expected dh {Tensors.Shapes.Of(t[1].shape)}, dW {Tensors.Shapes.Of(t[2].shape)} and db {Tensors.Shapes.Of(t[3].shape)}, got {ShapeOf(g.Hidden)}, {ShapeOf(g.Weight)} and {ShapeOf(g.Bias)}");
                }
                return Flat(g);
            },
            t =>
            {
                using var enabled = enable_grad();
                var cell = (RnnCell)RecurrentCell.Create(CellKind.Rnn, (int)t[0].shape[1], (int)t[1].shape[1]);
                cell.to(float64);
                using (no_grad())
                {
                    cell.Weight.copy_(t[2]);
                    cell.Bias.copy_(t[3]);
                }
                var h = t[1].detach().clone().requires_grad_(true);
                cell.Step(t[0], new RecurrentState(h)).Hidden.backward(new[] { t[4] });
                return Flat((h.grad!.detach().clone(), cell.Weight.grad!.detach().clone(), cell.Bias.grad!.detach().clone()));
            },
            cases.Select(c => c.Inputs), atol: 1e-9, rtol: 1e-7);
        if (result.Passed || !result.Attempted || result.CasesChecked < 1 || result.CasesChecked > cases.Count)
        {
            return result;
        }
        var failed = cases[result.CasesChecked - 1].Inputs;
        var (hiddenSize, width) = (failed[1].shape[1], failed[2].shape[1]);
        var hiddenCount = failed[1].numel();
        var part = "";
        var position = System.Text.RegularExpressions.Regex.Match(result.Message, @"at \[(\d+)\]");
        if (position.Success && long.TryParse(position.Groups[1].Value, out var index))
        {
            part = index < hiddenCount ? $"; position [{index}] is in dL/dh_(t-1) (row {index / hiddenSize}, unit {index % hiddenSize})"
                : index < hiddenCount + hiddenSize * width ? $"; position [{index}] is in dL/dW (row {(index - hiddenCount) / width}, column {(index - hiddenCount) % width})"
                : $"; position [{index}] is in dL/db (unit {index - hiddenCount - hiddenSize * width})";
        }
        return result with { Message = $"{result.Message}; that case is {cases[result.CasesChecked - 1].What} (outputs flattened as dh, dW, db){part}" };
    }

    private static string ShapeOf(Tensor? t) => t is null ? "null" : Tensors.Shapes.Of(t.shape);

    /// <summary>
    /// One step of backpropagation through the LSTM (Notes §6.2.1, §6.2.2), one level below the forward step (an
    /// <c>nn.LSTMCell</c> or the library's <see cref="LstmCell"/> answers the forward outright). The step has its gates in
    /// torch's order [i, f, g, o] from ONE matrix on [h_{t-1}; x_t]; the student's function gets (x [batch, input],
    /// h_{t-1} [batch, hidden], c_{t-1} [batch, hidden], W [4·hidden, hidden + input], b [4·hidden], dL/dh_t, dL/dc_t
    /// [batch, hidden] each) and returns (dL/dh_{t-1}, dL/dc_{t-1}): what the step hands back along the hidden path and
    /// along the additive memory path. The reference is autograd through <see cref="LstmCell"/> in float64; a failing case is
    /// named by its inputs and by which of the two gradients is wrong.
    /// </summary>
    public static ExerciseResult CheckLstmStepBackward(
        Func<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, (Tensor Hidden, Tensor Cell)> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        var generator = new Generator(104);
        Tensor Randn(params long[] shape) => randn(shape, dtype: float64, generator: generator);
        var cases = new List<(string What, Tensor[] Inputs)>();
        void Add(string what, long batch, long input, long hidden, double forgetBias, bool hiddenGradient)
        {
            var bias = Randn(4 * hidden) * 0.5;
            bias[TensorIndex.Slice(hidden, 2 * hidden)] += forgetBias;
            var gh = hiddenGradient ? Randn(batch, hidden) : zeros(batch, hidden, dtype: float64);
            cases.Add(($"x [{batch}, {input}], h and c [{batch}, {hidden}], {what}", new[]
            {
                Randn(batch, input), Randn(batch, hidden), Randn(batch, hidden), Randn(4 * hidden, hidden + input) * 0.5, bias, gh, Randn(batch, hidden),
            }));
        }
        Add("W and b drawn 0.5·N(0, 1), both gradients drawn N(0, 1)", 2, 3, 4, 0, true);
        Add("a batch of one, W and b drawn 0.5·N(0, 1), both gradients drawn N(0, 1)", 1, 5, 2, 0, true);
        Add("dL/dh_t = 0 (the o block gets no gradient; i, f and g still reach h_(t-1) through W's recurrent columns)", 3, 2, 3, 0, false);
        Add("forget bias +3 (f near 1), both gradients drawn N(0, 1)", 4, 2, 6, 3, true);
        var result = Exercise.CheckTensors("LSTM step backward",
            t =>
            {
                var (dh, dc) = Exercise.WithoutAutograd(() => student(t[0], t[1], t[2], t[3], t[4], t[5], t[6]));
                if (dh is null || dc is null || !dh.shape.SequenceEqual(t[1].shape) || !dc.shape.SequenceEqual(t[2].shape))
                {
                    throw new ArgumentException(
                        $"expected dh and dc {Tensors.Shapes.Of(t[1].shape)} each, got {ShapeOf(dh)} and {ShapeOf(dc)}");
                }
                return cat(new[] { dh, dc }, 1);                                 // [batch, 2·hidden]
            },
            t => cat(ReferenceLstmGradients(t), 1),                          // [batch, 2·hidden]
            cases.Select(c => c.Inputs), atol: 1e-9, rtol: 1e-7);
        if (result.Passed || !result.Attempted || result.CasesChecked < 1 || result.CasesChecked > cases.Count)
        {
            return result;
        }
        var hiddenSize = cases[result.CasesChecked - 1].Inputs[1].shape[1];
        var verdict = PartsVerdict(cases[result.CasesChecked - 1].Inputs, t =>
        {
            var (dh, dc) = Exercise.WithoutAutograd(() => student(t[0], t[1], t[2], t[3], t[4], t[5], t[6]));
            return new[] { dh, dc };
        }, ReferenceLstmGradients, new[] { "dL/dh_(t-1)", "dL/dc_(t-1)" });
        var part = "";
        var position = System.Text.RegularExpressions.Regex.Match(result.Message, @"at \[(\d+), (\d+)\]");
        if (position.Success && long.TryParse(position.Groups[1].Value, out var row) && long.TryParse(position.Groups[2].Value, out var column))
        {
            part = column < hiddenSize ? $"; position [{row}, {column}] is dL/dh_(t-1) (row {row}, unit {column})"
                : $"; position [{row}, {column}] is dL/dc_(t-1) (row {row}, unit {column - hiddenSize})";
        }
        return result with { Message = $"{verdict}{result.Message}; that case is {cases[result.CasesChecked - 1].What} (outputs side by side as [dh, dc]){part}" };
    }

    /// <summary>"dL/dh wrong, dL/dc right: " for a failing case: which of the returned gradients differ from the reference.</summary>
    private static string PartsVerdict(Tensor[] inputs, Func<Tensor[], Tensor[]> student, Func<Tensor[], Tensor[]> reference, string[] names)
    {
        try
        {
            using var scope = NewDisposeScope();
            var clone = () => inputs.Select(t => t.detach().clone()).ToArray();
            var got = student(clone());
            var expected = reference(clone());
            var parts = names.Select((name, k) =>
                $"{name} {(got[k] is not null && got[k].shape.SequenceEqual(expected[k].shape) && got[k].to_type(float64).allclose(expected[k], rtol: 1e-7, atol: 1e-9) ? "right" : "wrong")}");
            return string.Join(", ", parts) + ": ";
        }
        catch (Exception)
        {
            return "";
        }
    }

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
    /// One pruning step of beam search (Notes §6.4.2.2, Algorithm 8), checked step by step against the library's:
    /// student(alive, nextLogProbabilities [hypothesis][vocabulary], k, endToken) → (alive, ended). Each case runs
    /// a few steps from the empty hypothesis on fixed tables; at every step both get the reference's beam, and the
    /// alive and ended hypotheses (tokens, log-probability to 1e-9, order) must match. Cases cover k = 1 (greedy), an
    /// end token ranked among the candidates, ties (parent rank, then token rank, decide) and −∞ (impossible) tokens.
    /// </summary>
    public static ExerciseResult CheckBeamStep(BeamStep student)
    {
        var random = new Random(7);
        var cases = new List<(BeamState Start, IReadOnlyList<BeamStepInput> Inputs)>();
        void Add(int width, params double[][][] tables) =>
            cases.Add((new BeamState(new[] { new Hypothesis(Array.Empty<int>(), 0.0, false) }, Array.Empty<Hypothesis>()),
                tables.Select(t => new BeamStepInput(t, width, EndToken)).ToArray()));
        double[] Row(params double[] probabilities) => probabilities.Select(p => Math.Log(p)).ToArray();
        Add(2, new[] { Row(0.1, 0.5, 0.4) }, new[] { Row(0.6, 0.2, 0.2), Row(0.3, 0.3, 0.4) });                    // an end token (0) in the middle
        Add(1, new[] { Row(0.2, 0.3, 0.5) }, new[] { Row(0.1, 0.6, 0.3) }, new[] { Row(0.9, 0.05, 0.05) });      // k = 1 is greedy
        Add(2, new[] { Row(0.2, 0.4, 0.4) }, new[] { Row(0.2, 0.4, 0.4), Row(0.2, 0.4, 0.4) });                    // ties
        Add(3, new[] { new[] { double.NegativeInfinity, Math.Log(0.7), Math.Log(0.3), double.NegativeInfinity } }, // impossible tokens
            new[] { Row(0.25, 0.25, 0.25, 0.25), Row(0.1, 0.2, 0.3, 0.4) });
        // Random tables, rows sized by the reference's beam so every step is well posed.
        foreach (var width in new[] { 2, 3 })
        {
            var state = new BeamState(new[] { new Hypothesis(Array.Empty<int>(), 0.0, false) }, Array.Empty<Hypothesis>());
            var inputs = new List<BeamStepInput>();
            for (var t = 0; t < 4 && state.Alive.Count > 0; t++)
            {
                var table = state.Alive.Select(_ => RandomRow(random, 6)).ToArray();
                inputs.Add(new BeamStepInput(table, width, EndToken));
                state = ReferenceStep(state, inputs[^1]);
            }
            cases.Add((new BeamState(new[] { new Hypothesis(Array.Empty<int>(), 0.0, false) }, Array.Empty<Hypothesis>()), inputs));
        }
        return Exercise.CheckSteps<BeamState, BeamStepInput>("beam step",
            (state, input) =>
            {
                var (alive, ended) = student(state.Alive, input.NextLogProbabilities.Select(r => (double[])r.Clone()).ToArray(), input.BeamWidth, input.EndToken);
                return new BeamState(alive ?? throw new InvalidOperationException("the alive list is null"), ended ?? throw new InvalidOperationException("the ended list is null"));
            },
            ReferenceStep, cases, SameBeams, ShowBeams, input => "log p " + string.Join(" ", input.NextLogProbabilities.Select(r => "[" + string.Join(", ", r.Select(v => Exercise.Show(v))) + "]"))
                + $" with k = {input.BeamWidth}, end token {input.EndToken}");
    }

    /// <summary>The student's beam step plugged into <see cref="Decoding.BeamSearch"/>; while it is the stub, the library's step runs, and the plug says so.</summary>
    public static Plugged<BeamStep> PlugBeamStep(BeamStep student) =>
        Plug.Custom<BeamStep>("beam step", p => (alive, next, width, end) => p.Call(() => student(alive, next, width, end), () => Decoding.Step(alive, next, width, end)));

    private const int EndToken = 0;

    private sealed record BeamState(IReadOnlyList<Hypothesis> Alive, IReadOnlyList<Hypothesis> Ended);

    private sealed record BeamStepInput(double[][] NextLogProbabilities, int BeamWidth, int EndToken);

    private static BeamState ReferenceStep(BeamState state, BeamStepInput input)
    {
        var (alive, ended) = Decoding.Step(state.Alive, input.NextLogProbabilities, input.BeamWidth, input.EndToken);
        return new BeamState(alive, ended);
    }

    private static double[] RandomRow(Random random, int vocabulary)
    {
        var weights = Enumerable.Range(0, vocabulary).Select(_ => random.NextDouble() + 0.05).ToArray();
        var total = weights.Sum();
        return weights.Select(w => Math.Log(w / total)).ToArray();
    }

    private static bool SameBeams(BeamState expected, BeamState got) =>
        SameList(expected.Alive, got.Alive) && SameList(expected.Ended, got.Ended);

    private static bool SameList(IReadOnlyList<Hypothesis> expected, IReadOnlyList<Hypothesis> got) =>
        expected.Count == got.Count && expected.Zip(got).All(p =>
            p.First.Tokens.SequenceEqual(p.Second.Tokens) && p.First.Ended == p.Second.Ended
            && Math.Abs(p.First.LogProbability - p.Second.LogProbability) <= 1e-9 * (1 + Math.Abs(p.First.LogProbability)));

    private static string ShowBeams(BeamState state) =>
        $"alive {ShowList(state.Alive)}, ended {ShowList(state.Ended)}";

    private static string ShowList(IReadOnlyList<Hypothesis> hypotheses) =>
        "[" + string.Join("; ", hypotheses.Select(h => $"[{string.Join(" ", h.Tokens)}] {Exercise.Show(h.LogProbability)}{(h.Ended ? " ended" : "")}")) + "]";

    /// <summary>
    /// Additive (Bahdanau) attention for one decoder step (Notes §6.5.2; <see cref="Attention.AdditiveScore"/> has the same
    /// score): student(s [batch, q], h [batch, source, k], W_q [n, q], W_k [n, k], b [n], v [n]) → the context
    /// Σ_j α_j h_j [batch, k] with e_j = vᵀ tanh(W_q s + W_k h_j + b) and α = softmax(e) over the source. The weights are
    /// given as tensors, which no library module takes (AdditiveScore owns its parameters), and the decoder state and
    /// the encoder states have different widths, so the dot product does not apply. Compared in float64 to 1e-9; a
    /// failure names the case's sizes.
    /// </summary>
    public static ExerciseResult CheckAdditiveAttentionContext(Func<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        var generator = new Generator(7);
        var sizes = new (long Batch, long Source, long Query, long Key, long Hidden)[] { (2, 5, 4, 4, 3), (3, 1, 6, 2, 5), (1, 9, 3, 5, 8), (4, 6, 2, 3, 4) };
        var cases = sizes.Select((z, i) => new[]
            {
                randn(new[] { z.Batch, z.Query }, dtype: float64, generator: generator),
                randn(new[] { z.Batch, z.Source, z.Key }, dtype: float64, generator: generator),
                randn(new[] { z.Hidden, z.Query }, dtype: float64, generator: generator),
                randn(new[] { z.Hidden, z.Key }, dtype: float64, generator: generator),
                randn(new[] { z.Hidden }, dtype: float64, generator: generator),
                randn(new[] { z.Hidden }, dtype: float64, generator: generator) * (i == 3 ? 6 : 1),   // sharp weights
            })
            .ToArray();
        var result = Exercise.CheckTensors("additive attention context",
            t => Exercise.WithoutLibrary("AdditiveScore, AttentionPooling.Attend", () => student(t[0], t[1], t[2], t[3], t[4], t[5])),
            t =>
            {
                var hidden = (t[0].matmul(t[2].t()).unsqueeze(1) + t[1].matmul(t[3].t()) + t[4]).tanh();   // [batch, source, n]
                var weights = hidden.matmul(t[5]).softmax(1);                                               // [batch, source]
                return weights.unsqueeze(1).matmul(t[1]).squeeze(1);                                        // [batch, k]
            },
            cases, atol: 1e-9, rtol: 1e-7);
        if (result.Passed || !result.Attempted)
        {
            return result;
        }
        var z = sizes[result.CasesChecked - 1];
        return result with { Message = $"{result.Message}; that case has batch {z.Batch}, source length {z.Source}, s width q = {z.Query}, h width k = {z.Key}, score hidden size n = {z.Hidden}" };
    }

    // The reference: dL/dh_(t-1) and dL/dc_(t-1) by autograd through the library's LSTM cell in float64, from the case's
    // inputs (x, h, c, W, b, upstream dL/dh_t, upstream dL/dc_t).
    private static Tensor[] ReferenceLstmGradients(Tensor[] t)
    {
        using var enabled = enable_grad();
        var cell = (LstmCell)RecurrentCell.Create(CellKind.Lstm, (int)t[0].shape[1], (int)t[1].shape[1]);
        cell.to(float64);
        using (no_grad())
        {
            cell.Weight.copy_(t[3]);
            cell.Bias.copy_(t[4]);
        }
        var h = t[1].detach().clone().requires_grad_(true);
        var c = t[2].detach().clone().requires_grad_(true);
        var next = cell.Step(t[0], new RecurrentState(h, c));
        ((next.Hidden * t[5]).sum() + (next.Cell! * t[6]).sum()).backward();
        return new[] { h.grad!.detach().clone(), c.grad!.detach().clone() };   // [batch, hidden] each
    }
}
