using Workbook.Build;

namespace Workbook.Engine.Tests;

/// <summary>
/// The GLIBCXX patch of libLibTorchSharp.so (build/LibTorchSharpPatch.cs) is idempotent and atomic: a second copy writes
/// nothing, and a process opening the file while it is replaced sees the whole old file or the whole new one, never a
/// missing or half-written file (a rebuild with a kernel running or starting must not break it).
/// </summary>
public sealed class LibTorchSharpPatchTests
{
    private static string PackageLibrary()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"TorchSharp's native library is not in the package folder: {path}");
        return path;
    }

    [Fact]
    public void ASecondCopyWritesNothingAndTheSourceIsNeverModified()
    {
        var source = PackageLibrary();
        var sourceBytes = File.ReadAllBytes(source);
        var folder = Notebooks.TempFolder("patch");
        var destination = Path.Combine(folder, "libLibTorchSharp.so");

        var first = LibTorchSharpPatch.CopyPatched(source, destination);
        Assert.Contains(first, new[] { PatchOutcome.Patched, PatchOutcome.Copied });
        if (first == PatchOutcome.Patched)
        {
            Assert.Equal(-1, LibTorchSharpPatch.FindNonWeakVersionNeed(File.ReadAllBytes(destination), destination));   // now weak
        }
        var written = File.GetLastWriteTimeUtc(destination);
        var length = new FileInfo(destination).Length;

        Thread.Sleep(20);
        Assert.Equal(PatchOutcome.Unchanged, LibTorchSharpPatch.CopyPatched(source, destination));
        Assert.Equal(written, File.GetLastWriteTimeUtc(destination));
        Assert.Equal(length, new FileInfo(destination).Length);
        Assert.Equal(sourceBytes, File.ReadAllBytes(source));
        Assert.Empty(Directory.GetFiles(folder, ".*patching*"));
    }

    [Fact]
    public async Task AReaderNeverSeesAMissingOrPartialFileWhileItIsReplaced()
    {
        var source = PackageLibrary();
        var folder = Notebooks.TempFolder("patch-race");
        var destination = Path.Combine(folder, "libLibTorchSharp.so");
        LibTorchSharpPatch.CopyPatched(source, destination);
        var patched = File.ReadAllBytes(destination);
        // A second version: the same library with its last byte changed (a section header byte the patch does not read),
        // so that every round really replaces the file.
        var other = Path.Combine(folder, "other.so");
        var changed = File.ReadAllBytes(source);
        changed[^1] ^= 0x5a;
        File.WriteAllBytes(other, changed);
        var otherCopy = Path.Combine(folder, "other-patched.so");
        LibTorchSharpPatch.CopyPatched(other, otherCopy);
        var otherBytes = File.ReadAllBytes(otherCopy);

        using var stop = new CancellationTokenSource();
        var problems = new List<string>();
        var reads = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var bytes = File.ReadAllBytes(destination);
                    if (!bytes.AsSpan().SequenceEqual(patched) && !bytes.AsSpan().SequenceEqual(otherBytes))
                    {
                        lock (problems) problems.Add($"read {bytes.Length} bytes that are neither version");
                    }
                    reads++;
                }
                catch (IOException e)
                {
                    lock (problems) problems.Add(e.GetType().Name + ": " + e.Message);
                }
            }
        });
        for (var round = 0; round < 40; round++)
        {
            Assert.NotEqual(PatchOutcome.Unchanged, LibTorchSharpPatch.CopyPatched(other, destination));
            Assert.NotEqual(PatchOutcome.Unchanged, LibTorchSharpPatch.CopyPatched(source, destination));
        }
        stop.Cancel();
        await reader;
        Assert.True(reads > 0);
        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct().Take(5)));
        Assert.Equal(patched, File.ReadAllBytes(destination));
    }
}
