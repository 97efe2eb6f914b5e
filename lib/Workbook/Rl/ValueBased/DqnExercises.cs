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
        return Exercise.CheckTensors("double DQN target",
            x => student(x[0], x[1], x[2], x[3], x[4].item<float>()),
            x => DoubleDqnTarget(x[0], x[1], x[2], x[3], x[4].item<float>()),
            cases);
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
