using System.Diagnostics;

namespace Workbook.Testing;

/// <summary>Runs the Debian chromium headless with the flags this machine needs.</summary>
public static class Chromium
{
    public static string Executable =>
        new[] { Environment.GetEnvironmentVariable("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }
            .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p))
        ?? throw new InvalidOperationException(
            "Chromium is needed to check that charts render offline, and none was found (looked at $CHROMIUM, /usr/bin/chromium, " +
            "/usr/bin/chromium-browser, /usr/bin/google-chrome). Install it: sudo apt-get update && sudo apt-get install -y chromium");

    public static string DumpDom(string htmlFile, string profileDirectory)
    {
        Directory.CreateDirectory(profileDirectory);
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", $"--user-data-dir={profileDirectory}",
                     "--window-size=1000,800", "--dump-dom", new Uri(htmlFile).AbsoluteUri,
                 })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium did not finish rendering {htmlFile} within 120 s");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"chromium exited with {process.ExitCode}: {stderr.Result}");
        }
        return stdout.Result;
    }
}
