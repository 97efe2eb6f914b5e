namespace Workbook.Notebooks;

/// <summary>
/// The contract between the library and whatever runs a notebook (the workbook's own engine,
/// VS Code Polyglot Notebooks, or a plain program). A host announces itself by putting delegates
/// of BCL types into <see cref="AppContext"/> data, so the host needs no reference to this
/// library and this library needs none to the host.
/// </summary>
public static class NotebookHost
{
    /// <summary>AppContext key of an <c>Action&lt;object?&gt;</c> that shows a value as a display output.</summary>
    public const string DisplayKey = "Workbook.Host.Display";

    /// <summary>AppContext key of an <c>Action&lt;string, double&gt;</c> that records a named metric.</summary>
    public const string MetricKey = "Workbook.Host.Metric";

    /// <summary>AppContext key of a string: the host's name ("workbook-engine"), for diagnostics.</summary>
    public const string NameKey = "Workbook.Host.Name";

    /// <summary>The running host's name, or "none" when nothing announced itself.</summary>
    public static string Name => AppContext.GetData(NameKey) as string ?? (PolyglotDisplay is not null ? "polyglot" : "none");

    /// <summary>
    /// Shows <paramref name="value"/> as a display output: through the workbook engine when it runs
    /// the notebook, through .NET Interactive's <c>display</c> in Polyglot Notebooks, and as text on
    /// the console otherwise.
    /// </summary>
    public static void Display(object? value)
    {
        if (AppContext.GetData(DisplayKey) is Action<object?> display)
        {
            display(value);
            return;
        }
        if (PolyglotDisplay is { } polyglot)
        {
            polyglot.Invoke(null, new object?[] { value, null });
            return;
        }
        Console.WriteLine(value is null ? "<null>" : Microsoft.DotNet.Interactive.Formatting.Formatter.ToDisplayString(value, "text/plain"));
    }

    /// <summary>
    /// AppContext key of a <c>Func&lt;object?, string&gt;</c> that shows a value as a display output that can be updated
    /// later and returns its display id (the workbook engine).
    /// </summary>
    public const string DisplayUpdatableKey = "Workbook.Host.DisplayUpdatable";

    /// <summary>AppContext key of an <c>Action&lt;string, object?&gt;</c> that replaces the display with that id by a value.</summary>
    public const string UpdateDisplayKey = "Workbook.Host.UpdateDisplay";

    /// <summary>A display output that can be redrawn in place: <see cref="Update"/> replaces what it shows.</summary>
    public sealed class UpdatableDisplay
    {
        private readonly Action<object?> update;

        internal UpdatableDisplay(Action<object?> update) => this.update = update;

        /// <summary>Replaces the display's content by <paramref name="value"/>, formatted as displays are.</summary>
        public void Update(object? value) => update(value);
    }

    /// <summary>
    /// Shows <paramref name="value"/> as a display output that <see cref="UpdatableDisplay.Update"/> redraws in place: the
    /// engine's display update event (nbformat's update_display_data), .NET Interactive's <c>DisplayedValue.Update</c> in
    /// Polyglot Notebooks and Jupyter, and a new line of text per update on a plain console.
    /// </summary>
    public static UpdatableDisplay DisplayUpdatable(object? value)
    {
        if (AppContext.GetData(DisplayUpdatableKey) is Func<object?, string> show && AppContext.GetData(UpdateDisplayKey) is Action<string, object?> redraw)
        {
            var id = show(value);
            return new UpdatableDisplay(v => redraw(id, v));
        }
        if (AppContext.GetData(DisplayKey) is Action<object?> display)
        {
            display(value);
            return new UpdatableDisplay(_ => { });   // a host without updates keeps the first picture
        }
        if (PolyglotDisplay is { } polyglot)
        {
            var shown = polyglot.Invoke(null, new object?[] { value, Array.Empty<string>() });
            var updateMethod = shown?.GetType().GetMethod("Update", new[] { typeof(object) });
            return new UpdatableDisplay(v => updateMethod?.Invoke(shown, new[] { v }));
        }
        Display(value);
        return new UpdatableDisplay(v => Display(v));
    }

    /// <summary>Passes a metric to the host, if it collects metrics. Returns whether one did.</summary>
    public static bool RecordMetric(string name, double value)
    {
        if (AppContext.GetData(MetricKey) is Action<string, double> record)
        {
            record(name, value);
            return true;
        }
        return false;
    }

    // Polyglot Notebooks' C# kernel exposes `Microsoft.DotNet.Interactive.Kernel.display(object, params string[])`.
    private static System.Reflection.MethodInfo? PolyglotDisplay =>
        Type.GetType("Microsoft.DotNet.Interactive.Kernel, Microsoft.DotNet.Interactive", throwOnError: false)
            ?.GetMethods()
            .FirstOrDefault(m => m.Name == "display" && m.GetParameters().Length == 2);
}
