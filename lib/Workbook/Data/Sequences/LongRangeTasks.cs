using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Data.Sequences;

/// <summary>Inputs and targets of a generated sequence task, as tensors.</summary>
/// <param name="Inputs">[count, time, features] float32 (adding problem) or [count, time] int64 token ids (copy task).</param>
/// <param name="Targets">[count] float32 (adding problem) or [count, symbols] int64 (copy task).</param>
public sealed record SequenceSet(Tensor Inputs, Tensor Targets)
{
    /// <summary>Number of examples.</summary>
    public long Count => Inputs.shape[0];
}

/// <summary>
/// The adding problem (Hochreiter &amp; Schmidhuber): each step carries a value uniform in [0, 1] and a marker; exactly two
/// steps are marked, one in the first half and one in the second half, and the target is the sum of the two marked values.
/// The first marked value must be kept for up to <c>length</c> steps. Predicting the constant 1 gives a mean squared
/// error of 1/6 ≈ 0.167, the bar a model has to beat.
/// </summary>
public static class AddingProblem
{
    /// <summary>Mean squared error of always predicting 1 (the expected sum): Var(U₁ + U₂) = 2/12.</summary>
    public const double BaselineMse = 1.0 / 6.0;

    /// <summary>Generates the three splits with sequences of <paramref name="length"/> steps; inputs [n, length, 2] (value, marker).</summary>
    public static Splits<SequenceSet> Generate(int length, int train, int validation, int test, int seed)
    {
        Check.Sizes(train, validation, test);
        if (length < 2)
        {
            throw new ArgumentException($"The adding problem needs length >= 2 (one marker per half), got {length}.", nameof(length));
        }
        var random = new Random(seed);
        SequenceSet Make(int count)
        {
            var inputs = new float[count * length * 2];
            var targets = new float[count];
            for (var n = 0; n < count; n++)
            {
                var first = random.Next(0, length / 2);
                var second = random.Next(length / 2, length);
                for (var t = 0; t < length; t++)
                {
                    var value = (float)random.NextDouble();
                    inputs[(n * length + t) * 2] = value;
                    if (t == first || t == second)
                    {
                        inputs[(n * length + t) * 2 + 1] = 1;
                        targets[n] += value;
                    }
                }
            }
            return new SequenceSet(tensor(inputs, new long[] { count, length, 2 }), tensor(targets));
        }
        return new Splits<SequenceSet>(Make(train), Make(validation), Make(test));
    }
}

/// <summary>
/// The copy task, a long-range memory test: the first <c>symbols</c> tokens are drawn from an alphabet of
/// <c>alphabet</c> symbols, then <c>distance</c> filler tokens (random noise from <c>fillers</c> filler tokens), then a "go" token and
/// <c>symbols - 1</c> blanks; the model must output the remembered symbols at the last <c>symbols</c> steps. Sequence
/// length is <c>2·symbols + distance</c>; the first symbol must be kept for <c>distance + symbols</c> steps.
/// Token ids: symbols 0..alphabet-1, fillers alphabet..alphabet+fillers-1, go = alphabet+fillers, blank = alphabet+fillers+1.
/// Sequences are distinct across the three splits.
/// </summary>
public static class CopyTask
{
    /// <summary>Number of token ids used by a task with this alphabet.</summary>
    public static int VocabularySize(int alphabet, int fillers = 2) => alphabet + fillers + 2;

    /// <summary>Generates the splits; inputs [n, 2·symbols + distance] int64, targets [n, symbols] int64.</summary>
    public static Splits<SequenceSet> Generate(int distance, int train, int validation, int test, int seed, int alphabet = 8, int symbols = 1, int fillers = 2)
    {
        Check.Sizes(train, validation, test);
        if (distance < 0 || alphabet < 2 || symbols < 1 || fillers < 1)
        {
            throw new ArgumentException($"Need distance >= 0, alphabet >= 2, symbols >= 1 and fillers >= 1, got distance = {distance}, alphabet = {alphabet}, symbols = {symbols}, fillers = {fillers}.");
        }
        var length = 2 * symbols + distance;
        var total = train + validation + test;
        var distinct = Math.Pow(alphabet, symbols) * Math.Pow(fillers, distance);
        if (total > distinct / 2)
        {
            throw new ArgumentException($"{total} distinct sequences were asked for, but distance {distance} with {symbols} symbols of {alphabet} allows only {distinct}; ask for at most half.");
        }
        int go = alphabet + fillers, blank = alphabet + fillers + 1;
        var random = new Random(seed);
        var seen = new HashSet<string>();
        var rows = new List<long[]>(total);
        while (rows.Count < total)
        {
            var row = new long[length];
            for (var i = 0; i < symbols; i++)
            {
                row[i] = random.Next(alphabet);
            }
            for (var i = 0; i < distance; i++)
            {
                row[symbols + i] = alphabet + random.Next(fillers);
            }
            row[symbols + distance] = go;
            for (var i = symbols + distance + 1; i < length; i++)
            {
                row[i] = blank;
            }
            if (seen.Add(string.Join(",", row)))
            {
                rows.Add(row);
            }
        }
        SequenceSet Make(IEnumerable<long[]> part)
        {
            var list = part.ToList();
            var inputs = list.SelectMany(r => r).ToArray();
            var targets = list.SelectMany(r => r.Take(symbols)).ToArray();
            return new SequenceSet(tensor(inputs, new long[] { list.Count, length }), tensor(targets, new long[] { list.Count, symbols }));
        }
        return new Splits<SequenceSet>(Make(rows.Take(train)), Make(rows.Skip(train).Take(validation)), Make(rows.Skip(train + validation)));
    }
}
