using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.DeepNets;

/// <summary>How the learning rate moves during a run.</summary>
public enum LearningRateSchedule
{
    /// <summary>The same rate at every step.</summary>
    Constant,

    /// <summary>Cosine decay from the rate to 0 over each of <see cref="TrainingConfig.Cycles"/> equal cycles, restarting at the top of each.</summary>
    CyclicCosine,
}

/// <summary>A mini-batch training run of a classifier on the mean cross-entropy.</summary>
/// <param name="Steps">optimizer steps.</param>
/// <param name="BatchSize">examples per step, drawn without replacement within each pass over the data.</param>
/// <param name="LearningRate">the (peak) learning rate.</param>
/// <param name="Adam">Adam if true, SGD (with <paramref name="Momentum"/>) if false.</param>
/// <param name="Momentum">SGD's momentum (0: plain SGD).</param>
/// <param name="Schedule">constant, or cosine cycles with restarts (snapshot ensembles).</param>
/// <param name="Cycles">how many cycles the cosine schedule has; a snapshot of the weights is kept at the end of each.</param>
/// <param name="ClipNorm">clip the gradient by norm to this bound before each step (null: no clipping).</param>
/// <param name="Seed">seed of the order in which examples are drawn.</param>
public sealed record TrainingConfig(int Steps, int BatchSize = 64, double LearningRate = 0.1, bool Adam = false, double Momentum = 0.0,
    LearningRateSchedule Schedule = LearningRateSchedule.Constant, int Cycles = 1, double? ClipNorm = null, int Seed = 0)
{
    /// <summary>An optional progress sink (for example <see cref="Workbook.Charts.LiveTraining"/>): every step's loss.</summary>
    public IProgress<Workbook.Training.TrainingProgress>? Progress { get; init; }

    /// <summary>The learning rate of step <paramref name="step"/> (0-based).</summary>
    public double LearningRateAt(int step)
    {
        if (Schedule == LearningRateSchedule.Constant)
        {
            return LearningRate;
        }
        var cycleLength = (double)Steps / Cycles;
        var progress = (step % cycleLength) / cycleLength;                           // [0, 1) within the cycle
        return 0.5 * LearningRate * (1 + Math.Cos(Math.PI * progress));
    }

    /// <summary>Checks the numbers fit together.</summary>
    public void Validate()
    {
        if (Steps < 1 || BatchSize < 1 || !(LearningRate > 0) || Cycles < 1 || Cycles > Steps)
        {
            throw new ArgumentException($"training config out of range: {this}");
        }
    }
}

/// <summary>What a training run recorded.</summary>
/// <param name="Losses">the training loss of every step's mini-batch.</param>
/// <param name="GradientNorms">the gradient's global norm at every step, before any clipping.</param>
/// <param name="Snapshots">copies of the weights at the end of each cycle (one, the final weights, for a single cycle).</param>
public sealed record TrainingRun(IReadOnlyList<double> Losses, IReadOnlyList<double> GradientNorms, IReadOnlyList<Dictionary<string, Tensor>> Snapshots);

/// <summary>Training and evaluating classifiers: mini-batch SGD or Adam on cross-entropy, accuracy and log-loss.</summary>
public static class ClassifierTraining
{
    /// <summary>Trains <paramref name="model"/> (logits [batch, classes] from inputs [batch, ...]) on <paramref name="data"/> in place.</summary>
    public static TrainingRun Train(nn.Module<Tensor, Tensor> model, ClassificationData data, TrainingConfig config)
    {
        config.Validate();
        var parameters = model.parameters().ToList();
        optim.Optimizer optimizer = config.Adam
            ? optim.Adam(parameters, config.LearningRate)
            : optim.SGD(parameters, config.LearningRate, momentum: config.Momentum);
        var random = new Random(config.Seed);
        var order = Array.Empty<long>();
        var position = 0;
        var losses = new List<double>();
        var norms = new List<double>();
        var snapshots = new List<Dictionary<string, Tensor>>();
        var cycleLength = (double)config.Steps / config.Cycles;
        model.train();
        for (var step = 0; step < config.Steps; step++)
        {
            if (position + config.BatchSize > order.Length)
            {
                order = Shuffled(data.Count, random);                               // a new pass over the data
                position = 0;
            }
            var learningRate = config.LearningRateAt(step);
            foreach (var group in optimizer.ParamGroups)
            {
                group.LearningRate = learningRate;
            }
            using (var scope = NewDisposeScope())
            {
                var take = Math.Min(config.BatchSize, order.Length);
                var index = tensor(order.AsSpan(position, take).ToArray());          // [batch]
                position += take;
                var logits = model.call(data.Inputs.index_select(0, index));        // [batch, classes]
                var loss = nn.functional.cross_entropy(logits, data.Labels.index_select(0, index));
                optimizer.zero_grad();
                loss.backward();
                norms.Add(config.ClipNorm is { } bound ? Clipping.ClipByNorm(parameters, bound) : Clipping.GlobalNorm(parameters));
                optimizer.step();
                losses.Add(loss.ToDouble());
                config.Progress?.Report(new Workbook.Training.TrainingProgress(step + 1, config.Steps, "loss", losses[^1]));
            }
            if ((int)((step + 1) / cycleLength + 1e-9) > snapshots.Count)
            {
                snapshots.Add(Snapshot(model));                                     // the end of a cycle
            }
        }
        return new TrainingRun(losses, norms, snapshots);
    }

    /// <summary>A copy of every parameter and buffer of <paramref name="model"/>, by name.</summary>
    public static Dictionary<string, Tensor> Snapshot(nn.Module model) =>
        model.state_dict().ToDictionary(entry => entry.Key, entry => entry.Value.detach().clone().DetachFromDisposeScope());

    /// <summary>Class probabilities softmax(model(x)) [count, classes], in evaluation mode and without gradients.</summary>
    public static Tensor Probabilities(nn.Module<Tensor, Tensor> model, Tensor inputs)
    {
        var wasTraining = model.training;
        model.eval();
        using (no_grad())
        {
            var probabilities = softmax(model.call(inputs), 1);                     // [count, classes]
            model.train(wasTraining);
            return probabilities;
        }
    }

    /// <summary>The share of rows whose most probable class is the label.</summary>
    public static double Accuracy(Tensor probabilities, Tensor labels)
    {
        using var _ = no_grad();
        return (probabilities.argmax(1) == labels).to_type(ScalarType.Float64).mean().ToDouble();
    }

    /// <summary>The mean negative log-probability of the labels (log-loss); probabilities are floored at 1e-12.</summary>
    public static double NegativeLogLikelihood(Tensor probabilities, Tensor labels)
    {
        using var _ = no_grad();
        var picked = probabilities.gather(1, labels.unsqueeze(1)).squeeze(1);        // p(y | x): [count]
        return -picked.clamp_min(1e-12).log().mean().ToDouble();
    }

    /// <summary>The accuracy of <paramref name="model"/> on <paramref name="data"/>.</summary>
    public static double Accuracy(nn.Module<Tensor, Tensor> model, ClassificationData data) =>
        Accuracy(Probabilities(model, data.Inputs), data.Labels);

    private static long[] Shuffled(long count, Random random)
    {
        var order = new long[count];
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
        }
        random.Shuffle(order);
        return order;
    }
}
