using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Optimization;

/// <summary>A small optimisation problem: a loss over a list of parameters and where they start.</summary>
/// <param name="Name">for messages.</param>
/// <param name="Initial">the parameters' starting values (float64).</param>
/// <param name="Loss">the loss as a function of the parameters (same order and shapes as <paramref name="Initial"/>).</param>
public sealed record OptimizationProblem(string Name, Tensor[] Initial, Func<IReadOnlyList<Tensor>, Tensor> Loss);

/// <summary>Where a from-scratch optimiser and torch.optim parted, if they did.</summary>
/// <param name="MaxAbsDifference">largest |θ_ours − θ_torch| over every step and element.</param>
/// <param name="Steps">steps compared.</param>
/// <param name="Mismatch">null when they agreed within the tolerance; otherwise the first step, parameter, position and values.</param>
public sealed record AgreementResult(double MaxAbsDifference, int Steps, string? Mismatch)
{
    /// <summary>True when every step agreed within the tolerance.</summary>
    public bool Agreed => Mismatch is null;
}

/// <summary>
/// Runs a from-scratch optimiser and a <c>torch.optim</c> optimiser side by side from the same start on the same loss
/// and compares the parameters after every step (float64): the check that the update rules here are the real ones.
/// </summary>
public static class TorchAgreement
{
    /// <summary>
    /// Two problems every comparison uses: Rosenbrock from (−1.2, 1), and a tanh regression with a weight matrix
    /// [3, 4] and a bias [4] (two parameters of different shapes; a loss that is not quadratic).
    /// </summary>
    public static IReadOnlyList<OptimizationProblem> StandardProblems()
    {
        var rosenbrock = new Rosenbrock();
        using var generator = new Generator(31);
        var x = randn(new long[] { 16, 3 }, dtype: float64, generator: generator).DetachFromDisposeScope();        // [16, 3]
        var y = randn(new long[] { 16, 4 }, dtype: float64, generator: generator).DetachFromDisposeScope();        // [16, 4]
        var w0 = randn(new long[] { 3, 4 }, dtype: float64, generator: generator).DetachFromDisposeScope();        // [3, 4]
        var b0 = zeros(new long[] { 4 }, dtype: float64).DetachFromDisposeScope();                                 // [4]
        return new[]
        {
            new OptimizationProblem("Rosenbrock from (-1.2, 1)", new[] { tensor(new[] { -1.2, 1.0 }, dtype: float64).DetachFromDisposeScope() },
                p => rosenbrock.Value(p[0])),
            new OptimizationProblem("tanh regression, W [3, 4] and b [4]", new[] { w0, b0 },
                p => (tanh(x.matmul(p[0]) + p[1]) - y).pow(2).mean()),
        };
    }

    /// <summary>
    /// Compares <paramref name="ours"/> with <paramref name="theirs"/> for <paramref name="steps"/> steps on
    /// <paramref name="problem"/>; a step disagrees when |θ_ours − θ_torch| &gt; atol + rtol·|θ_torch| anywhere.
    /// </summary>
    public static AgreementResult Compare(OptimizationProblem problem, Func<IReadOnlyList<Tensor>, IOptimizer> ours,
        Func<IReadOnlyList<Parameter>, optim.Optimizer> theirs, int steps = 100, double atol = 1e-10, double rtol = 1e-8)
    {
        using var scope = NewDisposeScope();
        var mine = problem.Initial.Select(t => t.detach().clone().requires_grad_(true)).ToArray();
        var reference = problem.Initial.Select(t => new Parameter(t.detach().clone(), requires_grad: true)).ToArray();
        var ourOptimizer = ours(mine);
        var torchOptimizer = theirs(reference);
        var worst = 0.0;
        for (var k = 1; k <= steps; k++)
        {
            ourOptimizer.Step(() => problem.Loss(mine));
            torchOptimizer.zero_grad();
            problem.Loss(reference).backward();
            torchOptimizer.step();
            for (var i = 0; i < mine.Length; i++)
            {
                var expected = reference[i].detach().contiguous().data<double>().ToArray();
                var got = mine[i].detach().contiguous().data<double>().ToArray();
                for (var j = 0; j < expected.Length; j++)
                {
                    var diff = Math.Abs(got[j] - expected[j]);
                    if (!(diff <= atol + rtol * Math.Abs(expected[j])))
                    {
                        return new AgreementResult(double.IsNaN(diff) ? double.PositiveInfinity : Math.Max(worst, diff), k,
                            $"{problem.Name}: after step {k} of {steps}, parameter {i} [{string.Join(", ", mine[i].shape)}] element {j}: " +
                            $"torch.optim gives {Show(expected[j])}, yours {Show(got[j])} (|diff| {Show(diff)})");
                    }
                    worst = Math.Max(worst, diff);
                }
            }
        }
        return new AgreementResult(worst, steps, null);
    }

    private static string Show(double v) => v.ToString("G10", CultureInfo.InvariantCulture);
}
