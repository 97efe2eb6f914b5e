using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace Workbook.Engine.Tests;

/// <summary>What one notebook's run in the real kernel gave.</summary>
/// <param name="OutputPath">the executed copy nbclient wrote.</param>
/// <param name="Seconds">wall time of the whole run, kernel start included (as nbclient measured it).</param>
/// <param name="Errors">error outputs in the executed copy.</param>
/// <param name="Problem">why the run stopped early (kernel died, a cell timed out), if it did.</param>
/// <param name="Log">the runner's stderr (the kernel's own log lines), for failure messages.</param>
public sealed record KernelRun(string OutputPath, double Seconds, int Errors, string? Problem, string Log);

/// <summary>
/// The real .NET Interactive kernel, as VS Code's Jupyter extension and JupyterLab start it: the
/// <c>Microsoft.dotnet-interactive</c> tool pinned in <c>.config/dotnet-tools.json</c>, its
/// <c>.net-csharp</c> kernelspec written by <c>dotnet interactive jupyter install --path</c> into a
/// temporary folder (with every <c>JUPYTER_*</c> folder pointed there, so nothing is written to the
/// user's home), driven by Debian's nbclient (<c>tests/kernel/execute_notebook.py</c>), which starts
/// the kernel in the notebook's own folder.
/// </summary>
public static class RealKernel
{
    private static readonly Lazy<Setup> setup = new(Prepare, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The Python that has nbclient (Debian's <c>/usr/bin/python3</c> with python3-nbclient).</summary>
    public static string Python => setup.Value.Python;

    /// <summary>Executes <paramref name="notebook"/> in the real kernel; the copy goes to <paramref name="output"/>.</summary>
    public static async Task<KernelRun> ExecuteAsync(string notebook, string output, TimeSpan timeout)
    {
        var s = setup.Value;
        var script = Path.Combine(Notebooks.RepoRoot, "tests", "kernel", "execute_notebook.py");
        var start = new ProcessStartInfo(s.Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(notebook))!,
        };
        foreach (var argument in new[] { script, notebook, output, "--cell-timeout", ((int)timeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in s.Environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {s.Python}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout + TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the real kernel did not finish {notebook} within {timeout + TimeSpan.FromSeconds(60)}; log:\n{await stderr.ConfigureAwait(false)}");
        }
        var log = await stderr.ConfigureAwait(false);
        var line = (await stdout.ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        if (line is null || JsonNode.Parse(line) is not JsonObject report || !File.Exists(output))
        {
            throw new InvalidOperationException($"the real-kernel runner failed on {notebook} (exit code {process.ExitCode}); log:\n{log}");
        }
        return new KernelRun(output, report["seconds"]!.GetValue<double>(), report["errors"]!.GetValue<int>(),
            report["problem"]?.GetValue<string>(), log);
    }

    private sealed record Setup(string Python, IReadOnlyDictionary<string, string> Environment);

    private static Setup Prepare()
    {
        var python = FindPython();
        var home = Path.Combine(Path.GetTempPath(), "workbook-real-kernel", Guid.NewGuid().ToString("N")[..12]);
        var environment = new Dictionary<string, string>
        {
            ["JUPYTER_PATH"] = Path.Combine(home, "share"),
            ["JUPYTER_DATA_DIR"] = Path.Combine(home, "data"),
            ["JUPYTER_CONFIG_DIR"] = Path.Combine(home, "config"),
            ["JUPYTER_RUNTIME_DIR"] = Path.Combine(home, "runtime"),
            ["JUPYTER_PLATFORM_DIRS"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        foreach (var folder in environment.Where(e => e.Key.EndsWith("_DIR", StringComparison.Ordinal) || e.Key == "JUPYTER_PATH"))
        {
            Directory.CreateDirectory(folder.Value);
        }
        // The tools of the local manifest (no global install), then the kernelspec into our folder.
        Run("dotnet", new[] { "tool", "restore" }, Notebooks.RepoRoot, environment, TimeSpan.FromMinutes(5));
        var kernels = Path.Combine(home, "share", "kernels");
        Directory.CreateDirectory(kernels);
        Run("dotnet", new[] { "interactive", "jupyter", "install", "--path", kernels }, Notebooks.RepoRoot, environment, TimeSpan.FromMinutes(2));
        var spec = Path.Combine(kernels, ".net-csharp", "kernel.json");
        if (!File.Exists(spec))
        {
            throw new InvalidOperationException($"`dotnet interactive jupyter install --path {kernels}` wrote no .net-csharp kernelspec");
        }
        return new Setup(python, environment);
    }

    private static string FindPython()
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("WORKBOOK_PYTHON"), "/usr/bin/python3", "python3" }
            .Where(c => !string.IsNullOrEmpty(c)).Cast<string>();
        foreach (var candidate in candidates)
        {
            try
            {
                Run(candidate, new[] { "-c", "import nbclient, nbformat, jupyter_client" }, Notebooks.RepoRoot, new Dictionary<string, string>(), TimeSpan.FromSeconds(60));
                return candidate;
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // try the next one
            }
        }
        throw new InvalidOperationException(
            "The real-kernel tests need a Python with nbclient, nbformat and jupyter_client (a real Jupyter client); none was found " +
            "(looked at $WORKBOOK_PYTHON, /usr/bin/python3, python3). The README's test command (./test) installs them on Debian " +
            "or Ubuntu as root: apt-get install python3-nbclient python3-nbformat python3-jupyter-client");
    }

    private static string Run(string file, IEnumerable<string> arguments, string folder, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => output.AppendLine(e.Data);
        process.ErrorDataReceived += (_, e) => output.AppendLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit((int)timeout.TotalMilliseconds))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"`{file} {string.Join(' ', arguments)}` did not finish within {timeout}");
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{file} {string.Join(' ', arguments)}` failed with exit code {process.ExitCode}:\n{output}");
        }
        return output.ToString();
    }
}
