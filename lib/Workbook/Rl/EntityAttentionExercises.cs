using TorchSharp;
using Workbook.Attention;
using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Rl;

/// <summary>Checked exercises of notebooks 22 and 22b (attention in RL: over entities, over recent steps).</summary>
public static class EntityAttentionExercises
{
    /// <summary>The library's attention step: masked softmax(q·k/√d) v (<see cref="DotProductAttention"/>); internal, notebook 22 asks for it.</summary>
    internal static Tensor ReferenceStep(Tensor queries, Tensor keys, Tensor values, Tensor keep)
    {
        using var result = DotProductAttention.Attend(queries, keys, values, keep);
        return result.Context.alias();
    }

    /// <summary>
    /// Masked scaled dot-product attention over entities: student(queries [B, H, 1, d], keys [B, H, K, d],
    /// values [B, H, K, d], keep [B, 1, 1, K] bool) → context [B, H, 1, d]; padding (keep false) must get weight 0.
    /// Checked on random cases with padding, including one where only a single entity is present. No case has a fully
    /// masked row, so <see cref="DotProductAttention.Attend(Tensor, Tensor, Tensor, Tensor?, bool, double?)"/> and TorchSharp's
    /// <c>scaled_dot_product_attention</c> with keep as its mask also pass; notebook 22's Markdown says so.
    /// </summary>
    public static ExerciseResult CheckEntityAttention(EntityAttentionStep student)
    {
        var generator = new Generator(22);
        var inputs = new List<Tensor[]>();
        foreach (var (b, h, k, d) in new[] { (3L, 1L, 4L, 8L), (5L, 2L, 6L, 4L), (2L, 4L, 9L, 3L) })
        {
            var keep = rand(new long[] { b, 1, 1, k }, generator: generator) > 0.4;
            keep.index_put_(tensor(true), TensorIndex.Colon, 0, 0, 0);            // every row keeps entity 0
            if (b > 2)
            {
                keep.index_put_(tensor(false), 1, 0, 0, TensorIndex.Slice(1));     // row 1: only entity 0
            }
            var scale = 3.0f;                                                      // large scores: the softmax must be stable
            inputs.Add(new[]
            {
                randn(new long[] { b, h, 1, d }, generator: generator) * scale, randn(new long[] { b, h, k, d }, generator: generator) * scale,
                randn(new long[] { b, h, k, d }, generator: generator), keep,
            });
        }
        return Exercise.CheckTensors("entity attention", x => student(x[0], x[1], x[2], x[3]), x => ReferenceStep(x[0], x[1], x[2], x[3]), inputs);
    }

    /// <summary>
    /// The student's attention step plugged into an <see cref="AttentionPolicy"/> (its <c>step</c> argument), so it runs
    /// on every forward pass of PPO's training; while it is the student edition's stub, the library's step runs, and the plug says so.
    /// </summary>
    public static Plugged<EntityAttentionStep> PlugEntityAttention(EntityAttentionStep student) =>
        Plug.Custom<EntityAttentionStep>("entity attention", p => (q, k, v, keep) => p.Call(() => student(q, k, v, keep), () => ReferenceStep(q, k, v, keep)));

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
    /// The student's slot function plugged into <see cref="Environments.HistoryWindow"/> (its <c>slot</c> argument): every
    /// observation the memory policy trains on is built with it; while it is the stub, the library's runs, and the plug says so.
    /// </summary>
    public static Plugged<Func<double[], int, int, double[]>> PlugHistorySlot(Func<double[], int, int, double[]> student) =>
        Plug.In("history slot", student, Environments.HistoryWindow.Slot);
}
