namespace Workbook.Data.Grammar;

/// <summary>One labelled sentence: its words (ending in ".") and whether the grammar accepts it.</summary>
/// <param name="Words">the sentence's words, the terminator "." last.</param>
/// <param name="Grammatical">false when the verb's number was flipped, so it no longer agrees with its subject.</param>
public sealed record LabelledSentence(string[] Words, bool Grammatical);

/// <summary>
/// A sentence-classification task on the agreement grammar (<see cref="EnglishGrammar"/>): half the sentences are
/// sampled as they are, half get their verb swapped for its partner of the other number
/// (<see cref="EnglishGrammar.OtherNumberVerb"/>: "see" for "sees", "sleeps" for "sleep"), which has the same Zipf weight.
/// Each half has exactly as many singular as plural subjects (sentences are redrawn until the subject has the number
/// wanted), so the verb is singular in half of each half too. Every word then has the same distribution in both
/// halves: no single word's count, nor any weighted sum of counts (a linear bag-of-words classifier), tells them
/// apart. Only how the subject's number and the verb's number go together does, which is where context matters.
/// </summary>
public static class AgreementTask
{
    /// <summary>
    /// Draws <paramref name="count"/> labelled sentences, grammatical and not in equal shares, each share with singular
    /// and plural subjects in equal shares (for a count divisible by 4), in random order.
    /// </summary>
    public static LabelledSentence[] Create(ProbabilisticGrammar grammar, int count, int seed)
    {
        var random = new Random(seed);
        var result = new LabelledSentence[count];
        for (var i = 0; i < count; i++)
        {
            var grammatical = i % 2 == 0;
            var singularSubject = i / 2 % 2 == 0;
            string[] words;
            int verb;
            do
            {
                words = grammar.Sample(random).Sentence.Trim().Replace(".", " .", StringComparison.Ordinal)
                    .Split(' ', StringSplitOptions.RemoveEmptyEntries);
                verb = Array.FindIndex(words, w => grammar.CategoryOf[w].StartsWith("verb-", StringComparison.Ordinal));
            }
            while (grammar.CategoryOf[words[verb]].EndsWith("-singular", StringComparison.Ordinal) != singularSubject);   // the grammar's verb agrees with the subject
            if (!grammatical)
            {
                words[verb] = EnglishGrammar.OtherNumberVerb.TryGetValue(words[verb], out var partner)
                    ? partner
                    : throw new ArgumentException($"the verb \"{words[verb]}\" has no partner of the other number: the agreement task needs the workbook's EnglishGrammar");
            }
            result[i] = new LabelledSentence(words, grammatical);
        }
        random.Shuffle(result);
        return result;
    }
}
