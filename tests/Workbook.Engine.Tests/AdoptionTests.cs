using System.Text.Json;
using System.Text.RegularExpressions;
using Workbook.Cli;

namespace Workbook.Engine.Tests;

/// <summary>The files a teacher or a new student meets first: the dev container, ./setup, the version.</summary>
public class AdoptionTests
{
    private static readonly JsonDocumentOptions WithComments = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private static string Read(string relative) => File.ReadAllText(Path.Combine(Notebooks.RepoRoot, relative));

    [Fact]
    public void The_dev_container_runs_setup_and_recommends_the_notebook_extensions()
    {
        using var container = JsonDocument.Parse(Read(".devcontainer/devcontainer.json"), WithComments);
        var root = container.RootElement;
        Assert.Contains("dotnet", root.GetProperty("image").GetString());
        Assert.Equal("./setup", root.GetProperty("postCreateCommand").GetString());
        var extensions = root.GetProperty("customizations").GetProperty("vscode").GetProperty("extensions").EnumerateArray().Select(e => e.GetString()).ToList();
        using var recommended = JsonDocument.Parse(Read(".vscode/extensions.json"), WithComments);
        var recommendations = recommended.RootElement.GetProperty("recommendations").EnumerateArray().Select(e => e.GetString()).ToList();
        foreach (var id in new[] { "ms-dotnettools.csharp", "ms-dotnettools.dotnet-interactive-vscode", "ms-toolsai.jupyter" })
        {
            Assert.Contains(id, extensions);
            Assert.Contains(id, recommendations);
        }
    }

    [Fact]
    public void Setup_is_an_executable_script_that_builds_the_library_and_restores_the_tools()
    {
        var path = Path.Combine(Notebooks.RepoRoot, "setup");
        Assert.True(File.Exists(path), "./setup is missing");
        if (!OperatingSystem.IsWindows())
        {
            Assert.True((File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0, "./setup is not executable");
        }
        var script = File.ReadAllText(path);
        Assert.StartsWith("#!/usr/bin/env bash", script);
        Assert.Contains("dotnet tool restore", script);
        Assert.Contains("dotnet build lib/Workbook -c Release", script);
        Assert.Contains("dotnet interactive jupyter install", script);
    }

    [Fact]
    public void The_version_is_one_in_the_build_the_citation_and_the_changelog()
    {
        var version = Regex.Match(Read("Directory.Build.props"), @"<Version>([^<]+)</Version>").Groups[1].Value;
        Assert.Matches(@"^\d+\.\d+\.\d+", version);
        Assert.StartsWith(version + "+", Commands.Version + "+");
        Assert.Matches($@"(?m)^version: {Regex.Escape(version)}\s*$", Read("CITATION.cff"));
        Assert.Matches($@"(?m)^## \[{Regex.Escape(version)}\]", Read("CHANGELOG.md"));
        foreach (var file in new[] { "LICENSE", "LICENSE-text.md", "CONTRIBUTING.md" })
        {
            Assert.True(File.Exists(Path.Combine(Notebooks.RepoRoot, file)), $"{file} is missing");
        }
    }
}
