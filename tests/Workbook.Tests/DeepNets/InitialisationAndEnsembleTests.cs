using TorchSharp;
using Workbook.DeepNets;
using static TorchSharp.torch;
using static Workbook.Tests.DeepNets.DeepNetsTestHelpers;

namespace Workbook.Tests.DeepNets;

/// <summary>Initialisation schemes draw what they say; ensembles and training do what the notebook relies on.</summary>
// Seeds torch's global generator or depends on its thread count, which parallel test classes share:
// runs with the other process-wide-state tests, alone (a fresh-clone run on 2026-12-01 saw both go wrong in parallel).
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class InitialisationAndEnsembleTests
{
    [Theory]
    [InlineData(InitScheme.SmallNormal, 0.01)]
    [InlineData(InitScheme.Xavier, 0.0625)]   // √(1/256)
    [InlineData(InitScheme.He, 0.08838835)]   // √(2/256)
    public void GaussianSchemesHaveTheStatedStandardDeviation(InitScheme scheme, double expected)
    {
        using var scope = NewDisposeScope();
        manual_seed(41);
        var layer = nn.Linear(256, 512);
        Initialisation.Apply(layer, scheme, biasValue: 0.1);
        Assert.InRange(layer.weight!.std().ToDouble() / expected, 0.98, 1.02);
        Assert.Equal(expected, Initialisation.StandardDeviation(scheme, 256), 6);
        AssertClose(full(512, 0.1f), layer.bias!, "bias", 1e-7);
    }

    [Fact]
    public void XavierAndHeMatchTorchsInitOnASquareLayer()
    {
        using var scope = NewDisposeScope();
        var torchXavier = nn.init.xavier_normal_(empty(300, 300)).std().ToDouble();
        var torchHe = nn.init.kaiming_normal_(empty(300, 300), nonlinearity: nn.init.NonlinearityType.ReLU).std().ToDouble();
        Assert.InRange(torchXavier / Initialisation.StandardDeviation(InitScheme.Xavier, 300), 0.98, 1.02);
        Assert.InRange(torchHe / Initialisation.StandardDeviation(InitScheme.He, 300), 0.98, 1.02);
    }

    [Theory]
    [InlineData(8, 8)]
    [InlineData(12, 5)]
    [InlineData(5, 12)]
    public void OrthogonalMatricesHaveOrthonormalRowsOrColumns(int rows, int columns)
    {
        using var scope = NewDisposeScope();
        var q = Initialisation.Orthogonal(rows, columns, gain: 2.0, dtype: float64);
        var gram = rows >= columns ? q.t().matmul(q) : q.matmul(q.t());
        AssertClose(eye(Math.Min(rows, columns), dtype: float64) * 4, gram, "QᵀQ = gain² I", 1e-10);
    }

    [Fact]
    public void SmallWeightsVanishXavierShrinksUnderReluAndHeKeepsTheScale()
    {
        using var scope = NewDisposeScope();
        manual_seed(42);
        var small = Initialisation.ActivationSpread(InitScheme.SmallNormal, Nonlinearity.Relu, depth: 10, width: 128, batch: 256);
        var xavier = Initialisation.ActivationSpread(InitScheme.Xavier, Nonlinearity.Relu, depth: 10, width: 128, batch: 256);
        var he = Initialisation.ActivationSpread(InitScheme.He, Nonlinearity.Relu, depth: 10, width: 128, batch: 256);
        Assert.Equal(11, he.Length);
        Assert.True(small[^1] < 1e-8, $"small normal: {small[^1]}");
        Assert.InRange(xavier[^1] / xavier[0], 1.0 / 64, 1.0 / 16);   // √(1/2) per layer: 2^(-5) = 1/32
        Assert.InRange(he[^1] / he[0], 0.4, 2.5);          // of order 1 (finite width makes it wander)
    }

    [Fact]
    public void AveragedWeightsAreTheMeanAndAnEnsembleOfOneIsTheModel()
    {
        using var scope = NewDisposeScope();
        manual_seed(43);
        Mlp Make() => new(new MlpConfig(2, new[] { 4 }, 3));
        var a = Make();
        var b = Make();
        var averaged = Ensembles.AverageWeights(new[] { ClassifierTraining.Snapshot(a), ClassifierTraining.Snapshot(b) });
        AssertClose((a.Layers[0].weight! + b.Layers[0].weight!) / 2, averaged["layers.0.weight"], "mean weight", 1e-7);
        var x = randn(5, 2);
        AssertClose(ClassifierTraining.Probabilities(a, x), Ensembles.AveragePredictions(new[] { a }, x), "ensemble of one", 1e-7);
        var loaded = Ensembles.Load(Make, new[] { averaged })[0];
        var c = Make();
        c.load_state_dict(averaged);
        AssertClose(ClassifierTraining.Probabilities(c, x), ClassifierTraining.Probabilities(loaded, x), "loaded snapshot", 1e-7);
        var votes = Ensembles.MajorityVote(new nn.Module<Tensor, Tensor>[] { a, a, b }, x, 3);
        AssertClose(ClassifierTraining.Probabilities(a, x).argmax(1), votes, "two of three votes win", 0);
    }

    [Fact]
    public void TrainingOnSpiralsLearnsAndCyclicSchedulesKeepOneSnapshotPerCycle()
    {
        using var scope = NewDisposeScope();
        manual_seed(44);
        var data = Spirals.Generate(300, classes: 3, noise: 0.1, seed: 1);
        var mlp = new Mlp(new MlpConfig(2, new[] { 32, 32 }, 3));
        var run = ClassifierTraining.Train(mlp, data, new TrainingConfig(300, 32, 0.01, Adam: true, Schedule: LearningRateSchedule.CyclicCosine, Cycles: 3));
        Assert.Equal(3, run.Snapshots.Count);
        Assert.Equal(300, run.Losses.Count);
        Assert.True(run.Losses.TakeLast(30).Average() < 0.7 * run.Losses.Take(30).Average());
        Assert.True(ClassifierTraining.Accuracy(mlp, data) > 0.6);
        var config = new TrainingConfig(300, Schedule: LearningRateSchedule.CyclicCosine, Cycles: 3, LearningRate: 1);
        Assert.Equal(1, config.LearningRateAt(0), 12);
        Assert.Equal(1, config.LearningRateAt(100), 12);
        Assert.True(config.LearningRateAt(99) < 0.01);
    }

    [Fact]
    public void SpiralsAreDeterministicFromTheSeed()
    {
        using var scope = NewDisposeScope();
        var a = Spirals.Generate(50, seed: 3);
        var b = Spirals.Generate(50, seed: 3);
        var c = Spirals.Generate(50, seed: 4);
        AssertClose(a.Inputs, b.Inputs, "same seed", 0);
        Assert.False(a.Inputs.allclose(c.Inputs));
        Assert.Equal(new long[] { 0, 1, 2, 0 }, a.Labels[..4].data<long>().ToArray());
    }
}
