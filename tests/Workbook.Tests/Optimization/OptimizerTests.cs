using TorchSharp;
using Workbook.Optimization;
using static TorchSharp.torch;

namespace Workbook.Tests.Optimization;

public sealed class OptimizerTests
{
    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(100.0, 30.0)]
    [InlineData(1e4, 70.0)]
    public void NewtonSolvesAQuadraticInOneStep(double kappa, double angle)
    {
        var quadratic = Quadratic.IllConditioned(kappa, angle, start: (3.0, -2.0));
        var path = Trajectory.Run(quadratic, p => new Newton(p, new NewtonConfig()), steps: 1);
        Assert.True(path.FinalDistance(quadratic.Minimum) < 1e-10, $"κ = {kappa}: {path.FinalDistance(quadratic.Minimum)}");
    }

    [Fact]
    public void NewtonsHessianMatchesTheAnalyticOne()
    {
        // f = x²y + 3y² at (1, 2): ∇ = (2xy, x² + 6y) = (4, 13), H = [[2y, 2x], [2x, 6]] = [[4, 2], [2, 6]]
        var theta = tensor(new[] { 1.0, 2.0 }, dtype: float64).requires_grad_(true);
        var (g, h) = Newton.Derivatives(theta[0] * theta[0] * theta[1] + 3 * theta[1] * theta[1], new[] { theta });
        Assert.Equal(new[] { 4.0, 13.0 }, g.data<double>().ToArray());
        Assert.Equal(new[] { 4.0, 2.0, 2.0, 6.0 }, h.data<double>().ToArray());
    }

    [Fact]
    public void IllConditionedQuadraticHasTheAskedEigenvalues()
    {
        var q = Quadratic.IllConditioned(50, 30);
        Assert.Equal(1.0, q.SmallestEigenvalue, 10);
        Assert.Equal(50.0, q.LargestEigenvalue, 10);
        Assert.Equal(50.0, q.ConditionNumber, 8);
        Assert.Equal(0.0, q.At(0, 0));
        // along the flat axis (cos 30°, sin 30°) the curvature is 1: f = ½ t²
        Assert.Equal(0.5 * 4, q.At(2 * Math.Cos(Math.PI / 6), 2 * Math.Sin(Math.PI / 6)), 10);
        var theta = tensor(new[] { 0.7, -1.1 }, dtype: float64);
        Assert.Equal(q.At(0.7, -1.1), q.Value(theta).item<double>(), 12);
    }

    [Fact]
    public void GradientDescentStepsGrowLinearlyWithKappaAndMomentumLikeItsRoot()
    {
        var kappas = new[] { 10.0, 40.0, 160.0 };
        var gd = kappas.Select(k => Conditioning.Measure(Quadratic.IllConditioned(k, 20), Conditioning.GradientDescentAtOneOverL)).ToList();
        var momentum = kappas.Select(k => Conditioning.Measure(Quadratic.IllConditioned(k, 20), Conditioning.TunedMomentum)).ToList();
        Assert.InRange(Conditioning.LogLogSlope(gd), 0.9, 1.1);
        Assert.InRange(Conditioning.LogLogSlope(momentum), 0.35, 0.7);
        Assert.All(kappas, k => Assert.Equal(1, Conditioning.Measure(Quadratic.IllConditioned(k, 20), (_, p) => new Newton(p, new NewtonConfig())).Steps));
    }

    [Fact]
    public void RmsPropWithoutEpsilonDividesZeroByZero()
    {
        // At (1, 0) on x² + y² the y-gradient is exactly 0, so s_y = 0 and the notes' update is 0/0.
        var bowl = Quadratic.IllConditioned(1);
        var without = Trajectory.Run(bowl, p => new RmsProp(p, new RmsPropConfig(Epsilon: 0)), steps: 3, start: (1.0, 0.0));
        var with = Trajectory.Run(bowl, p => new RmsProp(p, new RmsPropConfig()), steps: 3, start: (1.0, 0.0));
        Assert.True(double.IsNaN(without.Y[1]));
        Assert.Equal(0.0, with.Y[^1]);
        Assert.True(with.X[^1] < 1);
    }

    [Fact]
    public void AdaGradsEffectiveStepShrinksLikeOneOverRootK()
    {
        // A linear loss has a constant gradient, so the step after k updates is α / √k exactly.
        var theta = tensor(new[] { 0.0 }, dtype: float64).requires_grad_(true);
        var optimizer = new AdaGrad(new[] { theta }, new AdaGradConfig(LearningRate: 1, Epsilon: 0));
        var positions = new List<double> { 0 };
        for (var k = 0; k < 100; k++)
        {
            optimizer.Step(() => (3 * theta).sum());
            positions.Add(theta.detach().item<double>());
        }
        Assert.Equal(-1.0, positions[1], 12);
        Assert.Equal(-1 / Math.Sqrt(100), positions[100] - positions[99], 12);
    }

    [Fact]
    public void OptimizersRejectNonLeafParametersAndBadSettings()
    {
        var leaf = zeros(2, dtype: float64).requires_grad_(true);
        Assert.Throws<ArgumentException>(() => new GradientDescent(new[] { leaf * 2 }, new GradientDescentConfig(0.1)));
        Assert.Throws<ArgumentException>(() => new Momentum(new[] { leaf }, new MomentumConfig(0.1, 1.0)));
        Assert.Throws<ArgumentException>(() => new AdamScratch(new[] { leaf }, new AdamConfig(Beta2: 1.0)));
        Assert.Throws<ArgumentException>(() => new Newton(new[] { zeros(2) }, new NewtonConfig()));
    }
}
