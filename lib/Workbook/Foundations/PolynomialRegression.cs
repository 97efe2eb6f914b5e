using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Foundations;

/// <summary>Settings of a gradient-descent fit.</summary>
/// <param name="Steps">gradient steps.</param>
/// <param name="LearningRate">step size α; null picks 1/L, where L is the largest curvature of the objective
/// (the largest eigenvalue of its Hessian), the largest step that is safe in every direction.</param>
public sealed record GradientFitConfig(int Steps = 2000, double? LearningRate = null);

/// <summary>The outcome of <see cref="PolynomialRegression.FitByGradientDescent"/>.</summary>
/// <param name="Model">the polynomial after the last step.</param>
/// <param name="Objective">the averaged objective J(θ_k)/n before each step k and after the last one (Steps + 1 values).</param>
/// <param name="LearningRate">the step size used.</param>
/// <param name="ConditionNumber">κ = largest / smallest eigenvalue of the objective's Hessian (for ridge, of ΦᵀΦ + λI):
/// the error along the flattest direction shrinks only by a factor (1 − 1/κ) per step at α = 1/L.</param>
public sealed record GradientFit(PolynomialModel Model, double[] Objective, double LearningRate, double ConditionNumber);

/// <summary>
/// Polynomial regression of one training set, two ways: the closed form (<see cref="RidgeRegression"/> on the
/// polynomial design matrix) and plain gradient descent on the same objective (Notes §3.1), which must arrive at
/// the same coefficients.
/// </summary>
public static class PolynomialRegression
{
    /// <summary>
    /// The minimiser of ‖y − Φθ‖² + λ‖θ‖² over polynomials of <paramref name="degree"/>, in closed form. A batch of
    /// training sets (X, Y of shape [sets, n]) gives a batch of polynomials (weights [sets, degree + 1]).
    /// </summary>
    public static PolynomialModel Fit(RegressionSample data, int degree, double lambda = 0)
    {
        using var scope = NewDisposeScope();
        var design = PolynomialFeatures.Design(data.X, degree);                // [..., n, degree + 1]
        var weights = RidgeRegression.Solve(design, data.Y, lambda);           // [..., degree + 1]
        return new PolynomialModel(weights.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Gradient descent θ ← θ − α ∇(J(θ)/n) from θ = 0 on one training set (X, Y of shape [n]), with the gradient
    /// from autograd. J/n (the mean squared error plus λ‖θ‖²/n) has the same minimiser as J and a step size that
    /// does not depend on n.
    /// </summary>
    public static GradientFit FitByGradientDescent(RegressionSample data, int degree, double lambda, GradientFitConfig config)
    {
        if (data.X.dim() != 1)
        {
            throw new ArgumentException($"gradient descent fits one training set, X [n]; got [{string.Join(", ", data.X.shape)}]");
        }
        using var scope = NewDisposeScope();
        var design = PolynomialFeatures.Design(data.X, degree);                            // [n, p]
        var n = design.shape[0];
        var p = design.shape[1];
        var curvature = design.t().matmul(design) + lambda * eye(p, dtype: float64);        // [p, p]; the Hessian of J/n is (2/n) times this
        var fit = MinimiseByGradientDescent(theta => RidgeRegression.Objective(design, data.Y, theta, lambda) / n,
            (2.0 / n) * curvature, config);
        return fit with { Model = new PolynomialModel(fit.Model.Weights.MoveToOuterDisposeScope()) };
    }

    /// <summary>
    /// Plain gradient descent (Notes §3.1) from θ = 0 on a quadratic objective whose Hessian is <paramref name="hessian"/>
    /// [p, p] (used for the default step 1/L and for the condition number), with the gradient from autograd.
    /// </summary>
    /// <param name="objective">θ [p] ↦ a scalar, differentiable.</param>
    /// <param name="hessian">the objective's Hessian, symmetric positive definite, [p, p].</param>
    /// <param name="config">steps and step size.</param>
    public static GradientFit MinimiseByGradientDescent(Func<Tensor, Tensor> objective, Tensor hessian, GradientFitConfig config)
    {
        if (config.Steps < 0)
        {
            throw new ArgumentException($"the number of steps must be >= 0, got {config.Steps}", nameof(config));
        }
        using var scope = NewDisposeScope();
        var eigenvalues = linalg.eigvalsh(hessian);                                         // [p], ascending
        var (smallest, largest) = (eigenvalues[0].item<double>(), eigenvalues[-1].item<double>());
        var learningRate = config.LearningRate ?? 1 / largest;                              // 1/L
        var theta = zeros(hessian.shape[0], dtype: float64).requires_grad_(true);           // [p]
        var trace = new double[config.Steps + 1];
        for (var k = 0; k <= config.Steps; k++)
        {
            using var stepScope = NewDisposeScope();
            var loss = objective(theta);                                                    // scalar
            trace[k] = loss.item<double>();
            if (k == config.Steps)
            {
                break;
            }
            loss.backward();
            using (no_grad())
            {
                theta.sub_(learningRate * theta.grad!);
                theta.grad!.zero_();
            }
        }
        var model = new PolynomialModel(theta.detach().clone().MoveToOuterDisposeScope());
        return new GradientFit(model, trace, learningRate, largest / smallest);
    }
}
