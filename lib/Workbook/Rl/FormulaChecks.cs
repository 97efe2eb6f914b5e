using Workbook.Exercises;

namespace Workbook.Rl;

/// <summary>
/// Checks a student's number-valued function against closed forms (float64), case by case: each case says, in the
/// exercise's own terms, what its inputs are; the first wrong case is named with its inputs, the expected and the
/// returned value. A stub (NotImplementedException) is "not attempted"; any other exception is one line.
/// </summary>
internal static class FormulaChecks
{
    public static ExerciseResult Check(string exercise, IReadOnlyList<(string Inputs, double Expected, Func<double> Student)> cases, double tolerance = 1e-9)
    {
        for (var i = 0; i < cases.Count; i++)
        {
            var (inputs, expected, student) = cases[i];
            var label = $"case {i + 1} of {cases.Count} ({inputs})";
            double got;
            try
            {
                got = student();
            }
            catch (NotImplementedException e)
            {
                return new ExerciseResult(exercise, false, 0, $"not attempted yet: {e.Message}", Attempted: false);
            }
            catch (Exception e)
            {
                return new ExerciseResult(exercise, false, i + 1, $"{label}: your function threw {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            }
            if (double.IsNaN(got) || Math.Abs(got - expected) > tolerance * Math.Max(1, Math.Abs(expected)))
            {
                return new ExerciseResult(exercise, false, i + 1, $"{label}: expected {Exercise.Show(expected)}, got {Exercise.Show(got)}");
            }
        }
        return new ExerciseResult(exercise, true, cases.Count, $"passed all {cases.Count} cases");
    }

    /// <summary>
    /// A failed per-transition tensor check (output [B]) with the inputs of the failing transition appended, in the
    /// exercise's terms: "transition b: r = ..., terminated = ..., Q(s', ·) = [...]". <paramref name="describe"/> gets the
    /// case's inputs and the row; a message without a row index is returned unchanged.
    /// </summary>
    public static ExerciseResult WithRow(ExerciseResult result, Func<int, string> describe)
    {
        if (result.Passed || !result.Attempted)
        {
            return result;
        }
        var at = System.Text.RegularExpressions.Regex.Match(result.Message, @"at \[(\d+)\]");
        return at.Success ? result with { Message = $"{result.Message}. Transition {at.Groups[1].Value}: {describe(int.Parse(at.Groups[1].Value))}" } : result;
    }
}
