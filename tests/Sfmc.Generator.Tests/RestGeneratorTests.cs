using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Sfmc.Generator.Tests;

/// <summary>
/// REST from OpenAPI: the checked-in spec's generated classes and operations against baselines, a spec edit that
/// changes the generated API, caching, every OpenAPI diagnostic at its exact place, and Salesforce's own Swagger 2.0
/// file as an extra spec.
/// </summary>
public sealed class RestGeneratorTests
{
    private const string Minimal = """
        openapi: 3.0.3
        info: { title: t, version: "1" }
        paths:
          /things/{id}:
            get:
              operationId: getThing
              parameters:
                - { name: id, in: path, required: true, schema: { type: string } }
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Thing" }
        components:
          schemas:
            Thing:
              type: object
              required: [id]
              properties:
                id: { type: string }
                size: { type: integer }
        """;

    [Fact]
    public void Generated_rest_code_matches_its_baselines_and_compiles_without_warnings()
    {
        var (result, output, diagnostics) = GeneratorHarness.Run([GeneratorHarness.SpecOpenApi()]);

        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        var generated = result.Results.Single().GeneratedSources
            .Where(s => s.HintName.StartsWith("Rest.", StringComparison.Ordinal))
            .ToDictionary(s => s.HintName + ".txt", s => s.SourceText.ToString(), StringComparer.Ordinal);

        // Operations the runtime implements by hand (x-sfmc-runtime) bring neither methods nor classes.
        Assert.DoesNotContain("Rest.TokenRequest.g.cs.txt", generated.Keys);
        Assert.DoesNotContain("Rest.EntryEventBatch.g.cs.txt", generated.Keys);
        var operations = generated["Rest.Operations.SfmcRestOpenapi.g.cs.txt"];
        Assert.DoesNotContain("UpsertRowsetAsync", operations, StringComparison.Ordinal);
        Assert.Contains("SendEmailToSingleRecipientAsync", operations, StringComparison.Ordinal);
        BaselineTests.Compare("Rest", "Spec", generated);
    }

    [Fact]
    public void Generated_operations_are_typed_members_of_client_Rest()
    {
        var (_, output, diagnostics) = GeneratorHarness.Run([GeneratorHarness.SpecOpenApi()], "Contoso", null, """
            using Sfmc.Client;
            using Contoso.Rest;
            static class Use
            {
                static async System.Threading.Tasks.Task Go(SfmcClient client)
                {
                    SendToSingleRecipientResponse sent = await client.Rest.SendEmailToSingleRecipientAsync("order-1", new SendEmailToSingleRecipientRequest
                    {
                        DefinitionKey = "order-confirmation",
                        Recipient = new Recipient { ContactKey = "c-1", To = "a@example.com", Attributes = new() { ["OrderId"] = "1" } },
                    });
                    SendStatusResponse status = await client.Rest.GetEmailSendStatusAsync("order-1");
                    System.DateTimeOffset? when = status.Timestamp;
                    AsyncResultsResponse results = await client.Rest.GetAsyncRequestResultsAsync("r-1", page: 2);
                    MessageContactSendResponse token = await client.Rest.SendMobileConnectMessageAsync("MzA6Nzg6MA", new MessageContactSendRequest { MobileNumbers = ["15555550100"], Subscribe = true, Keyword = "JOIN" });
                    TriggeredSendResponse triggered = await client.Rest.SendTriggeredEmailAsync("welcome-tsd", new TriggeredSendRequest { To = new TriggeredSendTo { Address = "a@example.com", SubscriberKey = "c-1" } });
                    System.Console.WriteLine($"{sent.RequestId} {when} {results.Count} {token.TokenId} {triggered.Responses?.Count}");
                }
            }
            """);
        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
    }

    [Fact]
    public void Editing_the_spec_changes_the_generated_api_and_reruns_only_the_rest_part()
    {
        var spec = GeneratorHarness.SpecOpenApi();
        var files = GeneratorHarness.TestDataFiles("DataExtensions/*.de.json").Append(GeneratorHarness.TestDataFiles("Declarations/sfmc.json").Single()).Append(spec).ToList();
        var compilation = GeneratorHarness.CreateCompilation("class A { }");
        var driver = GeneratorHarness.CreateDriver(files).RunGenerators(compilation);

        // A C# edit: every REST step is cached.
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(), CSharpSyntaxTree.ParseText("class A { int X => 1; }", GeneratorHarness.ParseOptions, path: "/project/Source0.cs"));
        var csharp = driver.RunGenerators(edited).GetRunResult().Results.Single();
        foreach (var step in new[] { TrackingNames.ParseOpenApi, TrackingNames.RestApi, TrackingNames.EmitRestSchema, TrackingNames.EmitRestOperations })
        {
            var reasons = IncrementalTests.Reasons(csharp, step);
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        }

        // The spec gains a property and an operation: the API changes, DEs and journeys are not touched.
        var changed = spec.GetText()!.ToString()
            .Replace("        tokenId: { type: string }", "        tokenId: { type: string }\n        queuedAt: { type: string, format: date-time }", StringComparison.Ordinal)
            .Replace("components:\n", """
                  /sms/v1/queueMO:
                    post:
                      operationId: queueMo
                      requestBody:
                        content:
                          application/json:
                            schema: { $ref: "#/components/schemas/MessageContactSendRequest" }
                      responses:
                        "202": { description: queued }

                components:

                """.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.NotEqual(spec.GetText()!.ToString(), changed);
        driver = driver.ReplaceAdditionalText(spec, GeneratorHarness.File(spec.Path, changed));
        var result = driver.RunGenerators(compilation).GetRunResult().Results.Single();
        Assert.Empty(result.Diagnostics);

        var response = result.GeneratedSources.Single(s => s.HintName == "Rest.MessageContactSendResponse.g.cs").SourceText.ToString();
        Assert.Contains("public global::System.DateTimeOffset? QueuedAt { get; set; }", response, StringComparison.Ordinal);
        var operations = result.GeneratedSources.Single(s => s.HintName == "Rest.Operations.SfmcRestOpenapi.g.cs").SourceText.ToString();
        Assert.Contains("public static global::System.Threading.Tasks.Task QueueMoAsync(this global::Sfmc.Client.Rest.SfmcRestClient rest, global::Contoso.Rest.MessageContactSendRequest body", operations, StringComparison.Ordinal);

        var schemas = IncrementalTests.Reasons(result, TrackingNames.EmitRestSchema);
        Assert.Equal(1, schemas.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.All(schemas.Where(r => r != IncrementalStepRunReason.Modified), r => Assert.True(r is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached, r.ToString()));
        foreach (var step in new[] { TrackingNames.ParseDataExtension, TrackingNames.EmitDataExtension, TrackingNames.ParseDeclarations, TrackingNames.EmitJourney })
        {
            Assert.All(IncrementalTests.Reasons(result, step), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        }

    }

    public static IEnumerable<object[]> Cases() => new[]
    {
        // YAML that does not parse: the line of the error.
        Case(DiagnosticSeverity.Error, Minimal.Replace("      get:\n", "      get:\n{|SFMC0400:     bad: [ x|}\n", StringComparison.Ordinal)),
        // A type that is not an OpenAPI type: the 'type' key.
        Case(DiagnosticSeverity.Error, Minimal.Replace("size: { type: integer }", "size: { {|SFMC0401:type|}: integr }", StringComparison.Ordinal)),
        // A $ref to a schema that does not exist: the property that holds it.
        Case(DiagnosticSeverity.Error, Minimal.Replace("size: { type: integer }", "size: { type: integer }\n        {|SFMC0402:owner|}: { $ref: \"#/components/schemas/Thng\" }", StringComparison.Ordinal)),
        // oneOf: typed as JsonElement, with a warning on the property.
        Case(DiagnosticSeverity.Warning, Minimal.Replace("size: { type: integer }", "{|SFMC0403:size|}: { oneOf: [ { type: integer }, { type: string } ] }", StringComparison.Ordinal)),
        // No operationId: the operation is skipped with a warning on its method.
        Case(DiagnosticSeverity.Warning, Minimal.Replace("    get:\n      operationId: getThing\n", "    {|SFMC0404:get|}:\n", StringComparison.Ordinal)),
        // A required header parameter is not supported.
        Case(DiagnosticSeverity.Warning, Minimal.Replace("    get:\n", "    {|SFMC0404:get|}:\n", StringComparison.Ordinal).Replace("in: path, required: true, schema: { type: string } }", "in: path, required: true, schema: { type: string } }\n        - { name: X-Trace, in: header, required: true, schema: { type: string } }", StringComparison.Ordinal)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Diagnostic_has_id_severity_and_location(DiagnosticSeverity severity, string markup)
    {
        var parsed = DiagnosticTests.Markup.Parse(markup.Replace("\r\n", "\n", StringComparison.Ordinal));
        var (_, output, diagnostics) = GeneratorHarness.Run([GeneratorHarness.File("/project/api.openapi.yaml", parsed.Text)]);

        var expected = parsed.Spans.Select(s => $"{s.Id} /project/api.openapi.yaml {s.Span}").ToList();
        var actual = diagnostics.Select(d => $"{d.Id} {d.Location.GetLineSpan().Path} {d.Location.SourceSpan}").ToList();
        Assert.True(expected.SequenceEqual(actual), $"Expected:\n  {string.Join("\n  ", expected)}\nActual:\n  {string.Join("\n  ", diagnostics)}");
        Assert.All(diagnostics, d => Assert.Equal(severity, d.Severity));
        Assert.DoesNotContain(diagnostics, d => d.Id == "SFMC0003");
        Assert.Empty(GeneratorHarness.Problems(output));
    }

    [Fact]
    public void An_unresolved_reference_suggests_the_closest_schema()
    {
        var spec = Minimal.Replace("size: { type: integer }", "owner: { $ref: \"#/components/schemas/Thng\" }", StringComparison.Ordinal);
        var message = Assert.Single(GeneratorHarness.Run([GeneratorHarness.File("/project/api.openapi.yaml", spec)]).GeneratorDiagnostics).GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(message.Contains("Did you mean", StringComparison.Ordinal), message);
        Assert.Contains("Did you mean 'Thing'?", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_specs_defining_the_same_operation_warn_and_keep_the_first()
    {
        var second = Minimal.Replace("size: { type: integer }", "size: { type: integer }\n        color: { type: string }", StringComparison.Ordinal);
        var (result, output, diagnostics) = GeneratorHarness.Run([GeneratorHarness.File("/project/a.openapi.yaml", Minimal), GeneratorHarness.File("/project/b.openapi.yaml", second)]);

        Assert.Equal(["SFMC0405", "SFMC0405"], diagnostics.Select(d => d.Id));
        Assert.All(diagnostics, d => Assert.Equal("/project/b.openapi.yaml", d.Location.GetLineSpan().Path));
        Assert.DoesNotContain("Color", result.Results.Single().GeneratedSources.Single(s => s.HintName == "Rest.Thing.g.cs").SourceText.ToString(), StringComparison.Ordinal);
        Assert.Empty(GeneratorHarness.Problems(output));
    }

    [Fact]
    public void Salesforce_swagger_2_file_generates_and_compiles_as_an_extra_spec()
    {
        // Salesforce's own Swagger 2.0 file for transactional messaging, assets and campaigns (see TestData/openapi/ATTRIBUTION.md).
        // Its name is no *.openapi.* name: it is found through the SfmcKind metadata the SfmcOpenApi item sets.
        var text = File.ReadAllText(Path.Combine(GeneratorHarness.TestData, "openapi", "sfmc-openapi-v2.json"));
        Assert.Empty(GeneratorHarness.Run([GeneratorHarness.File("/project/sfmc-openapi-v2.json", text)]).Result.Results.Single().GeneratedSources);

        var (result, output, diagnostics) = GeneratorHarness.Run([GeneratorHarness.File("/project/sfmc-openapi-v2.json", text, "OpenApi")]);
        Assert.Empty(diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(GeneratorHarness.Problems(output));
        var operations = result.Results.Single().GeneratedSources.Single(s => s.HintName.StartsWith("Rest.Operations.", StringComparison.Ordinal)).SourceText.ToString();
        Assert.Contains("CreateEmailDefinitionAsync", operations, StringComparison.Ordinal);
        Assert.Contains("GetQueueMetricsForSmsDefinitionAsync", operations, StringComparison.Ordinal);
    }

    private static object[] Case(DiagnosticSeverity severity, string markup) => new object[] { severity, markup };
}
