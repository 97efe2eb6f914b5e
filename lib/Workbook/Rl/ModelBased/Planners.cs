using TorchSharp;
using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Rl.ModelBased;

/// <summary>
/// Random shooting (planning by sampling): draw <paramref name="Candidates"/> action sequences of length
/// <paramref name="Horizon"/> uniformly from the action box, score each by its return in the model, act with the first
/// action of the best one, and plan again at the next step (model-predictive control).
/// </summary>
/// <param name="Candidates">sequences sampled per step.</param>
/// <param name="Horizon">H, steps each sequence looks ahead.</param>
/// <param name="Seed">seeds the sampling.</param>
public sealed record RandomShootingConfig(int Candidates = 300, int Horizon = 15, int Seed = 0);

/// <summary>
/// MPC with the cross-entropy method: sample sequences from a Gaussian N(μ, σ²) per step and action dimension, keep the
/// <paramref name="Elites"/> best by model return, refit μ and σ to them, repeat <paramref name="Iterations"/> times, act with
/// μ's first action; the next step starts from μ shifted by one step (warm start) and σ reset.
/// </summary>
/// <param name="Candidates">sequences sampled per iteration.</param>
/// <param name="Elites">the best sequences μ and σ are refitted to.</param>
/// <param name="Iterations">refits per step.</param>
/// <param name="Horizon">H.</param>
/// <param name="InitialStd">σ at the start of every step, as a fraction of the action box's half-width.</param>
/// <param name="Seed">seeds the sampling.</param>
public sealed record CemConfig(int Candidates = 100, int Elites = 10, int Iterations = 3, int Horizon = 15, double InitialStd = 1.0, int Seed = 0);

/// <summary>Chooses one action for the current observation by planning in a learned model (model-predictive control).</summary>
public interface IPlanner
{
    /// <summary>A short name for charts.</summary>
    string Name { get; }

    /// <summary>Forgets any warm start (call at the start of an episode).</summary>
    void Reset();

    /// <summary>The action to take in <paramref name="observation"/>.</summary>
    double[] Act(double[] observation);
}

/// <summary>Scores action sequences by their return in an ensemble model.</summary>
public static class ModelReturns
{
    /// <summary>
    /// The return Σ_t r̂_t of each of N sequences <paramref name="actions"/> [N, H, act] from one start state. The
    /// sequences are dealt out to the M ensemble members (sequence i to member i mod M, N a multiple of M) and each is
    /// rolled forward on its member's own predictions (PETS's "one particle per sequence"): a plan only wins if it is good
    /// under the member that happens to score it, and the planning costs one network pass per sequence and step, not M.
    /// </summary>
    public static Tensor OfSequences(EnsembleDynamicsModel model, double[] start, Tensor actions)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        long n = actions.shape[0], horizon = actions.shape[1], m = model.Members;
        if (n % m != 0)
        {
            throw new ArgumentException($"{n} sequences cannot be dealt out evenly to {m} ensemble members: use a multiple of {m}.", nameof(actions));
        }
        var dealt = actions.view(n / m, m, horizon, -1).transpose(0, 1);                                        // [M, N/M, H, act]: sequence i → member i mod M
        var state = tensor(start.Select(v => (float)v).ToArray()).expand(m, n / m, start.Length);               // [M, N/M, obs]
        var total = zeros(m, n / m);                                                                              // [M, N/M]
        for (var t = 0; t < horizon; t++)
        {
            var (next, reward) = model.Predict(state, dealt.select(2, t));                                      // [M, N/M, obs], [M, N/M]
            total.add_(reward);
            state = next;
        }
        return total.transpose(0, 1).reshape(n).MoveToOuterDisposeScope();                                     // [N] in the sequences' order
    }
}

/// <summary>Random shooting MPC (see <see cref="RandomShootingConfig"/>).</summary>
public sealed class RandomShootingPlanner : IPlanner
{
    private readonly EnsembleDynamicsModel model;
    private readonly RandomShootingConfig config;
    private readonly BoxSpace box;
    private readonly Generator generator;

    public RandomShootingPlanner(EnsembleDynamicsModel model, BoxSpace actionSpace, RandomShootingConfig config)
    {
        this.model = model;
        this.config = config;
        box = actionSpace;
        generator = new Generator((ulong)config.Seed);
    }

    public string Name => "random shooting";

    public void Reset() { }

    public double[] Act(double[] observation)
    {
        using var scope = NewDisposeScope();
        var low = tensor(box.Low.Select(v => (float)v).ToArray());                                          // [act]
        var high = tensor(box.High.Select(v => (float)v).ToArray());
        var actions = low + (high - low) * rand(new long[] { config.Candidates, config.Horizon, box.Dimension }, generator: generator); // [N, H, act]
        var best = ModelReturns.OfSequences(model, observation, actions).argmax().item<long>();
        return actions[best, 0].data<float>().Select(v => (double)v).ToArray();
    }
}

/// <summary>
/// CEM's refit: from sampled sequences [N, H, act] and their returns [N], the mean and standard deviation [H, act] of the
/// <c>elites</c> best sequences.
/// </summary>
public delegate (Tensor Mean, Tensor Std) CemRefit(Tensor samples, Tensor returns, int elites);

/// <summary>Cross-entropy-method MPC (see <see cref="CemConfig"/>).</summary>
public sealed class CemPlanner : IPlanner
{
    private readonly EnsembleDynamicsModel model;
    private readonly CemConfig config;
    private readonly BoxSpace box;
    private readonly Generator generator;
    private readonly CemRefit refit;
    private float[] warmMean;

    /// <param name="model">the learned model that scores sequences.</param>
    /// <param name="actionSpace">the action box.</param>
    /// <param name="config">the planner's settings.</param>
    /// <param name="refit">replaces <see cref="Refit"/> (e.g. a student's, <c>ModelBasedExercises.PlugCemRefit</c>).</param>
    public CemPlanner(EnsembleDynamicsModel model, BoxSpace actionSpace, CemConfig config, CemRefit? refit = null)
    {
        this.model = model;
        this.config = config;
        this.refit = refit ?? Refit;
        box = actionSpace;
        generator = new Generator((ulong)config.Seed);
        warmMean = Centre();
    }

    public string Name => "CEM";

    public void Reset() => warmMean = Centre();

    public double[] Act(double[] observation)
    {
        using var scope = NewDisposeScope();
        var low = tensor(box.Low.Select(v => (float)v).ToArray());                                          // [act]
        var high = tensor(box.High.Select(v => (float)v).ToArray());
        var mean = tensor(warmMean, new long[] { config.Horizon, box.Dimension });                          // [H, act]
        var std = ((high - low) / 2 * config.InitialStd).expand(config.Horizon, box.Dimension);             // [H, act]
        for (var i = 0; i < config.Iterations; i++)
        {
            var noise = randn(new long[] { config.Candidates, config.Horizon, box.Dimension }, generator: generator);
            var samples = minimum(maximum(mean + std * noise, low), high);                                  // [N, H, act] inside the box
            var returns = ModelReturns.OfSequences(model, observation, samples);                            // [N]
            (mean, std) = refit(samples, returns, config.Elites);                                           // [H, act] each
            std = std + 1e-3;                                                                               // never collapse to 0
        }
        var plan = mean.data<float>().ToArray();
        // Warm start: the rest of this plan, shifted one step, and the box's centre for the new last step.
        warmMean = plan.Skip(box.Dimension).Concat(Centre().Take(box.Dimension)).ToArray();
        return plan.Take(box.Dimension).Select(v => (double)v).ToArray();
    }

    /// <summary>The library's refit (internal: notebook 23 asks for it): mean and (unbiased) standard deviation over the top-<paramref name="elites"/> sequences by return.</summary>
    internal static (Tensor Mean, Tensor Std) Refit(Tensor samples, Tensor returns, int elites)
    {
        var best = samples.index_select(0, returns.topk(elites).indexes);                                  // [E, H, act]
        return (best.mean(new long[] { 0 }), best.std(0));                                                  // [H, act], [H, act]
    }

    private float[] Centre() => Enumerable.Range(0, config.Horizon).SelectMany(_ => box.Low.Zip(box.High, (l, h) => (float)((l + h) / 2))).ToArray();
}
