using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Rl;

/// <summary>Small multi-layer perceptrons with tanh hidden units and orthogonal initialisation (CleanRL's choice).</summary>
public static class TanhMlp
{
    /// <summary>
    /// input → hidden[0] → ... → output, tanh between layers and no activation after the last one.
    /// Hidden weights are orthogonal with gain √2; the output layer's gain is <paramref name="outputGain"/>
    /// (0.01 for a policy head, so the first policy is nearly uniform; 1 for a value head). Biases start at 0.
    /// </summary>
    public static Sequential Create(int input, IReadOnlyList<int> hidden, int output, double outputGain = 1.0)
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        var width = input;
        for (var i = 0; i < hidden.Count; i++)
        {
            layers.Add(($"linear{i}", Initialised(nn.Linear(width, hidden[i]), Math.Sqrt(2))));
            layers.Add(($"tanh{i}", nn.Tanh()));
            width = hidden[i];
        }
        layers.Add(("output", Initialised(nn.Linear(width, output), outputGain)));
        return nn.Sequential(layers);
    }

    private static Linear Initialised(Linear layer, double gain)
    {
        using (no_grad())
        {
            nn.init.orthogonal_(layer.weight!, gain);
            nn.init.zeros_(layer.bias!);
        }
        return layer;
    }
}
