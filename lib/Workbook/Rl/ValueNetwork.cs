using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Rl;

/// <summary>State-value network V_φ(s): observations [B, obs] → [B].</summary>
public sealed class ValueNetwork : nn.Module<Tensor, Tensor>
{
    private readonly Sequential net;

    public ValueNetwork(int observationDimension, IReadOnlyList<int>? hidden = null) : base(nameof(ValueNetwork))
    {
        net = TanhMlp.Create(observationDimension, hidden ?? new[] { 64, 64 }, 1, outputGain: 1.0);
        RegisterComponents();
    }

    public override Tensor forward(Tensor observations) => net.call(observations).squeeze(-1);   // [B]
}
