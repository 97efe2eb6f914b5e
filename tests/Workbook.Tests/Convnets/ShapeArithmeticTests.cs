using TorchSharp;
using Workbook.Convnets;
using static TorchSharp.torch;

namespace Workbook.Tests.Convnets;

/// <summary>The library's shape arithmetic and parameter counts equal what TorchSharp's layers do, and published counts.</summary>
// Depends on torch's thread count or global generator, which parallel test classes share: runs alone.
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class ShapeArithmeticTests
{
    [Fact]
    public void OutputSizeEqualsTorchsConvolutionAndPoolingLayers()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var checkedCount = 0;
        foreach (var n in new[] { 7, 16, 23 })
        foreach (var k in new[] { 1, 2, 3, 5 })
        foreach (var s in new[] { 1, 2, 3 })
        foreach (var p in new[] { 0, 1, 2 })
        foreach (var d in new[] { 1, 2 })
        {
            var spec = LayerSpec.Conv("c", 2, k, s, p, d);
            var input = new FeatureShape(1, n, n + 1);
            if (ShapeArithmetic.OutputSize(n, k, s, p, d) < 1)
            {
                Assert.Throws<ArgumentException>(() => spec.OutputShape(input));
                continue;
            }
            var expected = spec.OutputShape(input);
            var conv = spec.Build(input).call(zeros(1, 1, n, n + 1));                // [1, 2, H', W']
            Assert.Equal(new[] { 1L, expected.Channels, expected.Height, expected.Width }, conv.shape);
            checkedCount++;
            if (d == 1 && 2 * p <= k)                                                // torch's pooling needs padding <= kernel/2
            {
                foreach (var pool in new[] { LayerSpec.MaxPool("m", k, s, p), LayerSpec.AvgPool("a", k, s, p) })
                {
                    var pooled = pool.OutputShape(input);
                    var output = pool.Build(input).call(zeros(1, 1, n, n + 1));
                    Assert.Equal(new[] { 1L, 1L, pooled.Height, pooled.Width }, output.shape);
                    checkedCount++;
                }
            }
        }
        Assert.True(checkedCount > 300, $"only {checkedCount} layer configurations checked");
    }

    [Fact]
    public void TheFormulaGivesTheTextbookCases()
    {
        Assert.Equal(16, ShapeArithmetic.OutputSize(16, 3, 1, 1));        // "same" padding
        Assert.Equal(14, ShapeArithmetic.OutputSize(16, 3));              // no padding: loses k - 1
        Assert.Equal(55, ShapeArithmetic.OutputSize(227, 11, 4));         // AlexNet's first layer on 227 × 227
        Assert.Equal(54, ShapeArithmetic.OutputSize(224, 11, 4));         // ... and on 224 × 224, as the notes have it
        Assert.Equal(12, ShapeArithmetic.OutputSize(16, 3, dilation: 2)); // a dilated 3×3 spans 5 pixels
        Assert.Equal(5, ShapeArithmetic.OutputSize(10, 2, 2));            // 2×2 pooling halves (Notes §5.1.2.2)
    }

    [Fact]
    public void SmallCnnTableMatchesTheModule()
    {
        using var scope = NewDisposeScope();
        var config = new SmallCnnConfig(ImageSize: 16, Classes: 4);
        var model = new SmallCnn(config);
        Assert.Equal(ShapeArithmetic.ParameterCount(config.Input, config.Layers()), ShapeArithmetic.CountParameters(model));
        Assert.Equal(FeatureShape.Vector(4), ShapeArithmetic.Through(config.Input, config.Layers()));
        Assert.Equal(new long[] { 5, 4 }, model.call(zeros(5, 1, 16, 16)).shape);
        var frame = ShapeArithmetic.ToDataFrame(ShapeArithmetic.Table(config.Input, config.Layers()));
        Assert.Equal(7, frame.Rows.Count);
    }

    [Theory]
    [InlineData("LeNet-5")]
    [InlineData("AlexNet (torchvision)")]
    [InlineData("VGG-16")]
    [InlineData("ResNet-18")]
    [InlineData("ResNet-34")]
    [InlineData("ResNet-50")]
    [InlineData("ResNet-152")]
    public void ComputedParameterCountsEqualThePublishedOnes(string name)
    {
        var architecture = Architectures.All().Single(a => a.Name == name);
        Assert.NotNull(architecture.PublishedParameters);
        Assert.Equal(architecture.PublishedParameters!.Value, architecture.ParameterCount);
        Assert.Equal(FeatureShape.Vector(name == "LeNet-5" ? 10 : 1000), architecture.Output);
    }

    [Theory]
    [InlineData("LeNet-5")]
    [InlineData("ResNet-18")]
    public void BuiltModulesHaveTheComputedParametersAndOutputShape(string name)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var architecture = Architectures.All().Single(a => a.Name == name);
        var model = architecture.Build();
        Assert.Equal(architecture.ParameterCount, ShapeArithmetic.CountParameters(model));
        model.eval();
        var output = model.call(zeros(new[] { 1L }.Concat(architecture.Input.TensorShape).ToArray()));
        Assert.Equal(new[] { 1L }.Concat(architecture.Output.TensorShape), output.shape);
    }

    [Fact]
    public void TheNotesAlexNetEndsItsConvolutionsAt6By6By256()
    {
        var alexNet = Architectures.AlexNetAsInTheNotes();
        var rows = alexNet.Table();
        Assert.Equal(new FeatureShape(96, 55, 55), rows.Single(r => r.Layer == "CONV1").Output);
        Assert.Equal(new FeatureShape(256, 6, 6), rows.Single(r => r.Layer == "POOL3").Output);
        Assert.Equal(4096L * 9216 + 4096, rows.Single(r => r.Layer == "FC6").Parameters);
    }

    [Fact]
    public void AResidualBlockWhoseShortcutDoesNotMatchIsRejected()
    {
        var block = LayerSpec.Residual("bad", new[] { LayerSpec.Conv("c", 8, 3, stride: 2, padding: 1) });
        Assert.Throws<ArgumentException>(() => block.OutputShape(new FeatureShape(8, 16, 16)));
    }
}
