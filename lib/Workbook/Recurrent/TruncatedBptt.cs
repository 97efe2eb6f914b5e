using TorchSharp;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Recurrent;

/// <summary>
/// Truncated backpropagation through time: a long sequence is cut into windows of <c>k</c> steps; the hidden
/// state is carried from one window to the next (so the forward pass still sees the whole history) but is
/// detached, so gradients flow back at most <c>k</c> steps and memory stays bounded (Notes §6.1.2-6.1.3).
/// </summary>
public static class TruncatedBptt
{
    /// <summary>(start, length) of the windows of <paramref name="truncation"/> steps covering <paramref name="time"/> steps.</summary>
    public static IReadOnlyList<(long Start, long Length)> Windows(long time, int truncation)
    {
        if (time < 1)
        {
            throw new ArgumentException($"The sequence is empty (time = {time}).", nameof(time));
        }
        if (truncation < 1)
        {
            throw new ArgumentException($"truncation must be at least 1 step, got {truncation}.", nameof(truncation));
        }
        var windows = new List<(long, long)>();
        for (long start = 0; start < time; start += truncation)
        {
            windows.Add((start, Math.Min(truncation, time - start)));
        }
        return windows;
    }

    /// <summary>
    /// Runs one pass of truncated BPTT over <paramref name="inputs"/> [batch, time, ...].
    /// For every window it calls <paramref name="windowLoss"/>(window inputs, carried state, window start) to get the
    /// window's loss and final state, then <paramref name="update"/>(loss) (typically: zero_grad, backward, clip, step),
    /// then detaches the state before the next window. Returns the losses of the windows.
    /// </summary>
    public static IReadOnlyList<double> Run(
        Tensor inputs,
        int truncation,
        RecurrentState initial,
        Func<Tensor, RecurrentState, long, (Tensor Loss, RecurrentState Final)> windowLoss,
        Action<Tensor> update)
    {
        if (inputs.dim() < 2)
        {
            throw new ArgumentException($"inputs must be [batch, time, ...], got {Shapes.Of(inputs)}.", nameof(inputs));
        }
        var losses = new List<double>();
        var state = initial;
        foreach (var (start, length) in Windows(inputs.shape[1], truncation))
        {
            var window = inputs.narrow(1, start, length);          // [batch, length, ...]
            var (loss, final) = windowLoss(window, state, start);
            update(loss);
            losses.Add(loss.ToDouble());
            state = final.Detach();                                 // carry the value, cut the graph
        }
        return losses;
    }
}
