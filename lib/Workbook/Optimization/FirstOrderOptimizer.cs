using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Optimization;

/// <summary>
/// The shared loop of the gradient methods: each parameter's gradient (its <c>.grad</c>, as torch.optim reads it)
/// goes through a per-parameter update rule, <see cref="Update"/>, whose result replaces the parameter. A subclass
/// holds its own state (velocities, running averages) and writes only the rule.
/// </summary>
public abstract class FirstOrderOptimizer : IOptimizer
{
    /// <summary>Takes the tensors to optimise; each must be a leaf with requires_grad.</summary>
    protected FirstOrderOptimizer(IEnumerable<Tensor> parameters)
    {
        Parameters = parameters.ToList();
        if (Parameters.Count == 0)
        {
            throw new ArgumentException("an optimiser needs at least one parameter", nameof(parameters));
        }
        foreach (var p in Parameters)
        {
            if (!p.requires_grad || !p.is_leaf)
            {
                throw new ArgumentException("every parameter must be a leaf tensor with requires_grad (for example randn(2).requires_grad_(true))", nameof(parameters));
            }
        }
    }

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>k, the number of steps taken so far (1 during the first step's update).</summary>
    public int StepCount { get; private set; }

    /// <summary>Sets every parameter's gradient to zero (gradients accumulate across backward calls).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters)
        {
            using var grad = p.grad;
            grad?.zero_();
        }
    }

    /// <inheritdoc />
    public double Step(Func<Tensor> loss)
    {
        ZeroGrad();
        double value;
        using (NewDisposeScope())
        {
            var l = loss();
            value = l.item<double>();
            l.backward();
        }
        Step();
        return value;
    }

    /// <summary>One update from the gradients already in each parameter's <c>.grad</c> (as <c>torch.optim</c>'s step()).</summary>
    public void Step()
    {
        StepCount++;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        for (var i = 0; i < Parameters.Count; i++)
        {
            var grad = Parameters[i].grad;
            if (grad is null)
            {
                continue;   // a parameter the loss did not use
            }
            var updated = Update(i, Parameters[i].detach(), grad.detach());
            Parameters[i].copy_(updated);
        }
    }

    /// <summary>
    /// The update rule for parameter <paramref name="index"/>: given its value θ_k and gradient g_k (both without
    /// autograd history), return θ_{k+1}. <see cref="StepCount"/> is k. Update state tensors in place (copy_) so that
    /// they survive the step's dispose scope.
    /// </summary>
    protected abstract Tensor Update(int index, Tensor parameter, Tensor gradient);

    /// <summary>One zero tensor per parameter, shaped like it and kept beyond any dispose scope: room for state.</summary>
    protected Tensor[] ZeroState() =>
        Parameters.Select(p => zeros_like(p).detach().DetachFromDisposeScope()).ToArray();
}
