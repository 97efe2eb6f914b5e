using Workbook.Data.Grammar;

namespace Workbook.Rl.Language;

/// <summary>
/// A programmatic judge: the reward of the <see cref="LanguageMdp"/>, given at the end of an episode.
/// </summary>
/// <param name="Name">what the judge rewards, for printing.</param>
/// <param name="Score">the generated text (no end token) → its reward.</param>
public sealed record SentenceJudge(string Name, Func<string, double> Score)
{
    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>
    /// 1 for a sentence the grammar accepts whose subject is plural and whose verb is <paramref name="verb"/>, else 0.
    /// The subject is the first noun; its number is the noun's category in <paramref name="grammar"/>.
    /// </summary>
    public static SentenceJudge PluralSubjectWithVerb(ProbabilisticGrammar grammar, string verb)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        if (!grammar.CategoryOf.TryGetValue(verb, out var category) || !category.StartsWith("verb", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{verb}' is not a verb of the grammar", nameof(verb));
        }
        return new SentenceJudge($"a grammatical sentence with a plural subject and the verb '{verb}'", text =>
        {
            if (!grammar.Accepts(text))
            {
                return 0.0;
            }
            var words = text[..^ProbabilisticGrammar.Terminator.Length].Split(' ');
            var subject = words.First(w => grammar.CategoryOf[w].StartsWith("noun", StringComparison.Ordinal));
            var mainVerb = words.First(w => grammar.CategoryOf[w].StartsWith("verb", StringComparison.Ordinal));
            return grammar.CategoryOf[subject] == "noun-plural" && mainVerb == verb ? 1.0 : 0.0;
        });
    }

    /// <summary>
    /// A judge with a loophole: it pays for every occurrence of the word <paramref name="word"/> in the text (at most
    /// <paramref name="cap"/>), whether or not the text is a sentence.
    /// </summary>
    public static SentenceJudge WordCount(string word, int cap = 3) =>
        new($"the number of times '{word}' occurs (at most {cap}), sentence or not", text =>
            Math.Min(cap, text.Split(new[] { ' ', '.' }, StringSplitOptions.RemoveEmptyEntries).Count(w => w == word)));
}
