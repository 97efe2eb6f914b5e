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
