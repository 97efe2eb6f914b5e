using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Optimization;

/// <summary>
/// An optimiser over plain parameter tensors (leaf tensors with <c>requires_grad</c>), updated in place, in the
/// spirit of <c>torch.optim</c> but written out from the update rules of Notes §3 so that each can be read in a
/// few lines.
/// </summary>
public interface IOptimizer
{
    /// <summary>A short name for legends, e.g. "Adam".</summary>
    string Name { get; }

    /// <summary>The tensors this optimiser updates in place.</summary>
    IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>
    /// One step on the loss that <paramref name="loss"/> evaluates at the current parameters (a closure, as for
    /// <c>torch.optim.LBFGS</c>): the method takes whatever derivatives it needs and moves the parameters.
    /// Returns the loss before the step.
    /// </summary>
    double Step(Func<Tensor> loss);
}
