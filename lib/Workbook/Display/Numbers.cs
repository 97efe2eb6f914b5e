using System.Globalization;

namespace Workbook.Display;

/// <summary>
/// Numbers written for people: three significant digits, plain decimals between 0.001 and 100000
/// (<c>0.00299</c>, <c>0.25</c>, <c>1.5</c>, <c>12345</c>), a short exponent outside (<c>9.54e-7</c>, <c>1e-4</c>,
/// <c>2.5e6</c>), never <c>E-003</c> and never an SI prefix.
/// </summary>
public static class Numbers
{
    /// <summary><paramref name="value"/> with <paramref name="significant"/> significant digits (integers of 4-5 digits keep them all).</summary>
    public static string Format(double value, int significant = 3)
    {
        if (significant < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(significant), significant, "at least one significant digit");
        }
        if (double.IsNaN(value))
        {
            return "NaN";
        }
        if (double.IsInfinity(value))
        {
            return value > 0 ? "∞" : "−∞";
        }
        if (value == 0)
        {
            return "0";
        }
        var abs = Math.Abs(value);
        var exponent = (int)Math.Floor(Math.Log10(abs));
        var rounded = Math.Round(value / Math.Pow(10, exponent - significant + 1)) * Math.Pow(10, exponent - significant + 1);
        if (Math.Abs(rounded) >= Math.Pow(10, exponent + 1))
        {
            exponent++; // 9.996 rounds to 10.0
        }
        if (exponent >= significant - 1 && exponent < 5)
        {
            return Math.Round(value, MidpointRounding.AwayFromZero).ToString("F0", CultureInfo.InvariantCulture);
        }
        if (exponent is >= -3 and < 5)
        {
            var decimals = Math.Max(0, significant - 1 - exponent);
            return Trim(rounded.ToString("F" + decimals, CultureInfo.InvariantCulture));
        }
        var mantissa = rounded / Math.Pow(10, exponent);
        return Trim(mantissa.ToString("F" + (significant - 1), CultureInfo.InvariantCulture)) + "e" +
            exponent.ToString(CultureInfo.InvariantCulture);
    }

    private static string Trim(string number) =>
        number.Contains('.', StringComparison.Ordinal) ? number.TrimEnd('0').TrimEnd('.') : number;
}
