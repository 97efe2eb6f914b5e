namespace Workbook.Text;

/// <summary>
/// Turns text into a sequence of integer token ids and back (Slides D, Tokenization). Every
/// tokenizer of the workbook (characters, words, byte-pair encoding, o200k_base) has this shape,
/// so a notebook can swap one for another and compare vocabulary size against sequence length.
/// </summary>
public interface ITokenizer
{
    /// <summary>A short name for tables and charts ("character", "word", "bpe-512", "o200k_base").</summary>
    string Name { get; }

    /// <summary>How many distinct token ids the tokenizer can produce (ids are 0 .. VocabularySize-1).</summary>
    int VocabularySize { get; }

    /// <summary>The token ids of <paramref name="text"/>.</summary>
    int[] Encode(string text);

    /// <summary>The text of a sequence of token ids (the inverse of <see cref="Encode"/> where the tokenizer is lossless).</summary>
    string Decode(IReadOnlyList<int> ids);
}

/// <summary>Helpers shared by the tokenizers.</summary>
public static class Tokenizers
{
    /// <summary>The text of each token of <paramref name="text"/>, in order (for showing how a string is split).</summary>
    public static IReadOnlyList<string> Pieces(this ITokenizer tokenizer, string text) =>
        tokenizer.Encode(text).Select(id => tokenizer.Decode(new[] { id })).ToArray();

    internal static void CheckIds(IReadOnlyList<int> ids, int vocabularySize, string tokenizer)
    {
        for (var i = 0; i < ids.Count; i++)
        {
            if (ids[i] < 0 || ids[i] >= vocabularySize)
            {
                throw new ArgumentException(
                    $"token id {ids[i]} at position {i} is outside the {tokenizer} vocabulary [0, {vocabularySize})", nameof(ids));
            }
        }
    }
}
