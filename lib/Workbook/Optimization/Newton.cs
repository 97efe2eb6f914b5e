using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Optimization;

/// <summary>Settings of Newton's method.</summary>
/// <param name="StepSize">α; 1 is the pure Newton step, which jumps to the minimum of the local quadratic model.</param>
public sealed record NewtonConfig(double StepSize = 1.0);

/// <summary>
/// Newton's method (Notes §3.2, Algorithm 2): θ_{k+1} = θ_k − α H⁻¹ ∇L(θ_k), with H = ∇²L(θ_k) the Hessian. It minimises
/// the second-order Taylor model of the loss, so on a quadratic with α = 1 it lands on the minimiser in one step, however
/// badly conditioned. It goes to the nearest critical point of that model, which is a minimum only when H is positive
/// definite: at a saddle or a maximum it does not descend. The Hessian comes from autograd, one backward pass per
/// coordinate, and the linear solve costs O(d³): fine for the 2-D test functions, impossible for a network.
/// </summary>
public sealed class Newton : IOptimizer
{
    private readonly NewtonConfig config;

    /// <summary>Newton's method on <paramref name="parameters"/> (leaf tensors with requires_grad).</summary>
    public Newton(IEnumerable<Tensor> parameters, NewtonConfig config)
    {
        Parameters = parameters.ToList();
        if (Parameters.Count == 0 || Parameters.Any(p => !p.requires_grad || !p.is_leaf))
        {
            throw new ArgumentException("Newton's method needs at least one parameter, each a leaf tensor with requires_grad", nameof(parameters));
        }
        if (!(config.StepSize > 0))
        {
            throw new ArgumentException($"the step size must be positive, got {config.StepSize}", nameof(config));
        }
        this.config = config;
    }

    /// <inheritdoc />
    public string Name => "Newton";

    /// <inheritdoc />
    public IReadOnlyList<Tensor> Parameters { get; }

    /// <inheritdoc />
    public double Step(Func<Tensor> loss)
    {
        using var scope = NewDisposeScope();
        var value = loss();
        var (gradient, hessian) = Derivatives(value, Parameters);         // [d], [d, d]
        var delta = linalg.solve(hessian, gradient);                      // H⁻¹ ∇L, [d]
        using (no_grad())
        {
            var offset = 0L;
            foreach (var p in Parameters)
            {
                var size = p.numel();
                p.sub_(config.StepSize * delta.narrow(0, offset, size).reshape(p.shape));
                offset += size;
            }
        }
        return value.item<double>();
    }

    /// <summary>
    /// The gradient [d] and Hessian [d, d] of a scalar <paramref name="loss"/> with respect to the parameters, flattened
    /// and concatenated in order (d = total number of elements). Every gradient component must depend on the parameters.
    /// </summary>
    public static (Tensor Gradient, Tensor Hessian) Derivatives(Tensor loss, IReadOnlyList<Tensor> parameters)
    {
        var inputs = parameters.ToArray();
        var gradient = cat(autograd.grad(new[] { loss }, inputs, retain_graph: true, create_graph: true).Select(g => g.reshape(-1)).ToArray());   // [d]
        var d = gradient.shape[0];
        var rows = new Tensor[d];
        for (var i = 0; i < d; i++)
        {
            rows[i] = cat(autograd.grad(new[] { gradient[i] }, inputs, retain_graph: true).Select(g => g.reshape(-1)).ToArray());  // ∂g_i/∂θ, [d]
        }
        return (gradient.detach(), stack(rows).detach());
    }
}
