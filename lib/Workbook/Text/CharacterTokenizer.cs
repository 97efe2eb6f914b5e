namespace Workbook.Text;

/// <summary>
/// Character-level tokenizer (Slides D, Tokenization: "D e e p L e a r n i n g"): one token per
/// UTF-16 character seen in the training text. Tiny vocabulary, long sequences, no unknown words
/// as long as the alphabet is closed.
/// </summary>
public sealed class CharacterTokenizer : ITokenizer
{
    private readonly char[] alphabet;
    private readonly Dictionary<char, int> index;

    /// <summary>Builds the alphabet from every distinct character of <paramref name="corpus"/> (sorted, so ids are stable).</summary>
    public CharacterTokenizer(string corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        alphabet = corpus.Distinct().Order().ToArray();
        index = alphabet.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
    }

    /// <inheritdoc />
    public string Name => "character";

    /// <inheritdoc />
    public int VocabularySize => alphabet.Length;

    /// <summary>The characters in id order.</summary>
    public IReadOnlyList<char> Alphabet => alphabet;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">the text holds a character that the training corpus did not.</exception>
    public int[] Encode(string text)
    {
        var ids = new int[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            if (!index.TryGetValue(text[i], out ids[i]))
            {
                throw new ArgumentException(
                    $"character '{text[i]}' (U+{(int)text[i]:X4}) at position {i} is not in the alphabet of {alphabet.Length} characters", nameof(text));
            }
        }
        return ids;
    }

    /// <inheritdoc />
    public string Decode(IReadOnlyList<int> ids)
    {
        Tokenizers.CheckIds(ids, alphabet.Length, Name);
        return new string(ids.Select(i => alphabet[i]).ToArray());
    }
}
