using Workbook.Rl;
using Workbook.Rl.ValueBased;
using static TorchSharp.torch;

namespace Workbook.Tests.Rl.ValueBased;

public sealed class DqnExercisesTests
{
    private static Tensor DoubleTarget(Tensor r, Tensor d, Tensor online, Tensor target, double gamma) =>
        r + gamma * (1 - d) * target.gather(-1, online.argmax(-1).unsqueeze(-1)).squeeze(-1);

    [Fact]
    public void The_double_dqn_target_passes_and_the_plain_max_fails_on_the_first_case()
    {
        Assert.True(DqnExercises.CheckDoubleDqnTarget(DoubleTarget).Passed);

        var plain = DqnExercises.CheckDoubleDqnTarget((r, d, online, target, gamma) => r + gamma * (1 - d) * target.max(-1).values);
        Assert.False(plain.Passed);
        Assert.StartsWith("case 1 of 3", plain.Message);
        Assert.Contains("expected 1.9000", plain.Message);   // r + 0.9 · Q_target(s', argmax online = 1) = 1 + 0.9 · 1
    }

    private static (Tensor, Tensor) Prioritised(Tensor delta, double alpha, double beta, double epsilon, bool forgetEpsilon = false, bool normalise = true)
    {
        var p = (delta.abs() + (forgetEpsilon ? 0 : epsilon)).pow(alpha);
        var probabilities = p / p.sum();
        var w = (delta.shape[0] * probabilities).pow(-beta);
        return (probabilities, normalise ? w / w.max() : w);
    }

    [Fact]
    public void Prioritised_replay_passes_and_each_slip_is_named()
    {
        Assert.True(DqnExercises.CheckPrioritisedReplay((d, a, b, e) => Prioritised(d, a, b, e)).Passed);

        var unnormalised = DqnExercises.CheckPrioritisedReplay((d, a, b, e) => Prioritised(d, a, b, e, normalise: false));
        Assert.False(unnormalised.Passed);
        Assert.StartsWith("the weights: case 1 of 4 (α = 0.6, β = 0.4, ε = 0.001, TD errors tensor [4] [1, -2, 0, 0.5])", unnormalised.Message);

        var noEpsilon = DqnExercises.CheckPrioritisedReplay((d, a, b, e) => Prioritised(d, a, b, e, forgetEpsilon: true));
        Assert.False(noEpsilon.Passed);
        Assert.StartsWith("the probabilities: case 1 of 4", noEpsilon.Message);

        var stub = DqnExercises.CheckPrioritisedReplay((_, _, _, _) => throw new NotImplementedException("Exercise 1"));
        Assert.False(stub.Attempted);
    }
}
