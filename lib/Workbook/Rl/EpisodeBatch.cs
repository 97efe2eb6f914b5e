using static TorchSharp.torch;

namespace Workbook.Rl;

/// <summary>A batch of complete episodes, one per copy of a vectorised environment.</summary>
public sealed class EpisodeBatch
{
    internal EpisodeBatch(List<Episode> episodes, bool discrete)
    {
        Episodes = episodes;
        IsDiscrete = discrete;
    }

    public IReadOnlyList<Episode> Episodes { get; }
    public bool IsDiscrete { get; }
    /// <summary>Σ_i T_i, the environment steps in the batch.</summary>
    public int TotalSteps => Episodes.Sum(e => e.Length);
    public double[] EpisodeReturns => Episodes.Select(e => e.Return).ToArray();

    /// <summary>All observations stacked: [Σ T_i, obs].</summary>
    public Tensor ObservationTensor()
    {
        var dimension = Episodes[0].ObservationDimension;
        var flat = Episodes.SelectMany(e => e.Observations).SelectMany(row => row).ToArray();
        return tensor(flat, new long[] { TotalSteps, dimension });
    }

    /// <summary>All actions stacked: [Σ T_i] int64 for discrete, [Σ T_i, D] float for continuous.</summary>
    public Tensor ActionTensor()
    {
        var rows = Episodes.SelectMany(e => e.Actions).ToArray();
        return IsDiscrete
            ? tensor(rows.Select(r => (long)r[0]).ToArray())
            : tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Length, rows[0].Length });
    }

    /// <summary>Behaviour log-probabilities stacked: [Σ T_i].</summary>
    public Tensor BehaviourLogProbTensor() => tensor(Episodes.SelectMany(e => e.BehaviourLogProbs).Select(v => (float)v).ToArray());

    /// <summary>Applies <paramref name="perEpisode"/> to each episode's rewards and concatenates: [Σ T_i] (e.g. reward-to-go).</summary>
    public float[] PerStep(Func<Episode, IReadOnlyList<double>> perEpisode) =>
        Episodes.SelectMany(e => perEpisode(e)).Select(v => (float)v).ToArray();
}
