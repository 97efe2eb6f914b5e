using System.Globalization;

namespace Workbook.Rl.Environments;

/// <summary>The set of legal observations or actions of an environment (Gym's <c>Space</c>).</summary>
public abstract class Space
{
    /// <summary>How many numbers one element of this space takes when flattened into a tensor row.</summary>
    public abstract int Dimension { get; }
}

/// <summary>The actions <c>0, 1, ..., Count - 1</c> (Gym's <c>Discrete(n)</c>).</summary>
public sealed class DiscreteSpace : Space
{
    public DiscreteSpace(int count)
    {
        if (count < 1)
        {
            throw new ArgumentException($"A discrete space needs at least one element, got count {count}.", nameof(count));
        }
        Count = count;
    }

    /// <summary>Number of actions.</summary>
    public int Count { get; }

    /// <summary>One integer per action.</summary>
    public override int Dimension => 1;

    /// <summary>Whether <paramref name="action"/> is one of <c>0..Count-1</c>.</summary>
    public bool Contains(int action) => action >= 0 && action < Count;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the action and this space unless it is legal.</summary>
    public void Check(int action, string environment)
    {
        if (!Contains(action))
        {
            throw new ArgumentException(
                $"{environment}: action {action} is not in the action space {this} (legal actions are 0..{Count - 1}).",
                nameof(action));
        }
    }

    public override string ToString() => $"Discrete({Count})";
}

/// <summary>A box <c>[Low, High]</c> of real vectors (Gym's <c>Box</c>); bounds may be infinite.</summary>
public sealed class BoxSpace : Space
{
    public BoxSpace(double[] low, double[] high)
    {
        if (low.Length != high.Length || low.Length == 0)
        {
            throw new ArgumentException($"A box needs low and high bounds of the same non-zero length, got {low.Length} and {high.Length}.");
        }
        for (var i = 0; i < low.Length; i++)
        {
            if (!(low[i] <= high[i]))
            {
                throw new ArgumentException($"Box bound {i}: low {low[i]} is above high {high[i]}.");
            }
        }
        Low = (double[])low.Clone();
        High = (double[])high.Clone();
    }

    /// <summary>A box with the same bounds in every one of <paramref name="dimension"/> coordinates.</summary>
    public static BoxSpace Uniform(int dimension, double low, double high) =>
        new(Enumerable.Repeat(low, dimension).ToArray(), Enumerable.Repeat(high, dimension).ToArray());

    public double[] Low { get; }
    public double[] High { get; }
    public override int Dimension => Low.Length;

    /// <summary>Whether <paramref name="x"/> has the right length, no NaN, and lies within the bounds.</summary>
    public bool Contains(double[] x)
    {
        if (x.Length != Dimension)
        {
            return false;
        }
        for (var i = 0; i < x.Length; i++)
        {
            if (double.IsNaN(x[i]) || x[i] < Low[i] || x[i] > High[i])
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the action and this space unless it is legal.</summary>
    public void Check(double[]? action, string environment)
    {
        if (action is null)
        {
            throw new ArgumentException($"{environment}: the action is null; expected a vector in {this}.", nameof(action));
        }
        if (!Contains(action))
        {
            var shown = "[" + string.Join(", ", action.Select(a => a.ToString("G4", CultureInfo.InvariantCulture))) + "]";
            var why = action.Length != Dimension ? $"it has {action.Length} numbers but the space has {Dimension}" : "it lies outside the bounds (or is NaN)";
            throw new ArgumentException($"{environment}: action {shown} is not in the action space {this}: {why}.", nameof(action));
        }
    }

    /// <summary>Clamps each coordinate into the bounds (what the vectorised wrapper does to Gaussian samples).</summary>
    public double[] Clip(double[] x)
    {
        var y = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            y[i] = Math.Clamp(x[i], Low[i], High[i]);
        }
        return y;
    }

    public override string ToString()
    {
        static string F(double v) => double.IsPositiveInfinity(v) ? "inf" : double.IsNegativeInfinity(v) ? "-inf" : v.ToString("G4", CultureInfo.InvariantCulture);
        return $"Box(low=[{string.Join(", ", Low.Select(F))}], high=[{string.Join(", ", High.Select(F))}])";
    }
}
