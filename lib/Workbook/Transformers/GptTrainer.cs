using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Transformers;

/// <summary>
/// How <see cref="GptTrainer"/> trains (nanoGPT's train.py defaults, scaled down).
/// </summary>
/// <param name="Steps">optimizer steps.</param>
/// <param name="BatchSize">sequences per step.</param>
/// <param name="LearningRate">peak learning rate, reached at the end of warm-up.</param>
/// <param name="MinLearningRate">learning rate at the end of the cosine decay.</param>
/// <param name="WarmupSteps">linear warm-up from 0 to the peak.</param>
/// <param name="WeightDecay">AdamW decoupled weight decay on matrices (not on biases, gains or position biases).</param>
/// <param name="Beta1">AdamW β₁.</param>
/// <param name="Beta2">AdamW β₂.</param>
/// <param name="GradientClip">the global gradient norm is clipped to this (0 = no clipping).</param>
/// <param name="EvalInterval">evaluate the validation loss every this many steps (and at the end).</param>
/// <param name="EvalBatches">batches of <see cref="BatchSize"/> random windows per evaluation (the same windows every time).</param>
/// <param name="Seed">seeds the batch order (model initialisation is seeded by whoever builds the model).</param>
/// <param name="Log">print a line per evaluation to the console.</param>
public sealed record GptTrainerConfig(int Steps = 1000, int BatchSize = 12, double LearningRate = 1e-3, double MinLearningRate = 1e-4,
    int WarmupSteps = 100, double WeightDecay = 0.1, double Beta1 = 0.9, double Beta2 = 0.99, double GradientClip = 1.0,
    int EvalInterval = 100, int EvalBatches = 8, int Seed = 0, bool Log = true)
{
    /// <summary>An optional progress sink (for example <see cref="Workbook.Charts.LiveTraining"/>): every step's training loss.</summary>
    public IProgress<Workbook.Training.TrainingProgress>? Progress { get; init; }

    /// <summary>
    /// Learning rate at <paramref name="step"/>: linear warm-up to the peak, then cosine decay to the minimum at the last step,
    ///   lr(s) = lr_min + ½ (lr_max - lr_min)(1 + cos(π (s - warmup) / (steps - warmup))).
    /// </summary>
    public double LearningRateAt(int step)
    {
        if (step < WarmupSteps)
        {
            return LearningRate * (step + 1) / WarmupSteps;
        }
        var decaySteps = Math.Max(1, Steps - WarmupSteps);
        var progress = Math.Min(1.0, (double)(step - WarmupSteps) / decaySteps);
        return MinLearningRate + 0.5 * (LearningRate - MinLearningRate) * (1 + Math.Cos(Math.PI * progress));
    }
}

/// <summary>
/// What a language model is trained to predict from a window of context + 1 tokens [B, T+1]
/// (Slides D, training objectives: next token vs infill).
/// </summary>
public interface ITrainingObjective
{
    /// <summary>A short name ("causal-lm", "masked-lm").</summary>
    string Name { get; }

    /// <summary>The mean loss (nats per predicted token) of <paramref name="model"/> on <paramref name="windows"/> [B, T+1].</summary>
    Tensor Loss(LanguageModel model, Tensor windows, Generator generator);
}

/// <summary>Next-token prediction (GPT; Notes §6.9.3): inputs are tokens 0..T-1, targets tokens 1..T.</summary>
public sealed class CausalLanguageModeling : ITrainingObjective
{
    /// <summary>The one instance.</summary>
    public static readonly CausalLanguageModeling Instance = new();

    /// <inheritdoc />
    public string Name => "causal-lm";

    /// <inheritdoc />
    public Tensor Loss(LanguageModel model, Tensor windows, Generator generator) => model.Loss(windows[.., ..^1], windows[.., 1..]);
}

/// <summary>One row of a training history.</summary>
/// <param name="Step">steps done.</param>
/// <param name="TrainLoss">mean training loss (nats per token) since the previous row.</param>
/// <param name="ValidLoss">validation loss at this step (nats per token).</param>
/// <param name="LearningRate">learning rate of the last step.</param>
/// <param name="Seconds">wall time of training so far (evaluation excluded).</param>
/// <param name="Tokens">tokens trained on so far.</param>
public sealed record TrainingPoint(int Step, double TrainLoss, double ValidLoss, double LearningRate, double Seconds, long Tokens);

/// <summary>What <see cref="GptTrainer.Train"/> returns: one <see cref="TrainingPoint"/> per evaluation, and the same rows as a <see cref="TrainingLog"/>.</summary>
public sealed record GptTrainerHistory(IReadOnlyList<TrainingPoint> Points)
{
    /// <summary>The points as the library's one history shape: columns step, train_loss, valid_loss, learning_rate, wall_seconds, tokens.</summary>
    public TrainingLog Log
    {
        get
        {
            var log = new TrainingLog("step", "train_loss", "valid_loss", "learning_rate", "wall_seconds", "tokens");
            foreach (var p in Points)
            {
                log.Add(("step", p.Step), ("train_loss", p.TrainLoss), ("valid_loss", p.ValidLoss), ("learning_rate", p.LearningRate), ("wall_seconds", p.Seconds), ("tokens", p.Tokens));
            }
            return log;
        }
    }

    /// <summary>The last validation loss.</summary>
    public double FinalValidLoss => Points[^1].ValidLoss;

    /// <summary>Training tokens per second of wall time (forward, backward and optimizer step; evaluation excluded).</summary>
    public double TokensPerSecond => Points[^1].Tokens / Math.Max(1e-9, Points[^1].Seconds);
}

/// <summary>
/// Trains a <see cref="Gpt"/> on a token stream by next-token prediction: random windows of
/// context+1 tokens, AdamW, warm-up then cosine decay, global gradient-norm clipping, periodic
/// evaluation on fixed validation windows. Batches are cut with one gather (no per-token loops).
/// </summary>
public static class GptTrainer
{
    /// <summary>Trains <paramref name="model"/> in place on <paramref name="objective"/> (default: next token) and returns its history.</summary>
    public static GptTrainerHistory Train(LanguageModel model, IReadOnlyList<int> trainTokens, IReadOnlyList<int> validTokens, GptTrainerConfig config,
        ITrainingObjective? objective = null)
    {
        objective ??= CausalLanguageModeling.Instance;
        var context = model.Config.ContextLength;
        if (trainTokens.Count <= context + 1 || validTokens.Count <= context + 1)
        {
            throw new ArgumentException($"training ({trainTokens.Count}) and validation ({validTokens.Count}) texts must be longer than the context + 1 ({context + 1} tokens)");
        }
        using var train = tensor(trainTokens.Select(t => (long)t).ToArray());
        using var valid = tensor(validTokens.Select(t => (long)t).ToArray());
        using var batchGenerator = new Generator((ulong)config.Seed);
        var optimizer = CreateOptimizer(model, config);
        var points = new List<TrainingPoint>();
        var clock = new Stopwatch();
        var lossSum = 0.0;
        var lossCount = 0;
        long tokens = 0;
        model.train();
        for (var step = 0; step < config.Steps; step++)
        {
            clock.Start();
            var learningRate = config.LearningRateAt(step);
            Optimizers.SetLearningRate(optimizer, learningRate);
            using (var scope = NewDisposeScope())
            {
                var windows = Windows(train, config.BatchSize, context, batchGenerator);  // [B, T+1]
                optimizer.zero_grad();
                var loss = objective.Loss(model, windows, batchGenerator);
                loss.backward();
                if (config.GradientClip > 0)
                {
                    nn.utils.clip_grad_norm_(model.parameters(), config.GradientClip);
                }
                optimizer.step();
                var stepLoss = loss.item<float>();
                lossSum += stepLoss;
                lossCount++;
                config.Progress?.Report(new Workbook.Training.TrainingProgress(step + 1, config.Steps, "loss", stepLoss));
            }
            tokens += (long)config.BatchSize * context;
            clock.Stop();
            if ((step + 1) % config.EvalInterval == 0 || step + 1 == config.Steps)
            {
                var validLoss = Evaluate(model, valid, config.BatchSize, config.EvalBatches, objective);
                var point = new TrainingPoint(step + 1, lossSum / lossCount, validLoss, learningRate, clock.Elapsed.TotalSeconds, tokens);
                points.Add(point);
                lossSum = 0;
                lossCount = 0;
                if (config.Log)
                {
                    Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
                        "step {0,5}  train {1:F4}  valid {2:F4}  lr {3}  {4:F0} tokens/s", point.Step, point.TrainLoss, point.ValidLoss, Workbook.Display.Numbers.Format(learningRate), tokens / clock.Elapsed.TotalSeconds));
                }
            }
        }
        optimizer.Dispose();
        return new GptTrainerHistory(points);
    }

    /// <summary>
    /// Mean validation loss (nats per token) over <paramref name="batches"/> × <paramref name="batchSize"/>
    /// windows drawn with a fixed seed, so every evaluation sees the same windows.
    /// </summary>
    public static double Evaluate(LanguageModel model, Tensor tokens, int batchSize, int batches, ITrainingObjective? objective = null)
    {
        objective ??= CausalLanguageModeling.Instance;
        var wasTraining = model.training;
        model.eval();
        using var generator = new Generator(1234);
        var total = 0.0;
        using (no_grad())
        {
            for (var i = 0; i < batches; i++)
            {
                using var scope = NewDisposeScope();
                var windows = Windows(tokens, batchSize, model.Config.ContextLength, generator);
                total += objective.Loss(model, windows, generator).item<float>();
            }
        }
        model.train(wasTraining);
        return total / batches;
    }

    /// <summary>
    /// <paramref name="batchSize"/> random windows of the stream: inputs [B, T] and the same windows
    /// shifted by one as targets [B, T].
    /// </summary>
    public static (Tensor Inputs, Tensor Targets) Batch(Tensor stream, int batchSize, int context, Generator generator)
    {
        var windows = Windows(stream, batchSize, context, generator);                                  // [B, T+1]
        return (windows[.., ..^1], windows[.., 1..]);
    }

    /// <summary><paramref name="batchSize"/> random windows of <paramref name="context"/> + 1 consecutive tokens: [B, T+1].</summary>
    public static Tensor Windows(Tensor stream, int batchSize, int context, Generator generator)
    {
        using var starts = randint(0, stream.shape[0] - context - 1, new long[] { batchSize, 1 }, dtype: ScalarType.Int64, generator: generator); // [B, 1]
        using var index = starts + arange(context + 1);                                                // [B, T+1]
        return stream[index];
    }

    /// <summary>
    /// AdamW with two groups by module type and role (nanoGPT's configure_optimizers): the weights of Linear and
    /// Embedding modules decay; biases, layer-norm gains and shifts, and relative position biases do not.
    /// </summary>
    public static AdamW CreateOptimizer(nn.Module model, GptTrainerConfig config)
    {
        var decayed = model.modules()
            .Where(m => m is Linear or Embedding)
            .SelectMany(m => m.named_parameters(recurse: false).Where(p => p.name == "weight").Select(p => p.parameter.Handle)) // the registered tensors
            .ToHashSet();
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        var decay = trainable.Where(p => decayed.Contains(p.Handle)).ToList();
        var noDecay = trainable.Where(p => !decayed.Contains(p.Handle)).ToList();
        var groups = new[]
        {
            new AdamW.ParamGroup(decay, new AdamW.Options { LearningRate = config.LearningRate, beta1 = config.Beta1, beta2 = config.Beta2, weight_decay = config.WeightDecay }),
            new AdamW.ParamGroup(noDecay, new AdamW.Options { LearningRate = config.LearningRate, beta1 = config.Beta1, beta2 = config.Beta2, weight_decay = 0.0 }),
        };
        return optim.AdamW(groups, config.LearningRate, config.Beta1, config.Beta2, weight_decay: config.WeightDecay);
    }
}
