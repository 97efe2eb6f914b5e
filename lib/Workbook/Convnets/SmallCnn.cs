using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Convnets;

/// <summary>Sizes of a <see cref="SmallCnn"/>.</summary>
/// <param name="ImageSize">height and width of the (square) input images; must be divisible by 4.</param>
/// <param name="InChannels">input channels (1 for grey images).</param>
/// <param name="Classes">number of classes.</param>
/// <param name="Channels1">channels of the first convolution.</param>
/// <param name="Channels2">channels of the second convolution.</param>
public sealed record SmallCnnConfig(int ImageSize = 16, int InChannels = 1, int Classes = 4, int Channels1 = 8, int Channels2 = 16)
{
    /// <summary>The network as layer specs (for its shape table).</summary>
    public IReadOnlyList<LayerSpec> Layers() => new[]
    {
        LayerSpec.Conv("conv1", Channels1, 3, padding: 1), LayerSpec.Relu("relu1"), LayerSpec.MaxPool("pool1", 2),
        LayerSpec.Conv("conv2", Channels2, 3, padding: 1), LayerSpec.Relu("relu2"), LayerSpec.MaxPool("pool2", 2),
        LayerSpec.Linear("head", Classes),
    };

    /// <summary>The input shape of one image.</summary>
    public FeatureShape Input => new(InChannels, ImageSize, ImageSize);
}

/// <summary>
/// A small convolutional classifier in the standard pattern of Notes §5.1.2.3: twice (3×3 convolution with "same"
/// padding, ReLU, 2×2 max pooling), which halves the image twice, then one fully connected layer to the class logits.
/// </summary>
public sealed class SmallCnn : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear head;

    /// <summary>A CNN as <paramref name="config"/> describes, with torch's default initialisation.</summary>
    public SmallCnn(SmallCnnConfig config) : base(nameof(SmallCnn))
    {
        if (config.ImageSize % 4 != 0 || config.ImageSize < 4)
        {
            throw new ArgumentException($"the image size must be a positive multiple of 4 (two 2×2 poolings), got {config.ImageSize}");
        }
        conv1 = nn.Conv2d(config.InChannels, config.Channels1, 3, padding: 1);
        conv2 = nn.Conv2d(config.Channels1, config.Channels2, 3, padding: 1);
        var side = config.ImageSize / 4;
        head = nn.Linear(config.Channels2 * side * side, config.Classes);
        RegisterComponents();
    }

    /// <summary>The first convolution (its filters are what the notebook draws).</summary>
    public Conv2d FirstConvolution => conv1;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        var h = nn.functional.max_pool2d(nn.functional.relu(conv1.call(x)), 2);    // [batch, C1, S/2, S/2]
        h = nn.functional.max_pool2d(nn.functional.relu(conv2.call(h)), 2);        // [batch, C2, S/4, S/4]
        return head.call(h.flatten(1));                                              // [batch, classes]
    }
}
