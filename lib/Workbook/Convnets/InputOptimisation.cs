using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Convnets;

/// <summary>What an optimisation of the input image recorded.</summary>
/// <param name="Image">the final image [1, C, H, W] (detached).</param>
/// <param name="Objective">the objective at every step, before that step's update: the class score for
/// <see cref="InputOptimisation.VisualiseClass"/>, the mean squared activation for <see cref="InputOptimisation.DeepDream"/>.</param>
/// <param name="Norms">the image's L2 norm after every step.</param>
public sealed record InputOptimisationRun(Tensor Image, IReadOnlyList<double> Objective, IReadOnlyList<double> Norms);

/// <summary>Class visualisation by gradient ascent on the input (Notes §5.3.4-5.3.5).</summary>
/// <param name="Steps">ascent steps.</param>
/// <param name="StepSize">α in x ← x + α ∇ₓ(S_c(x) − λ‖x‖²).</param>
/// <param name="Penalty">λ: the weight of the L2 penalty subtracted from the score (a negative λ is the notes' sign, which rewards large images).</param>
/// <param name="BlurEvery">every this many steps the image is blurred with a 3×3 [1 2 1]ᵀ[1 2 1]/16 kernel (0: never).</param>
/// <param name="Size">height and width of the image.</param>
/// <param name="Seed">seed of the small N(0, 0.01²) noise the image starts from.</param>
public sealed record ClassVisualisationConfig(int Steps = 150, double StepSize = 0.05, double Penalty = 0.05, int BlurEvery = 5, int Size = 16, int Seed = 0);

/// <summary>Deep Dream (Notes §5.4): gradient ascent on ½·mean(a²) of one layer's activations a, with jitter.</summary>
/// <param name="Layer">the layer whose activations are amplified (a <see cref="VisionCnn"/> layer name).</param>
/// <param name="Steps">ascent steps.</param>
/// <param name="StepSize">each step moves the image by StepSize · g / mean|g| (a normalised gradient step).</param>
/// <param name="Jitter">before each step the image is rolled by up to this many pixels in x and y, and rolled back after.</param>
/// <param name="Seed">seed of the jitter.</param>
public sealed record DeepDreamConfig(string Layer = "relu2", int Steps = 60, double StepSize = 0.02, int Jitter = 2, int Seed = 0);

/// <summary>Style transfer (Notes §5.5) by Adam on the image, starting from the content image.</summary>
/// <param name="StyleLayers">layers whose Gram matrices are matched (equal weights).</param>
/// <param name="ContentLayer">the layer whose activations are matched to the content image's.</param>
/// <param name="StyleWeight">weight of the style loss.</param>
/// <param name="ContentWeight">weight of the content loss.</param>
/// <param name="Steps">Adam steps.</param>
/// <param name="LearningRate">Adam's learning rate (on pixel values).</param>
public sealed record StyleTransferConfig(string[] StyleLayers, string ContentLayer = "relu3", double StyleWeight = 100.0,
    double ContentWeight = 1.0, int Steps = 150, double LearningRate = 0.03);

/// <summary>What a style transfer recorded: the image and both losses (unweighted) at every step.</summary>
/// <param name="Image">the final image [1, C, H, W].</param>
/// <param name="StyleLosses">Σ over style layers of Σ_km (G_km(x) − G_km(style))².</param>
/// <param name="ContentLosses">mean over positions and channels of (f(x) − f(content))² at the content layer.</param>
public sealed record StyleTransferRun(Tensor Image, IReadOnlyList<double> StyleLosses, IReadOnlyList<double> ContentLosses);

/// <summary>
/// Optimising the input of a trained network instead of its weights: class visualisation (§5.3.5), Deep Dream (§5.4)
/// and style transfer (§5.5). The network's weights stay fixed (gradients are taken with respect to the image only).
/// </summary>
public static class InputOptimisation
{
    /// <summary>Gradient ascent on the logit of <paramref name="targetClass"/> minus λ‖x‖², with periodic blurring.</summary>
    public static InputOptimisationRun VisualiseClass(VisionCnn model, int targetClass, ClassVisualisationConfig config)
    {
        var generator = new Generator((ulong)config.Seed);
        var dtype = model.parameters().First().dtype;                               // the image in the network's precision
        var x = (0.01 * randn(new long[] { 1, 1, config.Size, config.Size }, dtype, generator: generator)).requires_grad_(true);
        var scores = new List<double>();
        var norms = new List<double>();
        model.eval();
        for (var step = 0; step < config.Steps; step++)
        {
            using var scope = NewDisposeScope();
            var score = model.call(Copies(x))[.., targetClass].mean();                // the same image 16 times (see Copies)
            var objective = score - config.Penalty * x.pow(2).sum();
            var gradient = torch.autograd.grad(new[] { objective }, new[] { x })[0];
            scores.Add(score.ToDouble());
            using (no_grad())
            {
                var next = x + config.StepSize * gradient;
                if (config.BlurEvery > 0 && (step + 1) % config.BlurEvery == 0)
                {
                    next = Blur(next);
                }
                x = next.detach().MoveToOuterDisposeScope().requires_grad_(true);
                norms.Add(x.norm().ToDouble());
            }
        }
        return new InputOptimisationRun(x.detach(), scores, norms);
    }

    /// <summary>Deep Dream on <paramref name="image"/> [1, C, H, W]: amplify what <see cref="DeepDreamConfig.Layer"/> already sees.</summary>
    public static InputOptimisationRun DeepDream(VisionCnn model, Tensor image, DeepDreamConfig config)
    {
        var random = new Random(config.Seed);
        var x = image.detach().clone();
        var objectives = new List<double>();
        var norms = new List<double>();
        model.eval();
        for (var step = 0; step < config.Steps; step++)
        {
            using var scope = NewDisposeScope();
            long dy = random.Next(-config.Jitter, config.Jitter + 1), dx = random.Next(-config.Jitter, config.Jitter + 1);
            var shifted = x.roll(new[] { dy, dx }, new long[] { 2, 3 }).requires_grad_(true);   // jitter
            var a = model.Activations(Copies(shifted), config.Layer)[config.Layer];            // [16, C, h, w], 16 equal copies
            var objective = 0.5 * a.pow(2).mean();
            var gradient = torch.autograd.grad(new[] { objective }, new[] { shifted })[0];
            objectives.Add(objective.ToDouble());
            using (no_grad())
            {
                var moved = shifted + config.StepSize * gradient / (gradient.abs().mean() + 1e-8);
                x = moved.roll(new[] { -dy, -dx }, new long[] { 2, 3 }).detach().MoveToOuterDisposeScope(); // un-jitter
                norms.Add(x.norm().ToDouble());
            }
        }
        return new InputOptimisationRun(x, objectives, norms);
    }

    /// <summary>The Gram matrices G_km = mean over positions of f_k f_m, for activations [batch, C, H, W] → [batch, C, C].</summary>
    public static Tensor Gram(Tensor activations)
    {
        var f = activations.flatten(2);                                              // [batch, C, H·W]
        return matmul(f, f.transpose(1, 2)) / f.shape[2];                            // [batch, C, C]
    }

    /// <summary>The style loss of image <paramref name="x"/> against target Grams, one per style layer (Notes §5.5.1 with w_l = 1).</summary>
    public static Tensor StyleLoss(VisionCnn model, Tensor x, IReadOnlyDictionary<string, Tensor> targetGrams)
    {
        var activations = model.Activations(Copies(x), targetGrams.Keys.ToArray());
        var loss = zeros(1);
        foreach (var (layer, target) in targetGrams)
        {
            loss = loss + (Gram(activations[layer][..1]) - target).pow(2).sum();
        }
        return loss.squeeze();
    }

    /// <summary>
    /// Style transfer: from the content image, Adam on StyleWeight·style loss + ContentWeight·content loss. Content and
    /// style images may differ in size (the Gram matrix does not depend on the number of positions).
    /// </summary>
    public static StyleTransferRun StyleTransfer(VisionCnn model, Tensor content, Tensor style, StyleTransferConfig config)
    {
        model.eval();
        Dictionary<string, Tensor> targetGrams;
        Tensor targetContent;
        using (no_grad())
        {
            var styleActivations = model.Activations(Copies(style), config.StyleLayers);
            targetGrams = config.StyleLayers.ToDictionary(l => l, l => Gram(styleActivations[l])[..1]);
            targetContent = model.Activations(Copies(content), config.ContentLayer)[config.ContentLayer][..1];
        }
        var x = new TorchSharp.Modules.Parameter(content.detach().clone());          // the image is the only thing optimised
        var optimizer = optim.Adam(new[] { x }, config.LearningRate);
        var styleLosses = new List<double>();
        var contentLosses = new List<double>();
        for (var step = 0; step <= config.Steps; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var styleLoss = StyleLoss(model, x, targetGrams);
            var contentLoss = (model.Activations(Copies(x), config.ContentLayer)[config.ContentLayer][..1] - targetContent).pow(2).mean();
            styleLosses.Add(styleLoss.ToDouble());
            contentLosses.Add(contentLoss.ToDouble());
            if (step == config.Steps)
            {
                break;                                                               // the last entry is the final image's loss
            }
            var total = config.StyleWeight * styleLoss + config.ContentWeight * contentLoss;
            var gradient = torch.autograd.grad(new[] { total }, new[] { x })[0];
            x.grad = gradient;
            optimizer.step();
        }
        return new StyleTransferRun(x.detach(), styleLosses, contentLosses);
    }

    /// <summary>
    /// In single precision, one image [1, C, H, W] as a batch of 16 equal copies (a view, no copy): libtorch probes for
    /// NNPACK on every single-precision convolution of a batch under 16 and prints a warning each time on this machine's
    /// CPUs; the copies' mean score has the same gradient as the single image's. NNPACK has no double precision, so a
    /// float64 image is returned as it is.
    /// </summary>
    public static Tensor Copies(Tensor image) => image.dtype == ScalarType.Float32 ? image.expand(16, -1, -1, -1) : image;

    /// <summary>A 3×3 binomial blur with edge replication, per channel: [batch, C, H, W] → same shape.</summary>
    public static Tensor Blur(Tensor x)
    {
        using var scope = NewDisposeScope();
        var k1 = tensor(new float[] { 1, 2, 1 }) / 4;
        var kernel = outer(k1, k1).to_type(x.dtype).view(1, 1, 3, 3).repeat(x.shape[1], 1, 1, 1); // [C, 1, 3, 3]
        var batch = x.shape[0] < 16 && x.dtype == ScalarType.Float32 ? x.expand(16 * x.shape[0], -1, -1, -1) : x; // see Copies
        var padded = nn.functional.pad(batch, new long[] { 1, 1, 1, 1 }, PaddingModes.Replicate);
        return nn.functional.conv2d(padded, kernel, groups: x.shape[1])[..(int)x.shape[0]].contiguous().MoveToOuterDisposeScope();
    }
}
