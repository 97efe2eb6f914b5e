using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Optimization;

/// <summary>Settings of one gradient-descent run on <see cref="LinearRegressionData"/>.</summary>
/// <param name="BatchSize">examples per gradient: n for batch gradient descent, 1 for stochastic, in between for mini-batch.</param>
/// <param name="LearningRate">α, constant.</param>
/// <param name="Epochs">passes over the data.</param>
/// <param name="Seed">seed of the shuffling.</param>
public sealed record MiniBatchConfig(int BatchSize, double LearningRate, int Epochs, int Seed = 0);

/// <summary>What a run did: the full-data excess loss after every step and at every epoch's end.</summary>
/// <param name="BatchSize">examples per gradient.</param>
/// <param name="ExcessPerStep">L(w_k) − L(ŵ) for k = 0..steps (the start first).</param>
/// <param name="ExcessPerEpoch">L(w) − L(ŵ) at the start and after each epoch (Epochs + 1 values).</param>
/// <param name="StepsPerEpoch">gradient steps in one pass over the data.</param>
public sealed record MiniBatchRun(int BatchSize, double[] ExcessPerStep, double[] ExcessPerEpoch, int StepsPerEpoch);

/// <summary>
/// Batch, stochastic and mini-batch gradient descent (Notes §3.4) on a linear regression, with the library's
/// <see cref="GradientDescent"/>. As Notes §3.4.3 suggests, each epoch shuffles the data once and walks through it in
/// consecutive batches (the last, shorter batch of an epoch is used too), so every example is seen once per epoch.
/// </summary>
public static class MiniBatchDescent
{
    /// <summary>Runs gradient descent from w = 0 and records the excess loss.</summary>
    public static MiniBatchRun Run(LinearRegressionData data, MiniBatchConfig config)
    {
        if (config.BatchSize < 1 || config.BatchSize > data.Count || config.Epochs < 1)
        {
            throw new ArgumentException($"the batch size must be in [1, {data.Count}] and epochs >= 1, got {config}", nameof(config));
        }
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)config.Seed);
        var best = data.Loss(data.LeastSquares()).item<double>();
        var w = zeros(data.Dimension, dtype: float64).requires_grad_(true);   // [d]
        var optimizer = new GradientDescent(new[] { w }, new GradientDescentConfig(config.LearningRate));
        double Excess()
        {
            using var _ = no_grad();
            return data.Loss(w).item<double>() - best;
        }
        var perStep = new List<double> { Excess() };
        var perEpoch = new List<double> { perStep[0] };
        var stepsPerEpoch = (data.Count + config.BatchSize - 1) / config.BatchSize;
        for (var epoch = 0; epoch < config.Epochs; epoch++)
        {
            var order = randperm(data.Count, generator: generator);   // [n], a fresh shuffle per epoch
            for (var start = 0; start < data.Count; start += config.BatchSize)
            {
                var rows = order.narrow(0, start, Math.Min(config.BatchSize, data.Count - start));   // [b]
                optimizer.Step(() => data.Loss(w, rows));
                perStep.Add(Excess());
            }
            perEpoch.Add(perStep[^1]);
        }
        return new MiniBatchRun(config.BatchSize, perStep.ToArray(), perEpoch.ToArray(), stepsPerEpoch);
    }

    /// <summary>
    /// The total variance Σ_j Var[ĝ_j] of the mini-batch gradient at w over <paramref name="draws"/> batches of
    /// <paramref name="batchSize"/> examples, each drawn without replacement: the noise that stochastic and mini-batch
    /// descent add to the full gradient.
    /// </summary>
    public static double GradientVariance(LinearRegressionData data, Tensor w, int batchSize, int draws, int seed)
    {
        if (batchSize < 1 || batchSize > data.Count || draws < 2)
        {
            throw new ArgumentException($"need 1 <= batch size <= {data.Count} and at least 2 draws, got {batchSize} and {draws}");
        }
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        var perExample = data.ExampleGradients(w.detach());                                              // [n, d]
        var rows = rand(new long[] { draws, data.Count }, dtype: float64, generator: generator)
            .argsort(-1).narrow(1, 0, batchSize);                                                        // [draws, b]: b distinct rows per draw
        var estimates = perExample.index_select(0, rows.reshape(-1))
            .reshape(draws, batchSize, data.Dimension).mean(new long[] { 1 });                           // [draws, d]
        return estimates.var(0).sum().item<double>();
    }

    /// <summary>
    /// What sampling theory predicts for the ratio Var[ĝ with batch 1] / Var[ĝ with batch b], drawing without
    /// replacement from n examples: b (n − 1)/(n − b). (The variance of a mean of b draws is (σ²/b)(n − b)/(n − 1).)
    /// </summary>
    public static double TheoreticalVarianceRatio(int count, int batchSize) => batchSize * (count - 1.0) / (count - batchSize);
}
