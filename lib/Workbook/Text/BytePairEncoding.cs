using System.Text;
using System.Text.RegularExpressions;

namespace Workbook.Text;

/// <summary>One learned merge: tokens <see cref="Left"/> and <see cref="Right"/> become <see cref="Token"/>.</summary>
/// <param name="Rank">0 for the first merge learned, 1 for the second, ...: encoding applies merges in this order.</param>
/// <param name="Left">id of the left token of the pair.</param>
/// <param name="Right">id of the right token of the pair.</param>
/// <param name="Token">id of the new token (256 + Rank).</param>
/// <param name="Count">how often the pair occurred in the training text when it was chosen.</param>
/// <param name="Text">the new token's text (bytes shown as text; invalid UTF-8 as &lt;xx&gt;).</param>
public sealed record BpeMerge(int Rank, int Left, int Right, int Token, long Count, string Text);

/// <summary>
/// Byte-level byte-pair encoding trained from scratch (Slides D, Tokenization: subword BPE, the
/// industry standard). The base vocabulary is the 256 byte values, so any Unicode text encodes
/// (as its UTF-8 bytes) and decodes back exactly. Training repeatedly finds the most frequent
/// adjacent pair of tokens in the corpus and merges it into a new token; encoding applies the
/// learned merges to new text in the order they were learned.
/// Text is first cut into pieces (words with their leading space, runs of digits, runs of
/// punctuation, whitespace) and merges never cross a piece boundary, as in GPT-2's tokenizer.
/// </summary>
public sealed partial class BytePairEncoding : ITokenizer
{
    private readonly List<BpeMerge> merges = new();
    private readonly Dictionary<(int Left, int Right), BpeMerge> mergeOfPair = new();
    private readonly List<byte[]> tokenBytes = Enumerable.Range(0, 256).Select(b => new[] { (byte)b }).ToList();
    private readonly Dictionary<string, int[]> cache = new();

    private BytePairEncoding()
    {
    }

    /// <inheritdoc />
    public string Name => $"bpe-{VocabularySize}";

    /// <inheritdoc />
    public int VocabularySize => tokenBytes.Count;

    /// <summary>The merges in the order they were learned, with the pair's count at that moment.</summary>
    public IReadOnlyList<BpeMerge> Merges => merges;

    /// <summary>
    /// Learns up to <paramref name="vocabularySize"/> - 256 merges from <paramref name="corpus"/>.
    /// Stops early when no pair occurs at least twice. Ties between equally frequent pairs go to
    /// the pair with the smaller (left, right) ids, so training is deterministic.
    /// </summary>
    public static BytePairEncoding Train(string corpus, int vocabularySize)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        if (vocabularySize < 256)
        {
            throw new ArgumentException($"vocabularySize is {vocabularySize}: a byte-level BPE needs at least the 256 byte tokens", nameof(vocabularySize));
        }
        var bpe = new BytePairEncoding();
        // Each distinct piece once, with how often it occurs: merges are counted per piece, times its frequency.
        var words = PreTokenize(corpus)
            .GroupBy(p => p, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Symbols: Encoding.UTF8.GetBytes(g.Key).Select(b => (int)b).ToList(), Count: (long)g.Count()))
            .ToList();
        while (bpe.VocabularySize < vocabularySize)
        {
            var pairCounts = new Dictionary<(int, int), long>();
            foreach (var (symbols, count) in words)
            {
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    var pair = (symbols[i], symbols[i + 1]);
                    pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + count;
                }
            }
            if (pairCounts.Count == 0)
            {
                break;
            }
            var best = pairCounts.MaxBy(p => (p.Value, -(long)p.Key.Item1 * 1_000_000 - p.Key.Item2));
            if (best.Value < 2)
            {
                break;
            }
            var merge = bpe.AddMerge(best.Key.Item1, best.Key.Item2, best.Value);
            foreach (var (symbols, _) in words)
            {
                ApplyMerge(symbols, merge);
            }
        }
        return bpe;
    }

    /// <summary>Cuts text into the pieces that merges never cross (leading space kept with a word).</summary>
    public static IEnumerable<string> PreTokenize(string text) => PiecePattern().Matches(text).Select(m => m.Value);

    /// <inheritdoc />
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length);
        foreach (var piece in PreTokenize(text))
        {
            if (!cache.TryGetValue(piece, out var pieceIds))
            {
                pieceIds = EncodePiece(piece, trace: null);
                if (cache.Count < 100_000)
                {
                    cache[piece] = pieceIds;
                }
            }
            ids.AddRange(pieceIds);
        }
        return ids.ToArray();
    }

    /// <summary>
    /// Encodes one piece and returns every intermediate state: the bytes first, then the tokens
    /// after each merge that applied, with that merge (to watch BPE work step by step).
    /// </summary>
    public IReadOnlyList<(BpeMerge? Merge, IReadOnlyList<string> Tokens)> EncodeSteps(string piece)
    {
        var trace = new List<(BpeMerge?, IReadOnlyList<string>)>();
        EncodePiece(piece, trace);
        return trace;
    }

    /// <inheritdoc />
    public string Decode(IReadOnlyList<int> ids)
    {
        Tokenizers.CheckIds(ids, VocabularySize, Name);
        var bytes = ids.SelectMany(i => tokenBytes[i]).ToArray();
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>The token's text; bytes that are not valid UTF-8 on their own are shown as &lt;xx&gt;.</summary>
    public string TokenText(int id) => BytesToText(tokenBytes[id]);

    private int[] EncodePiece(string piece, List<(BpeMerge?, IReadOnlyList<string>)>? trace)
    {
        var symbols = Encoding.UTF8.GetBytes(piece).Select(b => (int)b).ToList();
        trace?.Add((null, symbols.Select(TokenText).ToArray()));
        while (symbols.Count > 1)
        {
            // The applicable merge learned first (lowest rank) goes next: merges apply in learned order.
            BpeMerge? next = null;
            for (var i = 0; i + 1 < symbols.Count; i++)
            {
                if (mergeOfPair.TryGetValue((symbols[i], symbols[i + 1]), out var m) && (next is null || m.Rank < next.Rank))
                {
                    next = m;
                }
            }
            if (next is null)
            {
                break;
            }
            ApplyMerge(symbols, next);
            trace?.Add((next, symbols.Select(TokenText).ToArray()));
        }
        return symbols.ToArray();
    }

    private BpeMerge AddMerge(int left, int right, long count)
    {
        var bytes = tokenBytes[left].Concat(tokenBytes[right]).ToArray();
        var merge = new BpeMerge(merges.Count, left, right, tokenBytes.Count, count, BytesToText(bytes));
        tokenBytes.Add(bytes);
        merges.Add(merge);
        mergeOfPair[(left, right)] = merge;
        cache.Clear();
        return merge;
    }

    /// <summary>Replaces every non-overlapping occurrence of the merge's pair, left to right.</summary>
    private static void ApplyMerge(List<int> symbols, BpeMerge merge)
    {
        var write = 0;
        for (var read = 0; read < symbols.Count; read++)
        {
            if (read + 1 < symbols.Count && symbols[read] == merge.Left && symbols[read + 1] == merge.Right)
            {
                symbols[write++] = merge.Token;
                read++;
            }
            else
            {
                symbols[write++] = symbols[read];
            }
        }
        symbols.RemoveRange(write, symbols.Count - write);
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string BytesToText(byte[] bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return string.Concat(bytes.Select(b => b < 0x80 ? ((char)b).ToString() : $"<{b:x2}>"));
        }
    }

    // A word with its leading space, a run of digits, a run of other symbols, or whitespace.
    [GeneratedRegex(@" ?\p{L}[\p{L}\p{M}]*| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex PiecePattern();
}
