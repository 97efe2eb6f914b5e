namespace Workbook.Data.Grammar;

/// <summary>
/// The workbook's own small grammar of English-like sentences ("two old robots follow the fox
/// near a farmer."), with number agreement between subject and verb (a dependency a
/// character-level model has to carry across several words). Words were chosen for this workbook;
/// within each category the probabilities fall off like 1/rank, so some words are common and
/// some rare.
/// </summary>
public static class EnglishGrammar
{
    private static readonly string[] SingularDeterminers = { "a", "every", "one" };
    private static readonly string[] PluralDeterminers = { "some", "many", "two" };
    private const string AnyDeterminer = "the";
    private static readonly string[] Adjectives = { "small", "red", "old", "quiet", "happy", "green" };
    private static readonly string[] SingularNouns = { "cat", "dog", "bird", "child", "farmer", "robot", "teacher", "fox" };
    private static readonly string[] PluralNouns = { "cats", "dogs", "birds", "children", "farmers", "robots", "teachers", "foxes" };
    private static readonly string[] SingularTransitive = { "sees", "likes", "follows", "finds", "helps" };
    private static readonly string[] PluralTransitive = { "see", "like", "follow", "find", "help" };
    private static readonly string[] SingularIntransitive = { "sleeps", "runs", "sings", "waits" };
    private static readonly string[] PluralIntransitive = { "sleep", "run", "sing", "wait" };
    private static readonly string[] Adverbs = { "quickly", "quietly", "often", "today" };
    private static readonly string[] Prepositions = { "near", "behind", "with", "under" };

    /// <summary>
    /// Every verb with its partner of the other number and the same rank in its list ("sees" and "see", "sleep" and
    /// "sleeps"): the two have the same Zipf weight within their categories.
    /// </summary>
    public static IReadOnlyDictionary<string, string> OtherNumberVerb { get; } =
        SingularTransitive.Zip(PluralTransitive).Concat(SingularIntransitive.Zip(PluralIntransitive))
            .SelectMany(p => new[] { (p.First, p.Second), (p.Second, p.First) })
            .ToDictionary(p => p.Item1, p => p.Item2);

    /// <summary>Probability that a noun phrase has an adjective.</summary>
    public const double AdjectiveProbability = 0.3;

    /// <summary>Builds the grammar (deterministic: the same rules every time).</summary>
    public static ProbabilisticGrammar Create()
    {
        var rules = new List<GrammarRule>();
        var nextState = 0;
        int NewState() => nextState++;

        void Choose(int from, IReadOnlyList<string> words, string category, double mass, int to)
        {
            // Zipf-like weights 1/(rank+1), scaled to the category's share `mass` of the state.
            var weights = words.Select((_, k) => 1.0 / (k + 1)).ToArray();
            var total = weights.Sum();
            for (var k = 0; k < words.Count; k++)
            {
                rules.Add(new GrammarRule(from, words[k], category, mass * weights[k] / total, to));
            }
        }

        // A noun phrase from state `start`: determiner, optional adjective, noun. Where the noun's
        // number matters (the subject), singular and plural nouns lead to different states.
        void NounPhrase(int start, int afterSingular, int afterPlural)
        {
            var singular = NewState();
            var plural = NewState();
            var either = NewState();
            Choose(start, SingularDeterminers, "determiner-singular", 0.4, singular);
            Choose(start, PluralDeterminers, "determiner-plural", 0.3, plural);
            Choose(start, new[] { AnyDeterminer }, "determiner", 0.3, either);
            foreach (var (state, nouns) in new[] { (singular, 1), (plural, 2), (either, 3) })
            {
                var adjective = NewState();
                Choose(state, Adjectives, "adjective", AdjectiveProbability, adjective);
                foreach (var from in new[] { state, adjective })
                {
                    var mass = from == state ? 1 - AdjectiveProbability : 1.0;
                    var share = nouns == 3 ? 0.5 : 1.0;
                    if (nouns is 1 or 3)
                    {
                        Choose(from, SingularNouns, "noun-singular", mass * share, afterSingular);
                    }
                    if (nouns is 2 or 3)
                    {
                        Choose(from, PluralNouns, "noun-plural", mass * share, afterPlural);
                    }
                }
            }
        }

        var start = NewState();
        var verbSingular = NewState();
        var verbPlural = NewState();
        var objectStart = NewState();
        var afterIntransitive = NewState();
        var clauseEnd = NewState();
        var phraseStart = NewState();
        var sentenceEnd = NewState();

        NounPhrase(start, verbSingular, verbPlural);
        Choose(verbSingular, SingularTransitive, "verb-transitive-singular", 0.6, objectStart);
        Choose(verbSingular, SingularIntransitive, "verb-intransitive-singular", 0.4, afterIntransitive);
        Choose(verbPlural, PluralTransitive, "verb-transitive-plural", 0.6, objectStart);
        Choose(verbPlural, PluralIntransitive, "verb-intransitive-plural", 0.4, afterIntransitive);
        NounPhrase(objectStart, clauseEnd, clauseEnd);
        Choose(afterIntransitive, Adverbs, "adverb", 0.4, clauseEnd);
        Choose(afterIntransitive, Prepositions, "preposition", 0.25, phraseStart);
        Choose(afterIntransitive, new[] { ProbabilisticGrammar.Terminator }, "terminator", 0.35, ProbabilisticGrammar.Accept);
        Choose(clauseEnd, Prepositions, "preposition", 0.25, phraseStart);
        Choose(clauseEnd, new[] { ProbabilisticGrammar.Terminator }, "terminator", 0.75, ProbabilisticGrammar.Accept);
        NounPhrase(phraseStart, sentenceEnd, sentenceEnd);
        Choose(sentenceEnd, new[] { ProbabilisticGrammar.Terminator }, "terminator", 1.0, ProbabilisticGrammar.Accept);
        return new ProbabilisticGrammar("english-agreement", rules, start);
    }
}
