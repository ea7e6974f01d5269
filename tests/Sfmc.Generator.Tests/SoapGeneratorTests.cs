using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Sfmc.Generator.Tests;

/// <summary>The SOAP half of the generator: the real WSDLs in full, the default selection, and broken input.</summary>
public sealed class SoapGeneratorTests
{
    private static readonly Dictionary<string, string> All = new() { ["SfmcSoapObjects"] = "*" };

    public static TheoryData<string> WsdlCopies()
    {
        var data = new TheoryData<string>();
        data.Add(Path.Combine(GeneratorHarness.RepoRoot, "specs", "etframework.wsdl"));
        foreach (var file in Directory.GetFiles(Path.Combine(GeneratorHarness.TestData, "wsdl"), "*.wsdl").OrderBy(f => f, StringComparer.Ordinal))
        {
            data.Add(file);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(WsdlCopies))]
    public void Every_real_WSDL_generates_in_full_and_compiles_without_warnings(string path)
    {
        var (result, output, diagnostics) = GeneratorHarness.Run([GeneratorHarness.File("/project/etframework.wsdl", File.ReadAllText(path))], All);

        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        var hints = result.Results.Single().GeneratedSources.Select(s => s.HintName).ToList();
        Assert.Contains("Soap.APIObject.g.cs", hints);
        Assert.Contains("Soap.Subscriber.g.cs", hints);
        Assert.Contains("Soap.SubscriberStatus.g.cs", hints);

        // Every named complexType of the WSDL became a class.
        var named = System.Xml.Linq.XDocument.Load(path).Descendants()
            .Where(e => e.Name.LocalName == "complexType" && e.Attribute("name") is not null)
            .Select(e => e.Attribute("name")!.Value)
            .Distinct()
            .ToList();
        Assert.True(named.Count > 200, $"only {named.Count} complexTypes");
        Assert.All(named, name => Assert.Contains("Soap." + name + ".g.cs", hints));
    }

    [Fact]
    public void The_default_selection_is_the_product_objects_with_their_dependencies()
    {
        var (result, output, diagnostics) = GeneratorHarness.Run([GeneratorHarness.SpecWsdl()], new Dictionary<string, string>());

        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        var hints = result.Results.Single().GeneratedSources.Select(s => s.HintName).ToHashSet();
        foreach (var name in new[] { "Subscriber", "List", "DataExtension", "DataExtensionField", "DataExtensionObject", "TriggeredSend", "TriggeredSendDefinition", "EmailSendDefinition", "SentEvent", "OpenEvent", "ClickEvent", "BounceEvent", "UnsubEvent" })
        {
            Assert.Contains("Soap." + name + ".g.cs", hints);
        }

        Assert.Contains("Soap.APIObject.g.cs", hints); // a base
        Assert.Contains("Soap.ClientID.g.cs", hints); // a member's type
        Assert.DoesNotContain("Soap.Automation.g.cs", hints); // not asked for
    }

    [Fact]
    public void A_misspelled_object_is_a_diagnostic_with_a_suggestion()
    {
        var (_, _, diagnostics) = GeneratorHarness.Run([GeneratorHarness.SpecWsdl()], new Dictionary<string, string> { ["SfmcSoapObjects"] = "Subscriber;Subscribr" });

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("SFMC0203", diagnostic.Id);
        Assert.Contains("'Subscribr'", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("Did you mean 'Subscriber'?", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Objects_chosen_in_sfmc_json_replace_the_default_and_add_to_the_MSBuild_property()
    {
        var declarations = GeneratorHarness.File("/project/sfmc.json", """{ "soapObjects": [ "Automation" ] }""");
        static List<string> Hints(GeneratorDriverRunResult result) => result.Results.Single().GeneratedSources.Select(s => s.HintName).ToList();

        var (chosen, output, diagnostics) = GeneratorHarness.Run([GeneratorHarness.SpecWsdl(), declarations]);
        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        Assert.Contains("Soap.Automation.g.cs", Hints(chosen));
        Assert.Contains("Soap.APIObject.g.cs", Hints(chosen));
        Assert.DoesNotContain("Soap.UnsubEvent.g.cs", Hints(chosen)); // the default is replaced, not extended

        var (both, _, _) = GeneratorHarness.Run([GeneratorHarness.SpecWsdl(), declarations], new Dictionary<string, string> { ["SfmcSoapObjects"] = "Subscriber" });
        Assert.Contains("Soap.Automation.g.cs", Hints(both));
        Assert.Contains("Soap.Subscriber.g.cs", Hints(both));
        Assert.DoesNotContain("Soap.UnsubEvent.g.cs", Hints(both));
    }

    [Fact]
    public void A_misspelled_object_in_sfmc_json_is_reported_at_its_token()
    {
        var parsed = DiagnosticTests.Markup.Parse("""{ "soapObjects": [ "Subscriber", {|SFMC0203:"Subscribr"|}, {|SFMC0301:"Subscriber"|} ] }""");
        var (_, _, diagnostics) = GeneratorHarness.Run([GeneratorHarness.SpecWsdl(), GeneratorHarness.File("/project/sfmc.json", parsed.Text)]);

        Assert.Equal(
            parsed.Spans.Select(s => $"{s.Id} {s.Span}").Order(StringComparer.Ordinal),
            diagnostics.Select(d => $"{d.Id} {d.Location.SourceSpan}").Order(StringComparer.Ordinal));
        Assert.Equal("sfmc.json names SOAP object 'Subscribr', which is not a complexType of 'etframework.wsdl'. Did you mean 'Subscriber'?", diagnostics.Single(d => d.Id == "SFMC0203").GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void An_sfmc_json_edit_outside_soapObjects_leaves_the_SOAP_part_cached()
    {
        var declarations = GeneratorHarness.File("/project/sfmc.json", """{ "soapObjects": [ "Subscriber" ], "journeys": [ { "name": "A", "eventDefinitionKey": "k1" } ] }""");
        var compilation = GeneratorHarness.CreateCompilation("class A { }");
        var driver = GeneratorHarness.CreateDriver([GeneratorHarness.SpecWsdl(), declarations]).RunGenerators(compilation);

        driver = driver.ReplaceAdditionalText(declarations, GeneratorHarness.File("/project/sfmc.json", """{ "soapObjects": [ "Subscriber" ], "journeys": [ { "name": "A", "eventDefinitionKey": "k2" } ] }"""));
        var result = driver.RunGenerators(compilation).GetRunResult().Results.Single();
        Assert.All(IncrementalTests.Reasons(result, TrackingNames.SoapDeclarations), r => Assert.Equal(IncrementalStepRunReason.Unchanged, r));
        foreach (var step in new[] { TrackingNames.SelectSoapTypes, TrackingNames.EmitSoapType, TrackingNames.EmitSoapEnum })
        {
            var reasons = IncrementalTests.Reasons(result, step);
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        }
    }

    [Fact]
    public void Broken_XML_is_a_located_diagnostic_and_generates_nothing()
    {
        var text = File.ReadAllText(Path.Combine(GeneratorHarness.RepoRoot, "specs", "etframework.wsdl"));
        var lines = text.Split('\n');
        lines[41] = lines[41] + "<broken";
        var (result, _, diagnostics) = GeneratorHarness.Run([GeneratorHarness.File("/project/etframework.wsdl", string.Join('\n', lines))], All);

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("SFMC0200", diagnostic.Id);
        Assert.Equal("/project/etframework.wsdl", diagnostic.Location.GetLineSpan().Path);
        Assert.InRange(diagnostic.Location.GetLineSpan().StartLinePosition.Line, 41, 43);
        Assert.Empty(result.Results.Single().GeneratedSources);
    }

    [Fact]
    public void A_DTD_is_refused_before_any_entity_is_expanded()
    {
        const string xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE definitions [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
            <definitions xmlns="http://schemas.xmlsoap.org/wsdl/"><types>&xxe;</types></definitions>
            """;
        var (_, _, diagnostics) = GeneratorHarness.Run([GeneratorHarness.File("/project/evil.wsdl", xxe)], All);

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("SFMC0200", diagnostic.Id);
        Assert.Contains("DTD", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.DoesNotContain("root:", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void A_reference_to_an_unknown_type_is_a_schema_error_at_its_line()
    {
        var text = File.ReadAllText(Path.Combine(GeneratorHarness.RepoRoot, "specs", "etframework.wsdl"))
            .Replace("<element name=\"PartnerKey\" type=\"xsd:string\" nillable=\"true\" minOccurs=\"0\" maxOccurs=\"1\" />", "<element name=\"PartnerKey\" type=\"tns:NoSuchType\" />", StringComparison.Ordinal);
        var (_, _, diagnostics) = GeneratorHarness.Run([GeneratorHarness.File("/project/etframework.wsdl", text)], All);

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("SFMC0202", diagnostic.Id);
        Assert.Contains("NoSuchType", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(12, diagnostic.Location.GetLineSpan().StartLinePosition.Line); // 0-based: line 13 of the file
    }

    [Fact]
    public void Not_a_WSDL_is_a_diagnostic()
    {
        var (_, _, diagnostics) = GeneratorHarness.Run([GeneratorHarness.File("/project/other.wsdl", "<root/>")], All);

        Assert.Equal("SFMC0201", Assert.Single(diagnostics).Id);
    }

    [Fact]
    public void Two_WSDLs_warn_and_the_first_wins()
    {
        var spec = GeneratorHarness.SpecWsdl();
        var (result, _, diagnostics) = GeneratorHarness.Run([spec, GeneratorHarness.File("/project/z/copy.wsdl", spec.GetText()!.ToString())], new Dictionary<string, string> { ["SfmcSoapObjects"] = "ClientID" });

        Assert.Equal("SFMC0204", Assert.Single(diagnostics).Id);
        Assert.Single(result.Results.Single().GeneratedSources);
    }

    [Fact]
    public void An_invalid_visibility_is_a_diagnostic()
    {
        var (_, _, diagnostics) = GeneratorHarness.Run([GeneratorHarness.SpecWsdl()], new Dictionary<string, string> { ["SfmcSoapObjects"] = "ClientID", ["SfmcSoapVisibility"] = "protected" });

        Assert.Equal("SFMC0206", Assert.Single(diagnostics).Id);
    }

    [Fact]
    public void Deprecated_members_are_obsolete_and_odd_names_are_valid_CSharp()
    {
        var (result, output, diagnostics) = GeneratorHarness.Run([GeneratorHarness.SpecWsdl()], All);
        Assert.Empty(diagnostics);
        var tsd = output.GetTypeByMetadataName("Sfmc.Soap.TriggeredSendDefinition")!;
        var batchInterval = tsd.GetMembers("BatchInterval").Single();
        Assert.Contains(batchInterval.GetAttributes(), a => a.AttributeClass!.Name == "ObsoleteAttribute");

        // ClientID has a member named like the type; PermissionSet wraps items named like itself.
        Assert.NotEmpty(output.GetTypeByMetadataName("Sfmc.Soap.ClientID")!.GetMembers("ClientIDValue"));
        Assert.NotEmpty(output.GetTypeByMetadataName("Sfmc.Soap.PermissionSet")!.GetMembers("PermissionSets"));

        // Enumeration values that are not identifiers (xsd:string, string, bool, double) still map.
        var source = result.Results.Single().GeneratedSources.Single(s => s.HintName == "Soap.SoapEnums.g.cs" || s.SourceText.ToString().Contains("\"xsd:string\" =>", StringComparison.Ordinal));
        Assert.Contains("XsdString", source.SourceText.ToString(), StringComparison.Ordinal);
        Assert.Empty(GeneratorHarness.Problems(output));
    }
}
