namespace Workbook.Data.Grammar;

/// <summary>One labelled sentence: its words (ending in ".") and whether the grammar accepts it.</summary>
/// <param name="Words">the sentence's words, the terminator "." last.</param>
/// <param name="Grammatical">false when the verb's number was flipped, so it no longer agrees with its subject.</param>
public sealed record LabelledSentence(string[] Words, bool Grammatical);

/// <summary>
/// A sentence-classification task on the agreement grammar (<see cref="EnglishGrammar"/>): half the sentences are
/// sampled as they are, half get their verb swapped for a verb of the other number and the same kind ("sees" for "see",
/// "sleep" for "sleeps"). The two halves use the same words in the same places, so no count of words tells them apart:
/// only how the subject's number and the verb's number go together does, which is where context matters.
/// </summary>
public static class AgreementTask
{
    /// <summary>Draws <paramref name="count"/> labelled sentences, grammatical and not in equal shares, in random order.</summary>
    public static LabelledSentence[] Create(ProbabilisticGrammar grammar, int count, int seed)
    {
        var random = new Random(seed);
        var wordsOf = grammar.CategoryOf.GroupBy(p => p.Value).ToDictionary(g => g.Key, g => g.Select(p => p.Key).Order(StringComparer.Ordinal).ToArray());
        var result = new LabelledSentence[count];
        for (var i = 0; i < count; i++)
        {
            var words = grammar.Sample(random).Sentence.Trim().Replace(".", " .", StringComparison.Ordinal)
                .Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var grammatical = i % 2 == 0;
            if (!grammatical)
            {
                var verb = Array.FindIndex(words, w => grammar.CategoryOf[w].StartsWith("verb-", StringComparison.Ordinal));
                var category = grammar.CategoryOf[words[verb]];
                var other = category.EndsWith("-singular", StringComparison.Ordinal)
                    ? category[..^"singular".Length] + "plural"
                    : category[..^"plural".Length] + "singular";
                words[verb] = wordsOf[other][random.Next(wordsOf[other].Length)];
            }
            result[i] = new LabelledSentence(words, grammatical);
        }
        random.Shuffle(result);
        return result;
    }
}
