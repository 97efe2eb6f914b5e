namespace Workbook.Rl.Environments;

/// <summary>
/// The cart-pole balancing task of Barto, Sutton and Anderson (1983), with the constants and the
/// explicit-Euler integration of Gym's CartPole-v1. State <c>(x, ẋ, θ, θ̇)</c>; action 0 pushes the
/// cart left and 1 pushes it right with a force of 10 N; reward 1 for every step taken (including
/// the last). The episode terminates when |θ| &gt; 12° or |x| &gt; 2.4 and is truncated after 500 steps.
/// <code>
/// temp = (F + m_p l θ̇² sin θ) / (m_c + m_p)
/// θ̈    = (g sin θ − cos θ · temp) / (l (4/3 − m_p cos² θ / (m_c + m_p)))
/// ẍ    = temp − m_p l θ̈ cos θ / (m_c + m_p)
/// x ← x + τ ẋ;  ẋ ← ẋ + τ ẍ;  θ ← θ + τ θ̇;  θ̇ ← θ̇ + τ θ̈      (τ = 0.02 s)
/// </code>
/// Plain C#, no tensors: one step costs tens of nanoseconds.
/// </summary>
public sealed class CartPole : IEnvironment<int>
{
    public const double Gravity = 9.8;
    public const double CartMass = 1.0;
    public const double PoleMass = 0.1;
    public const double TotalMass = CartMass + PoleMass;
    /// <summary>Half the pole's length (Gym's <c>length</c>).</summary>
    public const double HalfPoleLength = 0.5;
    public const double PoleMassLength = PoleMass * HalfPoleLength;
    public const double ForceMagnitude = 10.0;
    public const double Tau = 0.02;
    public const double ThetaThresholdRadians = 12 * 2 * Math.PI / 360;
    public const double XThreshold = 2.4;

    private readonly double[] state = new double[4];
    private Random random;
    private int steps;
    private bool needsReset = true;

    public CartPole(int maxEpisodeSteps = 500, int seed = 0)
    {
        MaxEpisodeSteps = maxEpisodeSteps;
        random = new Random(seed);
    }

    public string Name => "CartPole";
    public int MaxEpisodeSteps { get; }

    /// <summary>Gym's bounds: twice the termination thresholds for x and θ, unbounded velocities.</summary>
    public BoxSpace ObservationSpace { get; } = new(
        new[] { -2 * XThreshold, double.NegativeInfinity, -2 * ThetaThresholdRadians, double.NegativeInfinity },
        new[] { 2 * XThreshold, double.PositiveInfinity, 2 * ThetaThresholdRadians, double.PositiveInfinity });

    public Space ActionSpace { get; } = new DiscreteSpace(2);

    /// <summary>The current state (a copy): x, ẋ, θ, θ̇.</summary>
    public double[] State => (double[])state.Clone();

    public double[] Reset(int? seed = null)
    {
        if (seed is int s)
        {
            random = new Random(s);
        }
        for (var i = 0; i < 4; i++)
        {
            state[i] = random.NextDouble() * 0.1 - 0.05;   // U(-0.05, 0.05)
        }
        steps = 0;
        needsReset = false;
        return State;
    }

    /// <summary>Starts an episode from a given state (for tests and demonstrations).</summary>
    public double[] ResetTo(double[] initialState)
    {
        if (initialState.Length != 4)
        {
            throw new ArgumentException($"CartPole's state has 4 numbers (x, x_dot, theta, theta_dot), got {initialState.Length}.", nameof(initialState));
        }
        Array.Copy(initialState, state, 4);
        steps = 0;
        needsReset = false;
        return State;
    }

    public StepResult Step(int action)
    {
        ((DiscreteSpace)ActionSpace).Check(action, Name);
        if (needsReset)
        {
            throw new InvalidOperationException("CartPole: Step was called before Reset or after the episode ended; call Reset first.");
        }
        var (x, xDot, theta, thetaDot) = (state[0], state[1], state[2], state[3]);
        var force = action == 1 ? ForceMagnitude : -ForceMagnitude;
        var cos = Math.Cos(theta);
        var sin = Math.Sin(theta);

        var temp = (force + PoleMassLength * thetaDot * thetaDot * sin) / TotalMass;
        var thetaAcc = (Gravity * sin - cos * temp) / (HalfPoleLength * (4.0 / 3.0 - PoleMass * cos * cos / TotalMass));
        var xAcc = temp - PoleMassLength * thetaAcc * cos / TotalMass;

        x += Tau * xDot;
        xDot += Tau * xAcc;
        theta += Tau * thetaDot;
        thetaDot += Tau * thetaAcc;
        (state[0], state[1], state[2], state[3]) = (x, xDot, theta, thetaDot);
        steps++;

        var terminated = x < -XThreshold || x > XThreshold || theta < -ThetaThresholdRadians || theta > ThetaThresholdRadians;
        var truncated = steps >= MaxEpisodeSteps;
        needsReset = terminated || truncated;
        return new StepResult(State, 1.0, terminated, truncated);
    }
}
