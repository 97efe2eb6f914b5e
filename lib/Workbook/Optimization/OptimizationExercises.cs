using TorchSharp;
using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Optimization;

/// <summary>
/// Checked exercises of notebook 02 (optimisers). The student's update rule runs inside the library's optimiser loop,
/// side by side with <c>torch.optim</c>, and the first step where the two part is reported.
/// </summary>
public static class OptimizationExercises
{
    /// <summary>
    /// The student's Adam update plugged into the real <see cref="AdamScratch"/> optimiser; while it is the student
    /// edition's stub, the library's <see cref="AdamScratch.Rule"/> steps instead, and the plug says so.
    /// </summary>
    public static Plugged<AdamUpdate> PlugAdam(AdamUpdate student) =>
        Plug.Custom<AdamUpdate>("Adam update", p => (theta, gradient, m, v, step, config) =>
            p.Call(() => student(theta, gradient, m, v, step, config), () => AdamScratch.Rule(theta, gradient, m, v, step, config)));

    /// <summary>
    /// The Adam update (Notes §3.3.4) for one parameter, given θ_k, g_k, m_{k−1}, v_{k−1} and k: driven by
    /// <see cref="AdamScratch"/> for 100 steps on each of <see cref="TorchAgreement.StandardProblems"/> with two settings
    /// (the defaults at α = 0.01, and α = 0.05, β₁ = 0.8, β₂ = 0.99, ε = 1e-6), and compared with
    /// <c>torch.optim.Adam</c> after every step.
    /// </summary>
    public static ExerciseResult CheckAdamUpdate(AdamUpdate student)
    {
        ArgumentNullException.ThrowIfNull(student);
        var settings = new[] { new AdamConfig(LearningRate: 0.01), new AdamConfig(0.05, 0.8, 0.99, 1e-6) };
        var problems = TorchAgreement.StandardProblems();
        var cases = 0;
        foreach (var config in settings)
        {
            foreach (var problem in problems)
            {
                cases++;
                AgreementResult result;
                try
                {
                    result = TorchAgreement.Compare(problem,
                        p => new AdamScratch(p, config, student),
                        p => optim.Adam(p, config.LearningRate, config.Beta1, config.Beta2, config.Epsilon));
                }
                catch (NotImplementedException e)
                {
                    return new ExerciseResult("Adam update", false, cases, $"not attempted yet: {e.Message}", Attempted: false);
                }
                catch (Exception e)
                {
                    return new ExerciseResult("Adam update", false, cases,
                        $"case {cases} of {settings.Length * problems.Count} ({problem.Name}, {config}): your update threw {e.GetType().Name}: {e.Message}");
                }
                if (!result.Agreed)
                {
                    return new ExerciseResult("Adam update", false, cases, $"case {cases} of {settings.Length * problems.Count} ({config}): {result.Mismatch}");
                }
            }
        }
        return new ExerciseResult("Adam update", true, cases, $"passed all {cases} cases: 100 steps each, step for step with torch.optim.Adam");
    }
}
