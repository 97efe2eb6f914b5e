using TorchSharp;
using Workbook.Convnets;
using Workbook.Data.Images;
using static TorchSharp.torch;

namespace Workbook.Tests.Convnets;

/// <summary>Scenes with masks and boxes, segmentation scores, saliency and guided backprop, and input optimisation.</summary>
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class SeeingTests
{
    [Fact]
    public void ScenesAddMasksBoxesAndPixelClassesToTheSameImages()
    {
        using var scope = NewDisposeScope();
        var scene = ShapeScenes.Generate(200, size: 16, noise: 0.3, seed: 3);
        var plain = ShapeImages.Generate(200, size: 16, noise: 0.3, seed: 3);
        Assert.True(scene.Images.eq(plain.Images).all().item<bool>());
        Assert.True(scene.Labels.eq(plain.Labels).all().item<bool>());
        var clean = ShapeImages.Generate(200, size: 16, noise: 0.0, seed: 3);
        var residual = scene.Images - clean.Images;                                // the noise alone
        Assert.InRange(residual.std().item<float>(), 0.28, 0.32);
        Assert.True(clean.Images.gt(0).to_type(ScalarType.Float32).eq(scene.Masks).all().item<bool>());
        // A square's box covers exactly its mask; every mask lies inside its box.
        var areas = Boxes.Area(scene.Boxes);
        var pixels = scene.Masks.sum(new long[] { 1, 2, 3 });
        Assert.True(areas[scene.Labels.eq(0)].eq(pixels[scene.Labels.eq(0)]).all().item<bool>());
        Assert.True(areas.ge(pixels).all().item<bool>());
        // Pixel classes: 0 off the shape, label + 1 on it.
        var onShape = scene.PixelClasses.gt(0);
        Assert.True(onShape.eq(scene.Masks.squeeze(1).gt(0.5)).all().item<bool>());
        Assert.True((scene.PixelClasses.amax(new long[] { 1, 2 }) - 1).eq(scene.Labels).all().item<bool>());
    }

    [Fact]
    public void BoxesOfAHandMadeMask()
    {
        using var scope = NewDisposeScope();
        var masks = zeros(2, 1, 6, 7);
        masks[0, 0, 1, 2] = 1;
        masks[0, 0, 3, 5] = 1;                                                     // rows 1..3, columns 2..5
        var boxes = ShapeScenes.BoxesOf(masks).data<float>().ToArray();
        Assert.Equal(new float[] { 2, 1, 6, 4, 0, 0, 0, 0 }, boxes);              // the empty mask gives (0, 0, 0, 0)
    }

    [Fact]
    public void SegmentationScoresOfAHandExample()
    {
        using var scope = NewDisposeScope();
        var truth = tensor(new long[] { 0, 0, 0, 1, 1, 2 }).view(1, 2, 3);
        var predicted = tensor(new long[] { 0, 0, 1, 1, 2, 2 }).view(1, 2, 3);
        var scores = SegmentationTrainer.Score(predicted, truth, 3);
        Assert.Equal(4.0 / 6, scores.PixelAccuracy, 12);
        // class 0: tp 2, union 3; class 1: tp 1, union 3; class 2: tp 1, union 2.
        var classIou = scores.ClassIou;
        Assert.Equal(2.0 / 3, classIou[0], 12);
        Assert.Equal(1.0 / 3, classIou[1], 12);
        Assert.Equal(1.0 / 2, classIou[2], 12);
        Assert.Equal((2.0 / 3 + 1.0 / 3 + 0.5) / 3, scores.MeanIou, 12);
        Assert.True(double.IsNaN(SegmentationTrainer.Score(predicted, truth, 4).ClassIou[3]));   // a class never present nor predicted
    }

    [Fact]
    public void TinyUNetKeepsTheImageSizeWithAndWithoutSkips()
    {
        using var scope = NewDisposeScope();
        manual_seed(45);
        foreach (var skips in new[] { true, false })
        {
            using var net = new TinyUNet(new TinyUNetConfig(Skips: skips));
            Assert.Equal(new long[] { 16, 5, 16, 16 }, net.call(randn(16, 1, 16, 16)).shape);
        }
    }

    [Fact]
    public void PlainSaliencyEqualsAutogradThroughTheWholeNetwork()
    {
        using var scope = NewDisposeScope();
        // In float64, the reference (ConvolutionSelfTest holds float32 convolutions to it).
        manual_seed(46);
        using var net = new VisionCnn(new VisionCnnConfig());
        net.to(ScalarType.Float64);
        var images = randn(16, 1, 16, 16, dtype: ScalarType.Float64);
        var classes = tensor(Enumerable.Range(0, 16).Select(i => (long)(i % 4)).ToArray());
        var ours = Saliency.InputGradient(net, images, classes, guided: false);
        var x = images.clone().requires_grad_(true);
        var score = net.call(x).gather(1, classes.unsqueeze(1)).sum();              // each image's own class logit
        var autograd = torch.autograd.grad(new[] { score }, new[] { x })[0];
        Assert.True((ours - autograd).abs().max().ToDouble() < 1e-10);
    }

    [Fact]
    public void GuidedBackpropOnAHandNetworkZeroesNegativeGradientsAtTheRelu()
    {
        // One hidden unit: h = relu(w1 x), score = w2 h. With w2 < 0 the gradient reaching the ReLU is negative:
        // plain backprop passes it (times w1), guided backprop zeroes it.
        using var scope = NewDisposeScope();
        using var net = new VisionCnn(new VisionCnnConfig(Channels1: 1, Channels2: 1, Channels3: 1));
        using (no_grad())
        {
            foreach (var (name, p) in net.named_parameters())
            {
                p.zero_();
            }
            foreach (var (name, layer) in net.Layers.Where(l => l.Name.StartsWith("conv")))
            {
                ((TorchSharp.Modules.Conv2d)layer).weight![0, 0, 1, 1] = 1;           // each convolution passes its centre pixel
            }
            ((TorchSharp.Modules.Linear)net.Layers.Single(l => l.Name == "head").Layer).weight![0, 0] = -1;
        }
        net.to(ScalarType.Float64);                                                // see PlainSaliencyEqualsAutogradThroughTheWholeNetwork
        var images = ones(16, 1, 16, 16, dtype: ScalarType.Float64);
        var classes = zeros(16, ScalarType.Int64);
        var plain = Saliency.InputGradient(net, images, classes, guided: false);
        var guided = Saliency.InputGradient(net, images, classes, guided: true);
        Assert.True(plain.lt(0).any().item<bool>());
        Assert.Equal(0, guided.abs().max().ToDouble());
    }

    [Fact]
    public void MassOnMaskRatioOfHandMaps()
    {
        using var scope = NewDisposeScope();
        var masks = zeros(2, 1, 2, 2);
        masks[.., 0, 0, 0] = 1;                                                     // one pixel of four
        var maps = stack(new[] { ones(2, 2), tensor(new float[] { 1, 0, 0, 0 }).view(2, 2) });
        var ratio = Saliency.MassOnMaskOverAreaShare(maps, masks).data<float>().ToArray();
        Assert.Equal(1.0, ratio[0], 5);                                            // uniform map: no preference
        Assert.Equal(4.0, ratio[1], 5);                                            // all mass on the mask: 1 / (1/4)
    }

    [Fact]
    public void GramMatrixOfAHandExampleAndTheExerciseCheck()
    {
        using var scope = NewDisposeScope();
        var f = tensor(new float[] { 1, 2, 3, 4, 0, 1, 0, 1 }).view(1, 2, 2, 2);  // channel 0: 1 2 3 4; channel 1: 0 1 0 1
        var g = InputOptimisation.Gram(f).data<float>().ToArray();
        Assert.Equal(new float[] { 30f / 4, 6f / 4, 6f / 4, 2f / 4 }, g);
        Tensor Weighted(Tensor a, Tensor w)
        {
            var x = a.flatten(2);                                                        // [batch, C, H·W]
            var weights = w.flatten(1).unsqueeze(1);                                     // [batch, 1, H·W]
            return matmul(x * weights, x.transpose(1, 2)) / weights.sum(new long[] { 2 }, keepdim: true);
        }
        var right = VisionExercises.CheckGram(Weighted);
        Assert.True(right.Passed, right.Message);
        // The library's unweighted Gram passes the equal-weights case only; the box mask (case 2) is named.
        var plain = VisionExercises.CheckGram((a, _) => InputOptimisation.Gram(a));
        Assert.False(plain.Passed);
        Assert.Contains("case 2", plain.Message);
        Assert.Contains("3×3 box", plain.Message);
        // Weighted, but divided by H·W instead of the total weight.
        var byArea = VisionExercises.CheckGram((a, w) => Weighted(a, w) * w.flatten(1).sum(1).view(-1, 1, 1) / (a.shape[2] * a.shape[3]));
        Assert.False(byArea.Passed);
        Assert.Contains("case 2", byArea.Message);
    }

    [Fact]
    public void InputOptimisationRaisesItsObjectivesWithTheWeightsFixed()
    {
        using var scope = NewDisposeScope();
        manual_seed(47);
        using var net = new VisionCnn(new VisionCnnConfig());
        net.to(ScalarType.Float64);
        var before = net.parameters().Select(p => p.detach().clone()).ToList();
        var vis = InputOptimisation.VisualiseClass(net, 2, new ClassVisualisationConfig(Steps: 40, StepSize: 0.1, Penalty: 0, BlurEvery: 0));  // plain ascent
        Assert.True(vis.Objective[^1] > vis.Objective[0]);
        var image = rand(1, 1, 16, 16, dtype: ScalarType.Float64);
        var original = image.clone();
        var dream = InputOptimisation.DeepDream(net, image, new DeepDreamConfig(Steps: 20));
        Assert.True(dream.Objective[^1] > dream.Objective[0]);
        var style = InputOptimisation.StyleTransfer(net, image, rand(1, 1, 24, 24, dtype: ScalarType.Float64), new StyleTransferConfig(new[] { "relu1", "relu2" }, Steps: 30));
        Assert.True(style.StyleLosses[^1] < style.StyleLosses[0]);
        Assert.Equal(0, style.ContentLosses[0], 9);                                 // it starts at the content image
        Assert.All(net.parameters().Zip(before), pair => Assert.True(pair.First.eq(pair.Second).all().item<bool>()));
        Assert.True(image.eq(original).all().item<bool>());                                        // the runs work on copies
    }

    [Fact]
    public void BlurKeepsAConstantImageAndSmoothsASpike()
    {
        using var scope = NewDisposeScope();
        Assert.True((InputOptimisation.Blur(full(new long[] { 1, 1, 5, 5 }, 3f)) - 3f).abs().max().item<float>() < 1e-6);
        var spike = zeros(1, 1, 5, 5);
        spike[0, 0, 2, 2] = 16;
        var blurred = InputOptimisation.Blur(spike);
        Assert.Equal(4, blurred[0, 0, 2, 2].item<float>(), 5);                     // the centre weight 4/16
        Assert.Equal(16, blurred.sum().item<float>(), 4);                          // mass kept away from the edges
    }
}
