namespace Workbook.Engine.Execution;

/// <summary>
/// The globals every notebook sees, as in Polyglot Notebooks: <c>display(value)</c>.
/// </summary>
public sealed class NotebookGlobals
{
    private readonly Action<object?, string[]> show;

    internal NotebookGlobals(Action<object?, string[]> show) => this.show = show;

    /// <summary>Shows <paramref name="value"/> as a display output (optionally only as the given MIME types).</summary>
#pragma warning disable IDE1006 // lower case on purpose: the name Polyglot Notebooks use
    public void display(object? value, params string[] mimeTypes) => show(value, mimeTypes);
#pragma warning restore IDE1006
}
