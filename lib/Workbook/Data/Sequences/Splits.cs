namespace Workbook.Data.Sequences;

/// <summary>Train, validation and test parts of a generated data set; no example appears in two parts.</summary>
public sealed record Splits<T>(T Train, T Validation, T Test)
{
    /// <summary>The three parts in order.</summary>
    public IEnumerable<T> All => new[] { Train, Validation, Test };
}

/// <summary>Argument checks shared by the generators.</summary>
internal static class Check
{
    public static void Sizes(int train, int validation, int test)
    {
        if (train < 0 || validation < 0 || test < 0 || train + validation + test == 0)
        {
            throw new ArgumentException($"Split sizes must be >= 0 and not all zero, got train = {train}, validation = {validation}, test = {test}.");
        }
    }
}
