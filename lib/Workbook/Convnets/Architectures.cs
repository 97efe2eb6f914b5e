using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Convnets;

/// <summary>A network described layer by layer, with the parameter count published for it where there is one.</summary>
/// <param name="Name">the network's name.</param>
/// <param name="Input">the input shape of one example.</param>
/// <param name="Layers">the layers in order.</param>
/// <param name="PublishedParameters">the count published for this exact variant (null when none is cited).</param>
/// <param name="Source">where <paramref name="PublishedParameters"/> comes from, or what the variant is.</param>
public sealed record Architecture(string Name, FeatureShape Input, IReadOnlyList<LayerSpec> Layers, long? PublishedParameters, string Source)
{
    /// <summary>The parameter count computed from the layer specs.</summary>
    public long ParameterCount => ShapeArithmetic.ParameterCount(Input, Layers);

    /// <summary>The shape of the output.</summary>
    public FeatureShape Output => ShapeArithmetic.Through(Input, Layers);

    /// <summary>The shape table, one row per layer (residual blocks are one row each).</summary>
    public IReadOnlyList<ShapeRow> Table() => ShapeArithmetic.Table(Input, Layers);

    /// <summary>The network as a TorchSharp module (large ones take a while and hundreds of MB).</summary>
    public nn.Module<Tensor, Tensor> Build() => ShapeArithmetic.Build(Input, Layers);
}

/// <summary>
/// The classic architectures of Notes §5.1.3 as layer specs: LeNet-5, AlexNet (as the notes describe it and as torchvision
/// ships it), VGG-16 and ResNets. Published counts are torchvision's (<c>sum(p.numel() for p in model.parameters())</c>
/// for its ImageNet models with 1000 classes) and, for LeNet-5, the usual modern variant (full connection from S2 to C3).
/// </summary>
public static class Architectures
{
    /// <summary>Every architecture of this class, small to large.</summary>
    public static IReadOnlyList<Architecture> All() => new[]
    {
        LeNet5(), AlexNetAsInTheNotes(), AlexNet(), Vgg16(), ResNet(18), ResNet(34), ResNet(50), ResNet(152),
    };

    /// <summary>
    /// LeNet-5 on 32×32 grey images (Notes §5.1.3.1): conv 5×5 to 6, pool, conv 5×5 to 16, pool, then fully connected
    /// 120, 84, 10. (The original had sparse S2-C3 connections and trainable pooling; this is the common modern form.)
    /// </summary>
    public static Architecture LeNet5() => new("LeNet-5", new FeatureShape(1, 32, 32), new[]
    {
        LayerSpec.Conv("C1", 6, 5), LayerSpec.Relu("relu1"), LayerSpec.MaxPool("S2", 2),
        LayerSpec.Conv("C3", 16, 5), LayerSpec.Relu("relu3"), LayerSpec.MaxPool("S4", 2),
        LayerSpec.Linear("F5", 120), LayerSpec.Relu("relu5"), LayerSpec.Linear("F6", 84), LayerSpec.Relu("relu6"), LayerSpec.Linear("F7", 10),
    }, 61_706, "LeNet-5, modern variant (full S2-C3 connection, max pooling)");

    /// <summary>
    /// AlexNet with the channel sizes the notes list (96, 256, 384, 384, 256; Notes §5.1.3.2) on one device, without the
    /// two-GPU grouping and the parameter-free local response normalisation. The input is 227×227: with 224 and no
    /// padding, an 11×11 window at stride 4 gives 54 positions, not the 55 the notes print.
    /// </summary>
    public static Architecture AlexNetAsInTheNotes() => new("AlexNet (notes' channels)", new FeatureShape(3, 227, 227), new[]
    {
        LayerSpec.Conv("CONV1", 96, 11, stride: 4), LayerSpec.Relu("relu1"), LayerSpec.MaxPool("POOL1", 3, 2),
        LayerSpec.Conv("CONV2", 256, 5, padding: 2), LayerSpec.Relu("relu2"), LayerSpec.MaxPool("POOL2", 3, 2),
        LayerSpec.Conv("CONV3", 384, 3, padding: 1), LayerSpec.Relu("relu3"),
        LayerSpec.Conv("CONV4", 384, 3, padding: 1), LayerSpec.Relu("relu4"),
        LayerSpec.Conv("CONV5", 256, 3, padding: 1), LayerSpec.Relu("relu5"), LayerSpec.MaxPool("POOL3", 3, 2),
        LayerSpec.Linear("FC6", 4096), LayerSpec.Relu("relu6"), LayerSpec.Linear("FC7", 4096), LayerSpec.Relu("relu7"), LayerSpec.Linear("FC8", 1000),
    }, null, "the notes' channel sizes on one device, without grouping or LRN (no published count checked)");

    /// <summary>torchvision's AlexNet (one-GPU variant of the 2014 "one weird trick" paper: 64, 192, 384, 256, 256 channels).</summary>
    public static Architecture AlexNet() => new("AlexNet (torchvision)", new FeatureShape(3, 224, 224), new[]
    {
        LayerSpec.Conv("conv1", 64, 11, stride: 4, padding: 2), LayerSpec.Relu("relu1"), LayerSpec.MaxPool("pool1", 3, 2),
        LayerSpec.Conv("conv2", 192, 5, padding: 2), LayerSpec.Relu("relu2"), LayerSpec.MaxPool("pool2", 3, 2),
        LayerSpec.Conv("conv3", 384, 3, padding: 1), LayerSpec.Relu("relu3"),
        LayerSpec.Conv("conv4", 256, 3, padding: 1), LayerSpec.Relu("relu4"),
        LayerSpec.Conv("conv5", 256, 3, padding: 1), LayerSpec.Relu("relu5"), LayerSpec.MaxPool("pool5", 3, 2),
        LayerSpec.Linear("fc6", 4096), LayerSpec.Relu("relu6"), LayerSpec.Linear("fc7", 4096), LayerSpec.Relu("relu7"), LayerSpec.Linear("fc8", 1000),
    }, 61_100_840, "torchvision.models.alexnet");

    /// <summary>VGG-16 (Notes §5.1.3.3): thirteen 3×3 convolutions in five stages, each ending in a 2×2 pool, then three fully connected layers.</summary>
    public static Architecture Vgg16()
    {
        var layers = new List<LayerSpec>();
        var stage = 1;
        foreach (var (channels, convs) in new[] { (64, 2), (128, 2), (256, 3), (512, 3), (512, 3) })
        {
            for (var c = 1; c <= convs; c++)
            {
                layers.Add(LayerSpec.Conv($"conv{stage}_{c}", channels, 3, padding: 1));
                layers.Add(LayerSpec.Relu($"relu{stage}_{c}"));
            }
            layers.Add(LayerSpec.MaxPool($"pool{stage}", 2));
            stage++;
        }
        layers.AddRange(new[] { LayerSpec.Linear("fc6", 4096), LayerSpec.Relu("relu6"), LayerSpec.Linear("fc7", 4096), LayerSpec.Relu("relu7"), LayerSpec.Linear("fc8", 1000) });
        return new Architecture("VGG-16", new FeatureShape(3, 224, 224), layers, 138_357_544, "torchvision.models.vgg16");
    }

    /// <summary>
    /// A ResNet of the given depth (18, 34: basic blocks of two 3×3 convolutions; 50, 101, 152: bottleneck blocks 1×1, 3×3,
    /// 1×1 with 4× expansion) as in torchvision: 7×7 stem at stride 2, 3×3 max pool, four stages, global average pool,
    /// one fully connected layer (Notes §5.1.3.4). Convolutions have no bias (batch norm follows each); a shortcut is a
    /// 1×1 convolution with batch norm where the shape changes, the identity elsewhere.
    /// </summary>
    public static Architecture ResNet(int depth)
    {
        var (bottleneck, blocks, published) = depth switch
        {
            18 => (false, new[] { 2, 2, 2, 2 }, 11_689_512L),
            34 => (false, new[] { 3, 4, 6, 3 }, 21_797_672L),
            50 => (true, new[] { 3, 4, 6, 3 }, 25_557_032L),
            101 => (true, new[] { 3, 4, 23, 3 }, 44_549_160L),
            152 => (true, new[] { 3, 8, 36, 3 }, 60_192_808L),
            _ => throw new ArgumentException($"ResNet depths are 18, 34, 50, 101 and 152, got {depth}", nameof(depth)),
        };
        var layers = new List<LayerSpec>
        {
            LayerSpec.Conv("conv1", 64, 7, stride: 2, padding: 3, bias: false), LayerSpec.BatchNorm("bn1"), LayerSpec.Relu("relu"),
            LayerSpec.MaxPool("maxpool", 3, 2, padding: 1),
        };
        var channels = 64;                                                           // channels coming in
        for (var stage = 0; stage < 4; stage++)
        {
            var width = 64 << stage;
            var output = bottleneck ? 4 * width : width;
            for (var b = 0; b < blocks[stage]; b++)
            {
                var stride = b == 0 && stage > 0 ? 2 : 1;
                var main = bottleneck
                    ? new[]
                    {
                        LayerSpec.Conv("1×1", width, 1, bias: false), LayerSpec.BatchNorm("bn"), LayerSpec.Relu("relu"),
                        LayerSpec.Conv("3×3", width, 3, stride, 1, bias: false), LayerSpec.BatchNorm("bn"), LayerSpec.Relu("relu"),
                        LayerSpec.Conv("1×1", output, 1, bias: false), LayerSpec.BatchNorm("bn"),
                    }
                    : new[]
                    {
                        LayerSpec.Conv("3×3", width, 3, stride, 1, bias: false), LayerSpec.BatchNorm("bn"), LayerSpec.Relu("relu"),
                        LayerSpec.Conv("3×3", width, 3, 1, 1, bias: false), LayerSpec.BatchNorm("bn"),
                    };
                var shortcut = stride != 1 || channels != output
                    ? new[] { LayerSpec.Conv("1×1", output, 1, stride, bias: false), LayerSpec.BatchNorm("bn") }
                    : Array.Empty<LayerSpec>();
                layers.Add(LayerSpec.Residual($"layer{stage + 1}.{b}", main, shortcut));
                layers.Add(LayerSpec.Relu($"layer{stage + 1}.{b}.relu"));
                channels = output;
            }
        }
        layers.Add(LayerSpec.GlobalAvgPool("avgpool"));
        layers.Add(LayerSpec.Linear("fc", 1000));
        return new Architecture($"ResNet-{depth}", new FeatureShape(3, 224, 224), layers, published, $"torchvision.models.resnet{depth}");
    }
}
