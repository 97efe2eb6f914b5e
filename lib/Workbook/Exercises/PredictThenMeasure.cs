using System.Globalization;

namespace Workbook.Exercises;

/// <summary>
/// A predict-then-measure exercise: the student commits a number before the experiment runs (in a cell above it), and
/// the check compares it with what the notebook then measured and says what the gap means. A prediction left as
/// <see cref="double.NaN"/> (the student edition's stub) is "not attempted", not a failure.
/// <code>
/// var myPrediction = 0.3;                 // before the experiment
/// ... the experiment measures `measured` ...
/// PredictThenMeasure.Check("crash rate", myPrediction, measured, within: 0.15, "why the two can differ")
/// </code>
/// </summary>
public static class PredictThenMeasure
{
    /// <summary>
    /// Passes when |<paramref name="predicted"/> − <paramref name="measured"/>| ≤ <paramref name="within"/>. The message
    /// gives both numbers, the gap, and <paramref name="explanation"/> (what the measurement shows, what a gap means).
    /// </summary>
    /// <param name="exercise">the exercise's name.</param>
    /// <param name="predicted">the student's committed number; NaN while not attempted.</param>
    /// <param name="measured">what the notebook measured afterwards.</param>
    /// <param name="within">the largest gap that counts as a right prediction (absolute), at least 0.</param>
    /// <param name="explanation">one or two sentences: why the measured value is what it is.</param>
    public static ExerciseResult Check(string exercise, double predicted, double measured, double within, string explanation)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(exercise);
        if (!(within >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(within), within, "must be zero or positive");
        }
        if (double.IsNaN(predicted))
        {
            return new ExerciseResult(exercise, false, 0, "not attempted yet: commit your prediction (a number) in the cell above the experiment, then run the experiment and this check", Attempted: false);
        }
        var gap = predicted - measured;
        var text = $"you predicted {Format(predicted)}, the notebook measured {Format(measured)} (gap {Format(gap)}, allowed ±{Format(within)}). {explanation}";
        return Math.Abs(gap) <= within
            ? new ExerciseResult(exercise, true, 1, text)
            : new ExerciseResult(exercise, false, 1, $"{(gap > 0 ? "too high" : "too low")}: {text}");
    }

    private static string Format(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
