using TorchSharp;
using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Rl.ModelBased;

/// <summary>Checked exercises of the model-based notebooks (23, 23b).</summary>
public static class ModelBasedExercises
{
    /// <summary>
    /// CEM's refit: student(samples [N, H, act], returns [N], elites) → (mean, std) [H, act] of the <c>elites</c>
    /// sequences with the highest returns (std unbiased, as torch's default). Checked on random cases; the mean and the
    /// std are compared as one tensor [2, H, act].
    /// </summary>
    public static ExerciseResult CheckCemRefit(CemRefit student)
    {
        var generator = new Generator(23);
        var inputs = new List<Tensor[]>();
        foreach (var (n, h, a, k) in new[] { (20L, 5L, 1L, 4L), (50L, 8L, 2L, 10L), (9L, 3L, 3L, 3L) })
        {
            inputs.Add(new[] { randn(new long[] { n, h, a }, generator: generator), randn(new long[] { n }, generator: generator), tensor((float)k) });
        }
        Tensor Stack((Tensor Mean, Tensor Std) r) => stack(new[] { r.Mean, r.Std });
        return Exercise.CheckTensors("CEM refit",
            x => Stack(student(x[0], x[1], (int)x[2].item<float>())),
            x => Stack(CemPlanner.Refit(x[0], x[1], (int)x[2].item<float>())),
            inputs);
    }

    /// <summary>
    /// The student's refit plugged into <see cref="CemPlanner"/> (its <c>refit</c> argument): it runs at every planning
    /// iteration of every step; while it is the student edition's stub, the library's runs, and the plug says so.
    /// </summary>
    public static Plugged<CemRefit> PlugCemRefit(CemRefit student) =>
        Plug.Custom<CemRefit>("CEM refit", p => (samples, returns, elites) => p.Call(() => student(samples, returns, elites), () => CemPlanner.Refit(samples, returns, elites)));
}
