using TorchSharp;
using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Rl.ModelBased;

/// <summary>Checked exercises of the model-based notebooks (23: CEM, 23b: Dyna).</summary>
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

    /// <summary>
    /// The model's training target for one transition: student(transition) → (s' − s, r), obs + 1 numbers. Checked on
    /// transitions of random Pendulum states and actions.
    /// </summary>
    public static ExerciseResult CheckModelTarget(Func<Transition, double[]> student)
    {
        var random = new Random(24);
        var cases = Enumerable.Range(0, 8).Select(i =>
        {
            var observation = new[] { random.NextDouble() * 2 - 1, random.NextDouble() * 2 - 1, random.NextDouble() * 16 - 8 };
            var next = observation.Select(v => v + random.NextDouble() - 0.5).ToArray();
            var t = new Transition(observation, new[] { random.NextDouble() * 4 - 2 }, -random.NextDouble() * 10, next, 0);
            return (t, TransitionBuffer.Target(t));
        }).ToList();
        return Exercise.CheckValues("model target", (Transition t) => student(t with { Observation = (double[])t.Observation.Clone(), NextObservation = (double[])t.NextObservation.Clone() }),
            cases, (expected, got) => got is not null && got.Length == expected.Length && expected.Zip(got).All(p => Math.Abs(p.First - p.Second) <= 1e-12));
    }

    /// <summary>
    /// Pendulum's reward read off an observation (a derivation, notebook 23b): the observation is (cos θ, sin θ, θ̇), the
    /// action the torque u ∈ [−2, 2], and the reward −(θ² + 0.1 θ̇² + 0.001 u²) with θ the angle from upright in [−π, π].
    /// student(observation, u) → the reward. The angle is not in the observation: the student recovers it. Checked against
    /// the environment's own formula (float64) at angles on both sides of upright and near hanging down (θ close to ±π).
    /// </summary>
    public static ExerciseResult CheckPendulumReward(Func<double[], double, double> student)
    {
        var cases = new (double Theta, double ThetaDot, double U)[]
        {
            (0, 0, 0), (0.3, -1.5, 2), (-0.3, 1.5, -2), (3.1, 4, 0.5), (-3.1, -8, -1.2), (Math.PI / 2, 0.2, 1), (-2.5, 7.9, -0.01),
        };
        return FormulaChecks.Check("Pendulum reward", cases.Select(c =>
        {
            var observation = new[] { Math.Cos(c.Theta), Math.Sin(c.Theta), c.ThetaDot };
            var expected = -(c.Theta * c.Theta + 0.1 * c.ThetaDot * c.ThetaDot + 0.001 * c.U * c.U);
            return ($"observation (cos θ, sin θ, θ̇) = ({Exercise.Show(observation[0])}, {Exercise.Show(observation[1])}, {Exercise.Show(c.ThetaDot)}), i.e. θ = {Exercise.Show(c.Theta)}, torque u = {Exercise.Show(c.U)}",
                expected, (Func<double>)(() => student((double[])observation.Clone(), c.U)));
        }).ToList(), tolerance: 1e-9);
    }

    /// <summary>
    /// The student's target function plugged into <see cref="EnsembleDynamicsModel.Fit"/>: every target row the ensemble
    /// is fitted to comes from it; while it is the student edition's stub, the library's runs, and the plug says so.
    /// </summary>
    public static Plugged<Func<Transition, double[]>> PlugModelTarget(Func<Transition, double[]> student) =>
        Plug.Custom<Func<Transition, double[]>>("model target", p => t => p.Call(() => student(t), () => TransitionBuffer.Target(t)));
}
