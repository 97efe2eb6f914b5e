using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Rl.Language;

/// <summary>Checked exercises of notebook 25 (a language model as a policy).</summary>
public static class LanguageExercises
{
    /// <summary>
    /// The per-token KL-penalised reward: student(judge rewards [N], log π [N, T], log π_ref [N, T], mask [N, T], β) → r [N, T]
    /// with r_t = −β (log π − log π_ref) on every action taken (mask 1), the judge's reward added on each episode's last
    /// action taken, and 0 on padding (mask 0). Checked in float64 against the closed form on episodes that end at
    /// different steps, one that runs to the cap, β = 0 and a negative reward. A failure names the case.
    /// </summary>
    public static ExerciseResult CheckKlPenalisedReward(KlPenalisedReward student)
    {
        ArgumentNullException.ThrowIfNull(student);
        var generator = new Generator(25);
        var cases = new List<(string Label, double Beta, Tensor[] Inputs)>();
        foreach (var (label, lengths, beta) in new (string, int[], double)[]
        {
            ("three episodes ending after 2, 5 and 4 actions, β = 0.1", new[] { 2, 5, 4 }, 0.1),
            ("one episode of one action, one that runs to the cap of 6, β = 0.5", new[] { 1, 6 }, 0.5),
            ("four episodes, β = 0 (the judge's reward alone)", new[] { 3, 6, 2, 6 }, 0.0),
        })
        {
            var steps = lengths.Max();
            var mask = tensor(lengths.SelectMany(l => Enumerable.Range(0, steps).Select(t => t < l ? 1.0 : 0.0)).ToArray()).reshape(lengths.Length, steps);
            var logP = -rand(new long[] { lengths.Length, steps }, dtype: ScalarType.Float64, generator: generator) * 3;
            var logRef = -rand(new long[] { lengths.Length, steps }, dtype: ScalarType.Float64, generator: generator) * 3;
            var judged = tensor(Enumerable.Range(0, lengths.Length).Select(i => i % 3 == 1 ? -0.5 : i % 2).Select(v => (double)v).ToArray());
            cases.Add((label, beta, new[] { judged, logP, logRef, mask }));
        }
        for (var i = 0; i < cases.Count; i++)
        {
            var (label, beta, x) = cases[i];
            var result = Exercise.CheckTensors("KL-penalised reward", t => student(t[0], t[1], t[2], t[3], beta),
                t => Reference(t[0], t[1], t[2], t[3], beta), new[] { x }, atol: 1e-9, rtol: 1e-9);
            if (!result.Passed)
            {
                return result.Attempted
                    ? result with { CasesChecked = i + 1, Message = $"case {i + 1} of {cases.Count} ({label}){result.Message["case 1 of 1".Length..]}" }
                    : result;
            }
        }
        return new ExerciseResult("KL-penalised reward", true, cases.Count, $"all {cases.Count} cases match the closed form (float64)");
    }

    /// <summary>
    /// The student's per-token KL-penalised reward plugged into <see cref="LanguageFineTuning.Train"/>: it makes every update's
    /// rewards; while it is the student edition's stub, the library's does, and the plug says so.
    /// </summary>
    public static Plugged<KlPenalisedReward> PlugKlPenalisedReward(KlPenalisedReward student) =>
        Plug.Custom<KlPenalisedReward>("KL-penalised reward", plug =>
            (r, logP, logRef, mask, beta) => plug.Call(() => student(r, logP, logRef, mask, beta),
                () => LanguageFineTuning.KlPenalisedRewards(r, logP, logRef, mask, beta)));

    // The closed form, element by element in float64 (independent of the library's tensor version).
    private static Tensor Reference(Tensor judged, Tensor logP, Tensor logRef, Tensor mask, double beta)
    {
        var (n, steps) = ((int)mask.shape[0], (int)mask.shape[1]);
        var m = mask.to_type(ScalarType.Float64).data<double>().ToArray();
        var p = logP.to_type(ScalarType.Float64).data<double>().ToArray();
        var q = logRef.to_type(ScalarType.Float64).data<double>().ToArray();
        var r = judged.to_type(ScalarType.Float64).data<double>().ToArray();
        var result = new double[n * steps];
        for (var i = 0; i < n; i++)
        {
            var last = -1;
            for (var t = 0; t < steps; t++)
            {
                if (m[i * steps + t] > 0)
                {
                    result[i * steps + t] = -beta * (p[i * steps + t] - q[i * steps + t]);
                    last = t;
                }
            }
            result[i * steps + last] += r[i];
        }
        return tensor(result).reshape(n, steps);
    }
}
