using System.IO.Compression;
using Workbook.Engine.Documents;
using Workbook.Engine.Execution;

namespace Workbook.Engine.Tests;

[Collection(WorkerCollection.Name)]
public class NugetTests
{
    /// <summary>Builds a real .nupkg (nuspec + lib/net10.0 assembly) in <paramref name="feed"/>.</summary>
    private static void Pack(string feed, string id, string version, string code)
    {
        var build = Notebooks.TempFolder("pkg-build");
        var dll = Notebooks.CompileAssembly(build, id, code);
        Directory.CreateDirectory(feed);
        using var zip = ZipFile.Open(Path.Combine(feed, $"{id}.{version}.nupkg"), ZipArchiveMode.Create);
        using (var writer = new StreamWriter(zip.CreateEntry($"{id}.nuspec").Open()))
        {
            writer.Write($"""
                <?xml version="1.0" encoding="utf-8"?>
                <package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
                  <metadata>
                    <id>{id}</id>
                    <version>{version}</version>
                    <authors>workbook tests</authors>
                    <description>A package made by the engine tests.</description>
                  </metadata>
                </package>
                """);
        }
        zip.CreateEntryFromFile(dll, $"lib/net10.0/{id}.dll");
    }

    [Fact]
    public async Task Nuget_references_restore_from_an_added_source_and_are_cached_between_runs()
    {
        var folder = Notebooks.TempFolder("nuget");
        var id = "Workbook.EngineTest.Pkg" + Guid.NewGuid().ToString("N")[..8];
        Pack(Path.Combine(folder, "feed"), id, "1.2.3",
            "namespace EngineTestPackage { public static class Answer { public static int Value => 41 + 1; } }");
        var path = Notebooks.Write(Path.Combine(folder, "nb", "nuget.ipynb"), new[]
        {
            new Cell($"#i \"nuget: ../feed\"\n#r \"nuget: {id}, 1.2.3\"\nusing EngineTestPackage;\nAnswer.Value"),
            new Cell("Answer.Value * 2"),
        });
        var options = new RunOptions
        {
            NugetCache = Path.Combine(folder, "cache"),
            NotebookTimeout = TimeSpan.FromSeconds(240),
            // Keep the test's package out of the machine's NuGet folder.
            Environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(folder, "packages") },
        };
        var first = await Notebooks.Run(path, options);
        Assert.True(first.Succeeded, first.Describe());
        Assert.Equal("42", Notebooks.Text(first, 1));
        Assert.Equal("84", Notebooks.Text(first, 2));
        var nuget = first.Cells[0].Nuget!;
        Assert.True(nuget.Restored);
        Assert.Equal($"{id}, 1.2.3", nuget.Packages[0]);

        var second = await Notebooks.Run(path, options);
        Assert.True(second.Succeeded, second.Describe());
        Assert.Equal("42", Notebooks.Text(second, 1));
        Assert.False(second.Cells[0].Nuget!.Restored);
        Assert.Empty(NotebookValidator.Validate(second.Executed!));
        var metadata = second.Executed!["cells"]![0]!["metadata"]!["workbook"]!["nuget"]!.AsObject();
        Assert.Equal(new[] { "packages", "restored", "seconds" }, metadata.Select(p => p.Key));
        Assert.False(metadata["restored"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_package_that_does_not_exist_fails_naming_the_cell_and_the_package()
    {
        var folder = Notebooks.TempFolder("nuget-missing");
        var id = "Workbook.EngineTest.Absent" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(Path.Combine(folder, "feed"));
        var path = Notebooks.Write(Path.Combine(folder, "missing package.ipynb"), new[]
        {
            new Cell($"#i \"nuget: ./feed\"\n#r \"nuget: {id}, 9.9.9\"\n1"),
        });
        var result = await Notebooks.Run(path, new RunOptions
        {
            NugetCache = Path.Combine(folder, "cache"),
            NotebookTimeout = TimeSpan.FromSeconds(240),
            Environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(folder, "packages") },
        });
        var failure = Assert.Single(result.Failures);
        Assert.Equal(1, failure.Cell);
        Assert.Contains($"{path}, cell 1, line 2: NuGet restore of {id}, 9.9.9 failed", failure.Message);
        Assert.Contains(id, failure.Message[(failure.Message.IndexOf("failed", StringComparison.Ordinal))..]);
    }
}
