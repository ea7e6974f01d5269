using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace Sfmc.Package.Tests;

/// <summary>
/// The packages as <c>dotnet pack</c> makes them, in a folder feed, with an empty NuGet cache of their own: what a user
/// gets from <c>dotnet add package</c>. Packed once (from this run's build, <c>--no-build</c>) for every test of the
/// <see cref="PackageCollection"/>; consumers restore once into the same cache.
/// </summary>
public sealed class PackageFeed : IAsyncLifetime
{
    public string Root { get; } = Processes.TempFolder("sfmc-feed");

    public string Feed => Path.Combine(Root, "feed");

    /// <summary>The NUGET_PACKAGES folder for every consumer: empty at the start of the run.</summary>
    public string Cache => Path.Combine(Root, "nuget-packages");

    public string Version { get; private set; } = "";

    public string PackOutput { get; private set; } = "";

    /// <summary>The environment a consumer's dotnet commands run with (the empty cache, no MSBuild leakage).</summary>
    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?> { ["NUGET_PACKAGES"] = Cache };

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        Directory.CreateDirectory(Cache);
        var log = new BufferedOutput();
        var (exit, output) = await Processes.RunAsync(log, "dotnet", $"pack \"{Path.Combine(Processes.RepoRoot, "Codegen.sln")}\" -c {Processes.Configuration} --no-build -o \"{Feed}\" -nologo");
        PackOutput = output;
        if (exit != 0)
        {
            throw new InvalidOperationException("dotnet pack failed:\n" + output);
        }

        // Sfmc.<version>.nupkg: the runtime package's version is every package's version (one place: Directory.Build.props).
        Version = Directory.GetFiles(Feed, "Sfmc.*.nupkg")
            .Select(f => System.Text.RegularExpressions.Regex.Match(Path.GetFileName(f), @"^Sfmc\.([0-9][^/]*)\.nupkg$"))
            .Single(m => m.Success).Groups[1].Value;
    }

    /// <summary>Writes a nuget.config that adds the folder feed beside the machine's usual sources.</summary>
    public void WriteNuGetConfig(string directory) => File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <add key="sfmc-local" value="{Feed}" />
          </packageSources>
        </configuration>
        """);

    public Task DisposeAsync()
    {
        Processes.DeleteQuietly(Root);
        return Task.CompletedTask;
    }

    private sealed class BufferedOutput : ITestOutputHelper
    {
        public void WriteLine(string message)
        {
        }

        public void WriteLine(string format, params object[] args)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackageFeed>
{
    public const string Name = "Packages from a local feed";
}
