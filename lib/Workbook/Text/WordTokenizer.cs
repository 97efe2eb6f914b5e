using System.Text.RegularExpressions;

namespace Workbook.Text;

/// <summary>
/// Word-level tokenizer (Slides D, Tokenization: "Deep Learning" is two tokens). Words and single
/// punctuation marks are tokens; the <c>maxVocabulary - 1</c> most frequent ones of the training
/// text get ids, everything else becomes <see cref="UnknownToken"/> (id 0): the out-of-vocabulary
/// problem that subword tokenizers solve. Lossy: decoding joins tokens with single spaces.
/// </summary>
public sealed partial class WordTokenizer : ITokenizer
{
    /// <summary>The text of the unknown token, id 0.</summary>
    public const string UnknownToken = "<unk>";

    private readonly string[] words;
    private readonly Dictionary<string, int> index;

    /// <summary>Keeps the most frequent words of <paramref name="corpus"/> (ties broken alphabetically).</summary>
    public WordTokenizer(string corpus, int maxVocabulary = 10_000)
    {
        if (maxVocabulary < 2)
        {
            throw new ArgumentException($"maxVocabulary is {maxVocabulary}: it must leave room for the unknown token and at least one word", nameof(maxVocabulary));
        }
        words = Split(corpus)
            .GroupBy(w => w)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(maxVocabulary - 1)
            .Select(g => g.Key)
            .Prepend(UnknownToken)
            .ToArray();
        index = words.Select((w, i) => (w, i)).ToDictionary(p => p.w, p => p.i);
    }

    /// <inheritdoc />
    public string Name => "word";

    /// <inheritdoc />
    public int VocabularySize => words.Length;

    /// <summary>The words in id order (id 0 is <see cref="UnknownToken"/>).</summary>
    public IReadOnlyList<string> Words => words;

    /// <summary>Splits text into words and punctuation marks.</summary>
    public static IEnumerable<string> Split(string text) => WordPattern().Matches(text).Select(m => m.Value);

    /// <inheritdoc />
    public int[] Encode(string text) => Split(text).Select(w => index.GetValueOrDefault(w, 0)).ToArray();

    /// <inheritdoc />
    public string Decode(IReadOnlyList<int> ids)
    {
        Tokenizers.CheckIds(ids, words.Length, Name);
        return string.Join(' ', ids.Select(i => words[i]));
    }

    [GeneratedRegex(@"\w+|[^\w\s]")]
    private static partial Regex WordPattern();
}
