namespace Workbook.Recurrent;

/// <summary>
/// An autoregressive model seen one step at a time (Notes §6.3.1): given its state and the previous token,
/// it returns log p(y_t | x, y_{&lt;t}) over the target vocabulary and the next state. A trained
/// <see cref="Seq2Seq"/> model is one (see <see cref="Seq2Seq.StepDecoder"/>), and so is a fixed table of
/// transition probabilities (<see cref="TransitionTableDecoder"/>), which is how the tests build a model whose best
/// sequence is known.
/// </summary>
public interface IStepDecoder<TState>
{
    /// <summary>The token fed at the first step (beginning of sequence).</summary>
    int StartToken { get; }

    /// <summary>The token that ends a hypothesis.</summary>
    int EndToken { get; }

    /// <summary>The state before the first step.</summary>
    TState InitialState { get; }

    /// <summary>log-probabilities of the next token [vocabulary] and the state after reading <paramref name="previousToken"/>.</summary>
    (double[] LogProbabilities, TState Next) Step(TState state, int previousToken);
}

/// <summary>A decoded sequence.</summary>
/// <param name="Tokens">the tokens produced, without the start token, ending with the end token when <paramref name="Ended"/>.</param>
/// <param name="LogProbability">Σ_t log p(y_t | x, y_{&lt;t}) over <paramref name="Tokens"/>.</param>
/// <param name="Ended">whether the hypothesis produced the end token (otherwise it stopped at the length limit).</param>
public sealed record Hypothesis(IReadOnlyList<int> Tokens, double LogProbability, bool Ended)
{
    /// <summary>
    /// Length-normalised score of Notes §6.4.2.2, <c>(1/T^α) Σ_t log p(y_t | …)</c> with T the number of tokens
    /// scored (the end token included); α = 1 is the notes' plain average, α = 0 the raw log-probability.
    /// </summary>
    public double Score(double alpha = 1.0) => Tokens.Count == 0 ? LogProbability : LogProbability / Math.Pow(Tokens.Count, alpha);

    /// <summary>The tokens before the end token.</summary>
    public IReadOnlyList<int> Content => Ended ? Tokens.Take(Tokens.Count - 1).ToArray() : Tokens;
}

/// <summary>The result of <see cref="Decoding.BeamSearch"/>.</summary>
/// <param name="Best">the saved hypothesis with the highest score.</param>
/// <param name="Finished">every hypothesis saved (ended, or alive at the length limit when none ended), best score first.</param>
/// <param name="Expansions">how many times the model was stepped (the cost).</param>
public sealed record BeamResult(Hypothesis Best, IReadOnlyList<Hypothesis> Finished, int Expansions);

/// <summary>
/// One pruning step of beam search: the beam's hypotheses, each one's log-probabilities of the next token
/// [hypothesis][vocabulary], the beam width k and the end token → the hypotheses that stay alive (at most k, best
/// first) and those that ended at this step.
/// </summary>
public delegate (IReadOnlyList<Hypothesis> Alive, IReadOnlyList<Hypothesis> Ended) BeamStep(
    IReadOnlyList<Hypothesis> alive, double[][] nextLogProbabilities, int beamWidth, int endToken);

/// <summary>Greedy decoding and beam search (Notes §6.4.2).</summary>
public static class Decoding
{
    /// <summary>
    /// Greedy decoding: at every step take the single most probable token and feed it back, until the end token
    /// or <paramref name="maxLength"/> tokens. Cheap, but the product of the chosen probabilities need not be the
    /// largest one (Notes §6.4.2.1). Ties go to the lower token index.
    /// </summary>
    public static Hypothesis Greedy<TState>(IStepDecoder<TState> model, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckMaxLength(maxLength);
        var tokens = new List<int>();
        var state = model.InitialState;
        var previous = model.StartToken;
        double logProbability = 0;
        for (var t = 0; t < maxLength; t++)
        {
            var (logProbabilities, next) = model.Step(state, previous);
            var best = ArgMax(logProbabilities);
            tokens.Add(best);
            logProbability += logProbabilities[best];
            if (best == model.EndToken)
            {
                return new Hypothesis(tokens, logProbability, true);
            }
            state = next;
            previous = best;
        }
        return new Hypothesis(tokens, logProbability, false);
    }

    /// <summary>
    /// Beam search (Notes §6.4.2.2, Algorithm 8). Keeps the <paramref name="beamWidth"/> best partial hypotheses by
    /// total log-probability. At each step every hypothesis proposes its <c>k</c> most probable next tokens; the
    /// <c>k²</c> candidates are sorted by total log-probability and walked best first: a candidate that ends with the end
    /// token is saved, any other joins the beam, until the beam holds <c>k</c> hypotheses again. The search stops at
    /// <paramref name="maxLength"/> tokens, when no hypothesis is alive, or when <paramref name="stopAfterEnded"/>
    /// (default k) hypotheses have been saved. The answer is the saved hypothesis with the highest length-normalised
    /// score <c>Σ log p / T^α</c> (α = <paramref name="lengthNormalization"/>; 1 = the notes' average, 0 = raw sum,
    /// which favours short outputs since every log p &lt; 0). With k = 1 this is exactly <see cref="Greedy"/>.
    /// <c>step</c> replaces the library's pruning step (a student's <see cref="BeamStep"/>, for example).
    /// </summary>
    public static BeamResult BeamSearch<TState>(IStepDecoder<TState> model, int beamWidth, int maxLength, double lengthNormalization = 1.0, int? stopAfterEnded = null,
        BeamStep? step = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (beamWidth < 1)
        {
            throw new ArgumentException($"beamWidth must be at least 1 (1 = greedy decoding), got {beamWidth}.", nameof(beamWidth));
        }
        CheckMaxLength(maxLength);
        var enough = stopAfterEnded ?? beamWidth;
        if (enough < 1)
        {
            throw new ArgumentException($"stopAfterEnded must be at least 1, got {enough}.", nameof(stopAfterEnded));
        }
        step ??= Step;
        var alive = (IReadOnlyList<Hypothesis>)new[] { new Hypothesis(Array.Empty<int>(), 0.0, false) };
        var states = new[] { model.InitialState };
        var saved = new List<Hypothesis>();
        var expansions = 0;
        for (var t = 0; t < maxLength && alive.Count > 0 && saved.Count < enough; t++)
        {
            var proposals = new double[alive.Count][];
            var nextStates = new TState[alive.Count];
            for (var parent = 0; parent < alive.Count; parent++)
            {
                var previous = alive[parent].Tokens.Count == 0 ? model.StartToken : alive[parent].Tokens[^1];
                (proposals[parent], nextStates[parent]) = model.Step(states[parent], previous);
                expansions++;
            }
            var (nextAlive, ended) = step(alive, proposals, beamWidth, model.EndToken);
            saved.AddRange(ended);
            states = nextAlive.Select(h => nextStates[ParentOf(h, alive)]).ToArray();
            alive = nextAlive;
        }
        if (saved.Count == 0)
        {
            saved.AddRange(alive);
        }
        var ranked = saved
            .Select((h, i) => (h, i))
            .OrderByDescending(p => p.h.Score(lengthNormalization))
            .ThenBy(p => p.i)
            .Select(p => p.h)
            .ToArray();
        return new BeamResult(ranked[0], ranked, expansions);
    }

    /// <summary>Index of the largest value (the lowest index among ties).</summary>
    public static int ArgMax(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("Cannot take the argmax of an empty vector of log-probabilities.", nameof(values));
        }
        var best = 0;
        for (var i = 1; i < values.Count; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }
        return best;
    }

    /// <summary>
    /// The library's pruning step (Notes §6.4.2.2, Algorithm 8): every hypothesis proposes its k most probable next
    /// tokens; the candidates are sorted by total log-probability (ties: parent rank, then token rank) and walked best
    /// first, an end token ending its hypothesis, any other joining the beam, until the beam holds k again. Internal on
    /// purpose: notebook 07's exercise is to write it (<see cref="SequenceExercises.CheckBeamStep"/>).
    /// </summary>
    internal static (IReadOnlyList<Hypothesis> Alive, IReadOnlyList<Hypothesis> Ended) Step(
        IReadOnlyList<Hypothesis> alive, double[][] nextLogProbabilities, int beamWidth, int endToken)
    {
        var candidates = new List<(int Parent, int Token, double LogProbability, int Order)>();
        for (var parent = 0; parent < alive.Count; parent++)
        {
            foreach (var token in TopK(nextLogProbabilities[parent], beamWidth))
            {
                candidates.Add((parent, token, alive[parent].LogProbability + nextLogProbabilities[parent][token], candidates.Count));
            }
        }
        candidates.Sort((a, b) => a.LogProbability != b.LogProbability ? b.LogProbability.CompareTo(a.LogProbability) : a.Order.CompareTo(b.Order));
        var beam = new List<Hypothesis>();
        var ended = new List<Hypothesis>();
        foreach (var candidate in candidates)
        {
            if (beam.Count == beamWidth)
            {
                break;
            }
            var tokens = alive[candidate.Parent].Tokens.Append(candidate.Token).ToArray();
            (candidate.Token == endToken ? ended : beam).Add(new Hypothesis(tokens, candidate.LogProbability, candidate.Token == endToken));
        }
        return (beam, ended);
    }

    // The hypothesis of the beam that a step's output extends (its tokens minus the last).
    private static int ParentOf(Hypothesis child, IReadOnlyList<Hypothesis> alive)
    {
        for (var i = 0; i < alive.Count; i++)
        {
            if (child.Tokens.Count == alive[i].Tokens.Count + 1 && child.Tokens.Take(alive[i].Tokens.Count).SequenceEqual(alive[i].Tokens))
            {
                return i;
            }
        }
        throw new InvalidOperationException($"the beam step returned the hypothesis [{string.Join(", ", child.Tokens)}], which extends no hypothesis of the beam by one token");
    }

    private static IEnumerable<int> TopK(double[] values, int k) =>
        Enumerable.Range(0, values.Length)
            .Where(i => !double.IsNegativeInfinity(values[i]))
            .OrderByDescending(i => values[i])
            .ThenBy(i => i)
            .Take(k);

    private static void CheckMaxLength(int maxLength)
    {
        if (maxLength < 1)
        {
            throw new ArgumentException($"maxLength must be at least 1 token, got {maxLength}.", nameof(maxLength));
        }
    }
}

/// <summary>
/// A "decoder" given by a fixed table: <c>p(next | previous) = Probabilities[previous, next]</c> (a Markov chain over
/// tokens, the state is just the previous token). Small hand-made tables show where greedy decoding goes wrong and what
/// length normalisation changes (Notes §6.4.2).
/// </summary>
public sealed class TransitionTableDecoder : IStepDecoder<int>
{
    private readonly double[,] probabilities;

    /// <summary>Creates the decoder; every row must be a probability distribution.</summary>
    public TransitionTableDecoder(double[,] probabilities, int startToken, int endToken)
    {
        int rows = probabilities.GetLength(0), columns = probabilities.GetLength(1);
        if (rows != columns)
        {
            throw new ArgumentException($"The transition table must be square [vocabulary, vocabulary], got [{rows}, {columns}].", nameof(probabilities));
        }
        for (var r = 0; r < rows; r++)
        {
            double sum = 0;
            for (var c = 0; c < columns; c++)
            {
                if (probabilities[r, c] < 0)
                {
                    throw new ArgumentException($"Probability [{r}, {c}] = {probabilities[r, c]} is negative.", nameof(probabilities));
                }
                sum += probabilities[r, c];
            }
            if (r != endToken && Math.Abs(sum - 1) > 1e-9)
            {
                throw new ArgumentException($"Row {r} of the transition table sums to {sum}, not 1.", nameof(probabilities));
            }
        }
        if (startToken < 0 || startToken >= rows || endToken < 0 || endToken >= rows)
        {
            throw new ArgumentException($"startToken {startToken} and endToken {endToken} must be in [0, {rows}).");
        }
        this.probabilities = (double[,])probabilities.Clone();
        StartToken = startToken;
        EndToken = endToken;
    }

    /// <inheritdoc />
    public int StartToken { get; }

    /// <inheritdoc />
    public int EndToken { get; }

    /// <inheritdoc />
    public int InitialState => StartToken;

    /// <inheritdoc />
    public (double[] LogProbabilities, int Next) Step(int state, int previousToken)
    {
        var row = Enumerable.Range(0, probabilities.GetLength(1)).Select(c => Math.Log(probabilities[previousToken, c])).ToArray();
        return (row, previousToken);
    }
}
