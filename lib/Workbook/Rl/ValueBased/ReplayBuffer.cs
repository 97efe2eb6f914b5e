using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Rl.ValueBased;

/// <summary>A minibatch of transitions (s, a, r, s', terminated) as tensors; dispose it to free them.</summary>
/// <param name="Observations">s: [B, obs].</param>
/// <param name="Actions">a: int64 [B].</param>
/// <param name="Rewards">r: [B].</param>
/// <param name="NextObservations">s': [B, obs] (the real last observation when the episode ended there).</param>
/// <param name="Terminated">1 where s' is terminal (nothing follows), 0 otherwise (also for a time-limit truncation): [B].</param>
public sealed record TransitionBatch(Tensor Observations, Tensor Actions, Tensor Rewards, Tensor NextObservations, Tensor Terminated) : IDisposable
{
    public void Dispose()
    {
        Observations.Dispose();
        Actions.Dispose();
        Rewards.Dispose();
        NextObservations.Dispose();
        Terminated.Dispose();
    }
}

/// <summary>
/// Experience replay (Lin 1992; Mnih et al. 2015): the last <see cref="Capacity"/> transitions in a ring, from which
/// minibatches are drawn uniformly at random. Sampling breaks the correlation between consecutive steps (a minibatch
/// mixes many episodes and many older policies) and reuses every transition in many updates. Plain arrays; tensors
/// are made only for a sampled batch.
/// </summary>
public sealed class ReplayBuffer
{
    private readonly float[] observations;
    private readonly float[] nextObservations;
    private readonly long[] actions;
    private readonly float[] rewards;
    private readonly float[] terminated;
    private int next;

    public ReplayBuffer(int capacity, int observationDimension)
    {
        if (capacity < 1 || observationDimension < 1)
        {
            throw new ArgumentException($"A replay buffer needs a positive capacity and observation size, got {capacity} and {observationDimension}.");
        }
        Capacity = capacity;
        ObservationDimension = observationDimension;
        observations = new float[capacity * observationDimension];
        nextObservations = new float[capacity * observationDimension];
        actions = new long[capacity];
        rewards = new float[capacity];
        terminated = new float[capacity];
    }

    /// <summary>How many transitions it holds at most (then the oldest is overwritten).</summary>
    public int Capacity { get; }

    public int ObservationDimension { get; }

    /// <summary>How many transitions it holds now.</summary>
    public int Count { get; private set; }

    /// <summary>Stores one transition, overwriting the oldest when full.</summary>
    public void Add(double[] observation, int action, double reward, double[] nextObservation, bool isTerminal)
    {
        if (observation.Length != ObservationDimension || nextObservation.Length != ObservationDimension)
        {
            throw new ArgumentException($"The buffer stores observations of {ObservationDimension} numbers, got {observation.Length} and {nextObservation.Length}.");
        }
        for (var j = 0; j < ObservationDimension; j++)
        {
            observations[next * ObservationDimension + j] = (float)observation[j];
            nextObservations[next * ObservationDimension + j] = (float)nextObservation[j];
        }
        actions[next] = action;
        rewards[next] = (float)reward;
        terminated[next] = isTerminal ? 1f : 0f;
        next = (next + 1) % Capacity;
        Count = Math.Min(Count + 1, Capacity);
    }

    /// <summary><paramref name="batchSize"/> transitions drawn uniformly with replacement.</summary>
    public TransitionBatch Sample(int batchSize, Random random)
    {
        RequireSome(batchSize);
        var rows = new int[batchSize];
        for (var i = 0; i < batchSize; i++)
        {
            rows[i] = random.Next(Count);
        }
        return Gather(rows);
    }

    /// <summary>The <paramref name="batchSize"/> most recent transitions, oldest first (consecutive steps: what learning without replay sees).</summary>
    public TransitionBatch Latest(int batchSize)
    {
        RequireSome(batchSize);
        var n = Math.Min(batchSize, Count);
        var rows = new int[n];
        for (var i = 0; i < n; i++)
        {
            rows[i] = ((next - n + i) % Capacity + Capacity) % Capacity;
        }
        return Gather(rows);
    }

    private TransitionBatch Gather(int[] rows)
    {
        var d = ObservationDimension;
        var s = new float[rows.Length * d];
        var s2 = new float[rows.Length * d];
        var a = new long[rows.Length];
        var r = new float[rows.Length];
        var done = new float[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            Array.Copy(observations, rows[i] * d, s, i * d, d);
            Array.Copy(nextObservations, rows[i] * d, s2, i * d, d);
            a[i] = actions[rows[i]];
            r[i] = rewards[rows[i]];
            done[i] = terminated[rows[i]];
        }
        var shape = new long[] { rows.Length, d };
        return new TransitionBatch(tensor(s, shape), tensor(a), tensor(r), tensor(s2, shape), tensor(done));
    }

    private void RequireSome(int batchSize)
    {
        if (Count == 0 || batchSize < 1)
        {
            throw new InvalidOperationException($"Cannot draw {batchSize} transitions from a replay buffer holding {Count}.");
        }
    }
}
