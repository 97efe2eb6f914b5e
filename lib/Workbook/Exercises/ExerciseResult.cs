namespace Workbook.Exercises;

/// <summary>
/// The outcome of checking a student's answer: whether it passed, how many cases were checked,
/// and a message that says precisely what is wrong (or "passed all N cases").
/// Displays as a green or red box in a notebook.
/// </summary>
/// <param name="Exercise">the exercise's name, e.g. "softmax".</param>
/// <param name="Passed">true when every case matched.</param>
/// <param name="CasesChecked">cases run, including the failing one.</param>
/// <param name="Message">what went wrong, naming the case, shapes and values; or the pass message.</param>
public sealed record ExerciseResult(string Exercise, bool Passed, int CasesChecked, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{(Passed ? "PASSED" : "FAILED")} {Exercise}: {Message}";
}
