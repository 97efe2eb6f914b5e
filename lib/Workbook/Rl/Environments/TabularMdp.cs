namespace Workbook.Rl.Environments;

/// <summary>One possible result of taking an action in a tabular MDP: with probability <see cref="Probability"/>,
/// reward <see cref="Reward"/> and next state <see cref="Next"/>; <see cref="Terminated"/> when the episode ends there.</summary>
public readonly record struct Outcome(double Probability, int Next, double Reward, bool Terminated);

/// <summary>
/// A finite MDP written out in full (Notes §7.2: states, actions, the transition operator and the reward): for every
/// state and action the list of its outcomes. What a planner such as value iteration needs, and what a model-free
/// learner never sees (it only samples the environment). Terminal states are never acted from; their value is 0.
/// </summary>
public sealed class TabularMdp
{
    private readonly Outcome[][][] outcomes;

    /// <param name="outcomes">outcomes[s][a]: the outcomes of action a in state s (probabilities summing to 1).</param>
    /// <param name="terminal">terminal[s]: whether s ends the episode (it is then never acted from).</param>
    /// <param name="start">the state every episode starts in.</param>
    public TabularMdp(Outcome[][][] outcomes, bool[] terminal, int start)
    {
        if (outcomes.Length == 0 || outcomes.Length != terminal.Length)
        {
            throw new ArgumentException($"A tabular MDP needs one outcome table and one terminal flag per state, got {outcomes.Length} and {terminal.Length}.");
        }
        var actions = outcomes[0].Length;
        for (var s = 0; s < outcomes.Length; s++)
        {
            if (outcomes[s].Length != actions)
            {
                throw new ArgumentException($"State {s} has {outcomes[s].Length} actions, state 0 has {actions}: every state needs the same actions.");
            }
            for (var a = 0; a < actions; a++)
            {
                var total = outcomes[s][a].Sum(o => o.Probability);
                if (Math.Abs(total - 1) > 1e-9 || outcomes[s][a].Any(o => o.Next < 0 || o.Next >= outcomes.Length))
                {
                    throw new ArgumentException($"State {s}, action {a}: outcome probabilities sum to {total} (must be 1) or lead outside the {outcomes.Length} states.");
                }
            }
        }
        if (start < 0 || start >= outcomes.Length)
        {
            throw new ArgumentException($"The start state {start} is not one of the {outcomes.Length} states.", nameof(start));
        }
        this.outcomes = outcomes;
        Terminal = (bool[])terminal.Clone();
        Start = start;
    }

    /// <summary>Number of states.</summary>
    public int States => outcomes.Length;

    /// <summary>Number of actions (the same in every state).</summary>
    public int Actions => outcomes[0].Length;

    /// <summary>Terminal[s]: whether the episode ends on entering s.</summary>
    public IReadOnlyList<bool> Terminal { get; }

    /// <summary>The start state.</summary>
    public int Start { get; }

    /// <summary>The outcomes of taking <paramref name="action"/> in <paramref name="state"/>.</summary>
    public IReadOnlyList<Outcome> Outcomes(int state, int action) => outcomes[state][action];

    /// <summary>The states that are acted from (not terminal).</summary>
    public IEnumerable<int> NonTerminalStates => Enumerable.Range(0, States).Where(s => !Terminal[s]);

    /// <summary>
    /// The grid world's model, read off the environment itself (see <see cref="Explore"/>): state <c>row · columns + column</c>
    /// (the index of the one-hot observation), the goal and the traps terminal. The time limit is not part of the MDP
    /// (an algorithm bootstraps through a truncation).
    /// </summary>
    public static TabularMdp From(GridWorld grid) =>
        Explore(grid, grid.Rows * grid.Columns, observation => Array.IndexOf(observation, 1.0));

    /// <summary>
    /// The model of a deterministic environment with a fixed start, found by breadth-first search over its states: for
    /// every state reached and every action, reset, replay the shortest action sequence that reaches the state, take
    /// the action and record the next state, the reward and whether the episode terminated. The model is exactly what
    /// the environment's own <c>Step</c> does (no second copy of its rules). States never reached are marked terminal
    /// (they are never acted from) with a self-loop of reward 0.
    /// </summary>
    /// <param name="environment">a deterministic environment: the same actions from a reset always give the same steps.</param>
    /// <param name="states">how many states <paramref name="stateOf"/> numbers.</param>
    /// <param name="stateOf">the number of the state an observation shows.</param>
    public static TabularMdp Explore(IEnvironment<int> environment, int states, Func<double[], int> stateOf)
    {
        var actions = environment.ActionSpace is DiscreteSpace d
            ? d.Count
            : throw new ArgumentException($"A tabular model needs a discrete action space, got {environment.ActionSpace}.", nameof(environment));
        var start = stateOf(environment.Reset(seed: 0));
        var paths = new List<int>?[states];
        paths[start] = new List<int>();
        var terminal = new bool[states];
        var outcomes = new Outcome[states][][];
        var queue = new Queue<int>();
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            var s = queue.Dequeue();
            outcomes[s] = new Outcome[actions][];
            for (var a = 0; a < actions; a++)
            {
                environment.Reset(seed: 0);
                foreach (var earlier in paths[s]!)
                {
                    environment.Step(earlier);
                }
                var step = environment.Step(a);
                var next = stateOf(step.Observation);
                outcomes[s][a] = new[] { new Outcome(1.0, next, step.Reward, step.Terminated) };
                if (step.Terminated)
                {
                    terminal[next] = true;
                }
                else if (paths[next] is null)
                {
                    paths[next] = new List<int>(paths[s]!) { a };
                    queue.Enqueue(next);
                }
            }
        }
        for (var s = 0; s < states; s++)
        {
            if (outcomes[s] is null)
            {
                terminal[s] = true;
                outcomes[s] = Enumerable.Range(0, actions).Select(_ => new[] { new Outcome(1.0, s, 0.0, true) }).ToArray();
            }
        }
        return new TabularMdp(outcomes, terminal, start);
    }
}
