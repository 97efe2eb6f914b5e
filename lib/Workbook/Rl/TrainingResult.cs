using Workbook.Training;
using Microsoft.Data.Analysis;
using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Rl;

/// <summary>
/// What a training run returns: the trained policy (and value network, if the algorithm has one), the
/// per-update log and its DataFrame, the observation statistics if observations were normalised, and
/// totals. Evaluate the policy with <see cref="Evaluation.EpisodeReturns"/> (pass <see cref="Normalizer"/>).
/// </summary>
public sealed record TrainingResult(Policy Policy, nn.Module<Tensor, Tensor>? Value, TrainingLog Log, RunningMeanStd? Normalizer, long EnvironmentSteps, double WallSeconds)
{
    /// <summary>The log as a DataFrame: step, episode_return, policy_loss, value_loss, kl, entropy, clip_fraction, wall_seconds, ...</summary>
    public DataFrame History => Log.ToDataFrame();
}
