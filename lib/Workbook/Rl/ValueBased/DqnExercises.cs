using TorchSharp;
using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Rl.ValueBased;

/// <summary>
/// The checked exercises of notebooks 24b (the double-DQN target) and 24c (prioritised replay's sampling
/// probabilities and importance weights); notebook 24's TD target is in <see cref="QLearningExercises"/>. The
/// references are private: the library's DQN uses neither, so no library call answers them.
/// </summary>
public static class DqnExercises
{
    /// <summary>
    /// Double DQN's target (van Hasselt et al. 2016): y = r + γ (1 − terminated) Q_target(s', argmax_a Q_online(s', a)),
    /// the online network choosing the action and the target network rating it. student(rewards [B], terminated [B]
    /// (0/1), nextQOnline [B, A], nextQTarget [B, A], γ) → y [B].
    /// </summary>
    public static ExerciseResult CheckDoubleDqnTarget(Func<Tensor, Tensor, Tensor, Tensor, double, Tensor> student)
    {
        var generator = new Generator(24);
        var cases = new List<Tensor[]>
        {
            // The online network prefers action 1, the target network action 0: the plain max would take 5, double DQN 1.
            new[] { tensor(new float[] { 1, 0 }), tensor(new float[] { 0, 1 }), tensor(new float[,] { { 0, 2 }, { 3, 1 } }), tensor(new float[,] { { 5, 1 }, { 4, 9 } }), tensor(0.9f) },
            new[] { randn(new long[] { 8 }, generator: generator), (rand(new long[] { 8 }, generator: generator) < 0.3).to(ScalarType.Float32),
                randn(new long[] { 8, 3 }, generator: generator), randn(new long[] { 8, 3 }, generator: generator), tensor(0.99f) },
            new[] { randn(new long[] { 5 }, generator: generator), zeros(5), randn(new long[] { 5, 6 }, generator: generator), randn(new long[] { 5, 6 }, generator: generator), tensor(0.5f) },
        };
        for (var i = 0; i < cases.Count; i++)
        {
            var x = cases[i];
            string Row(Tensor t, int b) => $"[{string.Join(", ", t[b].data<float>().ToArray().Select(v => Exercise.Show((double)v)))}]";
            var result = FormulaChecks.WithRow(Exercise.CheckTensors("double DQN target",
                t => student(t[0], t[1], t[2], t[3], t[4].item<float>()),
                // The expected values come from float64 (a float32 reference would inherit its rounding).
                t => DoubleDqnTarget(t[0].to_type(ScalarType.Float64), t[1].to_type(ScalarType.Float64), t[2].to_type(ScalarType.Float64), t[3].to_type(ScalarType.Float64), t[4].item<float>()).to_type(ScalarType.Float32),
                new[] { x }),
                b => $"r = {Exercise.Show((double)x[0][b].item<float>())}, terminated = {x[1][b].item<float>()}, online Q(s', ·) = {Row(x[2], b)} (argmax {x[2][b].argmax().item<long>()}), target Q(s', ·) = {Row(x[3], b)}, γ = {Exercise.Show((double)x[4].item<float>())}");
            if (!result.Passed)
            {
                return result.Attempted ? result with { CasesChecked = i + 1, Message = $"case {i + 1} of {cases.Count}{result.Message["case 1 of 1".Length..]}" } : result;
            }
        }
        return new ExerciseResult("double DQN target", true, cases.Count, $"passed all {cases.Count} cases");
    }

    /// <summary>
    /// Proportional prioritised replay (Schaul et al. 2016): priorities p_i = (|δ_i| + ε)^α, sampling probabilities
    /// P(i) = p_i / Σ_j p_j, importance weights w_i = (N · P(i))^(−β) / max_j w_j. student(tdErrors [N], α, β, ε) →
    /// (P [N], w [N]).
    /// </summary>
    public static ExerciseResult CheckPrioritisedReplay(Func<Tensor, double, double, double, (Tensor Probabilities, Tensor Weights)> student)
    {
        var generator = new Generator(25);
        var settings = new (double Alpha, double Beta, double Epsilon)[] { (0.6, 0.4, 1e-3), (1.0, 1.0, 1e-2), (0.0, 0.5, 1e-3), (0.7, 0.0, 1e-3) };
        var errors = new[] { tensor(new double[] { 1, -2, 0, 0.5 }), randn(new long[] { 12 }, ScalarType.Float64, generator: generator) * 3, randn(new long[] { 12 }, ScalarType.Float64, generator: generator), tensor(new double[] { 0, 0, 0 }) };
        for (var i = 0; i < settings.Length; i++)
        {
            var (alpha, beta, epsilon) = settings[i];
            var label = $"case {i + 1} of {settings.Length} (α = {Exercise.Show(alpha)}, β = {Exercise.Show(beta)}, ε = {Exercise.Show(epsilon)}, TD errors {Exercise.Show(errors[i])})";
            foreach (var (part, pick) in new (string, Func<(Tensor, Tensor), Tensor>)[] { ("the probabilities", r => r.Item1), ("the weights", r => r.Item2) })
            {
                var result = Exercise.CheckTensors("prioritised replay",
                    x => pick(student(x[0], alpha, beta, epsilon)), x => pick(PrioritisedReplay(x[0], alpha, beta, epsilon)), new[] { new[] { errors[i] } }, atol: 1e-9, rtol: 1e-7);
                if (!result.Passed)
                {
                    return result.Attempted ? result with { CasesChecked = i + 1, Message = $"{part}: {label}{result.Message["case 1 of 1".Length..]}" } : result;
                }
            }
        }
        return new ExerciseResult("prioritised replay", true, settings.Length, $"passed all {settings.Length} cases");
    }

    /// <summary>
    /// The double-DQN target's bias when the target network is a lagged copy of the online one (a derivation, notebook
    /// 24b): every true value is 0; the online network's errors are N(0, 1), independent across actions; the target
    /// network's errors correlate with them with coefficient ρ (ρ·ε_online + √(1 − ρ²)·η, η independent). student(ρ,
    /// E[max]) → the mean of the double target r + γ Q⁻(s', argmax_a Q(s', a)) at r = 0, γ = 1, where E[max] is the mean of
    /// the largest of the online network's errors. Expected: ρ·E[max] (the target rates the online network's pick, whose
    /// own error is the largest; the independent part has mean 0). Checked at ρ = 0, 1 and in between.
    /// </summary>
    public static ExerciseResult CheckLaggedDoubleBias(Func<double, double, double> student)
    {
        var cases = new (double Rho, double ExpectedMax)[] { (0, 1.0294), (1, 1.0294), (0.5, 1.0294), (0.9, 0.8463), (0.25, 1.5388) };
        return FormulaChecks.Check("double DQN bias with a lagged target", cases.Select(c =>
            ($"ρ = {Exercise.Show(c.Rho)}, E[max] = {Exercise.Show(c.ExpectedMax)}", c.Rho * c.ExpectedMax, (Func<double>)(() => student(c.Rho, c.ExpectedMax)))).ToList());
    }

    /// <summary>
    /// How often DQN uses a transition (a count, notebook 24c): with the loop of <c>Dqn.Train</c> (a round of
    /// <c>gradientSteps</c> updates every <c>trainFrequency</c> environment steps from step <c>learningStarts</c> on, each on
    /// <c>batchSize</c> transitions), student(totalSteps, learningStarts, trainFrequency, gradientSteps, batchSize) → the
    /// mean number of minibatch places per transition of the run: (rounds · gradientSteps · batchSize) / totalSteps,
    /// with rounds = the steps s in [learningStarts, totalSteps) with s mod trainFrequency = 0. The same with and without
    /// replay: replay changes when a transition is used, not how often on average.
    /// </summary>
    public static ExerciseResult CheckUsesPerTransition(Func<long, int, int, int, int, double> student)
    {
        var cases = new (long Total, int Starts, int Frequency, int Steps, int Batch)[]
        {
            (30_000, 1_000, 16, 4, 64), (1_000, 0, 1, 1, 32), (10_000, 2_500, 256, 128, 64), (5_000, 5_000, 4, 1, 32), (1_234, 7, 10, 3, 16),
        };
        return FormulaChecks.Check("uses per transition", cases.Select(c =>
        {
            var rounds = Enumerable.Range(0, (int)c.Total).Count(s => s >= c.Starts && s % c.Frequency == 0);
            var expected = (double)rounds * c.Steps * c.Batch / c.Total;
            return ($"totalSteps {c.Total}, learningStarts {c.Starts}, trainFrequency {c.Frequency}, gradientSteps {c.Steps}, batchSize {c.Batch}",
                expected, (Func<double>)(() => student(c.Total, c.Starts, c.Frequency, c.Steps, c.Batch)));
        }).ToList());
    }

    /// <summary>The student's double-DQN target, used by notebook 24b's overestimation experiment; while it is the stub, the reference runs, and the plug says so.</summary>
    public static Plugged<Func<Tensor, Tensor, Tensor, Tensor, double, Tensor>> PlugDoubleDqnTarget(Func<Tensor, Tensor, Tensor, Tensor, double, Tensor> student) =>
        Plug.In("double DQN target", student, DoubleDqnTarget);

    /// <summary>The student's prioritised-replay probabilities and weights, used by notebook 24c's sampling experiment; while it is the stub, the reference runs, and the plug says so.</summary>
    public static Plugged<Func<Tensor, double, double, double, (Tensor Probabilities, Tensor Weights)>> PlugPrioritisedReplay(
        Func<Tensor, double, double, double, (Tensor Probabilities, Tensor Weights)> student) =>
        Plug.Custom<Func<Tensor, double, double, double, (Tensor Probabilities, Tensor Weights)>>("prioritised replay",
            p => (d, a, b, e) => p.Call(() => student(d, a, b, e), () => PrioritisedReplay(d, a, b, e)));

    private static Tensor DoubleDqnTarget(Tensor rewards, Tensor terminated, Tensor nextQOnline, Tensor nextQTarget, double gamma)
    {
        var chosen = nextQOnline.argmax(-1, keepdim: true);                                  // [B, 1]: the online network's action
        var rated = nextQTarget.gather(-1, chosen).squeeze(-1);                              // [B]: the target network's value of it
        return rewards + gamma * (1 - terminated) * rated;                                   // [B]
    }

    private static (Tensor Probabilities, Tensor Weights) PrioritisedReplay(Tensor tdErrors, double alpha, double beta, double epsilon)
    {
        var priorities = (tdErrors.abs() + epsilon).pow(alpha);                              // [N]
        var probabilities = priorities / priorities.sum();                                   // [N]
        var weights = (tdErrors.shape[0] * probabilities).pow(-beta);                        // [N]
        return (probabilities, weights / weights.max());
    }
}
