using System.Diagnostics;
using TorchSharp;
using Workbook.Rl.Environments;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Rl.Algorithms;

/// <summary>TRPO hyperparameters; δ is <see cref="MaxKl"/>.</summary>
/// <param name="TotalSteps">environment steps over the whole run, summed over the parallel environments.</param>
/// <param name="Environments">parallel environment copies N (must equal the vectorised environment's count).</param>
/// <param name="StepsPerRollout">steps T collected from every environment before each update.</param>
/// <param name="MaxKl">δ, the trust region: the largest mean KL(π_old ‖ π_new) a step may have.</param>
/// <param name="Damping">added to the Fisher-vector products (F + damping·I) to keep conjugate gradient stable.</param>
/// <param name="ConjugateGradientIterations">iterations of conjugate gradient for x ≈ F⁻¹ g.</param>
/// <param name="LineSearchSteps">backtracking steps tried before the update is rejected.</param>
/// <param name="BacktrackRatio">factor by which each backtracking step shrinks the step.</param>
/// <param name="Gamma">discount γ.</param>
/// <param name="Lambda">GAE's λ: 0 trusts the critic (one-step TD), 1 is Monte Carlo.</param>
/// <param name="ValueLearningRate">Adam's learning rate for the critic.</param>
/// <param name="ValueEpochs">passes of critic regression over each rollout.</param>
/// <param name="ValueMinibatchSize">samples per critic step.</param>
/// <param name="NormalizeObservations">normalise observations with running mean and std (kept in the result's Normalizer).</param>
/// <param name="Hidden">hidden layer widths of the MLP actor and critic (64, 64 when null) when the algorithm builds them.</param>
/// <param name="InitialLogStd">starting log σ of a Gaussian policy (box action spaces).</param>
/// <param name="RewardScale">rewards are multiplied by this before learning (returns are logged unscaled).</param>
/// <param name="Seed">seeds torch's generator (initial weights, action sampling), the minibatch order and the environments' resets.</param>
public sealed record TrpoConfig(
    long TotalSteps = 60_000,
    int Environments = 8,
    int StepsPerRollout = 128,
    double MaxKl = 0.01,
    double Damping = 0.1,
    int ConjugateGradientIterations = 10,
    int LineSearchSteps = 10,
    double BacktrackRatio = 0.5,
    double Gamma = 0.99,
    double Lambda = 0.95,
    double ValueLearningRate = 1e-3,
    int ValueEpochs = 5,
    int ValueMinibatchSize = 256,
    bool NormalizeObservations = false,
    int[]? Hidden = null,
    double InitialLogStd = 0.0,
    double RewardScale = 1.0,
    int Seed = 0)
{
    /// <summary>An optional progress sink (for example <see cref="Workbook.Charts.LiveTraining"/>): each log row's step and episode return.</summary>
    public IProgress<Workbook.Training.TrainingProgress>? Progress { get; init; }
}

/// <summary>
/// Trust region policy optimisation (Schulman et al. 2015; Notes A, Q5): maximise the surrogate
/// L(θ) = E[π_θ(a|s)/π_old(a|s) Â] subject to E_s[KL(π_old(·|s) ‖ π_θ(·|s))] ≤ δ. With g = ∇L and F the
/// Fisher matrix (the KL's Hessian at θ_old), the natural-gradient step is
/// <code>
/// x = F⁻¹ g  (conjugate gradient, using only products F v = ∇(∇KL · v), "double backprop")
/// Δθ = √(2δ / xᵀFx) · x,   then try θ_old + 0.5^k Δθ for k = 0, 1, ...
/// </code>
/// and a step is accepted only if its measured KL is at most δ and the surrogate improved; if no step
/// qualifies the policy stays as it was. The critic is fitted by Adam on the GAE value targets.
/// <para>
/// Seams, as in <see cref="Ppo"/>: <c>networks</c> replaces the MLP actor-critic; <c>pieces</c> replaces the policy loss
/// (the negated surrogate, <see cref="PolicyLoss"/>, whose gradient and line search the trust region uses), the critic's
/// regression loss (<see cref="ValueFitting.SquaredError"/>) or the GAE over each environment's rollout.
/// </para>
/// </summary>
public static class Trpo
{
    /// <summary>
    /// Trains on <paramref name="environment"/>; <paramref name="networks"/> and <paramref name="pieces"/> default to the MLPs and TRPO's own losses,
    /// <paramref name="conjugateGradientStep"/> (one iteration of <see cref="ConjugateGradient"/>, e.g. a student's) to the library's.
    /// </summary>
    public static TrainingResult Train(IVectorEnvironment environment, TrpoConfig config, ActorCritic? networks = null, LossPieces? pieces = null,
        Func<ConjugateGradientState, Tensor, ConjugateGradientState>? conjugateGradientStep = null)
    {
        if (environment.Count != config.Environments)
        {
            throw new ArgumentException($"TrpoConfig.Environments is {config.Environments} but the environment has {environment.Count} copies.", nameof(environment));
        }
        manual_seed(config.Seed);
        var random = new Random(config.Seed);
        var clock = Stopwatch.StartNew();
        var (policy, value) = networks ?? ActorCritic.Mlp(environment, config.Hidden, config.InitialLogStd);
        var valueOptimizer = optim.Adam(value.parameters(), config.ValueLearningRate);
        var collector = new RolloutCollector(environment, config.Seed, config.NormalizeObservations);
        var log = RlLogs.Create().ReportTo(config.Progress, "episode_return", config.TotalSteps);
        var batchSize = config.Environments * config.StepsPerRollout;
        var updates = (int)(config.TotalSteps / batchSize);

        for (var update = 0; update < updates; update++)
        {
            using var buffer = collector.Collect(policy, value, config.StepsPerRollout, config.Gamma, config.RewardScale);
            buffer.ComputeAdvantages(config.Gamma, config.Lambda, pieces?.Advantages);
            using var scope = NewDisposeScope();
            var (observations, actions, oldLogProbs, rawAdvantages, targets) = buffer.Samples();   // T·N samples
            var advantages = Returns.NormalizeBatch(rawAdvantages);
            var step = Step(policy, observations, actions, oldLogProbs, advantages, config, pieces?.Policy, conjugateGradientStep);
            var valueLoss = ValueFitting.Fit(value, valueOptimizer, observations, targets, config.ValueEpochs, config.ValueMinibatchSize, random, pieces?.Value).Mean;

            var episodes = collector.TakeCompletedEpisodes();
            log.Add(("step", collector.TotalSteps), ("episode_return", Returns.Mean(episodes)), ("episodes", episodes.Count),
                ("policy_loss", -step.SurrogateAfter), ("value_loss", valueLoss), ("kl", step.Kl), ("entropy", step.Entropy),
                ("accepted", step.Accepted ? 1 : 0), ("backtracks", step.Backtracks), ("surrogate_gain", step.SurrogateAfter - step.SurrogateBefore),
                ("wall_seconds", clock.Elapsed.TotalSeconds));
        }
        config.Progress?.Report(new Workbook.Training.TrainingProgress(Math.Max(collector.TotalSteps, config.TotalSteps), config.TotalSteps, "episode_return", double.NaN));
        return new TrainingResult(policy, value, log, collector.Normalizer, collector.TotalSteps, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The outcome of one trust-region step. <see cref="Kl"/> is the KL of the accepted step (0 if rejected).</summary>
    public sealed record StepReport(bool Accepted, int Backtracks, double Kl, double SurrogateBefore, double SurrogateAfter, double Entropy);

    /// <summary>
    /// One TRPO policy update on a batch (advantages already normalised). The surrogate is −<paramref name="policyLoss"/>
    /// (default <see cref="PolicyLoss"/>); <paramref name="conjugateGradientStep"/> replaces the library's conjugate-gradient iteration.
    /// </summary>
    public static StepReport Step(Policy policy, Tensor observations, Tensor actions, Tensor oldLogProbs, Tensor advantages, TrpoConfig config,
        Func<PolicyBatch, Tensor>? policyLoss = null, Func<ConjugateGradientState, Tensor, ConjugateGradientState>? conjugateGradientStep = null)
    {
        policyLoss ??= PolicyLoss;
        using var scope = NewDisposeScope();
        var parameters = policy.parameters().ToArray();
        var oldDistribution = policy.call(observations).Detach();
        var oldParameters = policy.FlatParameters();

        // Surrogate L(θ) = E[exp(log π_θ − log π_old) Â] = −policy loss, and its gradient g at θ_old.
        Tensor Surrogate(ActionDistribution d) => -policyLoss(new PolicyBatch(d, actions, d.LogProb(actions), oldLogProbs, advantages, oldDistribution));
        var current = policy.call(observations);
        var surrogate = Surrogate(current);
        var entropy = current.Entropy().mean().item<float>();
        var g = ParameterVectors.Flatten(autograd.grad(new[] { surrogate }, parameters));
        var surrogateBefore = surrogate.item<float>();

        // Natural gradient direction x ≈ F⁻¹ g by conjugate gradient on Fisher-vector products.
        Tensor Fvp(Tensor v) => FisherVectorProduct(policy, observations, oldDistribution, v, config.Damping);
        var x = ConjugateGradient(Fvp, g, config.ConjugateGradientIterations, step: conjugateGradientStep);
        var xFx = (x * Fvp(x)).sum().ToDouble();
        if (!(xFx > 0))
        {
            return new StepReport(false, 0, 0, surrogateBefore, surrogateBefore, entropy);
        }
        var fullStep = x * Math.Sqrt(2 * config.MaxKl / xFx);

        // Backtracking line search: the first fraction whose KL ≤ δ and surrogate improves.
        var fraction = 1.0;
        for (var k = 0; k < config.LineSearchSteps; k++, fraction *= config.BacktrackRatio)
        {
            policy.SetFlatParameters(oldParameters + fraction * fullStep);
            using (no_grad())
            {
                var candidate = policy.call(observations);
                var kl = candidate.KlFrom(oldDistribution).mean().item<float>();
                var surrogateAfter = Surrogate(candidate).item<float>();
                if (kl <= config.MaxKl && surrogateAfter > surrogateBefore)
                {
                    return new StepReport(true, k, kl, surrogateBefore, surrogateAfter, entropy);
                }
            }
        }
        policy.SetFlatParameters(oldParameters);
        return new StepReport(false, config.LineSearchSteps, 0, surrogateBefore, surrogateBefore, entropy);
    }

    /// <summary>
    /// F v + damping · v, where F is the Hessian of the mean KL(π_old ‖ π_θ) at θ = θ_old (which equals the
    /// Fisher information matrix there): differentiate the KL once with a graph, dot with v, differentiate again.
    /// </summary>
    public static Tensor FisherVectorProduct(Policy policy, Tensor observations, ActionDistribution oldDistribution, Tensor v, double damping)
    {
        var parameters = policy.parameters().ToArray();
        var kl = policy.call(observations).KlFrom(oldDistribution).mean();
        var gradKl = ParameterVectors.Flatten(autograd.grad(new[] { kl }, parameters, retain_graph: true, create_graph: true));
        var gradKlDotV = (gradKl * v.detach()).sum();
        var hessianV = ParameterVectors.Flatten(autograd.grad(new[] { gradKlDotV }, parameters));
        return hessianV + damping * v;
    }

    /// <summary>
    /// Conjugate gradient: approximately solves A x = b for symmetric positive-definite A given only the
    /// product <paramref name="multiply"/>(v) = A v, in at most <paramref name="iterations"/> steps (fewer once r·r ≤ <paramref name="tolerance"/>).
    /// Each iteration is one <see cref="ConjugateGradientState"/> update from the product A p (see there for the formulas);
    /// <paramref name="step"/> replaces that update (a student's, notebook 20), the loop and the products staying the library's.
    /// </summary>
    public static Tensor ConjugateGradient(Func<Tensor, Tensor> multiply, Tensor b, int iterations, double tolerance = 1e-10,
        Func<ConjugateGradientState, Tensor, ConjugateGradientState>? step = null)
    {
        step ??= ConjugateGradientStep;
        var state = ConjugateGradientState.Start(b);
        for (var i = 0; i < iterations && state.Rr > tolerance; i++)
        {
            state = step(state, multiply(state.P));
        }
        return state.X;
    }

    /// <summary>One conjugate-gradient iteration (what notebook 20's exercise asks for, so it is not public).</summary>
    internal static ConjugateGradientState ConjugateGradientStep(ConjugateGradientState s, Tensor ap)
    {
        var alpha = s.Rr / (s.P * ap).sum().ToDouble();
        var x = s.X + alpha * s.P;
        var r = s.R - alpha * ap;
        var rrNew = (r * r).sum().ToDouble();
        var p = r + rrNew / s.Rr * s.P;
        return new ConjugateGradientState(x, r, p, rrNew);
    }

    /// <summary>TRPO's policy loss: the negated surrogate −E[r_t(θ) Â_t], r_t = π_θ(a|s) / π_old(a|s).</summary>
    public static Tensor PolicyLoss(PolicyBatch batch) => -(batch.Ratio * batch.Advantages).mean();
}

/// <summary>
/// The state of conjugate gradient for A x = b after k iterations: the iterate x_k, the residual r_k = b − A x_k, the search
/// direction p_k and r_kᵀr_k. One iteration, given A p_k: α = rᵀr / pᵀAp, x' = x + α p, r' = r − α A p, β = r'ᵀr' / rᵀr,
/// p' = r' + β p (Nocedal and Wright, Algorithm 5.2; TRPO uses it for the natural-gradient direction, Notes A, Q5). <see cref="Trpo.ConjugateGradient"/> runs that loop.
/// </summary>
/// <param name="X">the iterate x_k: [n].</param>
/// <param name="R">the residual r_k = b − A x_k: [n].</param>
/// <param name="P">the search direction p_k: [n].</param>
/// <param name="Rr">r_kᵀ r_k.</param>
public sealed record ConjugateGradientState(Tensor X, Tensor R, Tensor P, double Rr)
{
    /// <summary>The start from x_0 = 0: r_0 = p_0 = b.</summary>
    public static ConjugateGradientState Start(Tensor b)
    {
        var r = b.clone();
        return new ConjugateGradientState(zeros_like(b), r, b.clone(), (r * r).sum().ToDouble());
    }
}
