namespace Workbook.Training;

/// <summary>
/// Scheduled sampling (Notes §6.3.2): during training, the decoder's input at step t is the ground-truth token
/// y_{t-1} with probability p and the model's own previous prediction otherwise. Starting with p ≈ 1 and lowering it
/// moves training towards what happens at test time, where the model only ever sees its own outputs (the
/// distributional shift, or exposure bias, of Notes §6.3.2). p = 1 throughout is plain teacher forcing.
/// </summary>
public abstract record TeacherForcingSchedule
{
    /// <summary>p, the probability of feeding the ground truth, at training step <paramref name="step"/> of <paramref name="totalSteps"/>.</summary>
    public abstract double TruthProbability(int step, int totalSteps);

    /// <summary>Always the same p (p = 1: teacher forcing).</summary>
    public sealed record Constant(double Probability = 1.0) : TeacherForcingSchedule
    {
        /// <inheritdoc />
        public override double TruthProbability(int step, int totalSteps) => Math.Clamp(Probability, 0, 1);
    }

    /// <summary>p falls linearly from <paramref name="Start"/> at step 0 to <paramref name="End"/> at the last step.</summary>
    public sealed record Linear(double Start = 1.0, double End = 0.0) : TeacherForcingSchedule
    {
        /// <inheritdoc />
        public override double TruthProbability(int step, int totalSteps) =>
            Math.Clamp(totalSteps <= 1 ? Start : Start + (End - Start) * step / (double)(totalSteps - 1), 0, 1);
    }

    /// <summary>p = k / (k + exp(step / k)) (Bengio et al., 2015): stays near 1 early, then falls; larger k falls later.</summary>
    public sealed record InverseSigmoid(double K) : TeacherForcingSchedule
    {
        /// <inheritdoc />
        public override double TruthProbability(int step, int totalSteps)
        {
            if (!(K >= 1))
            {
                throw new ArgumentException($"The inverse-sigmoid schedule needs K >= 1, got {K}.");
            }
            return K / (K + Math.Exp(step / K));
        }
    }
}
