using static TorchSharp.torch;

namespace Workbook.Training;

/// <summary>Parameters and gradients as one flat vector (natural-gradient steps, gradient-variance estimates).</summary>
public static class ParameterVectors
{
    /// <summary>The tensors (gradients or parameters, in order) reshaped to rows and concatenated: [Σ numel].</summary>
    public static Tensor Flatten(IEnumerable<Tensor> tensors) => cat(tensors.Select(t => t.reshape(-1)).ToList());
}
