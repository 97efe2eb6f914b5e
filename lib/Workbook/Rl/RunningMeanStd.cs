namespace Workbook.Rl;

/// <summary>
/// Running mean and variance of vectors (Welford/Chan's parallel update), for observation
/// normalisation: x̂ = clip((x − μ) / √(σ² + ε), −c, c).
/// </summary>
public sealed class RunningMeanStd
{
    public RunningMeanStd(int dimension)
    {
        Mean = new double[dimension];
        Variance = Enumerable.Repeat(1.0, dimension).ToArray();
    }

    public double[] Mean { get; }
    public double[] Variance { get; }
    /// <summary>Effective number of samples seen (starts at a tiny positive count, as in Gym).</summary>
    public double Count { get; private set; } = 1e-4;
    public int Dimension => Mean.Length;

    /// <summary>Adds <paramref name="rows"/> vectors stored row-major in <paramref name="batch"/>.</summary>
    public void Update(float[] batch, int rows)
    {
        if (batch.Length != rows * Dimension)
        {
            throw new ArgumentException($"Expected {rows} rows of {Dimension} numbers ({rows * Dimension}), got {batch.Length}.", nameof(batch));
        }
        for (var j = 0; j < Dimension; j++)
        {
            double sum = 0, sumSquares = 0;
            for (var r = 0; r < rows; r++)
            {
                sum += batch[r * Dimension + j];
            }
            var batchMean = sum / rows;
            for (var r = 0; r < rows; r++)
            {
                var d = batch[r * Dimension + j] - batchMean;
                sumSquares += d * d;
            }
            var batchVariance = sumSquares / rows;
            var delta = batchMean - Mean[j];
            var total = Count + rows;
            Mean[j] += delta * rows / total;
            var m2 = Variance[j] * Count + batchVariance * rows + delta * delta * Count * rows / total;
            Variance[j] = m2 / total;
        }
        Count += rows;
    }

    /// <summary>Normalised copy of row-major vectors.</summary>
    public float[] Normalize(float[] batch, double clip = 10.0, double epsilon = 1e-8)
    {
        var result = new float[batch.Length];
        for (var k = 0; k < batch.Length; k++)
        {
            var j = k % Dimension;
            result[k] = (float)Math.Clamp((batch[k] - Mean[j]) / Math.Sqrt(Variance[j] + epsilon), -clip, clip);
        }
        return result;
    }
}
