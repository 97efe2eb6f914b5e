namespace Workbook.Exercises;

/// <summary>
/// A student's function plugged into a real algorithm (their GAE inside A2C, their clipped surrogate
/// inside PPO). Every call goes to the student's function; while it is still the student edition's
/// stub (it throws <see cref="NotImplementedException"/>), the reference answer is used instead, so the
/// training and every later cell still run, and the cell's output says which one trained.
/// </summary>
/// <typeparam name="TDelegate">the function's delegate type.</typeparam>
public sealed class Plugged<TDelegate> where TDelegate : Delegate
{
    private int studentCalls;
    private int referenceCalls;

    internal Plugged(string exercise, Func<Plugged<TDelegate>, TDelegate> build)
    {
        Exercise = exercise;
        Function = build(this);
    }

    /// <summary>The exercise's name.</summary>
    public string Exercise { get; }

    /// <summary>The function to plug in: the student's, or the reference while the student's is a stub.</summary>
    public TDelegate Function { get; }

    /// <summary>Calls that ran the student's function.</summary>
    public int StudentCalls => Volatile.Read(ref studentCalls);

    /// <summary>Calls that ran the reference answer because the student's function is not written yet.</summary>
    public int ReferenceCalls => Volatile.Read(ref referenceCalls);

    /// <summary>Whether the student's own function did the work (every call).</summary>
    public bool RanYours => StudentCalls > 0 && ReferenceCalls == 0;

    internal TResult Call<TResult>(Func<TResult> student, Func<TResult> reference)
    {
        if (Volatile.Read(ref referenceCalls) == 0)
        {
            try
            {
                var result = student();
                if (Interlocked.Increment(ref studentCalls) == 1)
                {
                    ExerciseLog.RecordPlugged(Exercise, ranStudents: true);
                }
                return result;
            }
            catch (NotImplementedException)
            {
                // the stub: fall back for good (below)
            }
        }
        if (Interlocked.Increment(ref referenceCalls) == 1)
        {
            ExerciseLog.RecordPlugged(Exercise, ranStudents: false);
        }
        return reference();
    }

    /// <summary>The student's function's own check, when the notebook ran one (<see cref="CheckedBy"/>).</summary>
    public ExerciseResult? Check { get; private set; }

    /// <summary>
    /// Records the result of the student's function's own check, so <see cref="Outcome"/> can warn when a function
    /// that failed its check trained anyway. Returns this, for chaining.
    /// </summary>
    public Plugged<TDelegate> CheckedBy(ExerciseResult check)
    {
        ArgumentNullException.ThrowIfNull(check);
        Check = check;
        return this;
    }

    /// <summary>
    /// What the plugged-in run achieved against the reference's run of the same algorithm (a return, a loss, a
    /// curve's last value): the cell's answer to "did my function work?", not only "did it run?".
    /// </summary>
    /// <param name="measure">what was measured, in the student's words: "greedy mean return over 100 episodes".</param>
    /// <param name="yours">the measure from the run with the plugged-in function.</param>
    /// <param name="reference">the same measure from the reference's run (same seeds and budget).</param>
    /// <param name="higherIsBetter">true for returns and accuracies, false for losses and errors.</param>
    /// <param name="sameWithin">the difference below which the two runs count as the same (absolute).</param>
    public PluggedOutcome Outcome(string measure, double yours, double reference, bool higherIsBetter = true, double sameWithin = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(measure);
        if (sameWithin < 0 || double.IsNaN(sameWithin))
        {
            throw new ArgumentOutOfRangeException(nameof(sameWithin), sameWithin, "must be zero or positive");
        }
        return new PluggedOutcome(Exercise, measure, yours, reference, higherIsBetter, sameWithin, RanYours, StudentCalls, ReferenceCalls, Check);
    }

    /// <inheritdoc />
    public override string ToString() => RanYours
        ? $"{Exercise}: your function ran inside the library's loop ({StudentCalls} calls)"
        : ReferenceCalls > 0
            ? $"{Exercise}: not attempted yet, so the library's loop used the reference answer ({ReferenceCalls} calls); write yours and run this cell again"
            : $"{Exercise}: not called yet";
}

/// <summary>
/// The outcome of a training run with a student's function plugged in, against the reference's run: the measure,
/// both values, which is better, and a warning when the function failed its own check (a run that "worked" with a
/// wrong function is luck, not evidence).
/// </summary>
public sealed record PluggedOutcome(string Exercise, string Measure, double Yours, double Reference, bool HigherIsBetter,
    double SameWithin, bool RanYours, int StudentCalls, int ReferenceCalls, ExerciseResult? Check)
{
    /// <summary>The run with the student's function is as good as the reference's (within <see cref="SameWithin"/>) or better.</summary>
    public bool AsGoodAsReference =>
        RanYours && !double.IsNaN(Yours) && (Math.Abs(Yours - Reference) <= SameWithin || (HigherIsBetter ? Yours > Reference : Yours < Reference));

    /// <summary>The function's own check ran and failed.</summary>
    public bool FailedItsCheck => Check is { Attempted: true, Passed: false };

    /// <inheritdoc />
    public override string ToString()
    {
        if (!RanYours)
        {
            return StudentCalls == 0 && ReferenceCalls == 0
                ? $"{Exercise}: not called yet"
                : $"{Exercise}: not attempted yet, so the library's loop used the reference answer ({ReferenceCalls} calls) and " +
                  $"{Measure} = {Format(Yours)} is the reference's own; write yours and run this cell again";
        }
        var difference = Yours - Reference;
        var verdict = double.IsNaN(Yours)
            ? "your run produced NaN"
            : Math.Abs(difference) <= SameWithin
                ? "the same as the reference's"
                : (HigherIsBetter ? difference > 0 : difference < 0)
                    ? $"better than the reference's by {Format(Math.Abs(difference))}"
                    : $"worse than the reference's by {Format(Math.Abs(difference))}";
        var text = $"{Exercise}: your function ran inside the library's loop ({StudentCalls} calls). {Measure}: yours {Format(Yours)}, " +
                   $"the reference's {Format(Reference)}: {verdict}.";
        if (FailedItsCheck)
        {
            text += $" Warning: your function failed its own check ({Check!.Message}), so this run is not evidence that it is right.";
        }
        return text;
    }

    private static string Format(double value) =>
        double.IsNaN(value) ? "NaN" : value.ToString(Math.Abs(value) >= 1e5 || (value != 0 && Math.Abs(value) < 1e-3) ? "0.##e+0" : "G4", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Plugs a student's function into an algorithm (see <see cref="Plugged{TDelegate}"/>).</summary>
public static class Plug
{
    /// <summary>A function of any delegate type: <paramref name="build"/> wraps each call in <see cref="Plugged{TDelegate}"/>'s fallback.</summary>
    internal static Plugged<TDelegate> Custom<TDelegate>(string exercise, Func<Plugged<TDelegate>, TDelegate> build) where TDelegate : Delegate =>
        new(exercise, build);

    /// <summary>A three-argument function.</summary>
    public static Plugged<Func<T1, T2, T3, TResult>> In<T1, T2, T3, TResult>(string exercise,
        Func<T1, T2, T3, TResult> student, Func<T1, T2, T3, TResult> reference) =>
        new(exercise, p => (a, b, c) => p.Call(() => student(a, b, c), () => reference(a, b, c)));

    /// <summary>A five-argument function.</summary>
    public static Plugged<Func<T1, T2, T3, T4, T5, TResult>> In<T1, T2, T3, T4, T5, TResult>(string exercise,
        Func<T1, T2, T3, T4, T5, TResult> student, Func<T1, T2, T3, T4, T5, TResult> reference) =>
        new(exercise, p => (a, b, c, d, e) => p.Call(() => student(a, b, c, d, e), () => reference(a, b, c, d, e)));
}
