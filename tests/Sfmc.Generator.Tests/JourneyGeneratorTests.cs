using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace Sfmc.Generator.Tests;

/// <summary>
/// sfmc.json journeys: generated code against baselines, every sfmc.json diagnostic at its exact place, the pipeline's
/// caching, and the analyzer's check of journey keys written as literals.
/// </summary>
public sealed class JourneyGeneratorTests
{
    private static AdditionalText Declarations() => GeneratorHarness.TestDataFiles("Declarations/sfmc.json").Single();

    private static List<AdditionalText> Files() => GeneratorHarness.TestDataFiles("DataExtensions/*.de.json").Append(Declarations()).ToList();

    [Fact]
    public void Generated_journeys_match_their_baselines_and_compile_without_warnings()
    {
        var (result, output, diagnostics) = GeneratorHarness.Run(Files());

        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        var generated = result.Results.Single().GeneratedSources
            .Where(s => s.HintName.StartsWith("Journeys", StringComparison.Ordinal))
            .ToDictionary(s => s.HintName + ".txt", s => s.SourceText.ToString(), StringComparer.Ordinal);
        Assert.Equal(
            ["Journeys.AbandonedCartJourney.g.cs.txt", "Journeys.NewsletterJourney.g.cs.txt", "Journeys.OrderShippedJourney.g.cs.txt", "Journeys.WelcomeJourney.g.cs.txt", "Journeys.g.cs.txt"],
            generated.Keys.Order(StringComparer.Ordinal));
        BaselineTests.Compare("Journeys", "Declarations", generated);
    }

    [Theory]
    [InlineData(LanguageVersion.CSharp12, true)]
    [InlineData(LanguageVersion.CSharp13, true)]
    [InlineData(LanguageVersion.CSharp12, false)]
    public void Below_CSharp_14_declarations_give_one_SFMC0004_and_code_that_compiles(LanguageVersion version, bool declarations)
    {
        var files = declarations ? Files() : GeneratorHarness.TestDataFiles("DataExtensions/*.de.json").ToList();
        var parse = new CSharpParseOptions(version);
        var compilation = GeneratorHarness.CreateCompilation()
            .AddSyntaxTrees(CSharpSyntaxTree.ParseText("static class Use { static object Make() => new Contoso.DataExtensions.CustomersRow { SubscriberKey = \"c-1\", Email = \"a@b.c\", VIP = false }; }", parse, path: "/project/Use.cs"));
        var driver = GeneratorHarness.CreateDriver(files).WithUpdatedParseOptions(parse)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);

        var sfmc0004 = diagnostics.Where(d => d.Id == "SFMC0004").ToList();
        if (!declarations)
        {
            Assert.Empty(diagnostics);
        }
        else
        {
            var only = Assert.Single(diagnostics);
            Assert.Equal("SFMC0004", only.Id);
            Assert.Equal(DiagnosticSeverity.Error, only.Severity);
            var number = version == LanguageVersion.CSharp12 ? "12" : "13";
            Assert.Equal($"This project compiles as C# {number}, but the journey and send accessors of sfmc.json (client.Journeys.X, client.Transactional.X, …) need C# 14 or later: set <LangVersion>14</LangVersion> (or latest) in the project file, or remove the LangVersion pin", only.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
            // The accessors (extension members) are left out; the declared classes are still there.
            var hints = driver.GetRunResult().Results.Single().GeneratedSources.Select(s => s.HintName).ToList();
            Assert.DoesNotContain("Journeys.g.cs", hints);
            Assert.DoesNotContain("Messaging.g.cs", hints);
            Assert.Contains("Journeys.WelcomeJourney.g.cs", hints);
        }

        // Everything that is generated compiles as the older C#: no errors inside generated code.
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void Below_CSharp_11_SFMC0004_names_the_generated_types()
    {
        var driver = GeneratorHarness.CreateDriver(GeneratorHarness.TestDataFiles("DataExtensions/*.de.json")).WithUpdatedParseOptions(new CSharpParseOptions(LanguageVersion.CSharp10))
            .RunGeneratorsAndUpdateCompilation(GeneratorHarness.CreateCompilation(), out _, out var diagnostics);

        var only = Assert.Single(diagnostics);
        Assert.Equal("SFMC0004", only.Id);
        Assert.StartsWith("This project compiles as C# 10, but Sfmc's generated types need C# 11 or later", only.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.NotNull(driver);
    }

    [Fact]
    public void Journeys_call_the_runtime_through_typed_members()
    {
        var (_, output, diagnostics) = GeneratorHarness.Run(Files(), "Contoso", null, """
            using Sfmc.Client;
            using Contoso.Journeys;
            static class Use
            {
                static async System.Threading.Tasks.Task Go(SfmcClient client)
                {
                    await client.Journeys.AbandonedCart.EnterAsync("c-1", new AbandonedCartJourney.Data { CartTotal = 12.5m, Items = 2, Coupon = "X" });
                    await client.Journeys.Welcome.EnterAsync("c-1", new Contoso.DataExtensions.CustomersRow { SubscriberKey = "c-1", Email = "a@b.c", VIP = false });
                    await client.Journeys.Newsletter.EnterAsync([new JourneyMember<System.Collections.Generic.IReadOnlyDictionary<string, object?>?>("c-1", null)]);
                    System.Console.WriteLine(OrderShippedJourney.EventDefinitionKey);
                }
            }
            """);
        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
    }

    public static IEnumerable<object[]> Cases() => new[]
    {
        Case(DiagnosticSeverity.Error, """{ "journeys": [ { "name": "A", "eventDefinitionKey": {|SFMC0300:"APIEvent.a"|} } ] }"""),
        Case(DiagnosticSeverity.Error, """{ "journeys": [ { "name": "Welcome", "eventDefinitionKey": "k1" }, { "name": {|SFMC0301:"welcome"|}, "eventDefinitionKey": "k2" } ] }"""),
        Case(DiagnosticSeverity.Error, """{ "journeys": [ { "name": "A", "eventDefinitionKey": "APIEvent-1" }, { "name": "B", "eventDefinitionKey": {|SFMC0301:"apievent-1"|} } ] }"""),
        Case(DiagnosticSeverity.Error, """{ "journeys": [ { "name": "A", "eventDefinitionKey": "k", "entryDataExtension": {|SFMC0302:"customers"|} } ] }"""),
        Case(DiagnosticSeverity.Error, """{ "journeys": [ { "name": "A", "eventDefinitionKey": "k", "entryDataExtension": "Customers", "dataFields": [ "Email", {|SFMC0303:"Emial"|} ] } ] }"""),
        Case(DiagnosticSeverity.Error, """{ "journeys": [ { {|SFMC0100:"|}eventDefinitionKey": "k" } ] }""".Replace("{ {|SFMC0100:\"|}", "{|SFMC0100:{|} \"", StringComparison.Ordinal)),
        Case(DiagnosticSeverity.Error, """{ "journeys": {|SFMC0101:{}|} }"""),
        Case(DiagnosticSeverity.Error, """{ "journeys": [ { "name": "A", "eventDefinitionKey": "k", "dataFields": [ { "name": "n", "fieldType": {|SFMC0104:"Txt"|} } ] } ] }"""),
        Case(DiagnosticSeverity.Error, """{ "journeys": [ { "name": {|SFMC0113:"!!"|}, "eventDefinitionKey": "k" } ] }"""),
        Case(DiagnosticSeverity.Warning, """{ {|SFMC0118:"journey"|}: [] }"""),
        Case(DiagnosticSeverity.Error, """{ "journeys": [ {|SFMC0001:,|} ] }"""),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Diagnostic_has_id_severity_and_location(DiagnosticSeverity severity, string markup)
    {
        var parsed = DiagnosticTests.Markup.Parse(markup);
        var files = GeneratorHarness.TestDataFiles("DataExtensions/*.de.json").Append(GeneratorHarness.File("/project/sfmc.json", parsed.Text));
        var (_, _, diagnostics) = GeneratorHarness.Run(files);

        var expected = parsed.Spans.Select(s => $"{s.Id} /project/sfmc.json {s.Span}").ToList();
        var actual = diagnostics.Select(d => $"{d.Id} {d.Location.GetLineSpan().Path} {d.Location.SourceSpan}").ToList();
        Assert.True(expected.SequenceEqual(actual), $"Expected:\n  {string.Join("\n  ", expected)}\nActual:\n  {string.Join("\n  ", diagnostics)}");
        Assert.All(diagnostics, d => Assert.Equal(severity, d.Severity));
    }

    [Fact]
    public void Did_you_mean_names_the_closest_DE_and_field()
    {
        var files = GeneratorHarness.TestDataFiles("DataExtensions/*.de.json").Append(GeneratorHarness.File("/project/sfmc.json", """
            { "journeys": [
              { "name": "A", "eventDefinitionKey": "k1", "entryDataExtension": "Customer" },
              { "name": "B", "eventDefinitionKey": "k2", "entryDataExtension": "Customers", "dataFields": [ "Emial" ] } ] }
            """));
        var messages = GeneratorHarness.Run(files).GeneratorDiagnostics.Select(d => d.GetMessage()).ToList();
        Assert.Contains(messages, m => m.Contains("Did you mean 'Customers'?", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("Did you mean 'Email'?", StringComparison.Ordinal));
    }

    [Fact]
    public void A_field_named_like_the_generated_record_gets_another_property_name()
    {
        var files = GeneratorHarness.TestDataFiles("DataExtensions/*.de.json").Append(GeneratorHarness.File("/project/sfmc.json", """
            { "journeys": [ { "name": "A", "eventDefinitionKey": "k1", "dataFields": [ "Data", "data 2" ] } ],
              "transactionalEmails": [ { "name": "B", "definitionKey": "k2", "attributes": [ "Attributes" ] } ] }
            """));
        var (result, output, diagnostics) = GeneratorHarness.Run(files);
        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output)); // a member named like its record would be CS0542
        var sources = result.Results.Single().GeneratedSources;
        Assert.Contains("/// <summary>Text field <c>Data</c>.</summary>\n        public string? Data2 { get; init; }", sources.Single(s => s.HintName == "Journeys.AJourney.g.cs").SourceText.ToString(), StringComparison.Ordinal);
        Assert.Contains("public string? Attributes2 { get; init; }", sources.Single(s => s.HintName == "Messaging.BEmail.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_sfmc_json_is_a_warning_and_ignored()
    {
        var files = Files().Append(GeneratorHarness.File("/project/sub/sfmc.json", """{ "journeys": [ { "name": "Other", "eventDefinitionKey": "k" } ] }""")).ToList();
        var (result, _, diagnostics) = GeneratorHarness.Run(files);
        Assert.Equal("SFMC0304", Assert.Single(diagnostics).Id);
        Assert.DoesNotContain(result.Results.Single().GeneratedSources, s => s.HintName.Contains("Other", StringComparison.Ordinal));
    }

    [Fact]
    public void Unrelated_edits_leave_journeys_cached_and_a_journey_edit_reemits_only_that_journey()
    {
        var files = Files();
        var compilation = GeneratorHarness.CreateCompilation("class A { }");
        var driver = GeneratorHarness.CreateDriver(files).RunGenerators(compilation);

        // A C# edit: nothing to do for journeys.
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(), CSharpSyntaxTree.ParseText("class A { int X => 1; }", GeneratorHarness.ParseOptions, path: "/project/Source0.cs"));
        var csharp = driver.RunGenerators(edited).GetRunResult().Results.Single();
        foreach (var step in new[] { TrackingNames.ParseDeclarations, TrackingNames.DeclarationsModel, TrackingNames.ResolveJourneys, TrackingNames.EmitJourney, TrackingNames.EmitJourneyAccessors })
        {
            var reasons = IncrementalTests.Reasons(csharp, step);
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        }

        // One journey's key changes: only its source is produced again; the accessors stay as they were.
        var declarations = files.Single(f => f.Path.EndsWith("sfmc.json", StringComparison.Ordinal));
        var changed = declarations.GetText()!.ToString().Replace("APIEvent-newsletter", "APIEvent-newsletter-2", StringComparison.Ordinal);
        driver = driver.ReplaceAdditionalText(declarations, GeneratorHarness.File(declarations.Path, changed));
        var result = driver.RunGenerators(compilation).GetRunResult().Results.Single();
        var emit = IncrementalTests.Reasons(result, TrackingNames.EmitJourney);
        Assert.Equal(1, emit.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(3, emit.Count(r => r is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached));
        Assert.All(IncrementalTests.Reasons(result, TrackingNames.EmitJourneyAccessors), r => Assert.Equal(IncrementalStepRunReason.Unchanged, r));
        Assert.Contains("APIEvent-newsletter-2", result.GeneratedSources.Single(s => s.HintName == "Journeys.NewsletterJourney.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Journey_keys_written_as_literals_are_checked_against_sfmc_json()
    {
        var compilation = GeneratorHarness.CreateCompilation("""
            using Sfmc.Client;
            sealed class C
            {
                void M(FakeJourneys j)
                {
                    j.Enter("APIEvent-newsletter");
                    j.Enter("APIEvent-newsleter");
                    j.Enter("apievent-newsletter");
                }
            }
            public sealed class FakeJourneys { public void Enter([SfmcKey(SfmcKeyKind.Journey)] string key) { } }
            """);
        var diagnostics = await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new SfmcKeyAnalyzer()), new AnalyzerOptions(ImmutableArray.Create(Declarations())))
            .GetAnalyzerDiagnosticsAsync();

        Assert.Collection(
            diagnostics.OrderBy(d => d.Location.SourceSpan.Start),
            d =>
            {
                Assert.Equal("SFMC0350", d.Id);
                Assert.Contains("Did you mean 'APIEvent-newsletter'?", d.GetMessage(), StringComparison.Ordinal);
            },
            d => Assert.Equal("SFMC0351", d.Id));
    }

    private static object[] Case(DiagnosticSeverity severity, string markup) => new object[] { severity, markup };
}
