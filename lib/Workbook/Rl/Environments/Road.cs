namespace Workbook.Rl.Environments;

/// <summary>
/// A car driving along a straight road at constant speed towards an obstacle in the middle of its lane, steered by a
/// continuous action: the two-way task of notebook 16 (the swerve example of Notes §7.1.4.2: pass on the left or on the
/// right, never straight on). State: lateral offset y from the centre line (the road is 2 wide, |y| ≤ 1), heading ψ
/// relative to the road, distance s along it. Action: steering u ∈ [−1, 1], the car's curvature. With speed v = 1 and
/// time step dt = 0.1:
/// <code>
/// y ← y + v dt sin ψ;   ψ ← ψ + v dt u;   s ← s + v dt cos ψ
/// </code>
/// Reward 1 per step on the road. The episode terminates when the car leaves the road (|y| &gt; 1) or hits the obstacle
/// (|y| &lt; <see cref="ObstacleHalfWidth"/> while passing s = <see cref="ObstaclePosition"/>); it is truncated after
/// <see cref="MaxEpisodeSteps"/> steps (100 by default: s reaches 10), so the return counts the steps survived.
/// Observation: (y, ψ, d, c) with d = clamp(s_obstacle − s, −1, 1) the distance to the obstacle (1 when it is further)
/// and c a proximity signal, 1 while 0 &lt; d &lt; <see cref="SwerveDistance"/> and 0 otherwise.
/// </summary>
public sealed class Road : IEnvironment<double[]>
{
    public const double Speed = 1.0;
    public const double Dt = 0.1;
    public const double ObstaclePosition = 5.0;
    public const double ObstacleHalfWidth = 0.3;
    /// <summary>The proximity signal is on while the obstacle is less than this far ahead (9 steps).</summary>
    public const double SwerveDistance = 0.9;
    /// <summary>The start's lateral offset is drawn from U(−StartNoise, StartNoise); the heading starts at 0.</summary>
    public const double StartNoise = 0.01;

    private Random random;
    private double y;
    private double psi;
    private double s;
    private int steps;
    private bool needsReset = true;

    public Road(int maxEpisodeSteps = 100, int seed = 0)
    {
        MaxEpisodeSteps = maxEpisodeSteps;
        random = new Random(seed);
    }

    public string Name => "Road";
    public int MaxEpisodeSteps { get; }
    public BoxSpace ObservationSpace { get; } = new(new[] { -1.0, -Math.PI, -1, 0 }, new[] { 1.0, Math.PI, 1, 1 });
    public Space ActionSpace { get; } = new BoxSpace(new[] { -1.0 }, new[] { 1.0 });

    /// <summary>The state (y, ψ, s).</summary>
    public (double Y, double Psi, double S) State => (y, psi, s);

    /// <summary>Whether the last episode ended by hitting the obstacle.</summary>
    public bool Crashed { get; private set; }

    public double[] Reset(int? seed = null)
    {
        if (seed is int r)
        {
            random = new Random(r);
        }
        y = (random.NextDouble() * 2 - 1) * StartNoise;
        psi = 0;
        s = 0;
        steps = 0;
        needsReset = false;
        Crashed = false;
        return Observation();
    }

    public StepResult Step(double[] action)
    {
        ((BoxSpace)ActionSpace).Check(action, Name);
        if (needsReset)
        {
            throw new InvalidOperationException($"{Name}: Step was called before Reset or after the episode ended; call Reset first.");
        }
        var before = s;
        y += Speed * Dt * Math.Sin(psi);
        psi += Speed * Dt * action[0];
        s += Speed * Dt * Math.Cos(psi);
        steps++;
        var passing = before < ObstaclePosition && s >= ObstaclePosition;
        Crashed = passing && Math.Abs(y) < ObstacleHalfWidth;
        var terminated = Math.Abs(y) > 1 || Crashed;
        var truncated = steps >= MaxEpisodeSteps;
        needsReset = terminated || truncated;
        return new StepResult(Observation(), terminated ? 0.0 : 1.0, terminated, truncated);
    }

    private double[] Observation()
    {
        var distance = ObstaclePosition - s;
        return new[] { y, psi, Math.Clamp(distance, -1, 1), distance is > 0 and < SwerveDistance ? 1.0 : 0.0 };
    }
}
