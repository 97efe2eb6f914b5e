using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.DeepNets;

/// <summary>
/// Ensembles (Notes §4.6): several models' predictions combined, p(y|x) = (1/M) Σ_j p_θj(y|x), to cut the variance part of
/// the error. The members can be trained independently (§4.6.1), or be snapshots of one run (§4.6.3); the snapshots'
/// weights can also be averaged into one model, θ̄ = (1/M) Σ_j θ_j, which costs one model at test time.
/// </summary>
public static class Ensembles
{
    /// <summary>The mean of every member's class probabilities on <paramref name="inputs"/>: [count, classes].</summary>
    public static Tensor AveragePredictions(IEnumerable<nn.Module<Tensor, Tensor>> members, Tensor inputs)
    {
        var probabilities = members.Select(m => ClassifierTraining.Probabilities(m, inputs)).ToList();
        if (probabilities.Count == 0)
        {
            throw new ArgumentException("an ensemble needs at least one member", nameof(members));
        }
        return stack(probabilities).mean(new long[] { 0 });                          // [members, count, classes] → [count, classes]
    }

    /// <summary>The class most members predict, for each row (ties go to the lower class index): [count].</summary>
    public static Tensor MajorityVote(IEnumerable<nn.Module<Tensor, Tensor>> members, Tensor inputs, int classes)
    {
        var votes = members.Select(m => ClassifierTraining.Probabilities(m, inputs).argmax(1)).ToList();  // each [count]
        var counts = stack(votes.Select(v => nn.functional.one_hot(v, classes)).ToArray()).sum(dim: 0);       // [count, classes]
        return counts.argmax(1);
    }

    /// <summary>
    /// The element-wise mean of the snapshots' tensors, name by name (integer buffers such as batch counters are taken
    /// from the last snapshot).
    /// </summary>
    public static Dictionary<string, Tensor> AverageWeights(IReadOnlyList<Dictionary<string, Tensor>> snapshots)
    {
        if (snapshots.Count == 0)
        {
            throw new ArgumentException("need at least one snapshot to average", nameof(snapshots));
        }
        using var _ = no_grad();
        return snapshots[0].Keys.ToDictionary(name => name, name =>
            snapshots[^1][name].is_floating_point()
                ? stack(snapshots.Select(s => s[name]).ToArray()).mean(new long[] { 0 }).DetachFromDisposeScope()
                : snapshots[^1][name].clone().DetachFromDisposeScope());
    }

    /// <summary>One fresh model per snapshot, each made by <paramref name="create"/> and loaded with that snapshot's weights.</summary>
    public static IReadOnlyList<nn.Module<Tensor, Tensor>> Load(Func<nn.Module<Tensor, Tensor>> create, IEnumerable<Dictionary<string, Tensor>> snapshots) =>
        snapshots.Select(s =>
        {
            var model = create();
            model.load_state_dict(s);
            return model;
        }).ToList();
}
