using TorchSharp;
using Workbook.Optimization;
using static TorchSharp.torch;

namespace Workbook.Tests.Optimization;

/// <summary>
/// The from-scratch optimisers take the same steps as torch.optim with the same settings: 100 steps in float64 on
/// Rosenbrock and on a two-parameter tanh regression, parameters compared after every step (|diff| ≤ 1e-10 + 1e-8·|θ|).
/// </summary>
// torch.optim's steps once failed with "Unknown scalar type" while other test classes ran in parallel
// (a fresh-clone run, 2026-12-01); they run with the other process-wide-state tests, one at a time.
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class TorchOptimizerAgreementTests
{
    public static TheoryData<string> Optimizers() => new() { "momentum", "momentum-0.5", "rmsprop", "rmsprop-tuned", "adagrad", "adagrad-eps", "adam", "adam-tuned", "sgd" };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void StepsEqualTorchOptimForAHundredSteps(string which)
    {
        Func<IReadOnlyList<Tensor>, IOptimizer> ours;
        Func<IReadOnlyList<TorchSharp.Modules.Parameter>, optim.Optimizer> theirs;
        switch (which)
        {
            case "sgd":
                ours = p => new GradientDescent(p, new GradientDescentConfig(1e-3));
                theirs = p => optim.SGD(p, 1e-3);
                break;
            case "momentum":
                ours = p => new Momentum(p, new MomentumConfig(1e-3, 0.9));
                theirs = p => optim.SGD(p, 1e-3, momentum: 0.9);
                break;
            case "momentum-0.5":
                ours = p => new Momentum(p, new MomentumConfig(2e-3, 0.5));
                theirs = p => optim.SGD(p, 2e-3, momentum: 0.5);
                break;
            case "rmsprop":
                ours = p => new RmsProp(p, new RmsPropConfig());
                theirs = p => optim.RMSProp(p, lr: 0.01, alpha: 0.99, eps: 1e-8);
                break;
            case "rmsprop-tuned":
                ours = p => new RmsProp(p, new RmsPropConfig(LearningRate: 0.003, Beta: 0.9, Epsilon: 1e-6));
                theirs = p => optim.RMSProp(p, lr: 0.003, alpha: 0.9, eps: 1e-6);
                break;
            case "adagrad":
                ours = p => new AdaGrad(p, new AdaGradConfig(LearningRate: 0.1));
                theirs = p => optim.Adagrad(p, lr: 0.1, eps: 1e-10);
                break;
            case "adagrad-eps":
                ours = p => new AdaGrad(p, new AdaGradConfig(LearningRate: 0.05, Epsilon: 1e-3));
                theirs = p => optim.Adagrad(p, lr: 0.05, eps: 1e-3);
                break;
            case "adam":
                ours = p => new AdamScratch(p, new AdamConfig(LearningRate: 0.01));
                theirs = p => optim.Adam(p, lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8);
                break;
            case "adam-tuned":
                ours = p => new AdamScratch(p, new AdamConfig(0.05, 0.8, 0.99, 1e-6));
                theirs = p => optim.Adam(p, lr: 0.05, beta1: 0.8, beta2: 0.99, eps: 1e-6);
                break;
            default:
                throw new ArgumentException(which);
        }
        foreach (var problem in TorchAgreement.StandardProblems())
        {
            var result = TorchAgreement.Compare(problem, ours, theirs, steps: 100);
            Assert.True(result.Agreed, $"{which}: {result.Mismatch}");
            Assert.Equal(100, result.Steps);
        }
    }

    [Fact]
    public void TheComparisonCatchesADifferentSetting()
    {
        var problem = TorchAgreement.StandardProblems()[0];
        var result = TorchAgreement.Compare(problem, p => new AdamScratch(p, new AdamConfig(0.01)), p => optim.Adam(p, lr: 0.01, beta1: 0.9, beta2: 0.99));
        Assert.False(result.Agreed);
        Assert.Contains("after step", result.Mismatch);
    }
}
