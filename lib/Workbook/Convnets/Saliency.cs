using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Convnets;

/// <summary>
/// Gradients of a class score with respect to the input pixels (Notes §5.3.3), by a backward pass that walks the
/// network's layers from the top: every layer's input-gradient is computed by autograd, except at a ReLU, where plain
/// backpropagation multiplies by the mask z &gt; 0 and guided backpropagation (Springenberg et al., 2014) also zeroes the
/// negative incoming gradients, keeping only what raises the score.
/// </summary>
public static class Saliency
{
    /// <summary>
    /// ∂(logit of <paramref name="classes"/>[b]) / ∂<paramref name="images"/>[b] for each image b, walking the layers of
    /// <paramref name="model"/> ([batch, C, H, W] → [batch, C, H, W]); <paramref name="guided"/> switches to guided backprop.
    /// With guided = false the result equals autograd's gradient through the whole network (a unit test checks it).
    /// </summary>
    public static Tensor InputGradient(VisionCnn model, Tensor images, Tensor classes, bool guided)
    {
        using var scope = NewDisposeScope();
        var layers = model.Layers;
        var inputs = new List<Tensor>();
        var outputs = new List<Tensor>();
        var h = images;
        using (enable_grad())
        {
            foreach (var (_, layer) in layers)
            {
                var input = h.detach().requires_grad_(true);                         // each layer's input is a leaf of its own graph
                inputs.Add(input);
                h = layer.call(input);
                outputs.Add(h);
            }
        }
        var gradient = nn.functional.one_hot(classes, h.shape[1]).to_type(h.dtype); // [batch, classes]: d score / d logits
        for (var i = layers.Count - 1; i >= 0; i--)
        {
            if (layers[i].Layer is ReLU)
            {
                var positive = inputs[i].detach().gt(0).to_type(gradient.dtype);    // ReLU's own backward: the mask z > 0
                gradient = (guided ? gradient.clamp_min(0) : gradient) * positive;
            }
            else
            {
                gradient = torch.autograd.grad(new[] { outputs[i] }, new[] { inputs[i] }, new[] { gradient })[0];
            }
        }
        return gradient.detach().MoveToOuterDisposeScope();                          // [batch, C, H, W]
    }

    /// <summary>The saliency map: the largest absolute input-gradient over channels [batch, H, W].</summary>
    public static Tensor Map(VisionCnn model, Tensor images, Tensor classes, bool guided)
    {
        using var gradient = InputGradient(model, images, classes, guided);
        return gradient.abs().amax(new long[] { 1 });
    }

    /// <summary>
    /// For each map [batch, H, W] the share of its mass on the mask [batch, 1, H, W], divided by the mask's share of the
    /// pixels: 1 when saliency ignores the object, up to 1 / (mask share) when all of it sits on the object. Returns [batch].
    /// </summary>
    public static Tensor MassOnMaskOverAreaShare(Tensor maps, Tensor masks)
    {
        using var scope = NewDisposeScope();
        var m = masks.squeeze(1).to_type(maps.dtype);                               // [batch, H, W]
        var massShare = (maps * m).sum(new long[] { 1, 2 }) / maps.sum(new long[] { 1, 2 }).clamp_min(1e-12);
        var areaShare = m.mean(new long[] { 1, 2 });
        return (massShare / areaShare.clamp_min(1e-12)).MoveToOuterDisposeScope();
    }
}
