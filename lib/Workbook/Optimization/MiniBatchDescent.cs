using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Optimization;

/// <summary>Settings of one gradient-descent run on <see cref="LinearRegressionData"/>.</summary>
/// <param name="BatchSize">examples per gradient: n for batch gradient descent, 1 for stochastic, in between for mini-batch.</param>
/// <param name="LearningRate">α, constant.</param>
/// <param name="Epochs">passes over the data.</param>
/// <param name="Seed">seed of the shuffling.</param>
public sealed record MiniBatchConfig(int BatchSize, double LearningRate, int Epochs, int Seed = 0);

/// <summary>How the examples of each step are chosen.</summary>
public enum MiniBatchSampling
{
    /// <summary>Each epoch shuffles the data once and walks through it in consecutive batches (Notes §3.4.3): every
    /// example once per epoch, so within an epoch the batch gradients' deviations from the full gradient sum to zero.</summary>
    Reshuffle,

    /// <summary>Each step draws its own batch of distinct examples, independently of every other step (the notes'
    /// "sample randomly"): an example can come up twice in an epoch, or not at all.</summary>
    IndependentBatches,
}

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

    /// <summary>
    /// The excess loss L(w_k) − L(ŵ) after every step (the start first) of gradient descent from w = 0 with
    /// <paramref name="config"/>, computed with the closed-form gradient of the squared error, (2/b) Σ x_i (x_iᵀw − y_i),
    /// in plain float64 arithmetic: the same steps as <see cref="Run"/> (which goes through autograd and
    /// <see cref="GradientDescent"/>; with <see cref="MiniBatchSampling.Reshuffle"/> and the same seed it draws the same
    /// batches, a unit test holds the two to rounding), fast enough for the long runs a noise floor needs. The excess is
    /// (w − ŵ)ᵀ (XᵀX/n) (w − ŵ), exact for least squares.
    /// </summary>
    public static double[] ExcessPath(LinearRegressionData data, MiniBatchConfig config, MiniBatchSampling sampling)
    {
        if (config.BatchSize < 1 || config.BatchSize > data.Count || config.Epochs < 1)
        {
            throw new ArgumentException($"the batch size must be in [1, {data.Count}] and epochs >= 1, got {config}", nameof(config));
        }
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)config.Seed);
        var (n, d) = (data.Count, data.Dimension);
        var x = data.X.contiguous().data<double>().ToArray();                                    // row-major [n, d]
        var y = data.Y.contiguous().data<double>().ToArray();                                    // [n]
        var best = data.LeastSquares().contiguous().data<double>().ToArray();                   // ŵ, [d]
        var gram = data.X.t().matmul(data.X).div(n).contiguous().data<double>().ToArray();      // XᵀX/n, [d, d]
        var w = new double[d];
        var gradient = new double[d];
        double Excess()
        {
            var total = 0.0;
            for (var i = 0; i < d; i++)
            {
                for (var j = 0; j < d; j++)
                {
                    total += (w[i] - best[i]) * gram[i * d + j] * (w[j] - best[j]);
                }
            }
            return total;
        }
        void Step(ReadOnlySpan<long> rows)
        {
            Array.Clear(gradient);
            foreach (var row in rows)
            {
                var residual = -y[row];
                for (var j = 0; j < d; j++)
                {
                    residual += x[row * d + j] * w[j];
                }
                for (var j = 0; j < d; j++)
                {
                    gradient[j] += 2 * residual * x[row * d + j] / rows.Length;
                }
            }
            for (var j = 0; j < d; j++)
            {
                w[j] -= config.LearningRate * gradient[j];
            }
        }
        var path = new List<double> { Excess() };
        for (var epoch = 0; epoch < config.Epochs; epoch++)
        {
            var order = sampling == MiniBatchSampling.Reshuffle ? randperm(n, generator: generator).data<long>().ToArray() : null;
            for (var start = 0; start < n; start += config.BatchSize)
            {
                var size = Math.Min(config.BatchSize, n - start);
                var rows = order is not null
                    ? order.AsSpan(start, size)
                    : randperm(n, generator: generator).narrow(0, 0, size).data<long>().ToArray().AsSpan();
                Step(rows);
                path.Add(Excess());
            }
        }
        return path.ToArray();
    }

    /// <summary>
    /// The stationary excess loss that constant-step descent with independent batches of <paramref name="batchSize"/>
    /// settles at, to leading order in the gradient noise: near ŵ the error e = w − ŵ follows
    /// e ← (I − αH) e − α ξ with H = 2 XᵀX/n and ξ the batch gradient's deviation at ŵ, of covariance Σ_b (the
    /// per-example covariance times (n − b)/(b (n − 1)), without replacement within a batch). Its stationary covariance P
    /// solves HP + PH − αHPH = αΣ_b, and in H's eigenbasis (eigenvalues h_i) the excess ½ tr(HP) is
    /// (α/2) Σ_i (Σ_b)_ii / (2 − α h_i) ≈ α tr(Σ_b)/4. (It leaves out the part of the noise that grows with e itself.)
    /// </summary>
    public static double PredictedNoiseFloor(LinearRegressionData data, int batchSize, double learningRate)
    {
        using var scope = NewDisposeScope();
        var n = data.Count;
        var hessian = 2 * data.X.t().matmul(data.X) / n;                                        // [d, d]
        var (h, basis) = linalg.eigh(hessian);                                                  // [d], [d, d]
        var perExample = data.ExampleGradients(data.LeastSquares());                           // [n, d], mean 0 at ŵ
        var rotated = perExample.matmul(basis);                                                 // [n, d] in H's eigenbasis
        var sigma = rotated.pow(2).mean(new long[] { 0 }) * ((n - batchSize) / (batchSize * (n - 1.0)));   // diag Σ_b, [d]
        return (learningRate / 2 * (sigma / (2 - learningRate * h))).sum().item<double>();
    }
}
