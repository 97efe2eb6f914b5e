using Workbook.Data;

namespace Workbook.Tests.Core;

/// <summary>data/ holds exactly what the workbook's generators write (`workbook data`).</summary>
public sealed class DataSetsTests
{
    [Fact]
    public void CommittedDataEqualsWhatTheGeneratorsWrite()
    {
        var repo = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(repo, "Workbook.sln")))
        {
            repo = Path.GetDirectoryName(repo) ?? throw new InvalidOperationException("Workbook.sln not found above " + AppContext.BaseDirectory);
        }
        var folder = Directory.CreateTempSubdirectory("workbook-data-");
        try
        {
            var written = DataSets.WriteAll(folder.FullName);
            Assert.NotEmpty(written);
            foreach (var file in written)
            {
                var relative = Path.GetRelativePath(folder.FullName, file);
                var committed = Path.Combine(repo, "data", relative);
                Assert.True(File.Exists(committed), $"data/{relative} is generated but not committed: run `dotnet run --project lib/Workbook.Cli -- data`");
                Assert.True(File.ReadAllBytes(committed).AsSpan().SequenceEqual(File.ReadAllBytes(file)),
                    $"data/{relative} differs from what the generator writes: run `dotnet run --project lib/Workbook.Cli -- data`");
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
