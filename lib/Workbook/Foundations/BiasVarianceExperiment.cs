using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Foundations;

/// <summary>Settings of a bias-variance experiment.</summary>
/// <param name="TrainingSets">T, independent training sets drawn from the problem (the expectation over D).</param>
/// <param name="TrainSize">n, points per training set.</param>
/// <param name="TestSize">M, test inputs x ~ p(x), shared by every training set (the expectation over x).</param>
/// <param name="Seed">seed of the experiment's own generator: same seed, same sets, same numbers.</param>
public sealed record BiasVarianceConfig(int TrainingSets = 400, int TrainSize = 20, int TestSize = 400, int Seed = 0);

/// <summary>What one model class (a degree and a penalty) did over all training sets.</summary>
/// <param name="Degree">polynomial degree.</param>
/// <param name="Lambda">L2 penalty λ.</param>
/// <param name="BiasSquared">E_x[(f̄(x) − f(x))²].</param>
/// <param name="Variance">E_x E_D[(f_D(x) − f̄(x))²].</param>
/// <param name="Noise">σ², known from the problem.</param>
/// <param name="MeasuredNoise">the mean of (y − f(x))² over the fresh test labels: σ² as the samples saw it.</param>
/// <param name="ErrorAgainstTruth">E_x E_D[(f_D(x) − f(x))²], the left side of the notes' Theorem 1.</param>
/// <param name="ExpectedTestError">E_D E_x E_y[(f_D(x) − y)²] measured with fresh noisy labels: the true risk averaged over training sets.</param>
/// <param name="ExpectedTrainError">the empirical risk on each model's own training set, averaged over training sets.</param>
/// <param name="MeanWeightNorm">the average ‖θ‖ of the fitted coefficients.</param>
/// <param name="TrainingSets">T, the number of training sets f̄ was averaged over (0 when unknown).</param>
public sealed record BiasVarianceResult(int Degree, double Lambda, double BiasSquared, double Variance, double Noise, double MeasuredNoise,
    double ErrorAgainstTruth, double ExpectedTestError, double ExpectedTrainError, double MeanWeightNorm, int TrainingSets = 0)
{
    /// <summary>
    /// What the sampling error of f̄ alone adds to <see cref="BiasSquared"/> on average: f̄ is a mean of T fits, so it
    /// misses E_D[f_D] by a random amount whose square averages (population variance)/T = E[<see cref="Variance"/>]/(T − 1)
    /// (the variance here divides by T). NaN when T is unknown.
    /// </summary>
    public double MonteCarloBiasNoise => TrainingSets > 1 ? Variance / (TrainingSets - 1) : double.NaN;

    /// <summary>
    /// An unbiased estimate of the bias²: <see cref="BiasSquared"/> − <see cref="MonteCarloBiasNoise"/>. It can come out
    /// negative where the true bias² is smaller than the sampling error of f̄ (there the bias² is not measurable with T sets).
    /// </summary>
    public double BiasSquaredCorrected => BiasSquared - MonteCarloBiasNoise;

    /// <summary>bias² + variance + σ², what the decomposition predicts for the expected test error.</summary>
    public double DecompositionTotal => BiasSquared + Variance + Noise;

    /// <summary>|bias² + variance + σ² − measured expected test error| / measured expected test error.</summary>
    public double RelativeGap => Math.Abs(DecompositionTotal - ExpectedTestError) / ExpectedTestError;

    /// <summary>|bias² + variance − E(f_D − f)²| / E(f_D − f)²: zero up to rounding (the identity is exact for sample averages).</summary>
    public double IdentityGap => Math.Abs(BiasSquared + Variance - ErrorAgainstTruth) / ErrorAgainstTruth;
}

/// <summary>
/// The bias-variance experiment (Notes §2.2), measured rather than derived: draw T training sets from a
/// <see cref="RegressionProblem"/>, fit one polynomial per set, predict at M shared test inputs and compare with
/// the known f and with fresh noisy labels. Every degree and penalty sees the same training sets and test points
/// (common random numbers), so differences between them are not sampling noise.
/// </summary>
public sealed class BiasVarianceExperiment
{
    private readonly RegressionProblem problem;
    private readonly RegressionSample train;     // [T, n]
    private readonly Tensor testX;               // [M]
    private readonly Tensor testTruth;           // f(x), [M]
    private readonly Tensor testY;               // fresh labels, one row per training set, [T, M]

    /// <summary>Draws the training sets, test inputs and test labels once, from <paramref name="config"/>'s seed.</summary>
    public BiasVarianceExperiment(RegressionProblem problem, BiasVarianceConfig config)
    {
        if (config.TrainingSets < 2 || config.TrainSize < 1 || config.TestSize < 1)
        {
            throw new ArgumentException($"the experiment needs at least 2 training sets and 1 train and test point, got {config}", nameof(config));
        }
        this.problem = problem;
        Config = config;
        using var generator = new Generator((ulong)config.Seed);
        // The experiment outlives any dispose scope of the caller: its tensors are detached from it.
        var sample = problem.Sample(new long[] { config.TrainingSets, config.TrainSize }, generator);
        train = new RegressionSample(sample.X.DetachFromDisposeScope(), sample.Y.DetachFromDisposeScope());
        testX = problem.Inputs(new long[] { config.TestSize }, generator).DetachFromDisposeScope();
        testTruth = problem.TrueFunction(testX).DetachFromDisposeScope();
        testY = problem.Targets(testX.expand(config.TrainingSets, config.TestSize), generator).DetachFromDisposeScope();
    }

    /// <summary>The settings the sets were drawn with.</summary>
    public BiasVarianceConfig Config { get; }

    /// <summary>All T training sets at once, X and Y of shape [T, n].</summary>
    public RegressionSample TrainingSets => train;

    /// <summary>Training set <paramref name="index"/> (X and Y of shape [n]).</summary>
    public RegressionSample TrainingSet(int index) => new(train.X[index], train.Y[index]);

    /// <summary>The T fitted polynomials of one degree and penalty (weights [T, degree + 1]).</summary>
    public PolynomialModel Fit(int degree, double lambda = 0) => PolynomialRegression.Fit(train, degree, lambda);

    /// <summary>Fits every training set with one degree and penalty and measures bias², variance, noise and the errors.</summary>
    public BiasVarianceResult Run(int degree, double lambda = 0)
    {
        using var scope = NewDisposeScope();
        var models = Fit(degree, lambda);                                         // weights [T, p]
        var predictions = models.Predict(testX);                                  // [T, M]
        var parts = BiasVariance.Decompose(predictions, testTruth);
        var trainPredictions = PolynomialFeatures.Design(train.X, degree)         // [T, n, p]
            .matmul(models.Weights.unsqueeze(-1)).squeeze(-1);                    // [T, n]
        return new BiasVarianceResult(
            degree, lambda, parts.BiasSquared, parts.Variance, problem.NoiseVariance,
            MeasuredNoise: (testY - testTruth).pow(2).mean().item<double>(),
            ErrorAgainstTruth: (predictions - testTruth).pow(2).mean().item<double>(),
            ExpectedTestError: (predictions - testY).pow(2).mean().item<double>(),
            ExpectedTrainError: (trainPredictions - train.Y).pow(2).mean().item<double>(),
            MeanWeightNorm: models.SquaredNorm().sqrt().mean().item<double>(),
            TrainingSets: Config.TrainingSets);
    }

    /// <summary><see cref="Run"/> for each degree, at one penalty.</summary>
    public IReadOnlyList<BiasVarianceResult> SweepDegrees(IEnumerable<int> degrees, double lambda = 0) =>
        degrees.Select(d => Run(d, lambda)).ToList();

    /// <summary><see cref="Run"/> for each penalty, at one degree.</summary>
    public IReadOnlyList<BiasVarianceResult> SweepPenalties(int degree, IEnumerable<double> lambdas) =>
        lambdas.Select(l => Run(degree, l)).ToList();
}
