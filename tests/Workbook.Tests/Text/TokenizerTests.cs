using System.Text;
using Workbook.Text;

namespace Workbook.Tests.Text;

public class TokenizerTests
{
    private const string Corpus =
        "the cat sat on the mat. the cat ate the rat. a rat sat on a cat! numbers: 9.9 and 9.11 and 10.5 and 99.\n" +
        "the other cats sat on other mats, and the rats ran. then the cat sat again and again.";

    [Fact]
    public void CharacterTokenizerRoundTripsAndRejectsUnknownCharacters()
    {
        var tokenizer = new CharacterTokenizer(Corpus);
        var text = "the rat sat.";
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        Assert.Equal(Corpus.Distinct().Count(), tokenizer.VocabularySize);
        var error = Assert.Throws<ArgumentException>(() => tokenizer.Encode("the zebra"));
        Assert.Contains("'z'", error.Message);
    }

    [Fact]
    public void WordTokenizerMapsUnseenWordsToUnknown()
    {
        var tokenizer = new WordTokenizer(Corpus);
        var ids = tokenizer.Encode("the zebra sat.");
        Assert.Equal(4, ids.Length);
        Assert.Equal(0, ids[1]);
        Assert.Equal("the <unk> sat .", tokenizer.Decode(ids));
        Assert.Equal(WordTokenizer.UnknownToken, tokenizer.Words[0]);
    }

    [Fact]
    public void BpeLearnsMergesWithDecreasingCountsAndShortensText()
    {
        var bpe = BytePairEncoding.Train(Corpus, 300);
        Assert.True(bpe.Merges.Count > 10);
        Assert.Equal(256 + bpe.Merges.Count, bpe.VocabularySize);
        // Each merge's count is the most frequent pair at that moment; the first is at least as common as any later one.
        Assert.True(bpe.Merges[0].Count >= bpe.Merges.Max(m => m.Count));
        Assert.True(bpe.Encode(Corpus).Length < Encoding.UTF8.GetByteCount(Corpus) / 2);
        Assert.Equal(bpe.Merges.Select((m, i) => 256 + i), bpe.Merges.Select(m => m.Token));
    }

    [Fact]
    public void BpeRoundTripsArbitraryUnicode()
    {
        var bpe = BytePairEncoding.Train(Corpus, 320);
        var random = new Random(7);
        // Code points from ASCII, Latin-1, combining marks, CJK, emoji (astral plane, surrogate pairs), Hangul, Arabic.
        var ranges = new[] { (0x20, 0x7E), (0xA0, 0xFF), (0x300, 0x36F), (0x4E00, 0x9FFF), (0x1F300, 0x1F6FF), (0xAC00, 0xD7A3), (0x600, 0x6FF), (0x9, 0xA) };
        for (var sample = 0; sample < 200; sample++)
        {
            var text = new StringBuilder();
            var length = random.Next(0, 40);
            for (var i = 0; i < length; i++)
            {
                var (low, high) = ranges[random.Next(ranges.Length)];
                text.Append(char.ConvertFromUtf32(random.Next(low, high + 1)));
            }
            var s = text.ToString();
            Assert.Equal(s, bpe.Decode(bpe.Encode(s)));
        }
        var mixed = "naïve café 👩‍👩‍👧 東京 e\u0301 9.9 > 9.11?";
        Assert.Equal(mixed, bpe.Decode(bpe.Encode(mixed)));
    }

    [Fact]
    public void BpeAppliesMergesInLearnedOrder()
    {
        var bpe = BytePairEncoding.Train(Corpus, 320);
        // Reference: start from the bytes of each piece and apply every merge, in learned order, everywhere it matches.
        foreach (var text in new[] { "the cat sat on the mat", " another rat ate 9.11", "cats and rats again" })
        {
            var expected = new List<int>();
            foreach (var piece in BytePairEncoding.PreTokenize(text))
            {
                var symbols = Encoding.UTF8.GetBytes(piece).Select(b => (int)b).ToList();
                foreach (var merge in bpe.Merges)
                {
                    for (var i = 0; i + 1 < symbols.Count; i++)
                    {
                        if (symbols[i] == merge.Left && symbols[i + 1] == merge.Right)
                        {
                            symbols[i] = merge.Token;
                            symbols.RemoveAt(i + 1);
                        }
                    }
                }
                expected.AddRange(symbols);
            }
            Assert.Equal(expected, bpe.Encode(text));
        }
        // The step-by-step trace uses merges of strictly increasing rank.
        var steps = bpe.EncodeSteps(" the");
        var ranks = steps.Skip(1).Select(s => s.Merge!.Rank).ToArray();
        Assert.NotEmpty(ranks);
        Assert.Equal(ranks.Order(), ranks);
        Assert.Equal(" the", string.Concat(steps[^1].Tokens));
    }

    [Fact]
    public void BpeTrainingIsDeterministic()
    {
        var a = BytePairEncoding.Train(Corpus, 290);
        var b = BytePairEncoding.Train(Corpus, 290);
        Assert.Equal(a.Merges, b.Merges);
    }

    [Fact]
    public void O200kRoundTripsAndCompressesBelowByteCount()
    {
        var tokenizer = new O200kTokenizer();
        var text = "Is 9.9 greater than 9.11? Tokenizers split numbers in surprising ways. 東京 👋";
        var ids = tokenizer.Encode(text);
        Assert.Equal(text, tokenizer.Decode(ids));
        Assert.True(ids.Length < Encoding.UTF8.GetByteCount(text));
        Assert.Equal(ids, tokenizer.Encode(text));
        Assert.True(tokenizer.VocabularySize > 100_000);
        Assert.All(ids, id => Assert.InRange(id, 0, tokenizer.VocabularySize - 1));
        Assert.Equal(ids.Length, tokenizer.TokenTexts(text).Count);
    }
}
