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
                Interlocked.Increment(ref studentCalls);
                return result;
            }
            catch (NotImplementedException)
            {
                // the stub: fall back for good (below)
            }
        }
        Interlocked.Increment(ref referenceCalls);
        return reference();
    }

    /// <inheritdoc />
    public override string ToString() => RanYours
        ? $"{Exercise}: your function ran inside the library's loop ({StudentCalls} calls)"
        : ReferenceCalls > 0
            ? $"{Exercise}: not attempted yet, so the library's loop used the reference answer ({ReferenceCalls} calls); write yours and run this cell again"
            : $"{Exercise}: not called yet";
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
