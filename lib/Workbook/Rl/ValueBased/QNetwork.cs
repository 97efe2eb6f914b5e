using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Rl.ValueBased;

/// <summary>
/// Q_θ(s, ·): observations [B, obs] → one value per action [B, A], an MLP with ReLU hidden layers and TorchSharp's
/// default (Kaiming-uniform) initialisation, as CleanRL's DQN. One forward pass values every action, so the greedy
/// action and the max in the TD target cost one call (Mnih et al. 2015's architecture choice).
/// </summary>
public sealed class QNetwork : nn.Module<Tensor, Tensor>
{
    private readonly Sequential net;

    public QNetwork(int observationDimension, int actionCount, IReadOnlyList<int>? hidden = null) : base(nameof(QNetwork))
    {
        ObservationDimension = observationDimension;
        ActionCount = actionCount;
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        var width = observationDimension;
        foreach (var (size, i) in (hidden ?? new[] { 64, 64 }).Select((h, i) => (h, i)))
        {
            layers.Add(($"linear{i}", nn.Linear(width, size)));
            layers.Add(($"relu{i}", nn.ReLU()));
            width = size;
        }
        layers.Add(("output", nn.Linear(width, actionCount)));
        net = nn.Sequential(layers);
        RegisterComponents();
    }

    public int ObservationDimension { get; }
    public int ActionCount { get; }

    public override Tensor forward(Tensor observations) => net.call(observations);   // [B, A]
}

/// <summary>
/// A Q-network seen as a <see cref="Policy"/>, so that <see cref="Evaluation.EpisodeReturns"/> plays it: the distribution is a
/// softmax over Q(s, ·), whose mode is the greedy action argmax_a Q(s, a) (evaluate with <c>greedy: true</c>); a
/// sample from it is a Boltzmann action at temperature 1.
/// </summary>
public sealed class GreedyQPolicy : Policy
{
    private readonly QNetwork q;

    public GreedyQPolicy(QNetwork q) : base(nameof(GreedyQPolicy))
    {
        this.q = q;
        RegisterComponents();
    }

    public override bool IsDiscrete => true;

    public override ActionDistribution forward(Tensor observations) => new CategoricalDistribution(q.call(observations));
}
