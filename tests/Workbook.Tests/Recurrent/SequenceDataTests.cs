using TorchSharp;
using Workbook.Data.Sequences;
using Workbook.Recurrent;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Tests.Recurrent;

/// <summary>The generated tasks are deterministic under a seed, the splits have the stated sizes and do not overlap.</summary>
public sealed class SequenceDataTests
{
    [Fact]
    public void NumberWordsAreDeterministicDistinctAndSized()
    {
        var first = NumberWords.Generate(7, 300, 50, 80, 1, 6);
        var second = NumberWords.Generate(7, 300, 50, 80, 1, 6);
        var other = NumberWords.Generate(8, 300, 50, 80, 1, 6);
        Assert.Equal(new[] { 300, 50, 80 }, first.All.Select(s => s.Count));
        Assert.Equal(Keys(first), Keys(second));
        Assert.NotEqual(Keys(first), Keys(other));
        var all = first.All.SelectMany(s => s).Select(e => e.ToString()).ToArray();
        Assert.Equal(all.Length, all.Distinct().Count());
        Assert.All(first.All.SelectMany(s => s), e => Assert.InRange(e.Target.Count, 1, 6));
    }

    [Fact]
    public void NumberWordsSpellNumbersCorrectly()
    {
        Assert.Equal("zero", string.Join(" ", NumberWords.ToWords(0)));
        Assert.Equal("three hundred forty two thousand one hundred five", string.Join(" ", NumberWords.ToWords(342105)));
        Assert.Equal("one million seventeen", string.Join(" ", NumberWords.ToWords(1_000_017)));
        Assert.Equal("nine hundred ninety nine million nine hundred ninety nine thousand nine hundred ninety nine", string.Join(" ", NumberWords.ToWords(999_999_999)));
        Assert.Equal(new[] { "1", "0", "4", "2" }, NumberWords.Example(1042).Target);
        var vocabulary = NumberWords.SourceVocabulary;
        Assert.Equal(3 + 31, vocabulary.Count);
        Assert.Equal(new[] { "one", "thousand" }, vocabulary.Decode(vocabulary.Encode(new[] { "one", "thousand" }).Append(Vocabulary.End).Append(5)));
        var error = Assert.Throws<ArgumentException>(() => vocabulary.Encode(new[] { "eleventy" }));
        Assert.Contains("eleventy", error.Message);
        Assert.Throws<ArgumentException>(() => NumberWords.Generate(0, 10, 0, 0, 1, 1));
        Assert.Throws<ArgumentException>(() => NumberWords.ToWords(-1));
    }

    [Fact]
    public void CopyTaskIsDeterministicDistinctAndHasTheStatedShapes()
    {
        using var scope = NewDisposeScope();
        var splits = CopyTask.Generate(distance: 20, train: 200, validation: 30, test: 40, seed: 3, alphabet: 8, symbols: 2);
        var again = CopyTask.Generate(distance: 20, train: 200, validation: 30, test: 40, seed: 3, alphabet: 8, symbols: 2);
        Assert.Equal(new long[] { 200, 30, 40 }, splits.All.Select(s => s.Count));
        Assert.Equal(new long[] { 200, 2 * 2 + 20 }, splits.Train.Inputs.shape);
        Assert.Equal(new long[] { 200, 2 }, splits.Train.Targets.shape);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(splits.All.ElementAt(i).Inputs.eq(again.All.ElementAt(i).Inputs).all().ToBoolean());
        }
        Assert.True(splits.Train.Inputs[.., ..2].eq(splits.Train.Targets).all().ToBoolean());
        Assert.True(splits.Train.Inputs[.., 22].eq(8 + 2).all().ToBoolean()); // the go token
        var rows = splits.All.SelectMany(s => Enumerable.Range(0, (int)s.Count).Select(n => string.Join(",", s.Inputs[n].data<long>().ToArray()))).ToArray();
        Assert.Equal(rows.Length, rows.Distinct().Count());
        Assert.Throws<ArgumentException>(() => CopyTask.Generate(distance: 1, train: 100, validation: 0, test: 0, seed: 0, alphabet: 2, symbols: 1));
    }

    [Fact]
    public void AddingProblemIsDeterministicSizedAndItsTargetsAreTheMarkedSums()
    {
        using var scope = NewDisposeScope();
        var splits = AddingProblem.Generate(length: 30, train: 100, validation: 20, test: 10, seed: 5);
        var again = AddingProblem.Generate(length: 30, train: 100, validation: 20, test: 10, seed: 5);
        Assert.Equal(new long[] { 100, 20, 10 }, splits.All.Select(s => s.Count));
        Assert.True(splits.Test.Inputs.eq(again.Test.Inputs).all().ToBoolean());
        var inputs = splits.Train.Inputs;                                    // [100, 30, 2]
        Assert.True(inputs[.., .., 1].sum(dim: 1).eq(2).all().ToBoolean());  // two markers each
        var sums = (inputs[.., .., 0] * inputs[.., .., 1]).sum(dim: 1);
        Assert.True((sums - splits.Train.Targets).abs().max().ToDouble() < 1e-5);
        var all = cat(splits.All.Select(s => s.Inputs).ToArray(), 0).reshape(130, -1);
        Assert.Equal(130, all.unique(dim: 0).Item1.shape[0]);
    }

    [Fact]
    public void CommittedSamplesAreWhatTheGeneratorWrites()
    {
        var folder = Path.Combine(RepositoryRoot(), "data", "sequences");
        foreach (var (name, content) in SequenceDatasets.Samples())
        {
            var path = Path.Combine(folder, name);
            Assert.True(File.Exists(path), $"{path} is missing: run SequenceDatasets.WriteSamples(\"data/sequences\")");
            Assert.Equal(content, File.ReadAllText(path));
        }
    }

    [Fact]
    public void BatchesArePaddedAndShifted()
    {
        using var scope = NewDisposeScope();
        var examples = new[] { NumberWords.Example(42), NumberWords.Example(7) };
        var batch = Seq2SeqBatch.From(examples, NumberWords.SourceVocabulary, NumberWords.TargetVocabulary);
        Assert.Equal(new long[] { 2, 1 }, batch.SourceLengths);
        Assert.Equal(new long[] { 2, 2 }, batch.Source.shape);                   // "forty two" / "seven" + pad
        Assert.Equal(Vocabulary.Pad, batch.Source[1, 1].item<long>());
        var four = NumberWords.TargetVocabulary["4"];
        var two = NumberWords.TargetVocabulary["2"];
        var seven = NumberWords.TargetVocabulary["7"];
        Assert.Equal(new long[] { Vocabulary.Start, four, two, Vocabulary.Start, seven, Vocabulary.Pad }, batch.DecoderInput.data<long>().ToArray());
        Assert.Equal(new long[] { four, two, Vocabulary.End, seven, Vocabulary.End, Vocabulary.Pad }, batch.Target.data<long>().ToArray());
        Assert.Throws<ArgumentException>(() => Seq2SeqBatch.From(Array.Empty<TranslationExample>(), NumberWords.SourceVocabulary, NumberWords.TargetVocabulary));
        Assert.Throws<ArgumentException>(() => Seq2SeqBatch.From(new[] { new TranslationExample(Array.Empty<string>(), new[] { "1" }) }, NumberWords.SourceVocabulary, NumberWords.TargetVocabulary));
    }

    private static string[] Keys(Splits<IReadOnlyList<TranslationExample>> splits) => splits.All.SelectMany(s => s).Select(e => e.ToString()).ToArray();

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Workbook.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("Workbook.sln not found above " + AppContext.BaseDirectory);
    }
}
