using System.Text;

namespace Workbook.Engine.Execution;

/// <summary>
/// Console.Out / Console.Error replacement that turns writes into Jupyter "stream" outputs: text
/// is passed on at each line end (so a timeout keeps what was printed) and whenever a display
/// or the end of the cell needs the order kept.
/// </summary>
public sealed class StreamCapture(string name, Action<string, string> emit) : TextWriter
{
    private readonly StringBuilder buffer = new();

    /// <inheritdoc />
    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>"stdout" or "stderr".</summary>
    public string Name { get; } = name;

    /// <inheritdoc />
    public override void Write(char value)
    {
        lock (buffer)
        {
            buffer.Append(value);
            if (value == '\n')
            {
                FlushLocked();
            }
        }
    }

    /// <inheritdoc />
    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }
        lock (buffer)
        {
            buffer.Append(value);
            if (value.Contains('\n'))
            {
                FlushLocked();
            }
        }
    }

    /// <inheritdoc />
    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    /// <inheritdoc />
    public override void WriteLine(string? value) => Write((value ?? "") + "\n");

    /// <inheritdoc />
    public override void WriteLine() => Write("\n");

    /// <inheritdoc />
    public override void Flush()
    {
        lock (buffer)
        {
            FlushLocked();
        }
    }

    private void FlushLocked()
    {
        if (buffer.Length == 0)
        {
            return;
        }
        var text = buffer.ToString();
        buffer.Clear();
        emit(Name, text);
    }
}
