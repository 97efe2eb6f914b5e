using TorchSharp;
using Workbook.Exercises;
using Workbook.Rl.Algorithms;
using static TorchSharp.torch;

namespace Workbook.Rl.ValueBased;

/// <summary>
/// Checked exercises of the Q-learning notebook (24): the DQN target, checked on its own and then plugged into
/// <see cref="Dqn.Train"/>, where it computes every minibatch's regression target.
/// </summary>
public static class QLearningExercises
{
    /// <summary>
    /// The DQN target per transition: student(rewards [B], nextQ [B, A], terminated [B], γ) → y [B] with
    /// y = r + γ (1 − terminated) max_a' nextQ[·, a']. Checked on batches with and without terminal transitions,
    /// two and three actions, negative values and γ = 0 and 1.
    /// </summary>
    public static ExerciseResult CheckTdTarget(Func<Tensor, Tensor, Tensor, double, Tensor> student)
    {
        var generator = new Generator(24);
        var cases = new List<Tensor[]>
        {
            // rewards, nextQ, terminated, γ (a scalar tensor)
            new[] { tensor(new[] { 1f, 1f, 0f }), tensor(new[,] { { 1f, 2f }, { 3f, -1f }, { 0.5f, 0.25f } }), tensor(new[] { 0f, 1f, 0f }), tensor(0.9f) },
            new[] { randn(new long[] { 32 }, generator: generator), randn(new long[] { 32, 3 }, generator: generator) - 2,
                (rand(new long[] { 32 }, generator: generator) < 0.3f).to_type(ScalarType.Float32), tensor(0.99f) },
            new[] { rand(new long[] { 8 }, generator: generator), randn(new long[] { 8, 2 }, generator: generator), ones(8), tensor(0.5f) },
            new[] { rand(new long[] { 8 }, generator: generator), randn(new long[] { 8, 2 }, generator: generator), zeros(8), tensor(0f) },
            new[] { rand(new long[] { 16 }, generator: generator), randn(new long[] { 16, 4 }, generator: generator), zeros(16), tensor(1f) },
        };
        for (var i = 0; i < cases.Count; i++)
        {
            var x = cases[i];
            var result = FormulaChecks.WithRow(Exercise.CheckTensors("DQN TD target",
                t => student(t[0], t[1], t[2], t[3].item<float>()),
                // The expected values come from float64 (a float32 reference would inherit its rounding).
                t => Dqn.TdTarget(t[0].to_type(ScalarType.Float64), t[1].to_type(ScalarType.Float64), t[2].to_type(ScalarType.Float64), t[3].item<float>()).to_type(ScalarType.Float32),
                new[] { x }), b => $"r = {Exercise.Show((double)x[0][b].item<float>())}, terminated = {x[2][b].item<float>()}, nextQ = [{string.Join(", ", x[1][b].data<float>().ToArray().Select(v => Exercise.Show((double)v)))}], γ = {Exercise.Show((double)x[3].item<float>())}");
            if (!result.Passed)
            {
                return result.Attempted ? result with { CasesChecked = i + 1, Message = $"case {i + 1} of {cases.Count}{result.Message["case 1 of 1".Length..]}" } : result;
            }
        }
        return new ExerciseResult("DQN TD target", true, cases.Count, $"passed all {cases.Count} cases");
    }

    /// <summary>
    /// The Expected Sarsa target for an ε-greedy policy (a derivation, notebook 24): the probabilities of the ε-greedy
    /// policy are not printed, the student works them out. student(rewards [B], nextQ [B, A], terminated [B], γ, ε) → y [B],
    /// y = r + γ (1 − terminated) Σ_a π_ε(a | s') Q(s', a), with π_ε(a | s') = ε / A + (1 − ε) [a = argmax Q(s', ·)]. The next
    /// values have no ties. Expected values in float64; the first wrong transition is named with its inputs.
    /// </summary>
    public static ExerciseResult CheckExpectedSarsaTarget(Func<Tensor, Tensor, Tensor, double, double, Tensor> student)
    {
        var random = new Random(2424);
        var settings = new (int Batch, int Actions, double Gamma, double Epsilon, string Name)[]
        {
            (3, 2, 0.9, 0.0, "ε = 0: the greedy policy, the Q-learning target"), (4, 3, 0.9, 1.0, "ε = 1: the uniform policy"),
            (6, 4, 0.99, 0.1, "ε = 0.1 over 4 actions"), (5, 2, 0.5, 0.5, "ε = 0.5 over 2 actions"),
        };
        for (var i = 0; i < settings.Length; i++)
        {
            var (batch, actions, gamma, epsilon, name) = settings[i];
            var rewards = Enumerable.Range(0, batch).Select(_ => Math.Round(random.NextDouble() * 2 - 1, 3)).ToArray();
            var terminated = Enumerable.Range(0, batch).Select(b => b == 1 ? 1.0 : 0.0).ToArray();
            var nextQ = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, actions).Select(_ => Math.Round(random.NextDouble() * 4 - 2, 3)).ToArray()).ToArray();
            var expected = Enumerable.Range(0, batch).Select(b =>
            {
                var best = Array.IndexOf(nextQ[b], nextQ[b].Max());
                var value = nextQ[b].Select((q, a) => (epsilon / actions + (a == best ? 1 - epsilon : 0)) * q).Sum();
                return rewards[b] + gamma * (1 - terminated[b]) * value;
            }).ToArray();
            double[] got;
            try
            {
                using var y = student(tensor(rewards.Select(v => (float)v).ToArray()), tensor(nextQ.SelectMany(r => r).Select(v => (float)v).ToArray(), new long[] { batch, actions }),
                    tensor(terminated.Select(v => (float)v).ToArray()), gamma, epsilon);
                if (y is null || y.numel() != batch)
                {
                    return new ExerciseResult("Expected Sarsa target", false, i + 1,
                        $"case {i + 1} of {settings.Length} ({name}): expected {batch} targets (shape [{batch}]), got {(y is null ? "null" : Workbook.Tensors.Shapes.Of(y))}");
                }
                got = y.to_type(ScalarType.Float64).data<double>().ToArray();
            }
            catch (NotImplementedException e)
            {
                return new ExerciseResult("Expected Sarsa target", false, 0, $"not attempted yet: {e.Message}", Attempted: false);
            }
            catch (Exception e)
            {
                return new ExerciseResult("Expected Sarsa target", false, i + 1, $"case {i + 1} of {settings.Length} ({name}): your function threw {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            }
            for (var b = 0; b < batch; b++)
            {
                if (!(Math.Abs(got[b] - expected[b]) <= 1e-5 + 1e-5 * Math.Abs(expected[b])))
                {
                    return new ExerciseResult("Expected Sarsa target", false, i + 1,
                        $"case {i + 1} of {settings.Length} ({name}, γ = {Exercise.Show(gamma)}): transition {b} with r = {Exercise.Show(rewards[b])}, terminated = {terminated[b]}, " +
                        $"Q(s', ·) = [{string.Join(", ", nextQ[b].Select(q => Exercise.Show(q)))}]: expected y = {Exercise.Show(expected[b])}, got {Exercise.Show(got[b])}");
                }
            }
        }
        return new ExerciseResult("Expected Sarsa target", true, settings.Length, $"passed all {settings.Length} cases");
    }

    /// <summary>
    /// The student's TD target plugged into DQN (<see cref="Dqn.Train"/>'s <c>tdTarget</c>): it computes the target of
    /// every minibatch in the real training loop; while it is the student edition's stub, the library's
    /// <see cref="Dqn.TdTarget"/> does, and the plug says so.
    /// </summary>
    public static Plugged<Func<Tensor, Tensor, Tensor, double, Tensor>> PlugTdTarget(Func<Tensor, Tensor, Tensor, double, Tensor> student) =>
        Plug.Custom<Func<Tensor, Tensor, Tensor, double, Tensor>>("TD target",
            p => (rewards, nextQ, terminated, gamma) => p.Call(
                () => student(rewards, nextQ, terminated, gamma),
                () => Dqn.TdTarget(rewards, nextQ, terminated, gamma)));
}
