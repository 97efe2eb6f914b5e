using TorchSharp;
using Workbook.Attention;
using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Rl.AttentionAgents;

/// <summary>Checked exercises of notebooks 22 and 22b (attention in RL: over entities, over recent steps).</summary>
public static class EntityAttentionExercises
{
    /// <summary>
    /// The library's multi-head step: split E into H heads, masked softmax(q·k/√d) v per head
    /// (<see cref="DotProductAttention"/>), merge; internal, notebook 22 asks for it.
    /// </summary>
    internal static Tensor ReferenceStep(Tensor queries, Tensor keys, Tensor values, Tensor keep, int heads)
    {
        long batch = queries.shape[0], slots = keys.shape[1], width = queries.shape[2], d = width / heads;
        var q = queries.view(batch, 1, heads, d).transpose(1, 2);                   // [B, H, 1, d]
        var k = keys.view(batch, slots, heads, d).transpose(1, 2);                  // [B, H, K, d]
        var v = values.view(batch, slots, heads, d).transpose(1, 2);                // [B, H, K, d]
        using var result = DotProductAttention.Attend(q, k, v, keep.unsqueeze(1));  // keep [B, 1, 1, K]
        return result.Context.transpose(1, 2).reshape(batch, 1, heads * d);        // [B, 1, E]
    }

    /// <summary>
    /// Multi-head masked attention over entities, between the projections and W^O: student(queries [B, 1, E], keys
    /// [B, K, E], values [B, K, E], keep [B, 1, K] bool, heads H) → the heads' contexts concatenated, [B, 1, E] (head h
    /// uses columns h·d to (h+1)·d − 1, d = E / H); padding (keep false) must get weight 0. Checked on random cases with
    /// padding (one row with a single entity present) and 1, 2 and 4 heads. One-head attention calls
    /// (<c>DotProductAttention.Attend</c>, TorchSharp's <c>scaled_dot_product_attention</c>) may do each head's step; the
    /// split into heads and the merge are what no call does (notebook 22's Markdown says so). A failure names the case's
    /// shapes and number of heads.
    /// </summary>
    public static ExerciseResult CheckEntityAttention(EntityAttentionStep student)
    {
        var generator = new Generator(22);
        var cases = new List<(string Name, int Heads, Tensor[] Inputs)>();
        foreach (var (b, h, k, d, scale, name) in new[]
        {
            (3L, 1, 4L, 8L, 1.0f, "one head"), (5L, 2, 6L, 4L, 1.0f, "two heads"), (2L, 4, 9L, 3L, 1.0f, "four heads"),
            // q·k/√d reaches several hundred here, beyond float32 exp's range (about 88.7): a softmax that does not
            // subtract the largest score gets inf / inf = NaN.
            (4L, 2, 5L, 8L, 12.0f, "large scores (some above 89, where float32 exp overflows): the softmax must subtract the largest score"),
        })
        {
            var keep = rand(new long[] { b, 1, k }, generator: generator) > 0.4;
            keep.index_put_(tensor(true), TensorIndex.Colon, 0, 0);                 // every row keeps entity 0
            if (b > 2)
            {
                keep.index_put_(tensor(false), 1, 0, TensorIndex.Slice(1));         // row 1: only entity 0
            }
            cases.Add((name, h, new[]
            {
                randn(new long[] { b, 1, h * d }, generator: generator) * scale, randn(new long[] { b, k, h * d }, generator: generator) * scale,
                randn(new long[] { b, k, h * d }, generator: generator), keep,
            }));
        }
        var largest = cases[^1].Inputs;
        using (no_grad())
        {
            // The case must really overflow: its largest scaled score is far above float32 exp's range.
            var d = largest[0].shape[2] / cases[^1].Heads;
            var top = largest[0].view(largest[0].shape[0], 1, cases[^1].Heads, d).transpose(1, 2)
                .matmul(largest[1].view(largest[1].shape[0], largest[1].shape[1], cases[^1].Heads, d).transpose(1, 2).transpose(-2, -1)).max().item<float>() / Math.Sqrt(d);
            if (top < 89)
            {
                throw new InvalidOperationException($"the large-scores case tops out at {top:F1}, which float32 exp does not overflow");
            }
        }
        for (var i = 0; i < cases.Count; i++)
        {
            var (name, heads, x) = cases[i];
            // The expected values come from float64 (the reference in float32 would inherit its rounding).
            var result = Exercise.CheckTensors("entity attention", t => student(t[0], t[1], t[2], t[3], heads),
                t => ReferenceStep(t[0].to_type(ScalarType.Float64), t[1].to_type(ScalarType.Float64), t[2].to_type(ScalarType.Float64), t[3], heads).to_type(t[0].dtype),
                new[] { x });
            if (!result.Passed)
            {
                if (!result.Attempted)
                {
                    return result;
                }
                // Say where the wrong number sits in the student's terms: which observation, which head, which of its columns.
                var d = x[0].shape[2] / heads;
                var at = System.Text.RegularExpressions.Regex.Match(result.Message, @"at \[(\d+), (\d+), (\d+)\]");
                var where = at.Success
                    ? $" That is observation {at.Groups[1].Value} of the batch, head {int.Parse(at.Groups[3].Value) / d}, column {int.Parse(at.Groups[3].Value) % d} of that head's {d}" +
                      $" (entities kept in that row: {string.Join(", ", Enumerable.Range(0, (int)x[3].shape[2]).Where(j => x[3][int.Parse(at.Groups[1].Value), 0, j].item<bool>()))})."
                    : "";
                return result with { CasesChecked = i + 1, Message = $"case {i + 1} of {cases.Count}, {name} ({heads} heads of width {d}){result.Message["case 1 of 1".Length..]}{where}" };
            }
        }
        return new ExerciseResult("entity attention", true, cases.Count, $"passed all {cases.Count} cases");
    }

    /// <summary>
    /// The student's multi-head step plugged into an <see cref="AttentionPolicy"/> (its <c>step</c> argument), so it runs
    /// on every forward pass of PPO's training; while it is the student edition's stub, the library's step runs, and the plug says so.
    /// </summary>
    public static Plugged<EntityAttentionStep> PlugEntityAttention(EntityAttentionStep student) =>
        Plug.Custom<EntityAttentionStep>("entity attention", p => (q, k, v, keep, heads) => p.Call(() => student(q, k, v, keep, heads), () => ReferenceStep(q, k, v, keep, heads)));

    /// <summary>
    /// One remembered step's slot in a <see cref="Environments.HistoryWindow"/>: student(observation, age, window) →
    /// (present = 1, age / window, the observation's numbers). Checked on random observations, ages and windows.
    /// </summary>
    public static ExerciseResult CheckHistorySlot(Func<double[], int, int, double[]> student)
    {
        var random = new Random(23);
        var cases = Enumerable.Range(0, 8).Select(i =>
        {
            var window = 1 + random.Next(10);
            var observation = Enumerable.Range(0, 1 + random.Next(4)).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            var input = (Observation: observation, Age: random.Next(window), Window: window);
            return (input, Environments.HistoryWindow.Slot(observation, input.Age, window));
        }).ToList();
        return Exercise.CheckValues("history slot",
            ((double[] Observation, int Age, int Window) x) => student((double[])x.Observation.Clone(), x.Age, x.Window),
            cases, (expected, got) => got is not null && got.Length == expected.Length && expected.Zip(got).All(p => Math.Abs(p.First - p.Second) <= 1e-12));
    }

    /// <summary>
    /// The best return a policy can expect on CueRecall when its window does not hold the cue (a derivation, notebook
    /// 22b): the cue is +1 with probability p and −1 otherwise, the answer earns +1 if it matches and −1 if not.
    /// student(p) → the largest expected return of a policy that cannot see the cue: |2p − 1| (always answer the likelier
    /// cue). Checked at p = 0.5 (the notebook's task, where it is 0), in between, and at the ends.
    /// </summary>
    public static ExerciseResult CheckBlindReturn(Func<double, double> student)
    {
        var ps = new[] { 0.5, 0.8, 0.1, 1.0, 0.0, 0.35 };
        return FormulaChecks.Check("blind return", ps.Select(p =>
            ($"cue +1 with probability p = {Exercise.Show(p)}", Math.Abs(2 * p - 1), (Func<double>)(() => student(p)))).ToList());
    }

    /// <summary>
    /// The student's slot function plugged into <see cref="Environments.HistoryWindow"/> (its <c>slot</c> argument): every
    /// observation the memory policy trains on is built with it; while it is the stub, the library's runs, and the plug says so.
    /// </summary>
    public static Plugged<Func<double[], int, int, double[]>> PlugHistorySlot(Func<double[], int, int, double[]> student) =>
        Plug.In("history slot", student, Environments.HistoryWindow.Slot);
}
