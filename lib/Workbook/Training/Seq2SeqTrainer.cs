using System.Diagnostics;
using TorchSharp;
using Workbook.Data.Sequences;
using static TorchSharp.torch;

namespace Workbook.Training;

/// <summary>Training settings for <see cref="Seq2SeqTrainer.Train"/>.</summary>
/// <param name="Steps">optimizer steps (one mini-batch each).</param>
/// <param name="BatchSize">examples per mini-batch.</param>
/// <param name="LearningRate">Adam's learning rate.</param>
/// <param name="ClipNorm">gradient norm bound (<see cref="GradientClipping.ClipByNorm"/>); 0 turns clipping off.</param>
/// <param name="Schedule">probability of feeding the ground truth; null = teacher forcing.</param>
/// <param name="Seed">seed of the mini-batch order and of the scheduled-sampling coin flips.</param>
/// <param name="EvaluateEvery">call the evaluation given to <see cref="Seq2SeqTrainer.Train"/> every this many steps (and after the last); 0 = never.</param>
public sealed record Seq2SeqTrainerConfig(int Steps = 1000, int BatchSize = 64, double LearningRate = 3e-3, double ClipNorm = 1.0, TeacherForcingSchedule? Schedule = null,
    int Seed = 0, int EvaluateEvery = 0)
{
    /// <summary>An optional progress sink (for example <see cref="Workbook.Charts.LiveTraining"/>): every step's loss.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }
}

/// <summary>One periodic evaluation during training.</summary>
/// <param name="Step">optimizer steps done.</param>
/// <param name="Seconds">training wall time up to this point (evaluations not counted).</param>
/// <param name="Value">what the evaluation returned (for example the exact-match accuracy).</param>
public sealed record EvaluationPoint(int Step, double Seconds, double Value);

/// <summary>Loss and truth-feeding probability at every training step, the training wall time, and the periodic evaluations.</summary>
/// <param name="Losses">the mini-batch loss of every step.</param>
/// <param name="TruthProbabilities">the probability of feeding the ground truth at every step.</param>
/// <param name="Seconds">wall time of the training steps (evaluations not counted).</param>
/// <param name="Evaluations">the periodic evaluations, in step order.</param>
public sealed record Seq2SeqTrainerHistory(IReadOnlyList<double> Losses, IReadOnlyList<double> TruthProbabilities, double Seconds, IReadOnlyList<EvaluationPoint> Evaluations)
{
    /// <summary>
    /// The steps as the library's one history shape: columns step (1-based, steps done), loss, truth_probability, and
    /// evaluation (NaN except at the steps where an evaluation ran).
    /// </summary>
    public TrainingLog Log
    {
        get
        {
            var log = new TrainingLog("step", "loss", "truth_probability", "evaluation");
            var evaluations = Evaluations.ToDictionary(e => e.Step, e => e.Value);
            for (var k = 0; k < Losses.Count; k++)
            {
                log.Add(("step", k + 1), ("loss", Losses[k]), ("truth_probability", TruthProbabilities[k]),
                    ("evaluation", evaluations.TryGetValue(k + 1, out var value) ? value : double.NaN));
            }
            return log;
        }
    }

    /// <summary>Mean loss over the last tenth of the steps.</summary>
    public double FinalLoss => Losses.Skip(Losses.Count - Math.Max(1, Losses.Count / 10)).Average();
}

/// <summary>The training loop and the evaluations used by the sequence-to-sequence notebooks.</summary>
public static class Seq2SeqTrainer
{
    /// <summary>
    /// Adam on mini-batches drawn at random from <paramref name="train"/>, clipping, scheduled sampling; every
    /// <see cref="Seq2SeqTrainerConfig.EvaluateEvery"/> steps, <paramref name="evaluate"/> is called in eval mode (its time is not counted).
    /// </summary>
    public static Seq2SeqTrainerHistory Train<TModel>(TModel model, IReadOnlyList<TranslationExample> train, Vocabulary source, Vocabulary target, Seq2SeqTrainerConfig options,
        Func<TModel, double>? evaluate = null)
        where TModel : nn.Module, ISequenceToSequence
    {
        if (train.Count == 0)
        {
            throw new ArgumentException("The training set is empty.", nameof(train));
        }
        if (options.Steps < 1 || options.BatchSize < 1)
        {
            throw new ArgumentException($"Steps and BatchSize must be >= 1, got Steps = {options.Steps}, BatchSize = {options.BatchSize}.", nameof(options));
        }
        var schedule = options.Schedule ?? new TeacherForcingSchedule.Constant(1.0);
        var random = new Random(options.Seed);
        using var optimizer = optim.Adam(model.parameters(), options.LearningRate);
        var losses = new List<double>(options.Steps);
        var probabilities = new List<double>(options.Steps);
        var evaluations = new List<EvaluationPoint>();
        var clock = new Stopwatch();
        model.train();
        for (var step = 0; step < options.Steps; step++)
        {
            clock.Start();
            using var scope = NewDisposeScope();
            var examples = Enumerable.Range(0, Math.Min(options.BatchSize, train.Count)).Select(_ => train[random.Next(train.Count)]).ToArray();
            var batch = Seq2SeqBatch.From(examples, source, target);
            var p = schedule.TruthProbability(step, options.Steps);
            optimizer.zero_grad();
            var loss = model.Loss(batch, p, random);
            loss.backward();
            if (options.ClipNorm > 0)
            {
                GradientClipping.ClipByNorm(model.parameters(), options.ClipNorm);
            }
            optimizer.step();
            losses.Add(loss.ToDouble());
            options.Progress?.Report(new TrainingProgress(step + 1, options.Steps, "loss", losses[^1]));
            probabilities.Add(p);
            clock.Stop();
            if (evaluate is not null && options.EvaluateEvery > 0 && ((step + 1) % options.EvaluateEvery == 0 || step + 1 == options.Steps))
            {
                model.eval();
                evaluations.Add(new EvaluationPoint(step + 1, clock.Elapsed.TotalSeconds, evaluate(model)));
                model.train();
            }
        }
        model.eval();
        return new Seq2SeqTrainerHistory(losses, probabilities, clock.Elapsed.TotalSeconds, evaluations);
    }

    /// <summary>Greedy outputs for every example (batched), as target tokens.</summary>
    public static IReadOnlyList<string[]> GreedyOutputs(ISequenceToSequence model, IReadOnlyList<TranslationExample> examples, Vocabulary source, Vocabulary target, int batchSize = 256)
    {
        var outputs = new List<string[]>(examples.Count);
        for (var start = 0; start < examples.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var chunk = examples.Skip(start).Take(batchSize).ToArray();
            var batch = Seq2SeqBatch.From(chunk, source, target);
            var maxLength = (int)batch.Target.shape[1] + 2;
            var (tokens, _) = model.Greedy(batch.Source, batch.SourceLengths, maxLength);
            outputs.AddRange(tokens.Select(target.Decode));
        }
        return outputs;
    }

    /// <summary>Share of examples whose greedy output equals the target exactly.</summary>
    public static double GreedyAccuracy(ISequenceToSequence model, IReadOnlyList<TranslationExample> examples, Vocabulary source, Vocabulary target)
    {
        var outputs = GreedyOutputs(model, examples, source, target);
        return examples.Zip(outputs).Count(p => p.First.Target.SequenceEqual(p.Second)) / (double)Math.Max(1, examples.Count);
    }
}
