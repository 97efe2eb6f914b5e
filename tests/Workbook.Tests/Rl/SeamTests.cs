using Workbook.Training;
using TorchSharp;
using TorchSharp.Modules;
using Workbook.Rl;
using Workbook.Rl.Algorithms;
using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Tests.Rl;

/// <summary>
/// The algorithms' seams work: a network and a loss piece plugged in from outside (as a notebook cell or a student
/// would) are the ones the real training loop uses, and the run still learns.
/// </summary>
// torch.set_num_threads is process-wide and libtorch rejects changing it while other tests run parallel work.
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class SeamTests
{
    public SeamTests() => torch.set_num_threads(1);

    /// <summary>A student's network: one ReLU hidden layer of 32 units, logits out; it counts its forward passes.</summary>
    private sealed class StudentPolicy : Policy
    {
        private readonly Sequential net;

        public StudentPolicy(int observations, int actions) : base(nameof(StudentPolicy))
        {
            net = nn.Sequential(nn.Linear(observations, 32), nn.ReLU(), nn.Linear(32, actions));
            RegisterComponents();
        }

        public int Calls { get; private set; }

        public override bool IsDiscrete => true;

        public override ActionDistribution forward(Tensor observations)
        {
            Calls++;
            return new CategoricalDistribution(net.call(observations));
        }
    }

    private static (StudentPolicy Policy, ActorCritic Networks) StudentNetworks(IVectorEnvironment environment)
    {
        var policy = new StudentPolicy(environment.ObservationSpace.Dimension, ((DiscreteSpace)environment.ActionSpace).Count);
        var value = nn.Sequential(nn.Linear(environment.ObservationSpace.Dimension, 32), nn.ReLU(), nn.Linear(32, 1), nn.Flatten(0));
        return (policy, new ActorCritic(policy, value));
    }

    /// <summary>A student's clipped surrogate per sample, as RlExercises.CheckPpoClipObjective takes it.</summary>
    private static Tensor StudentClippedSurrogate(Tensor ratio, Tensor advantages, double epsilon) =>
        minimum(ratio * advantages, ratio.clamp(1 - epsilon, 1 + epsilon) * advantages);

    /// <summary>
    /// A student's GAE over one environment's rollout, as RlExercises.CheckGae takes it: Â_t = δ_t + γλ (1 − d_t) Â_{t+1},
    /// δ_t = r_t + γ (1 − d_t) V_{t+1} − V_t, V_T = lastValue.
    /// </summary>
    private static double[] StudentGae(double[] rewards, double[] values, bool[] dones, double lastValue, double gamma, double lambda)
    {
        var advantages = new double[rewards.Length];
        var next = 0.0;
        for (var t = rewards.Length - 1; t >= 0; t--)
        {
            var nextValue = dones[t] ? 0.0 : t == rewards.Length - 1 ? lastValue : values[t + 1];
            next = rewards[t] + gamma * nextValue - values[t] + (dones[t] ? 0.0 : gamma * lambda * next);
            advantages[t] = next;
        }
        return advantages;
    }

    /// <summary>The other answer notebook 19 allows: the library's segment GAE on each episode piece (bootstrap 0 after an end, lastValue at the cut).</summary>
    private static readonly AdvantageEstimator PerEpisodeGae = GaeReference.PerEpisode(Returns.Gae);

    [Fact]
    public void PpoTrainsAPluggedInNetworkWithAStudentsClippedSurrogate()
    {
        manual_seed(3);
        var config = new PpoConfig(TotalSteps: 20_480, Seed: 3);
        var environment = VectorEnvironments.CartPole(config.Environments, 3);
        var (policy, networks) = StudentNetworks(environment);
        var surrogateCalls = 0;
        var pieces = new LossPieces(Policy: batch =>
        {
            surrogateCalls++;
            return -StudentClippedSurrogate(batch.Ratio, batch.Advantages, config.ClipEpsilon).mean();
        });

        var result = Ppo.Train(environment, config, networks, pieces);

        var updates = (int)(config.TotalSteps / (config.Environments * config.StepsPerRollout));
        var minibatchesPerUpdate = config.Epochs * (config.Environments * config.StepsPerRollout / config.MinibatchSize);
        Assert.Equal(updates * minibatchesPerUpdate, surrogateCalls);
        Assert.Same(policy, result.Policy);
        Assert.True(policy.Calls > surrogateCalls, $"the plugged-in policy ran {policy.Calls} forward passes");
        var (_, smoothed) = result.Log.SmoothedReturns(10);
        var greedy = Evaluation.EpisodeReturns(n => VectorEnvironments.CartPole(n, seed: 50_003), result.Policy, episodes: 20, greedy: true).Average();
        Assert.True(smoothed.Last() > 3 * smoothed.First() && greedy > 150,
            $"smoothed training return {smoothed.First():F1} -> {smoothed.Last():F1}, greedy evaluation {greedy:F1}");
    }

    [Fact]
    public void ThePluggedInPolicyLossIsTheOneThatTrains()
    {
        // Same run twice, except that the second policy loss is zero: if the piece were ignored both logs would agree.
        var config = new PpoConfig(TotalSteps: 2_048, Seed: 4);
        TrainingLog Run(Func<PolicyBatch, Tensor>? policyLoss) =>
            Ppo.Train(VectorEnvironments.CartPole(config.Environments, 4), config, pieces: new LossPieces(Policy: policyLoss)).Log;
        var library = Run(null);
        var student = Run(b => -StudentClippedSurrogate(b.Ratio, b.Advantages, config.ClipEpsilon).mean());
        var nothing = Run(b => (b.LogProbs * 0).mean());
        Assert.Equal(library.Column("kl"), student.Column("kl"));        // the student's surrogate is the library's
        Assert.NotEqual(library.Column("kl"), nothing.Column("kl"));     // and the piece is what moves the policy
        Assert.All(nothing.Column("policy_loss"), l => Assert.Equal(0, l));
    }

    [Fact]
    public void A2cTrainsAPluggedInNetworkWithAStudentsGae()
    {
        manual_seed(5);
        var config = new A2cConfig(TotalSteps: 61_440, Seed: 5);
        var environment = VectorEnvironments.CartPole(config.Environments, 5);
        var (policy, networks) = StudentNetworks(environment);
        var calls = 0;
        var steps = 0;
        var episodeEnds = 0;
        var pieces = new LossPieces(Advantages: (rewards, values, dones, lastValue, gamma, lambda) =>
        {
            calls++;
            steps += rewards.Length;
            episodeEnds += dones.Count(d => d);
            return StudentGae(rewards, values, dones, lastValue, gamma, lambda);
        });

        var result = A2c.Train(environment, config, networks, pieces);

        Assert.Equal(config.TotalSteps, steps);                              // every collected step went through the student's GAE
        Assert.Equal(config.TotalSteps / (config.Environments * config.StepsPerRollout) * config.Environments, calls);   // once per environment and rollout
        Assert.True(episodeEnds > 0, "the rollouts it was given contain episode ends");
        Assert.Same(policy, result.Policy);
        var (_, smoothed) = result.Log.SmoothedReturns(10);
        Assert.True(smoothed.Last() > 3 * smoothed.First() && smoothed.Last() > 50, $"smoothed training return {smoothed.First():F1} -> {smoothed.Last():F1}");
    }

    [Fact]
    public void ACorrectRolloutGaeAndThePlugsFallbackReproduceTheBuiltInVectorisedGaeExactly()
    {
        var config = new A2cConfig(TotalSteps: 8_192, Seed: 6);
        TrainingLog Run(LossPieces? pieces) => A2c.Train(VectorEnvironments.CartPole(config.Environments, 6), config, pieces: pieces).Log;
        var builtIn = Run(null);
        var student = Run(new LossPieces(Advantages: StudentGae));
        var perEpisode = Run(new LossPieces(Advantages: PerEpisodeGae));
        var plug = RlExercises.PlugGae((r, v, d, last, g, l) => throw new NotImplementedException("the student edition's stub"));
        var library = Run(new LossPieces(Advantages: plug.Function));   // the stub: the plug's fallback, the library's GAE over the rollout
        Assert.False(plug.RanYours);
        Assert.True(plug.ReferenceCalls > 0);
        foreach (var column in new[] { "policy_loss", "value_loss", "kl", "episode_return" })
        {
            Assert.Equal(builtIn.Column(column), library.Column(column));
            Assert.Equal(builtIn.Column(column), student.Column(column));
            Assert.Equal(builtIn.Column(column), perEpisode.Column(column));
        }
    }
}
