using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace Sfmc.Client.Tests;

/// <summary>
/// The C# of the guides compiles: each <c>```csharp</c> block of docs/getting-started.md and
/// docs/migrating-from-fuelsdk.md must stand in DocSnippets.cs (which this project compiles, and whose test runs),
/// line for line once using directives, indentation and blank lines are set aside.
/// </summary>
public sealed partial class DocsTests
{
    private static readonly string RepoRoot = typeof(DocsTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;

    [Theory]
    [InlineData("docs/getting-started.md", 2)]
    [InlineData("docs/migrating-from-fuelsdk.md", 6)]
    public void Every_CSharp_block_of_a_guide_is_compiled_in_DocSnippets(string guide, int blocks)
    {
        var markdown = File.ReadAllText(Path.Combine(RepoRoot, guide));
        var mirror = Normalize(File.ReadAllText(Path.Combine(RepoRoot, "tests", "Sfmc.Client.Tests", "DocSnippets.cs")));
        var found = CSharpBlock().Matches(markdown).Select(m => m.Groups[1].Value).ToList();

        Assert.Equal(blocks, found.Count);
        foreach (var block in found)
        {
            var text = Normalize(block);
            Assert.True(mirror.Contains(text, StringComparison.Ordinal), $"This block of {guide} is not in DocSnippets.cs (or differs from it):\n{text}");
        }
    }

    [Fact]
    public void The_READMEs_mcdev_preload_is_the_one_the_mcdev_test_runs()
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot, "README.md")).ReplaceLineEndings("\n");
        var block = Regex.Match(readme, "```js\n(.*?)```", RegexOptions.Singleline).Groups[1].Value.TrimEnd('\n');

        Assert.Equal(McdevTests.Preload.ReplaceLineEndings("\n"), block);
    }

    [Fact]
    public void Every_file_architecture_md_names_exists()
    {
        // "A reader can follow it to each place": a renamed or moved file must take the document with it.
        var markdown = File.ReadAllText(Path.Combine(RepoRoot, "docs", "architecture.md"));
        var files = new[] { "src", "tests", "specs", "docs", "samples" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(RepoRoot, d), "*", SearchOption.AllDirectories))
            .Concat(Directory.EnumerateFiles(RepoRoot))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(RepoRoot, f).Replace('\\', '/'))
            .ToList();
        var named = Regex.Matches(markdown, @"`([A-Za-z0-9_./*-]+\.(?:cs|md|json|yaml|txt|props|wsdl))`").Select(m => m.Groups[1].Value).Distinct().ToList();

        Assert.True(named.Count > 40, $"{named.Count} file names found");
        var missing = named.Where(n => !n.Contains('*', StringComparison.Ordinal) && !n.EndsWith(".g.cs", StringComparison.Ordinal) /* generated hint names */ && !files.Any(f => f == n || f.EndsWith("/" + n, StringComparison.Ordinal))).ToList();
        Assert.True(missing.Count == 0, "docs/architecture.md names files that do not exist: " + string.Join(", ", missing));
    }

    private static string Normalize(string code) => string.Join('\n', code.ReplaceLineEndings("\n").Split('\n')
        .Select(l => l.Trim())
        .Where(l => l.Length > 0 && !UsingDirective().IsMatch(l)));

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"^using [A-Za-z0-9_.]+;$")]
    private static partial Regex UsingDirective();
}
