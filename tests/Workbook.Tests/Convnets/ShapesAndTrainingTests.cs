using TorchSharp;
using Workbook.Convnets;
using Workbook.Data.Images;
using Workbook.DeepNets;
using static TorchSharp.torch;

namespace Workbook.Tests.Convnets;

/// <summary>The shape images are deterministic and learnable; plain deep stacks lose the gradient and residual ones keep it.</summary>
// Seeds torch's global generator or depends on its thread count, which parallel test classes share:
// runs with the other process-wide-state tests, alone (a fresh-clone run on 2026-12-01 saw both go wrong in parallel).
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class ShapesAndTrainingTests
{
    [Fact]
    public void ShapeImagesAreDeterministicBalancedAndDifferByClass()
    {
        using var scope = NewDisposeScope();
        var a = ShapeImages.Generate(200, size: 16, noise: 0.3, seed: 4);
        var b = ShapeImages.Generate(200, size: 16, noise: 0.3, seed: 4);
        var c = ShapeImages.Generate(200, size: 16, noise: 0.3, seed: 5);
        Assert.True(a.Images.allclose(b.Images, rtol: 0, atol: 0));
        Assert.False(a.Images.allclose(c.Images));
        Assert.Equal(new long[] { 200, 1, 16, 16 }, a.Images.shape);
        Assert.All(Enumerable.Range(0, 4), k => Assert.Equal(50, (a.Labels == k).sum().ToInt64()));
        var clean = ShapeImages.Generate(400, size: 16, noise: 0, seed: 6);
        var inked = clean.Images.gt(0).to_type(ScalarType.Float32).sum(new long[] { 1, 2, 3 });   // pixels inside the shape
        var squares = inked[clean.Labels == 0].mean().ToDouble();
        var crosses = inked[clean.Labels == 2].mean().ToDouble();
        Assert.True(squares > 1.5 * crosses, $"squares cover {squares} pixels on average, crosses {crosses}");
        Assert.True(clean.Images.max().ToDouble() <= 1 && clean.Images.min().ToDouble() >= 0);
    }

    [Fact]
    public void ASmallCnnLearnsTheShapes()
    {
        using var scope = NewDisposeScope();
        manual_seed(51);
        var train = ShapeImages.Generate(800, seed: 7);
        var test = ShapeImages.Generate(400, seed: 8);
        var model = new SmallCnn(new SmallCnnConfig());
        ClassifierTraining.Train(model, new ClassificationData(train.Images, train.Labels, 4), new TrainingConfig(150, 32, 0.01, Adam: true));
        var accuracy = ClassifierTraining.Accuracy(model, new ClassificationData(test.Images, test.Labels, 4));
        Assert.True(accuracy > 0.6, $"test accuracy {accuracy}");
    }

    [Fact]
    public void GradientsVanishThroughAPlainStackButNotThroughAResidualOne()
    {
        using var scope = NewDisposeScope();
        manual_seed(52);
        var x = randn(4, 4, 8, 8);
        var readout = randn(4, 4, 8, 8);
        var plain = GradientFlow.InputGradientNorms(GradientFlow.Stack(10, 4, residual: false).ToList<nn.Module<Tensor, Tensor>>(), x, readout);
        var residual = GradientFlow.InputGradientNorms(GradientFlow.Stack(10, 4, residual: true).ToList<nn.Module<Tensor, Tensor>>(), x, readout);
        Assert.Equal(11, plain.Length);
        Assert.True(plain[0] / plain[^1] < 1e-4, $"plain: {plain[0] / plain[^1]}");
        Assert.True(residual[0] / residual[^1] > 0.1, $"residual: {residual[0] / residual[^1]}");
    }

    [Fact]
    public void ConvnetExercisesAcceptTheFormulaAndRejectAMissingDilation()
    {
        // Output o's window starts at o·s − p and steps by d; the taps in the padding are left out.
        static int[][] Windows(int n, int k, int s, int p, int d, bool dilated)
        {
            var size = (int)ShapeArithmetic.OutputSize(n, k, s, p, d);
            return Enumerable.Range(0, size)
                .Select(o => Enumerable.Range(0, k).Select(u => o * s - p + u * (dilated ? d : 1)).Where(i => i >= 0 && i < n).ToArray())
                .ToArray();
        }
        var right = ConvnetExercises.CheckConvWindows((n, k, s, p, d) => Windows(n, k, s, p, d, dilated: true));
        Assert.True(right.Passed, right.Message);
        // Ignoring the dilation inside the window: the first dilated case (case 7) fails and shows the lists.
        var undilated = ConvnetExercises.CheckConvWindows((n, k, s, p, d) => Windows(n, k, s, p, d, dilated: false));
        Assert.False(undilated.Passed);
        Assert.Contains("case 7", undilated.Message);
        Assert.DoesNotContain("System.Int32", undilated.Message);
        // Keeping the padding's positions (negative indices): case 1 (padding 1) fails.
        var padded = ConvnetExercises.CheckConvWindows((n, k, s, p, d) =>
            Enumerable.Range(0, (int)ShapeArithmetic.OutputSize(n, k, s, p, d)).Select(o => Enumerable.Range(0, k).Select(u => o * s - p + u * d).ToArray()).ToArray());
        Assert.False(padded.Passed);
        Assert.Contains("case 1", padded.Message);
        static (long, long) Cost(int i, int o, int k, bool bias, int n, int s, int p)
        {
            var side = ShapeArithmetic.OutputSize(n, k, s, p);
            return ((long)o * i * k * k + (bias ? o : 0), side * side * o * i * k * k);
        }
        var cost = ConvnetExercises.CheckConvCost((i, o, k, bias, n, s, p) => Cost(i, o, k, bias, n, s, p));
        Assert.True(cost.Passed, cost.Message);
        // The bias counted whether or not the layer has one: case 3 (no bias) fails, its pair of numbers shown.
        var alwaysBias = ConvnetExercises.CheckConvCost((i, o, k, bias, n, s, p) => Cost(i, o, k, true, n, s, p));
        Assert.False(alwaysBias.Passed);
        Assert.Contains("case 3", alwaysBias.Message);
        // One window per input pixel (stride ignored in the cost): AlexNet's stride-4 layer (case 2) fails.
        var perPixel = ConvnetExercises.CheckConvCost((i, o, k, bias, n, s, p) => (Cost(i, o, k, bias, n, s, p).Item1, (long)n * n * o * i * k * k));
        Assert.False(perPixel.Passed);
        Assert.Contains("case 2", perPixel.Message);
    }
}
