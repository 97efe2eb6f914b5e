namespace Workbook.Data.Sequences;

/// <summary>One source/target pair of a translation task.</summary>
/// <param name="Source">source tokens, e.g. ["three", "hundred", "forty", "two"].</param>
/// <param name="Target">target tokens, e.g. ["3", "4", "2"].</param>
public sealed record TranslationExample(IReadOnlyList<string> Source, IReadOnlyList<string> Target)
{
    /// <summary>"three hundred forty two → 342".</summary>
    public override string ToString() => $"{string.Join(" ", Source)} → {string.Join("", Target)}";
}

/// <summary>
/// A small translation task: a number written in English words (word tokens) to its decimal digits (character tokens),
/// e.g. "three hundred forty two thousand one hundred five" → "342105". Longer numbers give longer sources and targets,
/// and a harder problem: the order of the digits must survive the encoder (Notes §6.4.1, §6.5.1).
/// Deterministic under a seed; numbers are distinct across train, validation and test.
/// </summary>
public static class NumberWords
{
    private static readonly string[] Ones =
    {
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    };

    private static readonly string[] Tens = { "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety" };

    /// <summary>Largest supported number of digits.</summary>
    public const int MaxDigits = 9;

    /// <summary>Source vocabulary: the 31 number words.</summary>
    public static Vocabulary SourceVocabulary { get; } = new(Ones.Concat(Tens.Skip(2)).Concat(new[] { "hundred", "thousand", "million" }));

    /// <summary>Target vocabulary: the digits 0-9.</summary>
    public static Vocabulary TargetVocabulary { get; } = new(Enumerable.Range(0, 10).Select(d => d.ToString()));

    /// <summary>The words of <paramref name="number"/> (0 ≤ number &lt; 10⁹), e.g. 1042 → "one thousand forty two".</summary>
    public static string[] ToWords(long number)
    {
        if (number < 0 || number >= 1_000_000_000)
        {
            throw new ArgumentException($"number must be in [0, 999999999], got {number}.", nameof(number));
        }
        if (number == 0)
        {
            return new[] { "zero" };
        }
        var words = new List<string>();
        foreach (var (scale, name) in new[] { (1_000_000L, "million"), (1_000L, "thousand"), (1L, "") })
        {
            var group = (int)(number / scale % 1000);
            if (group == 0)
            {
                continue;
            }
            if (group >= 100)
            {
                words.Add(Ones[group / 100]);
                words.Add("hundred");
            }
            var rest = group % 100;
            if (rest >= 20)
            {
                words.Add(Tens[rest / 10]);
                if (rest % 10 != 0)
                {
                    words.Add(Ones[rest % 10]);
                }
            }
            else if (rest > 0)
            {
                words.Add(Ones[rest]);
            }
            if (name.Length > 0)
            {
                words.Add(name);
            }
        }
        return words.ToArray();
    }

    /// <summary>The example for one number.</summary>
    public static TranslationExample Example(long number) =>
        new(ToWords(number), number.ToString(System.Globalization.CultureInfo.InvariantCulture).Select(c => c.ToString()).ToArray());

    /// <summary>
    /// Generates distinct numbers: for each example a digit count uniform in [<paramref name="minDigits"/>, <paramref name="maxDigits"/>],
    /// then a number uniform among those with that many digits (redrawn if already used). The first
    /// <paramref name="train"/> go to train, the next <paramref name="validation"/> to validation, the rest to test.
    /// </summary>
    public static Splits<IReadOnlyList<TranslationExample>> Generate(int seed, int train, int validation, int test, int minDigits = 1, int maxDigits = 6)
    {
        Check.Sizes(train, validation, test);
        if (minDigits < 1 || maxDigits > MaxDigits || minDigits > maxDigits)
        {
            throw new ArgumentException($"Need 1 <= minDigits <= maxDigits <= {MaxDigits}, got minDigits = {minDigits}, maxDigits = {maxDigits}.");
        }
        long low = minDigits == 1 ? 0 : Pow10(minDigits - 1), high = Pow10(maxDigits) - 1;
        var total = train + validation + test;
        if (total > (high - low + 1) / 2)
        {
            throw new ArgumentException($"{total} distinct numbers with {minDigits} to {maxDigits} digits were asked for, but there are only {high - low + 1}; ask for at most half of them.");
        }
        var random = new Random(seed);
        var used = new HashSet<long>();
        var examples = new List<TranslationExample>(total);
        while (examples.Count < total)
        {
            var digits = random.Next(minDigits, maxDigits + 1);
            long from = digits == 1 ? 0 : Pow10(digits - 1), to = Pow10(digits);
            var number = random.NextInt64(from, to);
            if (used.Add(number))
            {
                examples.Add(Example(number));
            }
        }
        return new Splits<IReadOnlyList<TranslationExample>>(
            examples.Take(train).ToArray(),
            examples.Skip(train).Take(validation).ToArray(),
            examples.Skip(train + validation).ToArray());
    }

    private static long Pow10(int n)
    {
        long value = 1;
        for (var i = 0; i < n; i++)
        {
            value *= 10;
        }
        return value;
    }
}
