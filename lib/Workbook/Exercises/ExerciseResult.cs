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
/// <param name="Attempted">false when the student's function is still the student edition's stub
/// (it threw <see cref="NotImplementedException"/>): "not attempted", not a failure with a stack trace.</param>
public sealed record ExerciseResult(string Exercise, bool Passed, int CasesChecked, string Message, bool Attempted = true)
{
    // Every result a check makes is evidence for the exercise metric reported next (ExerciseLog); the same for every
    // instance, so it never makes two results unequal.
    private readonly bool logged = ExerciseLog.Record(Exercise, Passed, Attempted, Message, CasesChecked);

    /// <inheritdoc />
    public override string ToString() => $"{(Passed ? "PASSED" : Attempted ? "FAILED" : "NOT ATTEMPTED")} {Exercise}: {Message}";
}
