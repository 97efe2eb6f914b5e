using System.Globalization;
using System.Text;

namespace Workbook.Data.Grammar;

/// <summary>
/// The generated corpus of <see cref="EnglishGrammar"/>: a training and a validation text of
/// independent sentences, one per line, reproducible from a seed, with its exact entropy rate.
/// </summary>
public static class GrammarCorpus
{
    /// <summary>Sentences in the training text (about 190 KB).</summary>
    public const int TrainSentences = 6000;

    /// <summary>Sentences in the validation text (about 19 KB).</summary>
    public const int ValidSentences = 600;

    /// <summary>Generates <paramref name="sentences"/> sentences of <paramref name="grammar"/> from <paramref name="seed"/>.</summary>
    public static string Generate(ProbabilisticGrammar grammar, int sentences, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder();
        for (var i = 0; i < sentences; i++)
        {
            text.Append(grammar.Sample(random).Sentence);
        }
        return text.ToString();
    }

    /// <summary>The training and validation texts for <paramref name="seed"/> (validation uses an independent stream).</summary>
    public static (string Train, string Valid) Create(int seed = 0)
    {
        var grammar = EnglishGrammar.Create();
        return (Generate(grammar, TrainSentences, seed), Generate(grammar, ValidSentences, seed + 1_000_003));
    }

    /// <summary>
    /// Writes <c>grammar/train.txt</c>, <c>grammar/valid.txt</c> and <c>grammar/README.md</c>
    /// (with the entropy rate) under <paramref name="dataFolder"/>. Same seed, same bytes.
    /// </summary>
    public static IReadOnlyList<string> Write(string dataFolder, int seed = 0)
    {
        var folder = Path.Combine(dataFolder, "grammar");
        Directory.CreateDirectory(folder);
        var grammar = EnglishGrammar.Create();
        var (train, valid) = Create(seed);
        var files = new[] { Path.Combine(folder, "train.txt"), Path.Combine(folder, "valid.txt"), Path.Combine(folder, "README.md") };
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        File.WriteAllText(files[0], train, utf8);
        File.WriteAllText(files[1], valid, utf8);
        var rate = grammar.EntropyRate().ToString("F6", CultureInfo.InvariantCulture);
        File.WriteAllText(files[2],
            "# Generated corpus: the workbook's probabilistic grammar\n\n" +
            $"Written by `GrammarCorpus.Write(folder, seed: {seed})` (Workbook.Data.Grammar): {TrainSentences} training and {ValidSentences} validation " +
            "sentences of `EnglishGrammar`, one per line. Every sentence has exactly one derivation, so its probability is known.\n\n" +
            $"Entropy rate: {rate} nats per character (exact: expected -log p(sentence) / expected characters per sentence, newline included). " +
            "No model's validation loss per character can be lower on average.\n", utf8);
        return files;
    }
}
