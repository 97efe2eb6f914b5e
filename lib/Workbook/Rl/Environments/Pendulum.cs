namespace Workbook.Rl.Environments;

/// <summary>
/// Swing a pendulum up and hold it upright with a bounded torque, as Gym's Pendulum-v1 (Notes A, Q4:
/// a continuous action space). State (θ, θ̇) with θ = 0 upright; observation (cos θ, sin θ, θ̇);
/// action: one torque in [-2, 2]. Reward <c>−(norm(θ)² + 0.1 θ̇² + 0.001 u²)</c>, so at best 0 per step;
/// dynamics with g = 10, m = l = 1, dt = 0.05:
/// <code>
/// θ̇ ← clip(θ̇ + (3g/(2l) sin θ + 3/(m l²) u) dt, −8, 8);   θ ← θ + θ̇ dt
/// </code>
/// Never terminates; truncated after 200 steps. A random policy scores about −1200 per episode.
/// </summary>
public sealed class Pendulum : IEnvironment<double[]>
{
    public const double MaxSpeed = 8;
    public const double MaxTorque = 2;
    public const double Dt = 0.05;
    public const double G = 10.0;
    public const double Mass = 1.0;
    public const double Length = 1.0;

    private double theta;
    private double thetaDot;
    private Random random;
    private int steps;
    private bool needsReset = true;

    public Pendulum(int maxEpisodeSteps = 200, int seed = 0)
    {
        MaxEpisodeSteps = maxEpisodeSteps;
        random = new Random(seed);
    }

    public string Name => "Pendulum";
    public int MaxEpisodeSteps { get; }
    public BoxSpace ObservationSpace { get; } = new(new[] { -1.0, -1.0, -MaxSpeed }, new[] { 1.0, 1.0, MaxSpeed });
    public Space ActionSpace { get; } = new BoxSpace(new[] { -MaxTorque }, new[] { MaxTorque });

    /// <summary>The state (θ, θ̇).</summary>
    public (double Theta, double ThetaDot) State => (theta, thetaDot);

    public double[] Reset(int? seed = null)
    {
        if (seed is int s)
        {
            random = new Random(s);
        }
        theta = (random.NextDouble() * 2 - 1) * Math.PI;   // U(-π, π)
        thetaDot = random.NextDouble() * 2 - 1;            // U(-1, 1)
        steps = 0;
        needsReset = false;
        return Observation();
    }

    public StepResult Step(double[] action)
    {
        ((BoxSpace)ActionSpace).Check(action, Name);
        if (needsReset)
        {
            throw new InvalidOperationException("Pendulum: Step was called before Reset or after the episode ended; call Reset first.");
        }
        var u = action[0];
        var normalized = AngleNormalize(theta);
        var cost = normalized * normalized + 0.1 * thetaDot * thetaDot + 0.001 * u * u;

        var newThetaDot = thetaDot + (3 * G / (2 * Length) * Math.Sin(theta) + 3.0 / (Mass * Length * Length) * u) * Dt;
        newThetaDot = Math.Clamp(newThetaDot, -MaxSpeed, MaxSpeed);
        theta += newThetaDot * Dt;
        thetaDot = newThetaDot;
        steps++;

        var truncated = steps >= MaxEpisodeSteps;
        needsReset = truncated;
        return new StepResult(Observation(), -cost, false, truncated);
    }

    /// <summary>Maps an angle into [-π, π).</summary>
    public static double AngleNormalize(double x) => ((x + Math.PI) % (2 * Math.PI) + 2 * Math.PI) % (2 * Math.PI) - Math.PI;

    private double[] Observation() => new[] { Math.Cos(theta), Math.Sin(theta), thetaDot };
}
