using Microsoft.ML.Tokenizers;

namespace Workbook.Text;

/// <summary>
/// The real byte-level BPE tokenizer of recent OpenAI models (o200k_base, about 200 thousand
/// tokens), through Microsoft.ML.Tokenizers and its bundled vocabulary (works offline), behind
/// the workbook's <see cref="ITokenizer"/> interface.
/// </summary>
public sealed class O200kTokenizer : ITokenizer
{
    private static readonly Lazy<TiktokenTokenizer> Shared = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));
    private readonly TiktokenTokenizer tokenizer = Shared.Value;

    /// <inheritdoc />
    public string Name => "o200k_base";

    /// <inheritdoc />
    public int VocabularySize
    {
        get
        {
            // The rank table is not public in this version of Microsoft.ML.Tokenizers: its size is read by reflection.
            var ranks = typeof(TiktokenTokenizer).GetProperty("Decoder", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic)
                ?.GetValue(tokenizer) as System.Collections.ICollection;
            var max = (ranks?.Count ?? 0) - 1;
            if (tokenizer.SpecialTokens is { Count: > 0 } special)
            {
                max = Math.Max(max, special.Values.Max());
            }
            return max + 1;
        }
    }

    /// <summary>The underlying Microsoft.ML.Tokenizers tokenizer.</summary>
    public TiktokenTokenizer Inner => tokenizer;

    /// <inheritdoc />
    public int[] Encode(string text) => tokenizer.EncodeToIds(text).ToArray();

    /// <inheritdoc />
    public string Decode(IReadOnlyList<int> ids) => tokenizer.Decode(ids);

    /// <summary>The tokens' texts as the tokenizer reports them (bytes of partial characters shown as it shows them).</summary>
    public IReadOnlyList<string> TokenTexts(string text) => tokenizer.EncodeToTokens(text, out _).Select(t => t.Value).ToArray();
}
