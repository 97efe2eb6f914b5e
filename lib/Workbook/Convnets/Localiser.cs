using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Workbook.Training;

namespace Workbook.Convnets;

/// <summary>Sizes of a <see cref="Localiser"/>.</summary>
/// <param name="ImageSize">height and width of the (square) input images; a multiple of 4.</param>
/// <param name="Classes">number of classes.</param>
/// <param name="Channels1">channels of the first convolution.</param>
/// <param name="Channels2">channels of the second.</param>
/// <param name="Hidden">units of the shared fully connected layer the two heads read.</param>
public sealed record LocaliserConfig(int ImageSize = 16, int Classes = 4, int Channels1 = 16, int Channels2 = 32, int Hidden = 64);

/// <summary>
/// Classification plus localisation (Notes §5.2.1): a CNN trunk (3×3 convolution, ReLU, 2×2 max pool, twice), one
/// shared fully connected layer, then two heads, the class logits and one box. The box head predicts the corners
/// (x1, y1, x2, y2) as fractions of the image side through a sigmoid, so they stay inside the image.
/// </summary>
public sealed class Localiser : nn.Module<Tensor, (Tensor Logits, Tensor Boxes)>
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear hidden;
    private readonly Linear classHead;
    private readonly Linear boxHead;
    private readonly int imageSize;

    /// <summary>A network as <paramref name="config"/> describes, with torch's default initialisation.</summary>
    public Localiser(LocaliserConfig config) : base(nameof(Localiser))
    {
        if (config.ImageSize % 4 != 0 || config.ImageSize < 4)
        {
            throw new ArgumentException($"the image size must be a positive multiple of 4, got {config.ImageSize}");
        }
        imageSize = config.ImageSize;
        conv1 = nn.Conv2d(1, config.Channels1, 3, padding: 1);
        conv2 = nn.Conv2d(config.Channels1, config.Channels2, 3, padding: 1);
        var side = config.ImageSize / 4;
        hidden = nn.Linear(config.Channels2 * side * side, config.Hidden);
        classHead = nn.Linear(config.Hidden, config.Classes);
        boxHead = nn.Linear(config.Hidden, 4);
        RegisterComponents();
    }

    /// <summary>Class logits [batch, classes] and boxes [batch, 4] in pixels, (x1, y1, x2, y2).</summary>
    public override (Tensor Logits, Tensor Boxes) forward(Tensor x)
    {
        var h = nn.functional.max_pool2d(nn.functional.relu(conv1.call(x)), 2);    // [batch, C1, S/2, S/2]
        h = nn.functional.max_pool2d(nn.functional.relu(conv2.call(h)), 2);        // [batch, C2, S/4, S/4]
        var shared = nn.functional.relu(hidden.call(h.flatten(1)));                 // [batch, hidden]
        var boxes = sigmoid(boxHead.call(shared)) * imageSize;                      // [batch, 4] in pixels
        return (classHead.call(shared), boxes);
    }
}

/// <summary>Adam on cross-entropy plus a weighted L1 loss on the box corners (in fractions of the image side).</summary>
/// <param name="Steps">optimizer steps.</param>
/// <param name="BatchSize">images per step, drawn without replacement within each pass.</param>
/// <param name="LearningRate">Adam's learning rate.</param>
/// <param name="BoxWeight">weight of the box loss against the class loss.</param>
/// <param name="Seed">seed of the order in which images are drawn.</param>
public sealed record LocaliserTrainerConfig(int Steps = 600, int BatchSize = 64, double LearningRate = 0.003, double BoxWeight = 5.0, int Seed = 0);

/// <summary>What a localiser's training recorded: the class and the box loss of every step.</summary>
/// <param name="ClassLosses">cross-entropy per step.</param>
/// <param name="BoxLosses">mean L1 corner error per step, in fractions of the image side.</param>
public sealed record LocaliserRun(IReadOnlyList<double> ClassLosses, IReadOnlyList<double> BoxLosses);

/// <summary>Training and evaluating a <see cref="Localiser"/> on <see cref="ShapeScene"/>s.</summary>
public static class LocaliserTrainer
{
    /// <summary>Trains <paramref name="model"/> in place on <paramref name="scene"/>'s labels and boxes.</summary>
    public static LocaliserRun Train(Localiser model, ShapeScene scene, LocaliserTrainerConfig config)
    {
        var optimizer = optim.Adam(model.parameters(), config.LearningRate);
        var minibatches = new MinibatchCycle((int)scene.Count, config.BatchSize, new Random(config.Seed));
        var classLosses = new List<double>();
        var boxLosses = new List<double>();
        var side = (double)scene.Size;
        model.train();
        for (var step = 0; step < config.Steps; step++)
        {
            using var scope = NewDisposeScope();
            var batch = scene.Select(tensor(minibatches.Next()));
            optimizer.zero_grad();
            var (logits, boxes) = model.call(batch.Images);                          // [B, classes], [B, 4]
            var classLoss = nn.functional.cross_entropy(logits, batch.Labels);
            var boxLoss = nn.functional.l1_loss(boxes / side, batch.Boxes / side);
            (classLoss + config.BoxWeight * boxLoss).backward();
            optimizer.step();
            classLosses.Add(classLoss.ToDouble());
            boxLosses.Add(boxLoss.ToDouble());
        }
        model.eval();
        return new LocaliserRun(classLosses, boxLosses);
    }

    /// <summary>Predicted classes [count] and boxes [count, 4] for <paramref name="images"/>.</summary>
    public static (Tensor Classes, Tensor Boxes) Predict(Localiser model, Tensor images)
    {
        using var _ = no_grad();
        var (logits, boxes) = model.call(images);
        return (logits.argmax(1), boxes);
    }
}
