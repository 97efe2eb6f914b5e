using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Convnets;

/// <summary>Sizes of a <see cref="VisionCnn"/>.</summary>
/// <param name="InChannels">input channels (1 for grey images).</param>
/// <param name="Classes">number of classes.</param>
/// <param name="Channels1">channels of the first 3×3 convolution.</param>
/// <param name="Channels2">channels of the second.</param>
/// <param name="Channels3">channels of the third, which the global average pool reads.</param>
public sealed record VisionCnnConfig(int InChannels = 1, int Classes = 4, int Channels1 = 8, int Channels2 = 16, int Channels3 = 32);

/// <summary>
/// A fully convolutional classifier whose layers can be walked one by one: (3×3 convolution, ReLU, 2×2 max pool) twice,
/// a third 3×3 convolution and ReLU, a global average pool and one linear layer to the logits. Without a fully
/// connected layer on the feature map it takes images of any size (at least 4 pixels a side), which the input
/// optimisation of notebook 04b uses; walking the layers is what guided backpropagation needs (<see cref="Saliency"/>).
/// </summary>
public sealed class VisionCnn : nn.Module<Tensor, Tensor>
{
    private readonly Sequential layers;

    /// <summary>A network as <paramref name="config"/> describes, with torch's default initialisation.</summary>
    public VisionCnn(VisionCnnConfig config) : base(nameof(VisionCnn))
    {
        layers = nn.Sequential(
            ("conv1", nn.Conv2d(config.InChannels, config.Channels1, 3, padding: 1)), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(config.Channels1, config.Channels2, 3, padding: 1)), ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2)),
            ("conv3", nn.Conv2d(config.Channels2, config.Channels3, 3, padding: 1)), ("relu3", nn.ReLU()),
            ("gap", nn.AdaptiveAvgPool2d(1)), ("flatten", nn.Flatten()),
            ("head", nn.Linear(config.Channels3, config.Classes)));
        RegisterComponents();
    }

    /// <summary>The layers in order, with their names (conv1, relu1, pool1, ..., relu3, gap, flatten, head).</summary>
    public IReadOnlyList<(string Name, nn.Module<Tensor, Tensor> Layer)> Layers =>
        layers.named_children().Select(c => (c.name, (nn.Module<Tensor, Tensor>)c.module)).ToList();

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => layers.call(x);                     // [batch, classes]

    /// <summary>The outputs of the named layers (e.g. "relu1", "relu2") for input <paramref name="x"/>; the walk stops at the last one asked for.</summary>
    public Dictionary<string, Tensor> Activations(Tensor x, params string[] names)
    {
        var wanted = new HashSet<string>(names);
        var found = new Dictionary<string, Tensor>();
        var h = x;
        foreach (var (name, layer) in Layers)
        {
            h = layer.call(h);
            if (wanted.Contains(name))
            {
                found[name] = h;
                if (found.Count == wanted.Count)
                {
                    return found;
                }
            }
        }
        throw new ArgumentException($"no layer named {string.Join(", ", wanted.Except(found.Keys))}");
    }
}
