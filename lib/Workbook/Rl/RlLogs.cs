using Workbook.Training;

namespace Workbook.Rl;

/// <summary>The RL algorithms' <see cref="TrainingLog"/>: one row per update, with the columns every algorithm writes.</summary>
public static class RlLogs
{
    /// <summary>The columns every algorithm writes, in this order.</summary>
    public static readonly string[] StandardColumns =
        { "step", "episode_return", "policy_loss", "value_loss", "kl", "entropy", "clip_fraction", "wall_seconds" };

    /// <summary>An empty log with <see cref="StandardColumns"/>.</summary>
    public static TrainingLog Create() => new(StandardColumns);

    /// <summary>Episode returns smoothed with a trailing mean over <paramref name="window"/> finished episodes, against environment steps.</summary>
    public static (double[] Steps, double[] Returns) SmoothedReturns(this TrainingLog log, int window = 10) =>
        log.Smoothed("episode_return", window);
}
