using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Workbook.Engine.Protocol;

namespace Workbook.Engine.Execution;

/// <summary>
/// The worker process of one notebook run (<see cref="NotebookWorker"/>): started with the run request on its stdin;
/// its stdout and stderr read into one stream of messages, protocol events parsed (<see cref="WorkerProtocol"/>),
/// everything else kept as raw text (native libraries print straight to the process's streams). The last 8,000
/// characters of stderr are kept for a crash report. Its environment is set in one place, <see cref="SetEnvironment"/>.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    /// <summary>
    /// One line of the worker's output: a protocol event, or raw text of a stream ("stdout" or "stderr"); a line that
    /// carries the protocol's marker but does not read is raw text with <paramref name="ProtocolError"/> saying why.
    /// </summary>
    public readonly record struct Message(WorkerEvent? Event, string? Raw, string Stream, string? ProtocolError = null);

    private const int StderrTailLength = 8000;
    private readonly Process process;
    private readonly Channel<Message> messages = Channel.CreateUnbounded<Message>();
    private readonly StringBuilder stderrTail = new();

    private WorkerProcess(Process process)
    {
        this.process = process;
    }

    /// <summary>Starts the worker in the notebook's folder and sends it <paramref name="request"/>.</summary>
    public static async Task<WorkerProcess> StartAsync(string notebookPath, RunOptions options, WorkerRequest request, CancellationToken cancellation)
    {
        var start = new ProcessStartInfo(DotnetHost.Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            StandardInputEncoding = new UTF8Encoding(false),
            WorkingDirectory = Path.GetDirectoryName(notebookPath)!,
        };
        start.ArgumentList.Add(NotebookRunner.LocateWorker(options.WorkerAssembly));
        start.ArgumentList.Add("worker");
        SetEnvironment(start, options);

        var worker = new WorkerProcess(new Process { StartInfo = start });
        worker.process.Start();
        var readStdout = Task.Run(worker.ReadStdoutAsync);
        var readStderr = Task.Run(worker.ReadStderrAsync);
        _ = Task.WhenAll(readStdout, readStderr).ContinueWith(_ => worker.messages.Writer.TryComplete(), TaskScheduler.Default);

        await worker.process.StandardInput.WriteLineAsync(WorkerProtocol.WriteRequest(request)).ConfigureAwait(false);
        await worker.process.StandardInput.FlushAsync(cancellation).ConfigureAwait(false);
        worker.process.StandardInput.Close();
        return worker;
    }

    // The worker's process environment, set here and nowhere else: the worker has loaded nothing yet (no TorchSharp,
    // no native library), so a variable that native code reads when it loads takes effect for every cell.
    private static void SetEnvironment(ProcessStartInfo start, RunOptions options)
    {
        DotnetHost.CleanEnvironment(start);
        foreach (var (key, value) in options.Environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
    }

    /// <summary>The next message, or null once both streams have ended. Throws when <paramref name="token"/> fires.</summary>
    public async Task<Message?> ReadAsync(CancellationToken token)
    {
        if (!await messages.Reader.WaitToReadAsync(token).ConfigureAwait(false))
        {
            return null;
        }
        return await messages.Reader.ReadAsync(token).ConfigureAwait(false);
    }

    /// <summary>The end of what the worker wrote to stderr.</summary>
    public string StderrTail
    {
        get
        {
            lock (stderrTail)
            {
                return stderrTail.ToString().Trim();
            }
        }
    }

    /// <summary>The worker's exit code (after it exited).</summary>
    public int ExitCode => process.ExitCode;

    /// <summary>Waits for the worker to exit by itself.</summary>
    public Task WaitForExitAsync() => process.WaitForExitAsync(CancellationToken.None);

    /// <summary>
    /// Ends the worker: after a finished run it gets 10 s to exit by itself, otherwise (a timeout, a lost protocol) it
    /// is killed at once, with its child processes.
    /// </summary>
    public void Stop(bool finished)
    {
        if (!process.HasExited && !process.WaitForExit(finished ? 10_000 : 0))
        {
            Kill();
        }
    }

    /// <summary>Kills the worker and its child processes.</summary>
    public void Kill()
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    public void Dispose() => process.Dispose();

    private async Task ReadStdoutAsync()
    {
        while (await process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            var marker = line.IndexOf(WorkerProtocol.Marker, StringComparison.Ordinal);
            if (marker < 0)
            {
                if (line.Length > 0)
                {
                    messages.Writer.TryWrite(new Message(null, line + "\n", "stdout"));
                }
                continue;
            }
            if (marker > 0)
            {
                messages.Writer.TryWrite(new Message(null, line[..marker], "stdout"));
            }
            try
            {
                messages.Writer.TryWrite(new Message(WorkerProtocol.ReadEvent(line[(marker + WorkerProtocol.Marker.Length)..]), null, "stdout"));
            }
            catch (WorkerProtocolException e)
            {
                // A torn line (native output written into it) or a worker of another version: kept as text, and the
                // run fails naming the problem.
                messages.Writer.TryWrite(new Message(null, line[marker..] + "\n", "stdout", e.Message));
            }
        }
    }

    private async Task ReadStderrAsync()
    {
        while (await process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (stderrTail)
            {
                stderrTail.AppendLine(line);
                if (stderrTail.Length > StderrTailLength)
                {
                    stderrTail.Remove(0, stderrTail.Length - StderrTailLength);
                }
            }
            messages.Writer.TryWrite(new Message(null, line + "\n", "stderr"));
        }
    }
}
