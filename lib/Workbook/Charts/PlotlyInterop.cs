using System.Reflection;
using Microsoft.FSharp.Core;

namespace Workbook.Charts;

/// <summary>
/// Calls Plotly.NET's F# chart functions from C#. Their optional arguments are F# options
/// (<c>?Name: string</c>) that C# sees as ~30 mandatory <see cref="FSharpOption{T}"/> parameters,
/// so this helper fills every argument not given by name with <c>None</c> (null) and wraps the
/// given ones in <c>Some</c>. It keeps that ugliness out of <see cref="Plot"/>.
/// </summary>
internal static class PlotlyInterop
{
    /// <summary>
    /// Invokes the public static method <paramref name="method"/> of <paramref name="owner"/> whose
    /// generic arity is <paramref name="typeArguments"/>.Length, whose every required (non-option)
    /// parameter is among <paramref name="arguments"/>, and that has a parameter for each argument.
    /// </summary>
    public static T Call<T>(Type owner, string method, Type[] typeArguments, params (string Name, object? Value)[] arguments)
    {
        var given = arguments.ToDictionary(a => a.Name, a => a.Value, StringComparer.Ordinal);
        var candidates = owner
            .GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.Name == method && m.GetGenericArguments().Length == typeArguments.Length)
            .Select(m => typeArguments.Length == 0 ? m : TryMakeGeneric(m, typeArguments))
            .OfType<MethodInfo>()
            .Where(m => Fits(m, given))
            .ToList();
        if (candidates.Count != 1)
        {
            throw new InvalidOperationException(
                $"Plotly.NET interop: {candidates.Count} overloads of {owner.FullName}.{method} fit the arguments " +
                $"({string.Join(", ", given.Keys)}) with {typeArguments.Length} type arguments; expected exactly one.");
        }
        var target = candidates[0];
        var values = target.GetParameters()
            .Select(p => given.TryGetValue(p.Name!, out var value) ? Wrap(p.ParameterType, value) : null)
            .ToArray();
        try
        {
            return (T)target.Invoke(null, values)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new InvalidOperationException($"Plotly.NET's {owner.Name}.{method} failed: {e.InnerException.Message}", e.InnerException);
        }
    }

    /// <summary>Applies a curried Plotly.NET styling function (<c>Chart.withTitle(...)</c>) to a chart.</summary>
    public static Plotly.NET.GenericChart Apply(FSharpFunc<Plotly.NET.GenericChart, Plotly.NET.GenericChart> style, Plotly.NET.GenericChart chart) =>
        style.Invoke(chart);

    private static MethodInfo? TryMakeGeneric(MethodInfo method, Type[] typeArguments)
    {
        try
        {
            return method.MakeGenericMethod(typeArguments);
        }
        catch (ArgumentException)
        {
            return null; // a type argument violates a constraint of this overload
        }
    }

    private static bool Fits(MethodInfo method, Dictionary<string, object?> given)
    {
        var parameters = method.GetParameters();
        if (given.Keys.Any(name => parameters.All(p => p.Name != name)))
        {
            return false;
        }
        foreach (var p in parameters)
        {
            var isOption = IsOption(p.ParameterType);
            if (!given.TryGetValue(p.Name!, out var value))
            {
                if (!isOption)
                {
                    return false; // a required argument is missing
                }
                continue;
            }
            if (value is null)
            {
                continue;
            }
            var accepted = isOption ? p.ParameterType.GetGenericArguments()[0] : p.ParameterType;
            if (!accepted.IsInstanceOfType(value) && !p.ParameterType.IsInstanceOfType(value))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsOption(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(FSharpOption<>);

    private static object? Wrap(Type parameterType, object? value)
    {
        if (value is null || !IsOption(parameterType) || parameterType.IsInstanceOfType(value))
        {
            return value;
        }
        return parameterType.GetMethod("Some", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, new[] { value });
    }
}
