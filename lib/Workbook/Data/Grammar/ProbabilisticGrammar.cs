using System.Text;

namespace Workbook.Data.Grammar;

/// <summary>
/// One rule of a <see cref="ProbabilisticGrammar"/>: in state <see cref="From"/>, emit
/// <see cref="Word"/> with probability <see cref="Probability"/> and move to state <see cref="To"/>
/// (<see cref="ProbabilisticGrammar.Accept"/> after the sentence terminator).
/// </summary>
public sealed record GrammarRule(int From, string Word, string Category, double Probability, int To);

/// <summary>
/// A probabilistic finite-state grammar of sentences, written so that every string has at most one
/// derivation: each word belongs to exactly one category, within a state the next word decides the
/// next state, words are separated by single spaces and a sentence ends with the terminator "."
/// attached to its last word and a newline. Because the derivation is unique, the product of the
/// rule probabilities along it is the string's true probability, and the corpus's entropy rate
/// (nats per character) can be computed exactly: the floor that no language model's validation
/// loss per character can go below (Slides D, next-token prediction; Notes §6.9.3).
/// </summary>
public sealed class ProbabilisticGrammar
{
    /// <summary>The state after the terminator: the sentence is complete.</summary>
    public const int Accept = -1;

    /// <summary>The sentence terminator (a word of its own category, written without a space before it).</summary>
    public const string Terminator = ".";

    private readonly Dictionary<int, GrammarRule[]> rulesOf;
    private readonly Dictionary<(int State, string Word), GrammarRule> ruleOfWord;

    /// <summary>Checks the rules (probabilities, determinism, one category per word) and builds the grammar.</summary>
    /// <exception cref="ArgumentException">the rules break one of the conditions for a unique derivation.</exception>
    public ProbabilisticGrammar(string name, IReadOnlyList<GrammarRule> rules, int start = 0)
    {
        Name = name;
        Rules = rules;
        Start = start;
        rulesOf = rules.GroupBy(r => r.From).ToDictionary(g => g.Key, g => g.ToArray());
        ruleOfWord = new();
        var categoryOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            if (rule.Word.Length == 0 || rule.Word.Any(char.IsWhiteSpace) || (rule.Word != Terminator && rule.Word.Contains(Terminator)))
            {
                throw new ArgumentException($"word '{rule.Word}' in state {rule.From}: words must be non-empty, without whitespace or '{Terminator}'", nameof(rules));
            }
            if ((rule.Word == Terminator) != (rule.To == Accept))
            {
                throw new ArgumentException($"state {rule.From}, word '{rule.Word}': the terminator and only the terminator leads to Accept", nameof(rules));
            }
            if (rule.Probability <= 0 || rule.Probability > 1)
            {
                throw new ArgumentException($"state {rule.From}, word '{rule.Word}': probability {rule.Probability} is not in (0, 1]", nameof(rules));
            }
            if (!ruleOfWord.TryAdd((rule.From, rule.Word), rule))
            {
                throw new ArgumentException($"state {rule.From} has two rules for the word '{rule.Word}': the derivation would not be unique", nameof(rules));
            }
            if (categoryOf.TryGetValue(rule.Word, out var category) && category != rule.Category)
            {
                throw new ArgumentException($"word '{rule.Word}' is in categories '{category}' and '{rule.Category}': each word must belong to exactly one", nameof(rules));
            }
            categoryOf[rule.Word] = rule.Category;
            if (rule.To != Accept && !rules.Any(r => r.From == rule.To))
            {
                throw new ArgumentException($"state {rule.From}, word '{rule.Word}' leads to state {rule.To}, which has no rules", nameof(rules));
            }
        }
        foreach (var (state, stateRules) in rulesOf)
        {
            var total = stateRules.Sum(r => r.Probability);
            if (Math.Abs(total - 1) > 1e-9)
            {
                throw new ArgumentException($"the probabilities of state {state} add up to {total}, not 1", nameof(rules));
            }
        }
        if (!rulesOf.ContainsKey(start) || rulesOf[start].Any(r => r.Word == Terminator))
        {
            throw new ArgumentException($"the start state {start} must have rules and must not allow an empty sentence", nameof(start));
        }
        CategoryOf = categoryOf;
    }

    /// <summary>The grammar's name.</summary>
    public string Name { get; }

    /// <summary>Every rule.</summary>
    public IReadOnlyList<GrammarRule> Rules { get; }

    /// <summary>The state a sentence starts in.</summary>
    public int Start { get; }

    /// <summary>The category of each word.</summary>
    public IReadOnlyDictionary<string, string> CategoryOf { get; }

    /// <summary>Every character that a sentence of the grammar can contain (including ' ' and '\n').</summary>
    public string Alphabet => new(Rules.SelectMany(r => r.Word).Append(' ').Append('\n').Distinct().Order().ToArray());

    /// <summary>Writes a word sequence as text: "the cat sleeps.\n".</summary>
    public static string Render(IEnumerable<string> words)
    {
        var text = new StringBuilder();
        foreach (var word in words)
        {
            if (word == Terminator)
            {
                text.Append(Terminator).Append('\n');
            }
            else
            {
                if (text.Length > 0 && text[^1] != '\n')
                {
                    text.Append(' ');
                }
                text.Append(word);
            }
        }
        return text.ToString();
    }

    /// <summary>Draws one sentence (text ending in ".\n") and its log-probability (natural log).</summary>
    public (string Sentence, double LogProbability) Sample(Random random)
    {
        var words = new List<string>();
        var logProbability = 0.0;
        var state = Start;
        while (state != Accept)
        {
            var rules = rulesOf[state];
            var u = random.NextDouble();
            var rule = rules[^1];
            foreach (var candidate in rules)
            {
                if (u < candidate.Probability)
                {
                    rule = candidate;
                    break;
                }
                u -= candidate.Probability;
            }
            words.Add(rule.Word);
            logProbability += Math.Log(rule.Probability);
            state = rule.To;
        }
        return (Render(words), logProbability);
    }

    /// <summary>
    /// The natural log of the probability of one sentence ("the cat sleeps." with or without the
    /// trailing newline), or null when the grammar cannot produce it (the recogniser).
    /// </summary>
    public double? LogProbability(string sentence)
    {
        ArgumentNullException.ThrowIfNull(sentence);
        var text = sentence.EndsWith('\n') ? sentence[..^1] : sentence;
        if (!text.EndsWith(Terminator) || text.Contains('\n'))
        {
            return null;
        }
        var body = text[..^Terminator.Length];
        var words = body.Split(' ').Append(Terminator).ToArray();
        var state = Start;
        var logProbability = 0.0;
        foreach (var word in words)
        {
            if (state == Accept || !ruleOfWord.TryGetValue((state, word), out var rule))
            {
                return null;
            }
            logProbability += Math.Log(rule.Probability);
            state = rule.To;
        }
        return state == Accept ? logProbability : null;
    }

    /// <summary>Whether the grammar can produce <paramref name="sentence"/>.</summary>
    public bool Accepts(string sentence) => LogProbability(sentence) is not null;

    /// <summary>
    /// Splits generated text into its complete lines and says how many the grammar accepts
    /// (a trailing line without a newline is incomplete and not counted).
    /// </summary>
    public (int Accepted, int Total) CountAccepted(string text)
    {
        var lines = text.Split('\n');
        var complete = lines[..^1];
        return (complete.Count(Accepts), complete.Length);
    }

    /// <summary>
    /// Expected number of visits to each state in one sentence: v = e_start + Pᵀ v, solved by
    /// iterating (it converges because every sentence ends with probability 1).
    /// </summary>
    public IReadOnlyDictionary<int, double> ExpectedVisits()
    {
        var visits = rulesOf.Keys.ToDictionary(s => s, s => s == Start ? 1.0 : 0.0);
        for (var iteration = 0; iteration < 100_000; iteration++)
        {
            var next = rulesOf.Keys.ToDictionary(s => s, s => s == Start ? 1.0 : 0.0);
            foreach (var rule in Rules.Where(r => r.To != Accept))
            {
                next[rule.To] += visits[rule.From] * rule.Probability;
            }
            var change = next.Max(p => Math.Abs(p.Value - visits[p.Key]));
            visits = next;
            if (change < 1e-15)
            {
                break;
            }
        }
        return visits;
    }

    /// <summary>H(sentence) = E[-log p(sentence)] = Σ_states visits(s) · H(next word | s), in nats.</summary>
    public double SentenceEntropy()
    {
        var visits = ExpectedVisits();
        return rulesOf.Sum(s => visits[s.Key] * s.Value.Sum(r => -r.Probability * Math.Log(r.Probability)));
    }

    /// <summary>
    /// E[characters per sentence], counting the newline: each word with the separator after it,
    /// minus the space that the terminator does not have before it.
    /// </summary>
    public double ExpectedCharacters()
    {
        var visits = ExpectedVisits();
        return rulesOf.Sum(s => visits[s.Key] * s.Value.Sum(r => r.Probability * (r.Word.Length + 1))) - 1;
    }

    /// <summary>
    /// The exact entropy rate of a corpus of independent sentences, in nats per character:
    /// H(sentence) / E[characters per sentence].
    /// </summary>
    public double EntropyRate() => SentenceEntropy() / ExpectedCharacters();

    /// <summary>
    /// Monte Carlo estimate of the entropy rate: mean(-log p) / mean(characters) over
    /// <paramref name="samples"/> sampled sentences, with its standard error (delta method).
    /// </summary>
    public (double Rate, double StandardError) EstimateEntropyRate(int samples, Random random)
    {
        var nats = new double[samples];
        var chars = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            var (sentence, logProbability) = Sample(random);
            nats[i] = -logProbability;
            chars[i] = sentence.Length;
        }
        var meanNats = nats.Average();
        var meanChars = chars.Average();
        var rate = meanNats / meanChars;
        // Variance of the ratio estimator: Var(n - rate * c) / (N * meanChars²).
        var residualVariance = nats.Zip(chars, (n, c) => Math.Pow(n - rate * c, 2)).Sum() / (samples - 1);
        return (rate, Math.Sqrt(residualVariance / samples) / meanChars);
    }
}
