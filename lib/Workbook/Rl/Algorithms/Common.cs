using TorchSharp;
using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Rl.Algorithms;

/// <summary>Small pieces several algorithm files share (kept here so each algorithm file reads top to bottom).</summary>
public static class Training
{
    /// <summary>Sets every parameter group's learning rate.</summary>
    public static void SetLearningRate(optim.Optimizer optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = learningRate;
        }
    }

    /// <summary>Mean return of the episodes in the list, NaN if it is empty.</summary>
    public static double MeanReturn(IReadOnlyCollection<EpisodeSummary> episodes) =>
        episodes.Count == 0 ? double.NaN : episodes.Average(e => e.Return);

    /// <summary>(x − mean) / (std + 1e-8) over a 1-D tensor.</summary>
    public static Tensor Normalize(Tensor x) => (x - x.mean()) / (x.std() + 1e-8);

    /// <summary>A random permutation of 0..n-1 drawn from <paramref name="random"/> (reproducible), as an int64 tensor.</summary>
    public static long[] Permutation(int n, Random random)
    {
        var order = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
        random.Shuffle(order);
        return order;
    }
}
