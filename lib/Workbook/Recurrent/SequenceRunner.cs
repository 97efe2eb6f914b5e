using TorchSharp;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Recurrent;

/// <summary>What running a cell over a sequence gives.</summary>
/// <param name="Outputs">h_1..h_T stacked in time order, [batch, time, hidden].</param>
/// <param name="States">the state after each step, in time order (States[t] is the state at step t, t = 0..T-1).</param>
/// <param name="Final">the last state: after step T-1 (forward) or after step 0 (reverse); with lengths, the state at each sequence's own end.</param>
public sealed record SequenceOutput(Tensor Outputs, IReadOnlyList<RecurrentState> States, RecurrentState Final);

/// <summary>
/// Unrolls one cell over a whole sequence (Notes §6.1.1: the same weights at every step).
/// </summary>
public static class SequenceRunner
{
    /// <summary>
    /// Runs <paramref name="cell"/> over <paramref name="inputs"/> [batch, time, input] and returns every hidden state.
    /// </summary>
    /// <param name="cell">the step function.</param>
    /// <param name="inputs">[batch, time, input], batch first.</param>
    /// <param name="initial">h_0 (and c_0); zeros when null.</param>
    /// <param name="reverse">run from the last step to the first (the backward half of a bidirectional layer, Notes §6.1.4.3).</param>
    /// <param name="lengths">true length of each sequence in a padded batch: steps at t &gt;= length leave the state unchanged,
    /// so <see cref="SequenceOutput.Final"/> is the state at each sequence's own last token (and a reverse run starts there).</param>
    public static SequenceOutput Run(RecurrentCell cell, Tensor inputs, RecurrentState? initial = null, bool reverse = false, long[]? lengths = null)
    {
        ArgumentNullException.ThrowIfNull(cell);
        if (inputs.dim() != 3)
        {
            throw new ArgumentException($"inputs must have shape [batch, time, input] but has shape {Shapes.Of(inputs)}.", nameof(inputs));
        }
        long batch = inputs.shape[0], time = inputs.shape[1];
        if (time == 0)
        {
            throw new ArgumentException($"inputs has shape {Shapes.Of(inputs)}: an empty sequence (time = 0) has no hidden states.", nameof(inputs));
        }
        if (inputs.shape[2] != cell.InputSize)
        {
            throw new ArgumentException($"inputs has {inputs.shape[2]} features per step (shape {Shapes.Of(inputs)}) but the cell expects {cell.InputSize}.", nameof(inputs));
        }
        Tensor? valid = null; // [batch, time] 1 where t < length
        if (lengths is not null)
        {
            if (lengths.Length != batch)
            {
                throw new ArgumentException($"lengths has {lengths.Length} entries but the batch has {batch} sequences.", nameof(lengths));
            }
            for (var i = 0; i < lengths.Length; i++)
            {
                if (lengths[i] < 1 || lengths[i] > time)
                {
                    throw new ArgumentException($"lengths[{i}] = {lengths[i]} but every length must be in [1, {time}] (the padded time dimension).", nameof(lengths));
                }
            }
            using var steps = arange(time).unsqueeze(0);                                     // [1, time]
            using var lengthTensor = tensor(lengths).unsqueeze(1);                           // [batch, 1]
            valid = steps.lt(lengthTensor).to(inputs.dtype).to(inputs.device);               // [batch, time]
        }

        var state = initial ?? cell.InitialState(batch, inputs.dtype);
        var states = new RecurrentState[time];
        for (long step = 0; step < time; step++)
        {
            var t = reverse ? time - 1 - step : step;
            var next = cell.call(inputs[.., t, ..], state);                  // [batch, hidden]
            if (valid is not null)
            {
                next = next.Where(valid[.., t].unsqueeze(1), state);        // keep the old state past the end
            }
            states[t] = next;
            state = next;
        }
        var outputs = stack(states.Select(s => s.Hidden), 1);              // [batch, time, hidden]
        return new SequenceOutput(outputs, states, state);
    }
}
