using TorchSharp;
using Workbook.Foundations;
using static TorchSharp.torch;

namespace Workbook.Tests.Foundations;

// Depends on torch's thread count or global generator, which parallel test classes share: runs alone.
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class PolynomialRegressionTests
{
    [Fact]
    public void DesignMatrixHoldsPowersOfX()
    {
        var design = PolynomialFeatures.Design(tensor(new double[] { 2, -1, 0.5 }), 3);
        Assert.Equal(new long[] { 3, 4 }, design.shape);
        Assert.Equal(new[] { 1.0, 2, 4, 8, 1, -1, 1, -1, 1, 0.5, 0.25, 0.125 }, design.data<double>().ToArray());
        var batched = PolynomialFeatures.Design(zeros(5, 7, dtype: float64), 2);
        Assert.Equal(new long[] { 5, 7, 3 }, batched.shape);
    }

    [Fact]
    public void RidgeSolvesTheNormalEquations()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(1);
        var design = randn(new long[] { 3, 25, 4 }, dtype: float64, generator: generator);   // a batch of 3 problems
        var targets = randn(new long[] { 3, 25 }, dtype: float64, generator: generator);
        foreach (var lambda in new[] { 0.0, 0.1, 7.5 })
        {
            var theta = RidgeRegression.Solve(design, targets, lambda);                     // [3, 4]
            var gram = design.transpose(1, 2).matmul(design) + lambda * eye(4, dtype: float64);
            var normal = linalg.solve(gram, design.transpose(1, 2).matmul(targets.unsqueeze(-1))).squeeze(-1);
            Assert.Equal(new long[] { 3, 4 }, theta.shape);
            Assert.True((theta - normal).abs().max().item<double>() < 1e-10, $"λ = {lambda}");
        }
    }

    [Fact]
    public void DegreeNMinusOneInterpolatesNPoints()
    {
        var data = new RegressionSample(tensor(new double[] { -0.9, -0.3, 0.2, 0.6, 0.95 }), tensor(new double[] { 1, -2, 0.5, 3, -1 }));
        var model = PolynomialRegression.Fit(data, degree: 4);
        Assert.True((model.Predict(data.X) - data.Y).abs().max().item<double>() < 1e-9);
        Assert.Equal(model.Predict(tensor(new[] { 0.3 })).item<double>(), model.At(0.3), 10);
    }

    [Fact]
    public void WeightNormShrinksStrictlyAsLambdaGrows()
    {
        using var generator = new Generator(2);
        var data = RegressionProblem.Sine().Sample(15, generator);
        var norms = new[] { 1e-6, 1e-4, 1e-2, 1, 100 }
            .Select(l => PolynomialRegression.Fit(data, 8, l).SquaredNorm().item<double>()).ToArray();
        for (var i = 1; i < norms.Length; i++)
        {
            Assert.True(norms[i] < norms[i - 1], $"‖θ‖² {norms[i]} at step {i} is not below {norms[i - 1]}");
        }
    }

    [Fact]
    public void GradientDescentReachesTheClosedForm()
    {
        using var generator = new Generator(3);
        var data = RegressionProblem.Sine().Sample(30, generator);
        var fit = PolynomialRegression.FitByGradientDescent(data, 2, 0.5, new GradientFitConfig(Steps: 1500));
        var closed = PolynomialRegression.Fit(data, 2, 0.5);
        Assert.True((fit.Model.Weights - closed.Weights).abs().max().item<double>() < 1e-8);
        Assert.True(fit.ConditionNumber > 1);
        for (var k = 1; k < fit.Objective.Length; k++)
        {
            Assert.True(fit.Objective[k] <= fit.Objective[k - 1] + 1e-15, $"the objective rose at step {k}");   // α = 1/L: monotone
        }
    }

    [Fact]
    public void TheMapEstimateIsRidgeWithLambdaSigmaSquaredOverTauSquared()
    {
        using var generator = new Generator(4);
        var data = RegressionProblem.Sine().Sample(20, generator);
        var design = PolynomialFeatures.Design(data.X, 5);
        const double sigma = 0.3, tau = 0.7;
        var ridge = RidgeRegression.Solve(design, data.Y, BayesianRegression.EquivalentPenalty(sigma, tau));
        // The gradient of the negative log posterior vanishes at the ridge solution ...
        var theta = ridge.clone().requires_grad_(true);
        BayesianRegression.NegativeLogPosterior(design, data.Y, theta, sigma, tau).backward();
        Assert.True(theta.grad!.abs().max().item<double>() < 1e-9);
        // ... and the log densities are the real ones: for θ = 0, one point at y = 0 the likelihood is N(0; 0, σ²).
        var single = BayesianRegression.NegativeLogLikelihood(ones(1, 1, dtype: float64), zeros(1, dtype: float64), zeros(1, dtype: float64), sigma);
        Assert.Equal(Math.Log(sigma) + 0.5 * Math.Log(2 * Math.PI), single.item<double>(), 12);
        Assert.Equal(sigma * sigma / (tau * tau), BayesianRegression.EquivalentPenalty(sigma, tau), 14);
    }

    [Fact]
    public void TrueRiskOfTheTrueFunctionIsTheNoiseVariance()
    {
        var problem = RegressionProblem.Sine(noiseStd: 0.2);
        Assert.Equal(0.04, problem.TrueRisk(problem.TrueFunction), 10);
        // E[sin²(πx)] over [-1, 1] is 1/2, so predicting 0 everywhere has risk 1/2 + σ².
        Assert.Equal(0.54, problem.TrueRisk(x => zeros_like(x)), 6);
    }
}
