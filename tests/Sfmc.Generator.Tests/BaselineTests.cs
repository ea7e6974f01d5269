using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Xunit;

namespace Sfmc.Generator.Tests;

/// <summary>
/// Generated code against checked-in baselines (Baselines/{Kind}/{Scenario}/{Hint}.txt).
/// Set SFMC_UPDATE_BASELINES=1 to rewrite them after an intended change, then review the diff.
/// </summary>
public sealed class BaselineTests
{
    private static bool Update => Environment.GetEnvironmentVariable("SFMC_UPDATE_BASELINES") == "1";

    [Theory]
    [InlineData("OrderLines", "DataExtensions/OrderLines.de.json")]
    [InlineData("Sendable", "DataExtensions/Customers.de.json")]
    [InlineData("Mcdev", "mcdev/*.dataExtension-meta.json")]
    public void Generated_code_matches_baseline(string scenario, string pattern)
    {
        var (result, output, diagnostics) = GeneratorHarness.Run(GeneratorHarness.TestDataFiles(pattern));

        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        var generated = result.Results.Single().GeneratedSources
            .ToDictionary(s => s.HintName + ".txt", s => s.SourceText.ToString(), StringComparer.Ordinal);
        Assert.NotEmpty(generated);

        Compare("DataExtensions", scenario, generated);
    }

    /// <summary>A few generated SOAP types (a root, a deep derived type, an enum) against their baselines.</summary>
    [Fact]
    public void Generated_SOAP_code_matches_baseline()
    {
        var (result, output, diagnostics) = GeneratorHarness.Run([GeneratorHarness.SpecWsdl()], new Dictionary<string, string> { ["SfmcSoapObjects"] = "Subscriber" });

        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        var wanted = new[] { "Soap.APIObject.g.cs", "Soap.ClientID.g.cs", "Soap.Subscriber.g.cs", "Soap.SubscriberStatus.g.cs" };
        var generated = result.Results.Single().GeneratedSources
            .Where(s => wanted.Contains(s.HintName))
            .ToDictionary(s => s.HintName + ".txt", s => s.SourceText.ToString(), StringComparer.Ordinal);
        Assert.Equal(wanted.Length, generated.Count);
        Compare("Soap", "Subscriber", generated);
    }

    /// <summary>
    /// Every baseline again with the thread's culture set to Turkish (dotted/dotless i in case changes) and German
    /// (decimal comma): generated code must not depend on the machine's culture. BannedSymbols.txt keeps the
    /// culture-sensitive APIs out; this proves the output.
    /// </summary>
    [Theory]
    [InlineData("tr-TR")]
    [InlineData("de-DE")]
    public void Every_baseline_is_generated_the_same_under_another_culture(string culture)
    {
        var (previous, previousUi) = (System.Globalization.CultureInfo.CurrentCulture, System.Globalization.CultureInfo.CurrentUICulture);
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo(culture);
            // The culture took (not invariant-globalization mode): both write a decimal comma.
            Assert.Equal(culture, System.Globalization.CultureInfo.CurrentCulture.Name);
            Assert.Equal("1,5", 1.5m.ToString(System.Globalization.CultureInfo.CurrentCulture));
            Generated_code_matches_baseline("OrderLines", "DataExtensions/OrderLines.de.json");
            Generated_code_matches_baseline("Sendable", "DataExtensions/Customers.de.json");
            Generated_code_matches_baseline("Mcdev", "mcdev/*.dataExtension-meta.json");
            Generated_SOAP_code_matches_baseline();
            new JourneyGeneratorTests().Generated_journeys_match_their_baselines_and_compile_without_warnings();
            new MessagingGeneratorTests().Generated_sends_and_the_read_only_row_match_their_baselines_and_compile_without_warnings();
            new RestGeneratorTests().Generated_rest_code_matches_its_baselines_and_compiles_without_warnings();
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
            System.Globalization.CultureInfo.CurrentUICulture = previousUi;
        }
    }

    internal static void Compare(string kind, string scenario, Dictionary<string, string> generated)
    {
        var directory = Path.Combine(GeneratorHarness.SourceDirectory(), "Baselines", kind, scenario);
        if (Update)
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }

            Directory.CreateDirectory(directory);
            foreach (var (name, text) in generated)
            {
                File.WriteAllText(Path.Combine(directory, name), text);
            }

            return;
        }

        Assert.True(Directory.Exists(directory), $"No baselines at {directory}. Run with SFMC_UPDATE_BASELINES=1 to create them.");
        var expectedFiles = Directory.GetFiles(directory).Select(p => Path.GetFileName(p)).OrderBy(n => n, StringComparer.Ordinal).ToList();
        Assert.Equal(expectedFiles, generated.Keys.OrderBy(n => n, StringComparer.Ordinal).ToList());
        foreach (var name in expectedFiles)
        {
            var expected = File.ReadAllText(Path.Combine(directory, name!)).Replace("\r\n", "\n");
            var actual = generated[name!];
            if (expected != actual)
            {
                Assert.Fail($"{scenario}/{name} differs from its baseline (SFMC_UPDATE_BASELINES=1 rewrites it):\n{Diff(expected, actual)}");
            }
        }
    }

    [Fact]
    public void Output_is_deterministic_and_independent_of_file_order()
    {
        var files = GeneratorHarness.TestDataFiles("mcdev/*.dataExtension-meta.json")
            .Concat(GeneratorHarness.TestDataFiles("DataExtensions/*.de.json"))
            .ToList();
        var first = Render(GeneratorHarness.Run(files).Result);
        var reversed = Render(GeneratorHarness.Run(Enumerable.Reverse(files)).Result);
        Assert.Equal(first, reversed);
    }

    [Fact]
    public void SfmcNamespace_overrides_the_namespace_and_RootNamespace_is_the_default()
    {
        var files = GeneratorHarness.TestDataFiles("DataExtensions/OrderLines.de.json");
        var byRoot = GeneratorHarness.Run(files, rootNamespace: "Shop.Web").Result.GeneratedTrees.Single(IsRow).ToString();
        var byProperty = GeneratorHarness.Run(files, rootNamespace: "Shop.Web", sfmcNamespace: "Marketing.Rows").Result.GeneratedTrees.Single(IsRow).ToString();
        Assert.Contains("namespace Shop.Web.DataExtensions;", byRoot, StringComparison.Ordinal);
        Assert.Contains("namespace Marketing.Rows;", byProperty, StringComparison.Ordinal);

        var invalidRoot = GeneratorHarness.Run(files, rootNamespace: "My.class").Result.GeneratedTrees.Single(IsRow).ToString();
        Assert.Contains("namespace DataExtensions;", invalidRoot, StringComparison.Ordinal);
    }

    private static bool IsRow(Microsoft.CodeAnalysis.SyntaxTree tree) => System.IO.Path.GetFileName(tree.FilePath).StartsWith("DataExtensions.", StringComparison.Ordinal);

    private static string Render(Microsoft.CodeAnalysis.GeneratorDriverRunResult result) => string.Join(
        "\n=====\n",
        result.Results.Single().GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal).Select(s => s.HintName + "\n" + s.SourceText));

    /// <summary>A readable line diff: the first differing region with context.</summary>
    internal static string Diff(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        var first = 0;
        while (first < e.Length && first < a.Length && e[first] == a[first])
        {
            first++;
        }

        var builder = new StringBuilder();
        for (var i = Math.Max(0, first - 3); i < first; i++)
        {
            builder.Append("    ").Append(i + 1).Append("  ").AppendLine(e[i]);
        }

        for (var i = first; i < Math.Min(e.Length, first + 8); i++)
        {
            builder.Append("  - ").Append(i + 1).Append("  ").AppendLine(e[i]);
        }

        for (var i = first; i < Math.Min(a.Length, first + 8); i++)
        {
            builder.Append("  + ").Append(i + 1).Append("  ").AppendLine(a[i]);
        }

        builder.Append($"(expected {e.Length} lines, actual {a.Length})");
        return builder.ToString();
    }
}
