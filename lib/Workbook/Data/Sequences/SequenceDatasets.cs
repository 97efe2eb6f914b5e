using System.Globalization;
using System.Text;

namespace Workbook.Data.Sequences;

/// <summary>
/// Writes small samples of the generated sequence tasks as TSV files, so that a reader can look at the data without
/// running anything. The committed files in data/sequences/ are what <see cref="WriteSamples"/> produces
/// (a test checks it).
/// </summary>
public static class SequenceDatasets
{
    /// <summary>Seed of the committed samples.</summary>
    public const int SampleSeed = 0;

    /// <summary>The sample files and their contents.</summary>
    public static IReadOnlyDictionary<string, string> Samples()
    {
        var numbers = new StringBuilder("source\ttarget\n");
        foreach (var example in NumberWords.Generate(SampleSeed, 20, 0, 0, minDigits: 1, maxDigits: 6).Train)
        {
            numbers.Append(string.Join(" ", example.Source)).Append('\t').Append(string.Join("", example.Target)).Append('\n');
        }

        var copy = new StringBuilder("input\ttarget\n");
        var copySet = CopyTask.Generate(distance: 10, train: 10, validation: 0, test: 0, seed: SampleSeed, alphabet: 8, symbols: 3).Train;
        for (var n = 0; n < copySet.Count; n++)
        {
            copy.Append(string.Join(" ", copySet.Inputs[n].data<long>().ToArray())).Append('\t')
                .Append(string.Join(" ", copySet.Targets[n].data<long>().ToArray())).Append('\n');
        }

        var adding = new StringBuilder("values\tmarkers\ttarget\n");
        var addingSet = AddingProblem.Generate(length: 10, train: 10, validation: 0, test: 0, seed: SampleSeed).Train;
        for (var n = 0; n < addingSet.Count; n++)
        {
            var steps = addingSet.Inputs[n].data<float>().ToArray();
            adding.Append(string.Join(" ", steps.Where((_, i) => i % 2 == 0).Select(v => v.ToString("0.0000", CultureInfo.InvariantCulture)))).Append('\t')
                  .Append(string.Join(" ", steps.Where((_, i) => i % 2 == 1).Select(v => v.ToString("0", CultureInfo.InvariantCulture)))).Append('\t')
                  .Append(addingSet.Targets[n].item<float>().ToString("0.0000", CultureInfo.InvariantCulture)).Append('\n');
        }

        return new Dictionary<string, string>
        {
            ["numbers-sample.tsv"] = numbers.ToString(),
            ["copy-sample.tsv"] = copy.ToString(),
            ["adding-sample.tsv"] = adding.ToString(),
        };
    }

    /// <summary>Writes every sample into <paramref name="folder"/> (created if missing); returns the paths written.</summary>
    public static IReadOnlyList<string> WriteSamples(string folder)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        foreach (var (name, content) in Samples())
        {
            var path = Path.Combine(folder, name);
            File.WriteAllText(path, content, new UTF8Encoding(false));
            written.Add(path);
        }
        return written;
    }
}
