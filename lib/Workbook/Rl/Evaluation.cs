using Workbook.Rl.Environments;

namespace Workbook.Rl;

/// <summary>Measures a policy: returns of complete episodes.</summary>
public static class Evaluation
{
    /// <summary>
    /// The undiscounted returns of <paramref name="episodes"/> episodes played in parallel (one per copy of
    /// a fresh vectorised environment made by <paramref name="make"/>), greedy (mode of π) by default.
    /// </summary>
    public static double[] EpisodeReturns(Func<int, IVectorEnvironment> make, Policy policy, int episodes = 100, bool greedy = true, int seed = 10_000, RunningMeanStd? normalizer = null)
    {
        var environment = make(episodes);
        return EpisodeCollector.Collect(environment, policy, seed, greedy, normalizer).EpisodeReturns;
    }
}
