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
        return Exercise.CheckTensors("DQN TD target",
            x => student(x[0], x[1], x[2], x[3].item<float>()),
            x => Dqn.TdTarget(x[0], x[1], x[2], x[3].item<float>()),
            cases);
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
