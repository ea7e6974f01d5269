using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Sfmc.Generator.DataExtensions;
using Xunit;

namespace Sfmc.Generator.Tests;

/// <summary>DE keys written as string literals are checked against the declared DE files.</summary>
public sealed class AnalyzerTests
{
    private const string Api = """
        using Sfmc.Client;
        public sealed class FakeClient
        {
            public void DataExtension([SfmcKey(SfmcKeyKind.DataExtension)] string key) { }
            public void Other(string key) { }
        }
        """;

    [Fact]
    public async Task Declared_key_is_accepted()
    {
        Assert.Empty(await Analyze("""
            [Sfmc.Client.DataExtensionKey("order_lines")]
            sealed class C { void M(FakeClient c) { c.DataExtension("Customers"); c.DataExtension(Keys.Orders); } }
            static class Keys { public const string Orders = "order_lines"; }
            """));
    }

    [Fact]
    public async Task Unknown_key_in_a_call_is_an_error_with_a_suggestion()
    {
        var diagnostic = Assert.Single(await Analyze("""sealed class C { void M(FakeClient c) { c.DataExtension("order_line"); } }"""));
        Assert.Equal("SFMC0150", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains("Did you mean 'order_lines'?", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Equal("\"order_line\"", diagnostic.Location.SourceTree!.ToString().Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
    }

    [Fact]
    public async Task Case_only_mismatch_is_an_error_saying_keys_are_case_sensitive()
    {
        var diagnostic = Assert.Single(await Analyze("""sealed class C { void M(FakeClient c) { c.DataExtension("CUSTOMERS"); } }"""));
        Assert.Equal("SFMC0151", diagnostic.Id);
        Assert.Contains("case-sensitive", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_key_in_the_attribute_is_an_error()
    {
        var diagnostic = Assert.Single(await Analyze("""[Sfmc.Client.DataExtensionKey("Costumers")] sealed class C { }"""));
        Assert.Equal("SFMC0150", diagnostic.Id);
        Assert.Contains("Did you mean 'Customers'?", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unmarked_parameters_and_non_constants_are_ignored()
    {
        Assert.Empty(await Analyze("""sealed class C { void M(FakeClient c, string k) { c.Other("nope"); c.DataExtension(k); } }"""));
    }

    private static async Task<ImmutableArray<Diagnostic>> Analyze(string source)
    {
        var compilation = GeneratorHarness.CreateCompilation(Api, source);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var options = new AnalyzerOptions(GeneratorHarness.TestDataFiles("DataExtensions/*.de.json").ToImmutableArray());
        return await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new SfmcKeyAnalyzer()), options)
            .GetAnalyzerDiagnosticsAsync();
    }
}
