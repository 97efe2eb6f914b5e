namespace Workbook.Exercises;

/// <summary>Where a student stands on one exercise.</summary>
public enum ExerciseState
{
    /// <summary>The check passed (the exercise metric met its bound).</summary>
    Passed,

    /// <summary>The student wrote an answer and it is wrong (or the plugged-in run missed its goal).</summary>
    Failed,

    /// <summary>The answer is still the student edition's stub (it threw <see cref="NotImplementedException"/>).</summary>
    NotAttempted,
}

/// <summary>
/// The state of the exercise behind one exercise metric (a metric named <c>exercise...</c>): passed, failed or not
/// attempted, the check's message and how many cases it ran. The summary's metrics bundle carries one per exercise
/// metric, so that a grader or the engine tells "failed" from "not attempted" without reading displayed outputs.
/// </summary>
/// <param name="Exercise">the exercise's name as its check reports it ("online softmax"), or the metric's name when
/// no check or plugged-in function ran before the metric was reported.</param>
/// <param name="State">passed, failed or not attempted.</param>
/// <param name="Message">the check's message ("case 2 of 6: ..."), or what was not met.</param>
/// <param name="CasesChecked">cases the check ran (0 when no check ran).</param>
public sealed record ExerciseStatus(string Exercise, ExerciseState State, string Message, int CasesChecked)
{
    /// <summary>The state as the bundle and the grade sheet write it: "passed", "failed", "not attempted".</summary>
    public string StateText => Text(State);

    /// <summary>"passed", "failed" or "not attempted".</summary>
    public static string Text(ExerciseState state) => state switch
    {
        ExerciseState.Passed => "passed",
        ExerciseState.NotAttempted => "not attempted",
        _ => "failed",
    };

    /// <inheritdoc />
    public override string ToString() => $"{StateText} {Exercise}: {Message}";
}

/// <summary>
/// What the exercises of this process did since the last exercise metric was reported: every check's result
/// (<see cref="ExerciseResult"/> logs itself when it is made) and every plugged-in function's fate (ran the student's
/// function, or fell back to the reference because it is still the stub). <c>Metrics.Report("exercise...", value)</c>
/// turns that evidence into the metric's <see cref="ExerciseStatus"/> (<see cref="Resolve(string, double, string?)"/>), so the notebooks need
/// no change: a check cell reports its metric right after its check, a plugged cell right after its run.
/// </summary>
public static class ExerciseLog
{
    // Evidence since the last exercise metric; bounded, so a process that runs thousands of checks (a test run) stays small.
    private const int Capacity = 256;
    private static readonly List<Evidence> pending = new();

    private sealed record Evidence(string Exercise, ExerciseState State, string Message, int CasesChecked, bool IsCheck);

    /// <summary>Logs a check's result (called by <see cref="ExerciseResult"/>'s constructor). Returns true.</summary>
    internal static bool Record(string exercise, bool passed, bool attempted, string message, int casesChecked)
    {
        Add(new Evidence(exercise, passed ? ExerciseState.Passed : attempted ? ExerciseState.Failed : ExerciseState.NotAttempted,
            message, casesChecked, IsCheck: true));
        return true;
    }

    /// <summary>Logs a plugged-in function's first call: the student's function ran, or the stub sent it to the reference.</summary>
    internal static void RecordPlugged(string exercise, bool ranStudents) =>
        Add(new Evidence(exercise, ranStudents ? ExerciseState.Passed : ExerciseState.NotAttempted,
            ranStudents
                ? "your function ran inside the library's loop"
                : "not attempted yet: your function is still the stub, so the library's reference answer ran in its place",
            0, IsCheck: false));

    private static void Add(Evidence evidence)
    {
        lock (pending)
        {
            if (pending.Count == Capacity)
            {
                pending.RemoveAt(0);
            }
            pending.Add(evidence);
        }
    }

    /// <summary>Forgets the pending evidence (for tests and for re-running a notebook from the top).</summary>
    public static void Clear()
    {
        lock (pending)
        {
            pending.Clear();
        }
    }

    /// <summary>
    /// The state of exercise metric <paramref name="metric"/> reported with <paramref name="value"/>, from the evidence
    /// logged since the previous exercise metric (which this consumes). The value decides a pass (exercise metrics are
    /// declared <c>== 1</c>); for any other value the evidence tells "not attempted" from "failed": the last check
    /// that did not pass, or else the last plugged-in function; "not attempted" when that is the stub.
    /// </summary>
    public static ExerciseStatus Resolve(string metric, double value, string? description = null)
    {
        List<Evidence> evidence;
        lock (pending)
        {
            evidence = pending.ToList();
            pending.Clear();
        }
        var checks = evidence.Where(e => e.IsCheck).ToList();
        var what = description ?? metric;
        if (value == 1)
        {
            var passed = checks.LastOrDefault(e => e.State == ExerciseState.Passed) ?? evidence.LastOrDefault(e => e.State == ExerciseState.Passed);
            return passed is null
                ? new ExerciseStatus(metric, ExerciseState.Passed, what, 0)
                : new ExerciseStatus(passed.Exercise, ExerciseState.Passed, passed.Message, passed.CasesChecked);
        }
        var notPassed = checks.LastOrDefault(e => e.State != ExerciseState.Passed);
        if (notPassed is not null)
        {
            return new ExerciseStatus(notPassed.Exercise, notPassed.State, notPassed.Message, notPassed.CasesChecked);
        }
        if (checks.Count > 0)
        {
            var check = checks[^1];
            return new ExerciseStatus(check.Exercise, ExerciseState.Failed,
                $"the check passed ({check.Message}), but this was not met: {what} (value {Show(value)})", check.CasesChecked);
        }
        if (evidence.LastOrDefault() is { } plugged)
        {
            return plugged.State == ExerciseState.NotAttempted
                ? new ExerciseStatus(plugged.Exercise, ExerciseState.NotAttempted, plugged.Message, 0)
                : new ExerciseStatus(plugged.Exercise, ExerciseState.Failed, $"your function ran, but this was not met: {what} (value {Show(value)})", 0);
        }
        return new ExerciseStatus(metric, ExerciseState.Failed, $"not met: {what} (value {Show(value)})", 0);
    }

    /// <summary>The state of an exercise metric reported straight from its check (no evidence needed); consumes the pending evidence.</summary>
    public static ExerciseStatus Resolve(ExerciseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Clear();
        return new ExerciseStatus(result.Exercise,
            result.Passed ? ExerciseState.Passed : result.Attempted ? ExerciseState.Failed : ExerciseState.NotAttempted,
            result.Message, result.CasesChecked);
    }

    private static string Show(double value) => value.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
}
