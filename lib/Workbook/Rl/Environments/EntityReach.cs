namespace Workbook.Rl.Environments;

/// <summary>
/// Where the numbers of an observation that is a set of entities sit (what <see cref="EntityReach"/> and
/// <see cref="HistoryWindow"/> emit and what an attention policy reads): first <see cref="SelfFeatures"/> numbers about
/// the agent itself, then <see cref="MaxEntities"/> slots of <see cref="EntityFeatures"/> numbers each. Feature 0 of a
/// slot is its presence flag (1 = an entity, 0 = padding, all other features 0), so a variable number of entities fits
/// one fixed-width row, as the vectorised environments and PPO need.
/// </summary>
/// <param name="SelfFeatures">numbers about the agent before the slots (0 allowed).</param>
/// <param name="EntityFeatures">numbers per slot, the presence flag included.</param>
/// <param name="MaxEntities">slots per observation.</param>
public sealed record EntitySetLayout(int SelfFeatures, int EntityFeatures, int MaxEntities)
{
    /// <summary>The width of one observation row: self features plus all slots.</summary>
    public int Dimension => SelfFeatures + EntityFeatures * MaxEntities;

    /// <summary>The offset of slot <paramref name="slot"/>'s first feature in an observation row.</summary>
    public int SlotOffset(int slot) => SelfFeatures + slot * EntityFeatures;

    /// <summary>
    /// The same observation with its slots reordered: slot j of the result is slot <paramref name="order"/>[j] of
    /// <paramref name="observation"/> (the self features stay). A policy over sets gives the same output for both.
    /// </summary>
    public double[] Permute(double[] observation, IReadOnlyList<int> order)
    {
        if (observation.Length != Dimension || order.Count != MaxEntities)
        {
            throw new ArgumentException($"Permute needs an observation of {Dimension} numbers and an order of {MaxEntities} slots, got {observation.Length} and {order.Count}.");
        }
        var result = (double[])observation.Clone();
        for (var j = 0; j < MaxEntities; j++)
        {
            Array.Copy(observation, SlotOffset(order[j]), result, SlotOffset(j), EntityFeatures);
        }
        return result;
    }
}

/// <summary>
/// Reach the target among distractors (Notes B, Attention in RL: a policy that attends to the entities that matter).
/// The agent starts at a random point of the square [−0.5, 0.5]²; one target and between
/// <see cref="MinDistractors"/> and <see cref="MaxDistractors"/> distractors (drawn anew every episode) lie in [−1, 1]².
/// Actions 0..3 move the agent by <see cref="StepSize"/> right, up, left, down (clipped to [−1.2, 1.2]²).
/// Reward per step: 2 × (how much closer the agent got to the target), plus 1 when it comes within
/// <see cref="ReachRadius"/> of it, which terminates the episode; distractors do nothing, they only have to be ignored.
/// Truncated after <see cref="MaxEpisodeSteps"/> steps.
/// <para>
/// Observation (<see cref="Layout"/>): the agent's position (x, y), then <see cref="MaxEntities"/> = 1 +
/// <see cref="MaxDistractors"/> slots of (present, is target, dx, dy) with dx, dy the entity's offset from the agent.
/// The entities sit in random slots (the slot says nothing), the rest are padding (all zeros).
/// </para>
/// </summary>
public sealed class EntityReach : IEnvironment<int>
{
    /// <summary>Numbers per entity slot: present, is target, dx, dy.</summary>
    public const int FeaturesPerEntity = 4;
    public const double StepSize = 0.15;
    public const double ReachRadius = 0.2;
    public const double ShapingScale = 2.0;
    public const double ReachBonus = 1.0;
    private const double Bound = 1.2;
    private static readonly (double X, double Y)[] Moves = { (1, 0), (0, 1), (-1, 0), (0, -1) };

    private Random random;
    private double x, y;
    private (double X, double Y, bool Target)[] entities = Array.Empty<(double, double, bool)>();
    private int[] slots = Array.Empty<int>();
    private int steps;
    private bool needsReset = true;

    /// <param name="maxDistractors">the most distractors an episode has (the slots are 1 + this).</param>
    /// <param name="minDistractors">the fewest distractors an episode has.</param>
    /// <param name="maxEpisodeSteps">steps before truncation.</param>
    /// <param name="seed">seeds the environment's generator (positions and counts).</param>
    public EntityReach(int maxDistractors = 3, int minDistractors = 0, int maxEpisodeSteps = 30, int seed = 0)
    {
        if (minDistractors < 0 || maxDistractors < minDistractors)
        {
            throw new ArgumentException($"EntityReach needs 0 <= minDistractors <= maxDistractors, got {minDistractors} and {maxDistractors}.");
        }
        MinDistractors = minDistractors;
        MaxDistractors = maxDistractors;
        MaxEpisodeSteps = maxEpisodeSteps;
        Layout = new EntitySetLayout(2, FeaturesPerEntity, 1 + maxDistractors);
        var low = new double[Layout.Dimension];
        var high = new double[Layout.Dimension];
        Array.Fill(low, -2 * Bound - 1);
        Array.Fill(high, 2 * Bound + 1);
        ObservationSpace = new BoxSpace(low, high);
        random = new Random(seed);
    }

    public int MinDistractors { get; }
    public int MaxDistractors { get; }
    /// <summary>Slots per observation: the target plus the most distractors.</summary>
    public int MaxEntities => Layout.MaxEntities;
    public EntitySetLayout Layout { get; }
    public string Name => "EntityReach";
    public int MaxEpisodeSteps { get; }
    public BoxSpace ObservationSpace { get; }
    public Space ActionSpace { get; } = new DiscreteSpace(4);

    /// <summary>The agent's position.</summary>
    public (double X, double Y) Agent => (x, y);

    /// <summary>The slot that holds the target in this episode's observations.</summary>
    public int TargetSlot => slots[0];

    /// <summary>The slots that hold an entity this episode (the target's first).</summary>
    public IReadOnlyList<int> OccupiedSlots => slots;

    /// <summary>The distance from the agent to the target.</summary>
    public double TargetDistance => Distance(entities[0]);

    public double[] Reset(int? seed = null)
    {
        if (seed is int s)
        {
            random = new Random(s);
        }
        x = random.NextDouble() - 0.5;
        y = random.NextDouble() - 0.5;
        var distractors = random.Next(MinDistractors, MaxDistractors + 1);
        entities = new (double, double, bool)[1 + distractors];
        for (var i = 0; i < entities.Length; i++)
        {
            double ex, ey;
            do
            {
                ex = random.NextDouble() * 2 - 1;
                ey = random.NextDouble() * 2 - 1;
            }
            while (Math.Sqrt((ex - x) * (ex - x) + (ey - y) * (ey - y)) < 2 * ReachRadius);
            entities[i] = (ex, ey, i == 0);
        }
        // Entities go into random slots (a partial Fisher-Yates shuffle of the slot indices).
        var order = Enumerable.Range(0, MaxEntities).ToArray();
        for (var i = 0; i < entities.Length; i++)
        {
            var j = random.Next(i, MaxEntities);
            (order[i], order[j]) = (order[j], order[i]);
        }
        slots = order[..entities.Length];
        steps = 0;
        needsReset = false;
        return Observation();
    }

    public StepResult Step(int action)
    {
        ((DiscreteSpace)ActionSpace).Check(action, Name);
        if (needsReset)
        {
            throw new InvalidOperationException("EntityReach: Step was called before Reset or after the episode ended; call Reset first.");
        }
        var before = TargetDistance;
        x = Math.Clamp(x + StepSize * Moves[action].X, -Bound, Bound);
        y = Math.Clamp(y + StepSize * Moves[action].Y, -Bound, Bound);
        steps++;
        var after = TargetDistance;
        var reached = after < ReachRadius;
        var reward = ShapingScale * (before - after) + (reached ? ReachBonus : 0.0);
        var truncated = !reached && steps >= MaxEpisodeSteps;
        needsReset = reached || truncated;
        return new StepResult(Observation(), reward, reached, truncated);
    }

    private double Distance((double X, double Y, bool Target) e) => Math.Sqrt((e.X - x) * (e.X - x) + (e.Y - y) * (e.Y - y));

    private double[] Observation()
    {
        var o = new double[Layout.Dimension];
        o[0] = x;
        o[1] = y;
        for (var i = 0; i < entities.Length; i++)
        {
            var at = Layout.SlotOffset(slots[i]);
            o[at] = 1;
            o[at + 1] = entities[i].Target ? 1 : 0;
            o[at + 2] = entities[i].X - x;
            o[at + 3] = entities[i].Y - y;
        }
        return o;
    }
}
