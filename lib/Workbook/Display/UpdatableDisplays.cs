namespace Workbook.Display;

/// <summary>
/// The seam through which core code (a live training curve) shows a display and redraws it in place later, without
/// reading the notebook session: the session plugs its host in (<c>Notebook.Start</c> calls <see cref="Use"/> with the
/// engine's display update event or .NET Interactive's <c>DisplayedValue.Update</c>). With no host, each picture is
/// written as a line of text.
/// </summary>
public static class UpdatableDisplays
{
    private static Func<object?, Action<object?>>? host;

    /// <summary>Installs the host: shows a value and returns the function that redraws that same output.</summary>
    public static void Use(Func<object?, Action<object?>> show) => host = show ?? throw new ArgumentNullException(nameof(show));

    /// <summary>Shows <paramref name="value"/> and returns the function that redraws it in place.</summary>
    public static Action<object?> Show(object? value)
    {
        if (host is { } show)
        {
            return show(value);
        }
        Console.WriteLine(value);
        return v => Console.WriteLine(v);
    }
}
