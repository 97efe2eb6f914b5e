using TorchSharp;
using Workbook.Exercises;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Tests.Tensors;

public sealed class TensorExercisesTests
{
    [Fact]
    public void The_reference_step_passes_and_its_final_state_gives_the_softmax()
    {
        Assert.True(TensorExercises.CheckOnlineSoftmax(TensorExercises.AbsorbChunk).Passed);

        var scores = tensor(new double[] { 1000, -3, 998, 1002, 0.5 });
        var state = TensorExercises.EmptyState;
        foreach (var chunk in scores.split(2))
        {
            state = TensorExercises.AbsorbChunk(state, chunk);
        }
        var error = (TensorExercises.SoftmaxFromState(scores, state) - softmax(scores, -1)).abs().max().ToDouble();
        Assert.True(error < 1e-15, $"online softmax differs from softmax by {error}");
    }

    [Fact]
    public void Forgetting_to_rescale_the_old_sum_fails_at_the_step_where_the_maximum_rises()
    {
        var result = TensorExercises.CheckOnlineSoftmax((state, chunk) =>
        {
            var max = Math.Max(state.Max, chunk.max().ToDouble());
            return (max, state.Sum + (chunk - max).exp().sum().ToDouble());
        });

        Assert.False(result.Passed);
        Assert.True(result.Attempted);
        // Case 1's maximum (3) is in its first chunk, so the slip first shows in case 2, step 2, when 4 beats 1.
        Assert.StartsWith("case 2 of 6, step 2 of 3: from state (Max: 1, Sum: 1.36788) with input tensor [2] [4, 2]", result.Message);
        Assert.Contains("expected (Max: 4, Sum:", result.Message);
    }

    [Fact]
    public void The_unshifted_sum_overflows_and_the_message_shows_infinity()
    {
        var result = TensorExercises.CheckOnlineSoftmax((state, chunk) =>
            (Math.Max(state.Max, chunk.max().ToDouble()), state.Sum + chunk.exp().sum().ToDouble()));

        Assert.False(result.Passed);
        Assert.StartsWith("case 1 of 6, step 1 of 2", result.Message);
    }

    [Fact]
    public void A_stub_is_not_attempted_and_a_crash_names_the_step()
    {
        var stub = TensorExercises.CheckOnlineSoftmax((_, _) => throw new NotImplementedException("Exercise 1: absorb one chunk"));
        Assert.False(stub.Attempted);
        Assert.Equal("not attempted yet: Exercise 1: absorb one chunk", stub.Message);

        var crash = TensorExercises.CheckOnlineSoftmax((state, chunk) => state.Sum > 0 ? throw new InvalidOperationException("boom") : TensorExercises.AbsorbChunk(state, chunk));
        Assert.StartsWith("case 1 of 6, step 2 of 2: from state (Max: 3,", crash.Message);
        Assert.Contains("threw InvalidOperationException: boom", crash.Message);
    }

    [Fact]
    public void Check_messages_print_arrays_and_tuples_as_their_values()
    {
        Assert.Equal("([1, 2.5], 3)", Exercise.Show((new[] { 1.0, 2.5 }, 3)));
        Assert.Equal("tensor [2] [1, 0]", Exercise.Show(tensor(new[] { true, false })));
    }
}
