using System.Diagnostics;
using TorchSharp;
using Workbook.Data.Toy;
using static TorchSharp.torch;

namespace Workbook.Transformers;

/// <summary>Losses per step and the wall time of a sequence-to-sequence training run.</summary>
public sealed record Seq2SeqHistory(IReadOnlyList<double> Losses, double Seconds)
{
    /// <summary>Mean loss over the last tenth of training.</summary>
    public double FinalLoss => Losses.Skip(Losses.Count - Math.Max(1, Losses.Count / 10)).Average();
}

/// <summary>
/// Trains any model with a teacher-forced loss(source, targetIn, targetOut) (the transformer and
/// the LSTM baseline alike) with AdamW and gradient clipping on freshly generated batches.
/// </summary>
public static class Seq2SeqTrainer
{
    /// <summary>Runs <paramref name="steps"/> steps; <paramref name="batches"/> gives the batch of each step.</summary>
    public static Seq2SeqHistory Train(nn.Module model, Func<Tensor, Tensor, Tensor, Tensor> loss, Func<int, Seq2SeqBatch> batches,
        int steps, double learningRate = 1e-3, double gradientClip = 1.0)
    {
        using var optimizer = optim.AdamW(model.parameters(), learningRate, weight_decay: 0.0);
        var losses = new List<double>(steps);
        var clock = Stopwatch.StartNew();
        model.train();
        for (var step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            using var batch = batches(step);
            optimizer.zero_grad();
            var value = loss(batch.Source, batch.TargetIn, batch.TargetOut);
            value.backward();
            nn.utils.clip_grad_norm_(model.parameters(), gradientClip);
            optimizer.step();
            var number = value.item<float>();
            losses.Add(float.IsFinite(number) ? number : double.NaN);
        }
        return new Seq2SeqHistory(losses, clock.Elapsed.TotalSeconds);
    }
}
