namespace Workbook.Training;

/// <summary>Minibatch orders drawn from an explicit generator, so a run is reproducible from its seed alone.</summary>
public static class Minibatches
{
    /// <summary>A random permutation of 0 .. <paramref name="n"/> - 1 drawn from <paramref name="random"/>, as int64 indices for index_select.</summary>
    public static long[] Permutation(int n, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var order = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
        random.Shuffle(order);
        return order;
    }
}

/// <summary>
/// Consecutive minibatches of <c>batchSize</c> indices through a random order of 0 .. <c>count</c> - 1; when fewer than
/// <c>batchSize</c> indices are left, a fresh order is drawn (each index gets a key from <paramref name="random"/> and the
/// indices are sorted by it), so every index is used once per pass and the run depends on the seed alone.
/// </summary>
public sealed class MinibatchCycle(int count, int batchSize, Random random)
{
    private long[] order = Array.Empty<long>();
    private int position;

    /// <summary>The next minibatch's indices [batchSize].</summary>
    public long[] Next()
    {
        if (position + batchSize > order.Length)
        {
            order = Enumerable.Range(0, count).Select(i => (long)i).OrderBy(_ => random.Next()).ToArray();
            position = 0;
        }
        var batch = order[position..(position + batchSize)];
        position += batchSize;
        return batch;
    }
}
