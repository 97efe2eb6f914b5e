using TorchSharp;
using Workbook.Rl;
using Workbook.Rl.Algorithms;
using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Tests.Rl;

// torch.set_num_threads is process-wide and libtorch rejects changing it while other tests run parallel work.
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class PolicyAndTrpoMathTests
{
    public PolicyAndTrpoMathTests() => set_num_threads(1);

    [Fact]
    public void CategoricalLogProbEntropyAndKlMatchHandComputations()
    {
        using var scope = NewDisposeScope();
        var p = new[] { 0.2, 0.3, 0.5 };
        var q = new[] { 0.6, 0.3, 0.1 };
        var pd = new CategoricalDistribution(tensor(p.Select(x => Math.Log(x)).ToArray(), new long[] { 1, 3 }));
        var qd = new CategoricalDistribution(tensor(q.Select(x => Math.Log(x)).ToArray(), new long[] { 1, 3 }));
        Assert.Equal(Math.Log(0.5), pd.LogProb(tensor(new long[] { 2 })).item<double>(), 10);
        Assert.Equal(-p.Sum(x => x * Math.Log(x)), pd.Entropy().item<double>(), 10);
        var klPq = p.Zip(q, (a, b) => a * Math.Log(a / b)).Sum();   // KL(p ‖ q)
        Assert.Equal(klPq, qd.KlFrom(pd).item<double>(), 10);
        Assert.Equal(0.0, pd.KlFrom(pd).item<double>(), 12);
    }

    [Fact]
    public void GaussianLogProbEntropyAndKlMatchClosedForms()
    {
        using var scope = NewDisposeScope();
        var mean = tensor(new[] { 0.5, -1.0 }, new long[] { 1, 2 });
        var logStd = tensor(new[] { Math.Log(0.5), Math.Log(2.0) });
        var d = new DiagonalGaussianDistribution(mean, logStd);
        var a = tensor(new[] { 1.0, 0.0 }, new long[] { 1, 2 });
        double Normal(double x, double m, double s) => -0.5 * Math.Pow((x - m) / s, 2) - Math.Log(s) - 0.5 * Math.Log(2 * Math.PI);
        Assert.Equal(Normal(1.0, 0.5, 0.5) + Normal(0.0, -1.0, 2.0), d.LogProb(a).item<double>(), 10);
        Assert.Equal(Math.Log(0.5) + Math.Log(2.0) + 1 + Math.Log(2 * Math.PI), d.Entropy().item<double>(), 10);

        var other = new DiagonalGaussianDistribution(tensor(new[] { 0.0, 0.0 }, new long[] { 1, 2 }), tensor(new[] { 0.0, 0.0 }));
        double Kl(double m1, double s1, double m2, double s2) => Math.Log(s2 / s1) + (s1 * s1 + (m1 - m2) * (m1 - m2)) / (2 * s2 * s2) - 0.5;
        Assert.Equal(Kl(0.5, 0.5, 0, 1) + Kl(-1, 2, 0, 1), other.KlFrom(d).item<double>(), 10);
        Assert.Throws<ArgumentException>(() => other.KlFrom(new CategoricalDistribution(zeros(1, 3))));
    }

    [Fact]
    public void PolicyForwardShapesAndClearErrors()
    {
        using var scope = NewDisposeScope();
        var policy = new CategoricalPolicy(4, 2);
        var distribution = policy.call(randn(5, 4));
        Assert.Equal(new long[] { 5 }, distribution.Sample().shape);
        var error = Assert.Throws<ArgumentException>(() => distribution.LogProb(zeros(new long[] { 4 }, ScalarType.Int64)));
        Assert.Contains("shape [5]", error.Message);
        var gaussian = new GaussianPolicy(3, 2);
        Assert.Equal(new long[] { 5, 2 }, gaussian.call(randn(5, 3)).Sample().shape);
    }

    [Fact]
    public void ConjugateGradientSolvesAKnownSymmetricPositiveDefiniteSystem()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var m = randn(8, 8, ScalarType.Float64);
        var a = m.matmul(m.t()) + 5 * eye(8, dtype: ScalarType.Float64);
        var b = randn(8, ScalarType.Float64);
        var x = Trpo.ConjugateGradient(v => a.matmul(v), b, iterations: 30);
        var expected = linalg.solve(a, b);
        Assert.True(allclose(x, expected, rtol: 1e-6, atol: 1e-6), $"CG {x.str()} vs solve {expected.str()}");
        // In exact arithmetic CG needs at most n = 8 iterations.
        var x8 = Trpo.ConjugateGradient(v => a.matmul(v), b, iterations: 8);
        Assert.True((x8 - expected).abs().max().item<double>() < 1e-5);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FisherVectorProductEqualsTheExplicitFisherMatrixTimesAVector(bool discrete)
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        Policy policy = discrete ? new CategoricalPolicy(2, 3, new[] { 4 }) : new GaussianPolicy(2, 2, new[] { 4 }, initialLogStd: -0.3);
        policy.to(ScalarType.Float64);
        // Perturb the output layer so the policy is far from uniform.
        using (no_grad())
        {
            foreach (var p in policy.parameters())
            {
                p.add_(0.5 * randn_like(p));
            }
        }
        var parameters = policy.parameters().ToArray();
        var count = parameters.Sum(p => p.numel());
        var observations = randn(6, 2, ScalarType.Float64);
        var old = policy.call(observations).Detach();

        // Explicit Fisher F = (1/B) Σ_s E_{a~π(·|s)}[∇ log π(a|s) ∇ log π(a|s)ᵀ], built without the KL:
        // categorical: the expectation is an exact sum over the actions;
        // Gaussian: the expectation in closed form, Σ_j (1/σ_j²) ∇μ_j ∇μ_jᵀ + 2 ∇log σ_j ∇log σ_jᵀ.
        Tensor Gradient(Tensor scalar) => cat(autograd.grad(new[] { scalar }, parameters, retain_graph: true, allow_unused: true)
            .Select((g, i) => (g is null || g.IsInvalid ? zeros_like(parameters[i]) : g).reshape(-1)).ToList());
        var fisher = zeros(count, count, ScalarType.Float64);
        for (var s = 0; s < 6; s++)
        {
            var state = observations[s].unsqueeze(0);
            var d = policy.call(state);
            if (d is CategoricalDistribution categorical)
            {
                for (var a = 0; a < 3; a++)
                {
                    var logProb = categorical.LogProbabilities[0, a];
                    var g = Gradient(logProb);
                    fisher += logProb.exp().item<double>() / 6 * outer(g, g);
                }
            }
            else
            {
                var gaussian = (DiagonalGaussianDistribution)d;
                for (var j = 0; j < 2; j++)
                {
                    var gMean = Gradient(gaussian.Mean[0, j]);
                    var gLogStd = Gradient(gaussian.LogStd[0, j]);
                    var variance = Math.Exp(2 * gaussian.LogStd[0, j].item<double>());
                    fisher += 1.0 / 6 * (outer(gMean, gMean) / variance + 2 * outer(gLogStd, gLogStd));
                }
            }
        }
        var v = randn(count, ScalarType.Float64);
        var expected = fisher.matmul(v);
        var fvp = Trpo.FisherVectorProduct(policy, observations, old, v, damping: 0);
        var error = (fvp - expected).norm().item<double>() / expected.norm().item<double>();
        Assert.True(error < 1e-9, $"relative error {error}");
    }

    [Fact]
    public void EveryAcceptedTrpoUpdateStaysWithinTheTrustRegion()
    {
        var config = new TrpoConfig(TotalSteps: 8 * 64 * 12, StepsPerRollout: 64, MaxKl: 0.005, Seed: 3);
        var result = Trpo.Train(VectorEnvironments.CartPole(config.Environments, seed: 3), config);
        var kl = result.Log.Column("kl");
        var accepted = result.Log.Column("accepted");
        Assert.Equal(12, kl.Length);
        Assert.True(accepted.Count(a => a == 1) >= 6, "most updates should find an acceptable step");
        for (var k = 0; k < kl.Length; k++)
        {
            if (accepted[k] == 1)
            {
                Assert.InRange(kl[k], 0, config.MaxKl);
                Assert.True(result.Log.Column("surrogate_gain")[k] > 0);
            }
        }
    }
}
