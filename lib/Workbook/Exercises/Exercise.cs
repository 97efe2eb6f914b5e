using System.Collections;
using System.Globalization;
using TorchSharp;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Exercises;

/// <summary>
/// Checks a student's function against a reference on several cases and reports the first
/// mismatch precisely: the case number, the inputs' shapes, a wrong shape, or the position with
/// the largest difference (expected vs got), or the exception the student's code threw.
/// <code>
/// var result = Exercise.CheckTensors("softmax", x => MySoftmax(x[0]), x => softmax(x[0], -1), cases);
/// Metrics.Report("exercise_passed", result.Passed ? 1 : 0);
/// result
/// </code>
/// </summary>
public static class Exercise
{
    /// <summary>
    /// Runs <paramref name="student"/> and <paramref name="reference"/> on every input (each call gets
    /// its own clones of the inputs, so an in-place change by the student's code cannot corrupt the
    /// reference) and compares elementwise: |got - expected| &lt;= atol + rtol * |expected|
    /// (NaN matches NaN, as in <c>torch.allclose(equal_nan: true)</c>).
    /// </summary>
    public static ExerciseResult CheckTensors(string exercise, Func<Tensor[], Tensor> student, Func<Tensor[], Tensor> reference,
        IEnumerable<Tensor[]> inputs, double atol = 1e-5, double rtol = 1e-4)
    {
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(reference);
        var cases = inputs.ToList();
        if (cases.Count == 0)
        {
            throw new ArgumentException($"exercise '{exercise}' has no cases to check", nameof(inputs));
        }
        for (var i = 0; i < cases.Count; i++)
        {
            var label = $"case {i + 1} of {cases.Count}";
            using var scope = NewDisposeScope();
            var shapes = string.Join(", ", cases[i].Select(t => Shapes.Of(t)));
            Tensor expected;
            try
            {
                expected = reference(Clone(cases[i]));
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"{label}: the reference solution of '{exercise}' threw {e.GetType().Name}: {OneLine(e)}", e);
            }
            Tensor? got;
            try
            {
                got = student(Clone(cases[i]));
            }
            catch (NotImplementedException e)
            {
                return NotAttempted(exercise, e.Message);
            }
            catch (Exception e)
            {
                return Fail(exercise, i + 1, $"{label}: your function threw {e.GetType().Name}: {OneLine(e)} (inputs with shapes {shapes})");
            }
            if (got is null)
            {
                return Fail(exercise, i + 1, $"{label}: your function returned null (inputs with shapes {shapes})");
            }
            if (!got.shape.SequenceEqual(expected.shape))
            {
                return Fail(exercise, i + 1,
                    $"{label}: expected shape {Shapes.Of(expected)} but your function returned {Shapes.Of(got)} (inputs with shapes {shapes})");
            }
            var mismatch = CompareValues(ToDoubles(expected), ToDoubles(got), expected.shape, atol, rtol);
            if (mismatch is not null)
            {
                return Fail(exercise, i + 1, $"{label}: {mismatch} (inputs with shapes {shapes})");
            }
        }
        return Pass(exercise, cases.Count);
    }

    /// <summary>
    /// Runs <paramref name="student"/> on each case's input and compares with the expected output using
    /// <paramref name="equal"/> (default: <see cref="object.Equals(object?)"/>, and element by element for
    /// sequences such as arrays and lists).
    /// </summary>
    public static ExerciseResult CheckValues<TIn, TOut>(string exercise, Func<TIn, TOut> student,
        IEnumerable<(TIn Input, TOut Expected)> cases, Func<TOut, TOut, bool>? equal = null)
    {
        ArgumentNullException.ThrowIfNull(student);
        var list = cases.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException($"exercise '{exercise}' has no cases to check", nameof(cases));
        }
        equal ??= (a, b) => StructurallyEqual(a, b);
        for (var i = 0; i < list.Count; i++)
        {
            var (input, expected) = list[i];
            var label = $"case {i + 1} of {list.Count}";
            TOut got;
            try
            {
                got = student(input);
            }
            catch (NotImplementedException e)
            {
                return NotAttempted(exercise, e.Message);
            }
            catch (Exception e)
            {
                return Fail(exercise, i + 1, $"{label}: for input {Show(input)} your function threw {e.GetType().Name}: {OneLine(e)}");
            }
            if (!equal(expected, got))
            {
                return Fail(exercise, i + 1, $"{label}: for input {Show(input)} expected {Show(expected)} but your function returned {Show(got)}");
            }
        }
        return Pass(exercise, list.Count);
    }

    /// <summary>
    /// Checks one step of an iterative computation step by step: every case is a start state and a list of
    /// inputs; at each step the student's step and the reference step get the same state (the reference's
    /// state so far, so one slip is reported at the step where it happens and is not carried on) and the
    /// same input, and their new states must be <paramref name="equal"/>. The first mismatch names the case,
    /// the step, the state and input it started from, and the expected and returned states.
    /// </summary>
    public static ExerciseResult CheckSteps<TState, TInput>(string exercise, Func<TState, TInput, TState> student, Func<TState, TInput, TState> reference,
        IEnumerable<(TState Start, IReadOnlyList<TInput> Inputs)> cases, Func<TState, TState, bool> equal,
        Func<TState, string>? showState = null, Func<TInput, string>? showInput = null)
    {
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(reference);
        var list = cases.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException($"exercise '{exercise}' has no cases to check", nameof(cases));
        }
        showState ??= state => Show(state);
        showInput ??= input => Show(input);
        for (var i = 0; i < list.Count; i++)
        {
            var (state, inputs) = list[i];
            for (var k = 0; k < inputs.Count; k++)
            {
                var label = $"case {i + 1} of {list.Count}, step {k + 1} of {inputs.Count}";
                var expected = reference(state, inputs[k]);
                TState got;
                try
                {
                    got = student(state, inputs[k]);
                }
                catch (NotImplementedException e)
                {
                    return NotAttempted(exercise, e.Message);
                }
                catch (Exception e)
                {
                    return Fail(exercise, i + 1, $"{label}: from state {showState(state)} with input {showInput(inputs[k])} your function threw {e.GetType().Name}: {OneLine(e)}");
                }
                if (got is null || !equal(expected, got))
                {
                    return Fail(exercise, i + 1,
                        $"{label}: from state {showState(state)} with input {showInput(inputs[k])} expected {showState(expected)} but your function returned {(got is null ? "null" : showState(got))}");
                }
                state = expected;
            }
        }
        return Pass(exercise, list.Count);
    }

    /// <summary>
    /// Runs <paramref name="student"/> on each input vector and compares with the expected vector:
    /// same length, and every |got[i] - expected[i]| &lt;= <paramref name="atol"/>.
    /// </summary>
    public static ExerciseResult CheckNumbers(string exercise, Func<double[], double[]> student,
        IEnumerable<(double[] Input, double[] Expected)> cases, double atol = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(student);
        var list = cases.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException($"exercise '{exercise}' has no cases to check", nameof(cases));
        }
        for (var i = 0; i < list.Count; i++)
        {
            var (input, expected) = list[i];
            var label = $"case {i + 1} of {list.Count}";
            double[]? got;
            try
            {
                got = student((double[])input.Clone());
            }
            catch (NotImplementedException e)
            {
                return NotAttempted(exercise, e.Message);
            }
            catch (Exception e)
            {
                return Fail(exercise, i + 1, $"{label}: for input {Show(input)} your function threw {e.GetType().Name}: {OneLine(e)}");
            }
            if (got is null)
            {
                return Fail(exercise, i + 1, $"{label}: for input {Show(input)} your function returned null");
            }
            if (got.Length != expected.Length)
            {
                return Fail(exercise, i + 1,
                    $"{label}: for input {Show(input)} expected {expected.Length} numbers but your function returned {got.Length}");
            }
            var mismatch = CompareValues(expected, got, new long[] { expected.Length }, atol, rtol: 0);
            if (mismatch is not null)
            {
                return Fail(exercise, i + 1, $"{label}: {mismatch} (input {Show(input)})");
            }
        }
        return Pass(exercise, list.Count);
    }

    /// <summary>
    /// A predict-then-measure exercise: the student commits a number (derived from a closed form, or a guess with a reason)
    /// in a cell that runs before the experiment; after it, this compares the prediction with what the run
    /// <paramref name="measured"/> and says why the two may differ (<paramref name="gap"/>). Passes when
    /// |predicted - measured| &lt;= <paramref name="tolerance"/>. A stub that throws <see cref="NotImplementedException"/>
    /// counts as not attempted.
    /// </summary>
    /// <param name="exercise">the exercise's name.</param>
    /// <param name="prediction">the student's prediction (called once).</param>
    /// <param name="measured">what the run measured.</param>
    /// <param name="tolerance">the largest |predicted - measured| that counts as right (absolute).</param>
    /// <param name="measure">what was measured, in the student's words.</param>
    /// <param name="gap">what explains a small gap between a right prediction and the measurement.</param>
    public static ExerciseResult CheckPrediction(string exercise, Func<double> prediction, double measured, double tolerance, string measure, string gap)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        if (!(tolerance >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "must be zero or positive");
        }
        double predicted;
        try
        {
            predicted = prediction();
        }
        catch (NotImplementedException e)
        {
            return NotAttempted(exercise, e.Message);
        }
        catch (Exception e)
        {
            return Fail(exercise, 1, $"{measure}: your prediction threw {e.GetType().Name}: {OneLine(e)}");
        }
        var difference = Math.Abs(predicted - measured);
        var within = difference <= tolerance;
        var verdict = $"{measure}: you predicted {Number(predicted)}, the run measured {Number(measured)} " +
                      $"(|diff| {Number(difference, 3)} {(within ? "<=" : ">")} {Number(tolerance)}); {gap}";
        return new ExerciseResult(exercise, within, 1, verdict);
    }

    /// <summary>
    /// Runs the student's code with autograd switched off (<c>torch.no_grad()</c>), for exercises whose point is the chain
    /// rule by hand: a call to <c>backward()</c> or <c>autograd.grad</c> inside fails, and its error is rewritten to say so.
    /// </summary>
    public static T WithoutAutograd<T>(Func<T> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        using var off = no_grad();
        try
        {
            return student();
        }
        catch (Exception e) when (e is not NotImplementedException && (e.Message.Contains("does not require grad", StringComparison.Ordinal)
                                                                      || e.Message.Contains("grad_fn", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"this check runs your function with autograd switched off (the exercise is the chain rule by hand): {OneLine(e)}", e);
        }
    }

    /// <summary>
    /// Runs the student's code with the named library calls switched off (they throw, saying so), for exercises whose
    /// answer the library already computes: the check cannot be passed by calling that code.
    /// </summary>
    public static T WithoutLibrary<T>(string calls, Func<T> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        var previous = ExerciseGuard.Blocked;
        ExerciseGuard.Blocked = calls;
        try
        {
            return student();
        }
        finally
        {
            ExerciseGuard.Blocked = previous;
        }
    }

    /// <summary>An exception's message on one line: native libtorch frames ("Exception raised from ...", "frame #0: ...") left out.</summary>
    public static string OneLine(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var message = e.Message ?? "";
        var native = message.IndexOf("Exception raised from", StringComparison.Ordinal);
        if (native >= 0)
        {
            message = message[..native];
        }
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("frame #", StringComparison.Ordinal)).ToArray();
        return lines.Length == 0 ? e.GetType().Name : string.Join(" ", lines).Trim();
    }

    /// <summary>The largest violation of |got - expected| &lt;= atol + rtol * |expected|, described; null when none.</summary>
    private static string? CompareValues(double[] expected, double[] got, long[] shape, double atol, double rtol)
    {
        var worst = -1;
        var worstExcess = 0.0;
        for (var k = 0; k < expected.Length; k++)
        {
            double e = expected[k], g = got[k];
            if (double.IsNaN(e) && double.IsNaN(g) || e.Equals(g))
            {
                continue; // same value, same infinity, or NaN where NaN is expected
            }
            var diff = Math.Abs(g - e);
            var excess = double.IsNaN(diff) || double.IsInfinity(diff) ? double.PositiveInfinity : diff - (atol + rtol * Math.Abs(e));
            if (excess > 0 && (worst < 0 || excess > worstExcess))
            {
                worst = k;
                worstExcess = excess;
            }
        }
        if (worst < 0)
        {
            return null;
        }
        var (exp, gotValue) = (expected[worst], got[worst]);
        var tolerance = rtol == 0
            ? $"atol {Number(atol)}"
            : $"atol {Number(atol)} + rtol {Number(rtol)} * |expected|";
        var wrongCount = Enumerable.Range(0, expected.Length).Count(k => Violates(expected[k], got[k], atol, rtol));
        var others = wrongCount > 1 ? $"; {wrongCount} of {expected.Length} values are off" : "";
        return $"largest difference at {Shapes.Of(Unravel(worst, shape))}: expected {Value(exp)}, got {Value(gotValue)} " +
               $"(|diff| {Number(Math.Abs(gotValue - exp), 2)} > {tolerance}){others}";
    }

    private static bool Violates(double e, double g, double atol, double rtol) =>
        !(double.IsNaN(e) && double.IsNaN(g) || e.Equals(g)) && !(Math.Abs(g - e) <= atol + rtol * Math.Abs(e));

    private static long[] Unravel(long flat, long[] shape)
    {
        var index = new long[shape.Length];
        for (var d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
        return index;
    }

    private static Tensor[] Clone(Tensor[] inputs) =>
        inputs.Select(t => t.detach().clone().requires_grad_(t.requires_grad)).ToArray();

    private static double[] ToDoubles(Tensor t) =>
        t.detach().cpu().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();

    private static ExerciseResult Pass(string exercise, int cases) =>
        new(exercise, true, cases, cases == 1 ? "passed the 1 case" : $"passed all {cases} cases");

    private static ExerciseResult Fail(string exercise, int casesChecked, string message) => new(exercise, false, casesChecked, message);

    // The student edition's stub throws NotImplementedException: the exercise was not tried yet.
    private static ExerciseResult NotAttempted(string exercise, string stubMessage) =>
        new(exercise, false, 0, $"not attempted yet: {stubMessage}", Attempted: false);

    private static string Value(double v) =>
        double.IsNaN(v) || double.IsInfinity(v) ? v.ToString(CultureInfo.InvariantCulture)
        : v != 0 && (Math.Abs(v) < 1e-3 || Math.Abs(v) >= 1e5) ? v.ToString("G4", CultureInfo.InvariantCulture).Replace('E', 'e')
        : v.ToString("F4", CultureInfo.InvariantCulture);

    private static string Number(double v, int digits = 6) =>
        double.IsFinite(v) ? v.ToString("G" + digits, CultureInfo.InvariantCulture).Replace('E', 'e') : v.ToString(CultureInfo.InvariantCulture);

    private static bool StructurallyEqual(object? a, object? b)
    {
        if (a is IEnumerable left && b is IEnumerable right && a is not string && b is not string)
        {
            return left.Cast<object?>().SequenceEqual(right.Cast<object?>(), EqualityComparer<object?>.Create((x, y) => StructurallyEqual(x, y), x => x?.GetHashCode() ?? 0));
        }
        return Equals(a, b);
    }

    /// <summary>A value the way check messages print it: numbers in full (invariant culture), arrays, lists, tuples and small tensors as their elements.</summary>
    public static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        float f => f.ToString("G6", CultureInfo.InvariantCulture),
        Tensor t => t.numel() <= 12 ? $"tensor {Shapes.Of(t)} {Show(ToDoubles(t))}" : $"tensor {Shapes.Of(t)}",
        System.Runtime.CompilerServices.ITuple tuple => "(" + string.Join(", ", Enumerable.Range(0, tuple.Length).Select(k => Show(tuple[k]))) + ")",
        IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Take(20).Select(Show)) + (items.Cast<object?>().Skip(20).Any() ? ", ..." : "") + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

/// <summary>
/// Library calls switched off while a check runs a student's function (<see cref="Exercise.WithoutLibrary{T}"/>): the
/// guarded calls throw, so an exercise whose answer the library computes cannot be passed by calling it.
/// </summary>
public static class ExerciseGuard
{
    [ThreadStatic]
    private static string? blocked;

    internal static string? Blocked { get => blocked; set => blocked = value; }

    /// <summary>Throws when a check has switched <paramref name="call"/> off (it is named in the current block list).</summary>
    public static void ThrowIfBlocked(string call)
    {
        var list = blocked;
        if (list is not null && list.Split(',', StringSplitOptions.TrimEntries).Contains(call))
        {
            throw new InvalidOperationException($"{call} is switched off while this check runs your function (it computes the answer the exercise asks for; the calls switched off: {list})");
        }
    }
}
