using TorchSharp;
using TorchSharp.Modules;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Rl.ModelBased;

/// <summary>
/// How the ensemble is built and fitted.
/// </summary>
/// <param name="Members">M, the networks of the ensemble.</param>
/// <param name="Hidden">units of each of the two hidden layers.</param>
/// <param name="Epochs">passes over the data per fit.</param>
/// <param name="BatchSize">transitions per minibatch (per member).</param>
/// <param name="LearningRate">Adam's learning rate.</param>
/// <param name="Bootstrap">each member fits its own resample (with replacement) of the data, so members disagree where data is thin.</param>
/// <param name="Seed">seeds the initial weights, the resamples and the minibatch order.</param>
public sealed record EnsembleModelConfig(int Members = 5, int Hidden = 64, int Epochs = 40, int BatchSize = 128,
    double LearningRate = 1e-3, bool Bootstrap = true, int Seed = 0);

/// <summary>M linear layers applied at once: [M, B, in] → [M, B, out] (one batched matrix product).</summary>
public sealed class EnsembleLinear : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;

    public EnsembleLinear(int members, int input, int output, Generator generator) : base(nameof(EnsembleLinear))
    {
        var bound = 1.0 / Math.Sqrt(input);   // nn.Linear's default initialisation, U(−1/√in, 1/√in)
        weight = nn.Parameter((rand(new long[] { members, input, output }, generator: generator) * 2 - 1) * bound);
        bias = nn.Parameter((rand(new long[] { members, 1, output }, generator: generator) * 2 - 1) * bound);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x.bmm(weight) + bias;   // [M, B, in] @ [M, in, out] -> [M, B, out]
}

/// <summary>
/// A learned model of the MDP (Slides D, "What is a Model?": T_η ≈ T and R_η ≈ R), as an ensemble of M networks that
/// each map (s, a) to (s' − s, r). Inputs and targets are standardised with the data's mean and standard deviation; each
/// member is fitted by MSE on its own bootstrap resample. The members agree where the data pins the function down and
/// disagree where it does not: their spread is the model's measure of its own uncertainty (the slides' "can reason about
/// uncertainty").
/// <code>
///   x = (s, a) standardised   →  MLP_m (SiLU, two hidden layers)  →  (Δs, r) standardised,   m = 1..M
///   ŝ'_m = s + Δs_m,   r̂_m = r_m;   disagreement(s, a) = mean over state dimensions of std_m(ŝ'_m)
/// </code>
/// </summary>
public sealed class EnsembleDynamicsModel : nn.Module<Tensor, Tensor>
{
    private readonly EnsembleLinear input;
    private readonly EnsembleLinear hidden;
    private readonly EnsembleLinear output;
    // The data's standardisation (a tuple, so RegisterComponents does not take the tensors for buffers).
    private (Tensor InputMean, Tensor InputStd, Tensor TargetMean, Tensor TargetStd) scale;

    public EnsembleDynamicsModel(int observationDimension, int actionDimension, EnsembleModelConfig config) : base(nameof(EnsembleDynamicsModel))
    {
        ObservationDimension = observationDimension;
        ActionDimension = actionDimension;
        Config = config;
        var generator = new Generator((ulong)config.Seed);
        input = new EnsembleLinear(config.Members, observationDimension + actionDimension, config.Hidden, generator);
        hidden = new EnsembleLinear(config.Members, config.Hidden, config.Hidden, generator);
        output = new EnsembleLinear(config.Members, config.Hidden, observationDimension + 1, generator);
        scale = (zeros(observationDimension + actionDimension), ones(observationDimension + actionDimension),
            zeros(observationDimension + 1), ones(observationDimension + 1));
        RegisterComponents();
    }

    public int ObservationDimension { get; }
    public int ActionDimension { get; }
    public int Members => Config.Members;
    public EnsembleModelConfig Config { get; }

    /// <summary>Standardised (s, a) [M, B, in] → standardised (Δs, r) [M, B, obs + 1], member m on row block m.</summary>
    public override Tensor forward(Tensor x) => output.call(nn.functional.silu(hidden.call(nn.functional.silu(input.call(x)))));

    /// <summary>
    /// Fits every member by minibatch Adam on the MSE of standardised targets, from scratch on the whole buffer
    /// (<see cref="EnsembleModelConfig.Epochs"/> passes); returns the mean training loss of each epoch. <paramref name="target"/>
    /// builds each transition's target row (default <see cref="TransitionBuffer.Target"/>, (s' − s, r)).
    /// </summary>
    public double[] Fit(TransitionBuffer data, Func<Transition, double[]>? target = null)
    {
        using var scope = NewDisposeScope();
        var (inputs, targets) = data.Tensors(target);                                          // [N, in], [N, obs + 1]
        SetNormalisation(inputs, targets);
        var x = (inputs - scale.InputMean) / scale.InputStd;                               // [N, in]
        var y = (targets - scale.TargetMean) / scale.TargetStd;                            // [N, obs + 1]
        var n = inputs.shape[0];
        var generator = new Generator((ulong)(Config.Seed + 7919 * data.Count));
        var rows = Config.Bootstrap
            ? randint(0, n, new long[] { Members, n }, generator: generator)               // [M, N] each member's resample
            : arange(n).expand(Members, n);
        var optimizer = optim.Adam(parameters(), Config.LearningRate);
        var losses = new double[Config.Epochs];
        for (var epoch = 0; epoch < Config.Epochs; epoch++)
        {
            var order = rand(new long[] { Members, n }, generator: generator).argsort(1);  // [M, N] a fresh order per member
            var shuffled = rows.gather(1, order);                                         // [M, N]
            double sum = 0;
            var batches = 0;
            for (long start = 0; start < n; start += Config.BatchSize)
            {
                using var step = NewDisposeScope();
                var index = shuffled.narrow(1, start, Math.Min(Config.BatchSize, n - start)); // [M, b]
                var xb = x.index_select(0, index.flatten()).view(Members, -1, x.shape[1]);  // [M, b, in]
                var yb = y.index_select(0, index.flatten()).view(Members, -1, y.shape[1]);  // [M, b, obs + 1]
                var loss = (call(xb) - yb).pow(2).mean();
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                sum += loss.item<float>();
                batches++;
            }
            losses[epoch] = sum / batches;
        }
        return losses;
    }

    /// <summary>
    /// Every member's prediction for states [M, B, obs] (one row block per member, e.g. member m's own trajectory) or
    /// [B, obs] (the same states for all) and actions [B, act] or [M, B, act]: next states [M, B, obs] and rewards [M, B].
    /// </summary>
    public (Tensor Next, Tensor Reward) Predict(Tensor observations, Tensor actions)
    {
        using var scope = NewDisposeScope();
        var s = observations.dim() == 2 ? observations.unsqueeze(0).expand(Members, -1, -1) : observations;   // [M, B, obs]
        var a = actions.dim() == 2 ? actions.unsqueeze(0).expand(Members, -1, -1) : actions;                   // [M, B, act]
        var x = (cat(new[] { s, a }, 2) - scale.InputMean) / scale.InputStd;                                  // [M, B, in]
        var y = call(x) * scale.TargetStd + scale.TargetMean;                                                 // [M, B, obs + 1]
        var next = s + y.narrow(2, 0, ObservationDimension);                                                  // [M, B, obs]
        var reward = y.select(2, ObservationDimension);                                                       // [M, B]
        return (next.MoveToOuterDisposeScope(), reward.MoveToOuterDisposeScope());
    }

    /// <summary>The members' disagreement on (s, a) [B, obs], [B, act]: the std over members of ŝ', averaged over state dimensions, [B].</summary>
    public Tensor Disagreement(Tensor observations, Tensor actions)
    {
        using var _ = no_grad();
        var (next, _) = Predict(observations, actions);                                   // [M, B, obs]
        return next.std(0).mean(new long[] { 1 });                                        // [B]
    }

    private void SetNormalisation(Tensor inputs, Tensor targets)
    {
        foreach (var t in new[] { scale.InputMean, scale.InputStd, scale.TargetMean, scale.TargetStd }) t.Dispose();
        scale = (inputs.mean(new long[] { 0 }).DetachFromDisposeScope(), (inputs.std(0) + 1e-6).DetachFromDisposeScope(),
            targets.mean(new long[] { 0 }).DetachFromDisposeScope(), (targets.std(0) + 1e-6).DetachFromDisposeScope());
    }
}

/// <summary>How far a learned model's open-loop predictions drift from real trajectories.</summary>
public static class ModelErrors
{
    /// <summary>
    /// Compounding error (Slides D, "two sources of error": the model's own error, fed back into its input): from real
    /// states s_t of <paramref name="data"/>'s episodes, every member rolls forward on its own predictions with the real
    /// actions a_t, …, a_{t+h−1}; the result is the root-mean-square difference between ŝ_{t+h} and the real s_{t+h},
    /// over start points, members and state dimensions, for h = 1..<paramref name="horizon"/>.
    /// </summary>
    public static double[] ByHorizon(EnsembleDynamicsModel model, TransitionBuffer data, int horizon, int startsPerEpisode = 20)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var starts = new List<(int Episode, int Index)>();
        var episodes = data.Transitions.GroupBy(t => t.Episode).Select(g => g.ToArray()).ToArray();
        foreach (var (episode, e) in episodes.Select((x, i) => (x, i)))
        {
            var last = episode.Length - horizon;
            for (var k = 0; k < startsPerEpisode && last > 0; k++)
            {
                starts.Add((e, (int)((long)k * last / startsPerEpisode)));
            }
        }
        if (starts.Count == 0)
        {
            throw new ArgumentException($"ByHorizon needs episodes longer than the horizon {horizon}.", nameof(data));
        }
        Tensor Rows(Func<Transition, double[]> pick, int offset)
        {
            var flat = starts.SelectMany(s => pick(episodes[s.Episode][s.Index + offset])).Select(v => (float)v).ToArray();
            return tensor(flat, new long[] { starts.Count, flat.Length / starts.Count });
        }
        var state = Rows(t => t.Observation, 0).unsqueeze(0).expand(model.Members, -1, -1);        // [M, S, obs]
        var errors = new double[horizon];
        for (var h = 0; h < horizon; h++)
        {
            var (next, _) = model.Predict(state, Rows(t => t.Action, h));                          // [M, S, obs]
            var real = Rows(t => t.NextObservation, h);                                              // [S, obs]
            errors[h] = (next - real).pow(2).mean().sqrt().item<float>();
            state = next;
        }
        return errors;
    }
}
