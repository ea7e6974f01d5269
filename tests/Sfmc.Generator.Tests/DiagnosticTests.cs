using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Sfmc.Generator.Tests;

/// <summary>
/// Every generator diagnostic: ID, severity and exact location. Expected diagnostics are marked in the JSON as
/// <c>{|SFMC0104:"Txt"|}</c>: the marked text is where the diagnostic must point.
/// </summary>
public sealed class DiagnosticTests
{
    private const string Fields = """[ { "name": "Id", "fieldType": "Text", "maxLength": 10, "isPrimaryKey": true, "isRequired": true } ]""";

    public static IEnumerable<object[]> SingleFileCases() => new[]
    {
        Case("SFMC0001", DiagnosticSeverity.Error, """{ "customerKey": "a", {|SFMC0001:]|} }"""),
        Case("SFMC0001", DiagnosticSeverity.Error, """{ "customerKey": "a", "name": "b", "fields": [ {|SFMC0001:tru|} ] }"""),
        Case("SFMC0100", DiagnosticSeverity.Error, """{|SFMC0100:{|} "name": "Orders", "fields": """ + Fields + " }"),
        Case("SFMC0100", DiagnosticSeverity.Error, """{ "customerKey": {|SFMC0100:"  "|}, "name": "Orders", "fields": """ + Fields + " }"),
        Case("SFMC0100", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "fields": [ {|SFMC0100:{|} "name": "a" } ] }"""),
        Case("SFMC0101", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": "a", "fieldType": "Text", "maxLength": {|SFMC0101:"fifty"|} } ] }"""),
        Case("SFMC0101", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "isSendable": {|SFMC0101:"yes"|}, "fields": """ + Fields + " }"),
        Case("SFMC0104", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": "a", "fieldType": {|SFMC0104:"Txt"|} } ] }"""),
        Case("SFMC0105", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": "Email", "fieldType": "Text" }, { "name": {|SFMC0105:"EMAIL"|}, "fieldType": "Text" } ] }"""),
        Case("SFMC0106", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": "a", "fieldType": "Text", "maxLength": {|SFMC0106:4001|} } ] }"""),
        Case("SFMC0106", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": "a", "fieldType": "EmailAddress", "maxLength": {|SFMC0106:255|} } ] }"""),
        Case("SFMC0106", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": "a", "fieldType": "Decimal", "maxLength": {|SFMC0106:30|}, "scale": 2 } ] }"""),
        Case("SFMC0106", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": "a", "fieldType": "Decimal", "maxLength": 5, "scale": {|SFMC0106:6|} } ] }"""),
        Case("SFMC0107", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": "a", "fieldType": "Number", "maxLength": {|SFMC0107:10|} } ] }"""),
        Case("SFMC0107", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": "a", "fieldType": "Text", "scale": {|SFMC0107:2|} } ] }"""),
        Case("SFMC0108", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": "a", "fieldType": "Decimal", "maxLength": {|SFMC0108:10|} } ] }"""),
        Case("SFMC0109", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": "a", "fieldType": "Text", "isPrimaryKey": true, "isRequired": {|SFMC0109:false|} } ] }"""),
        Case("SFMC0110", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "isSendable": {|SFMC0110:true|}, "sendableSubscriberField": "Subscriber Key", "fields": """ + Fields + " }"),
        Case("SFMC0110", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "isSendable": true, "sendableDataExtensionField": {|SFMC0110:"Idd"|}, "sendableSubscriberField": "Subscriber Key", "fields": """ + Fields + " }"),
        Case("SFMC0110", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "isSendable": true, "sendableDataExtensionField": "Id", "sendableSubscriberField": {|SFMC0110:"SubscriberKey"|}, "fields": """ + Fields + " }"),
        Case("SFMC0112", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": "first name", "fieldType": "Text" }, { "name": {|SFMC0112:"First_Name"|}, "fieldType": "Text" } ] }"""),
        Case("SFMC0112", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": {|SFMC0112:"fields"|}, "fieldType": "Text" } ] }"""),
        Case("SFMC0112", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": {|SFMC0112:"Orders Row"|}, "fieldType": "Text" } ] }"""),
        Case("SFMC0113", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": {|SFMC0113:"!!!"|}, "fields": """ + Fields + " }"),
        Case("SFMC0114", DiagnosticSeverity.Warning, """{ "customerKey": {|SFMC0114:"a_customer_key_that_is_longer_than_36_chars"|}, "name": "Orders", "fields": """ + Fields + " }"),
        Case("SFMC0115", DiagnosticSeverity.Warning, """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": {|SFMC0115:"Day"|}, "fieldType": "Date", "isPrimaryKey": true, "isRequired": true } ] }"""),
        Case("SFMC0116", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": {|SFMC0116:"_CustomObjectKey"|}, "fieldType": "Number" } ] }"""),
        Case("SFMC0117", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": "n", "fieldType": "Number", "defaultValue": {|SFMC0117:"many"|} } ] }"""),
        Case("SFMC0118", DiagnosticSeverity.Warning, """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": "n", "fieldType": "Number", {|SFMC0118:"primaryKey"|}: true } ] }"""),
        Case("SFMC0119", DiagnosticSeverity.Error, """{ "customerKey": "k", "name": "Orders", "fields": {|SFMC0119:[]|} }"""),
    };

    [Theory]
    [MemberData(nameof(SingleFileCases))]
    public void Diagnostic_has_id_severity_and_location(string id, DiagnosticSeverity severity, string markup)
    {
        // The ID column is the one the markup expects: a case filed under the wrong ID fails here.
        Assert.Contains("{|" + id + ":", markup, StringComparison.Ordinal);
        AssertDiagnostics(severity, ("/project/Orders.de.json", markup));
    }

    [Fact]
    public void Duplicate_customer_key_across_files_points_at_the_later_file()
    {
        AssertDiagnostics(
            DiagnosticSeverity.Error,
            ("/project/a/Orders.de.json", """{ "customerKey": "Orders", "name": "Orders", "fields": """ + Fields + " }"),
            ("/project/b/OrdersCopy.de.json", """{ "customerKey": {|SFMC0102:"Orders"|}, "name": "Orders Copy", "fields": """ + Fields + " }"));
    }

    [Fact]
    public void Customer_keys_differing_only_in_case_are_an_error()
    {
        AssertDiagnostics(
            DiagnosticSeverity.Error,
            ("/project/a/Orders.de.json", """{ "customerKey": "Orders", "name": "Orders", "fields": """ + Fields + " }"),
            ("/project/b/Orders2.de.json", """{ "customerKey": {|SFMC0103:"ORDERS"|}, "name": "Orders Two", "fields": """ + Fields + " }"));
    }

    [Fact]
    public void Type_name_collision_is_an_error_and_only_the_first_is_generated()
    {
        var run = AssertDiagnostics(
            DiagnosticSeverity.Error,
            ("/project/a/One.de.json", """{ "customerKey": "one", "name": "Order Lines", "fields": """ + Fields + " }"),
            ("/project/b/Two.de.json", """{ "customerKey": "two", "name": {|SFMC0111:"order-lines"|}, "fields": """ + Fields + " }"));
        var source = Assert.Single(run.Results.Single().GeneratedSources, s => s.HintName.StartsWith("DataExtensions.", StringComparison.Ordinal));
        Assert.Contains("\"one\"", source.SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_field_type_suggests_the_closest_type()
    {
        var diagnostic = Assert.Single(Run(("/project/Orders.de.json", """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": "when", "fieldType": "Dat" } ] }""")).Diagnostics);
        Assert.Equal("SFMC0104", diagnostic.Id);
        Assert.Contains("Did you mean 'Date'?", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void Location_reports_file_line_and_column()
    {
        const string text = "{\n  \"customerKey\": \"k\",\n  \"name\": \"Orders\",\n  \"fields\": [\n    { \"name\": \"a\", \"fieldType\": \"Txt\" }\n  ]\n}\n";
        var diagnostic = Assert.Single(Run(("/project/Orders.de.json", text)).Diagnostics);
        var span = diagnostic.Location.GetLineSpan();
        Assert.Equal("/project/Orders.de.json", span.Path);
        Assert.Equal(4, span.StartLinePosition.Line);        // line 5, zero-based
        Assert.Equal(32, span.StartLinePosition.Character);   // the "Txt" token
        Assert.Equal(37, span.EndLinePosition.Character);
    }

    [Fact]
    public void Invalid_SfmcNamespace_is_reported()
    {
        var (_, _, diagnostics) = GeneratorHarness.Run(GeneratorHarness.TestDataFiles("DataExtensions/OrderLines.de.json"), sfmcNamespace: "My.2nd.Namespace");
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("SFMC0002", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(Location.None, diagnostic.Location);
    }

    [Fact]
    public void Bad_fields_are_dropped_but_the_row_is_still_generated()
    {
        var (result, diagnostics) = Run(("/project/Orders.de.json", """{ "customerKey": "k", "name": "Orders", "fields": [ { "name": "Id", "fieldType": "Text", "isPrimaryKey": true, "isRequired": true }, { "name": "b", "fieldType": "Txt" } ] }"""));
        Assert.Equal("SFMC0104", Assert.Single(diagnostics).Id);
        var source = Assert.Single(result.Results.Single().GeneratedSources, s => s.HintName.StartsWith("DataExtensions.", StringComparison.Ordinal)).SourceText.ToString();
        Assert.Contains("public required string Id", source, StringComparison.Ordinal);
        Assert.DoesNotContain(" B ", source, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_descriptor_has_help_text_and_is_tracked_and_documented()
    {
        var unshipped = System.IO.File.ReadAllText(System.IO.Path.Combine(GeneratorHarness.RepoRoot, "src", "Sfmc.Generator", "AnalyzerReleases.Unshipped.md"));
        var docs = System.IO.File.ReadAllText(System.IO.Path.Combine(GeneratorHarness.RepoRoot, "docs", "diagnostics.md"));
        foreach (var descriptor in Diagnostics.DiagnosticDescriptors.All)
        {
            Assert.Matches(@"^SFMC\d{4}$", descriptor.Id);
            Assert.False(string.IsNullOrWhiteSpace(descriptor.Description.ToString()), descriptor.Id + " has no help text");
            Assert.Contains($"{descriptor.Id} | {descriptor.Category} | {descriptor.DefaultSeverity} |", unshipped, StringComparison.Ordinal);
            Assert.Contains("## " + descriptor.Id, docs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_descriptor_links_to_an_anchor_that_exists_in_docs_diagnostics_md()
    {
        // GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens.
        var anchors = System.IO.File.ReadAllLines(System.IO.Path.Combine(GeneratorHarness.RepoRoot, "docs", "diagnostics.md"))
            .Where(l => l.StartsWith("#", StringComparison.Ordinal))
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l.TrimStart('#').Trim().ToLowerInvariant(), @"[^a-z0-9 \-]", "").Replace(' ', '-'))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var descriptor in Diagnostics.DiagnosticDescriptors.All)
        {
            var link = new Uri(descriptor.HelpLinkUri);
            Assert.Equal(Diagnostics.DiagnosticDescriptors.HelpLinkBase, link.GetLeftPart(UriPartial.Path));
            Assert.Contains(link.Fragment.TrimStart('#'), anchors);
            Assert.Equal(descriptor.Id.ToLowerInvariant(), link.Fragment.TrimStart('#'));
        }
    }

    private static object[] Case(string id, DiagnosticSeverity severity, string markup) => new object[] { id, severity, markup };

    private static (GeneratorDriverRunResult Result, IReadOnlyList<Diagnostic> Diagnostics) Run(params (string Path, string Text)[] files)
    {
        var (result, _, diagnostics) = GeneratorHarness.Run(files.Select(f => GeneratorHarness.File(f.Path, f.Text)));
        Assert.DoesNotContain(diagnostics, d => d.Id is "CS8785" or "SFMC0003");
        return (result, diagnostics);
    }

    private static GeneratorDriverRunResult AssertDiagnostics(DiagnosticSeverity severity, params (string Path, string Markup)[] files)
    {
        var parsed = files.Select(f => (f.Path, Markup: Markup.Parse(f.Markup))).ToList();
        var (result, diagnostics) = Run(parsed.Select(p => (p.Path, p.Markup.Text)).ToArray());
        var expected = parsed
            .SelectMany(p => p.Markup.Spans.Select(s => $"{s.Id} {p.Path} {s.Span}"))
            .OrderBy(s => s, StringComparer.Ordinal)
            .ToList();
        var actual = diagnostics
            .Select(d => $"{d.Id} {d.Location.GetLineSpan().Path} {d.Location.SourceSpan}")
            .OrderBy(s => s, StringComparer.Ordinal)
            .ToList();
        Assert.True(expected.SequenceEqual(actual), $"Expected:\n  {string.Join("\n  ", expected)}\nActual:\n  {string.Join("\n  ", diagnostics.Select(d => d.ToString()))}");
        Assert.All(diagnostics, d => Assert.Equal(severity, d.Severity));
        return result;
    }

    /// <summary>Markup <c>{|ID:text|}</c> → clean text plus the expected (ID, span) pairs.</summary>
    internal sealed record Markup(string Text, IReadOnlyList<(string Id, TextSpan Span)> Spans)
    {
        public static Markup Parse(string markup)
        {
            var text = new System.Text.StringBuilder();
            var spans = new List<(string, TextSpan)>();
            var i = 0;
            while (i < markup.Length)
            {
                var open = markup.IndexOf("{|", i, StringComparison.Ordinal);
                if (open < 0)
                {
                    text.Append(markup, i, markup.Length - i);
                    break;
                }

                text.Append(markup, i, open - i);
                var colon = markup.IndexOf(':', open);
                var close = markup.IndexOf("|}", colon, StringComparison.Ordinal);
                var id = markup.Substring(open + 2, colon - open - 2);
                var content = markup.Substring(colon + 1, close - colon - 1);
                spans.Add((id, new TextSpan(text.Length, content.Length)));
                text.Append(content);
                i = close + 2;
            }

            return new Markup(text.ToString(), spans);
        }
    }
}
