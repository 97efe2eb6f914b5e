namespace Workbook.Rl.Environments;

/// <summary>
/// A task that is not Markov in one observation: at the first step the agent sees a cue, −1 or +1 (a fair coin), and
/// afterwards only 0; at the last of <see cref="MaxEpisodeSteps"/> steps it must answer with action 1 for a +1 cue and
/// action 0 for a −1 cue (reward +1 if right, −1 if wrong; every earlier step gives 0 whatever the action).
/// Observation: (cue, t / (T − 1)), so the agent knows when to answer but, from the current observation alone, not what:
/// a policy of the current observation wins half the time (expected return 0); one that remembers the first step wins always.
/// </summary>
public sealed class CueRecall : IEnvironment<int>
{
    private Random random;
    private int cue;
    private int steps;
    private bool needsReset = true;

    /// <param name="length">T, the steps of an episode; the answer is the action at step T − 1 (T ≥ 2).</param>
    /// <param name="seed">seeds the cue's coin.</param>
    public CueRecall(int length = 8, int seed = 0)
    {
        if (length < 2)
        {
            throw new ArgumentException($"CueRecall needs at least 2 steps (a cue and an answer), got {length}.", nameof(length));
        }
        MaxEpisodeSteps = length;
        random = new Random(seed);
    }

    public string Name => "CueRecall";
    public int MaxEpisodeSteps { get; }
    public BoxSpace ObservationSpace { get; } = new(new[] { -1.0, 0.0 }, new[] { 1.0, 1.0 });
    public Space ActionSpace { get; } = new DiscreteSpace(2);

    /// <summary>This episode's cue, −1 or +1.</summary>
    public int Cue => cue;

    public double[] Reset(int? seed = null)
    {
        if (seed is int s)
        {
            random = new Random(s);
        }
        cue = random.Next(2) == 0 ? -1 : 1;
        steps = 0;
        needsReset = false;
        return new double[] { cue, 0.0 };
    }

    public StepResult Step(int action)
    {
        ((DiscreteSpace)ActionSpace).Check(action, Name);
        if (needsReset)
        {
            throw new InvalidOperationException("CueRecall: Step was called before Reset or after the episode ended; call Reset first.");
        }
        var answer = steps == MaxEpisodeSteps - 1;
        var reward = answer ? (action == (cue > 0 ? 1 : 0) ? 1.0 : -1.0) : 0.0;
        steps++;
        needsReset = answer;
        var time = Math.Min(steps, MaxEpisodeSteps - 1) / (double)(MaxEpisodeSteps - 1);
        return new StepResult(new[] { 0.0, time }, reward, answer, false);
    }
}

/// <summary>
/// Turns any environment's observations into a set of its last <see cref="Window"/> observations, so that a policy can
/// attend over recent time steps (Notes B, Attention in RL: attention over the steps of a sequence for memory).
/// Observation (<see cref="Layout"/>): the current observation (self features), then one slot per remembered step, newest
/// first: (present, age / Window, the observation then). Slots before the episode's start are padding (zeros).
/// </summary>
public sealed class HistoryWindow : IEnvironment<int>
{
    private readonly IEnvironment<int> inner;
    private readonly List<double[]> history = new();
    private readonly Func<double[], int, int, double[]> slot;

    /// <param name="inner">the environment whose observations are remembered.</param>
    /// <param name="window">how many recent observations (the current one included) the observation holds.</param>
    /// <param name="slot">builds one remembered step's slot from (observation, age, window); null = <see cref="Slot"/>
    /// (a student's version can be plugged in, <c>EntityAttentionExercises.PlugHistorySlot</c>).</param>
    public HistoryWindow(IEnvironment<int> inner, int window, Func<double[], int, int, double[]>? slot = null)
    {
        this.slot = slot ?? Slot;
        if (window < 1)
        {
            throw new ArgumentException($"A history window holds at least one observation, got {window}.", nameof(window));
        }
        this.inner = inner;
        Window = window;
        var d = inner.ObservationSpace.Dimension;
        Layout = new EntitySetLayout(d, 2 + d, window);
        var low = new double[Layout.Dimension];
        var high = new double[Layout.Dimension];
        Array.Copy(inner.ObservationSpace.Low, low, d);
        Array.Copy(inner.ObservationSpace.High, high, d);
        for (var j = 0; j < window; j++)
        {
            var at = Layout.SlotOffset(j);
            high[at] = 1;
            high[at + 1] = 1;
            for (var k = 0; k < d; k++)
            {
                low[at + 2 + k] = Math.Min(0, inner.ObservationSpace.Low[k]);
                high[at + 2 + k] = Math.Max(0, inner.ObservationSpace.High[k]);
            }
        }
        ObservationSpace = new BoxSpace(low, high);
    }

    public int Window { get; }
    public EntitySetLayout Layout { get; }
    public IEnvironment<int> Inner => inner;
    public string Name => inner.Name + "+History";
    public int MaxEpisodeSteps => inner.MaxEpisodeSteps;
    public BoxSpace ObservationSpace { get; }
    public Space ActionSpace => inner.ActionSpace;

    public double[] Reset(int? seed = null)
    {
        history.Clear();
        history.Add(inner.Reset(seed));
        return Observation();
    }

    public StepResult Step(int action)
    {
        var step = inner.Step(action);
        history.Add(step.Observation);
        if (history.Count > Window)
        {
            history.RemoveAt(0);
        }
        return step with { Observation = Observation() };
    }

    /// <summary>The slot of the observation seen <paramref name="age"/> steps ago: (1, age / window, observation...). Internal: notebook 22b's exercise is to write it.</summary>
    internal static double[] Slot(double[] observation, int age, int window)
    {
        var features = new double[2 + observation.Length];
        features[0] = 1;
        features[1] = age / (double)window;
        Array.Copy(observation, 0, features, 2, observation.Length);
        return features;
    }

    private double[] Observation()
    {
        var d = inner.ObservationSpace.Dimension;
        var o = new double[Layout.Dimension];
        Array.Copy(history[^1], o, d);
        for (var age = 0; age < history.Count; age++)
        {
            var features = slot((double[])history[history.Count - 1 - age].Clone(), age, Window);
            if (features.Length != Layout.EntityFeatures)
            {
                throw new InvalidOperationException($"{Name}: a slot must have {Layout.EntityFeatures} numbers (present, age, the {d} observation numbers), got {features.Length}.");
            }
            Array.Copy(features, 0, o, Layout.SlotOffset(age), features.Length);
        }
        return o;
    }
}
