using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace Sfmc.Generator.Tests;

/// <summary>
/// sfmc.json triggered sends, transactional definitions, MobileConnect messages and synchronized (read-only) DEs:
/// generated code against baselines, typed use that compiles, writes to read-only DEs that do not, every new
/// diagnostic at its place, caching, and the analyzer's checks of keys and untyped writes.
/// </summary>
public sealed class MessagingGeneratorTests
{
    private const string ReadOnlyRow = "DataExtensions.ContactSalesforceRow.g.cs";

    private static AdditionalText Declarations() => GeneratorHarness.TestDataFiles("Declarations/sfmc.json").Single();

    private static List<AdditionalText> Files() => GeneratorHarness.TestDataFiles("DataExtensions/*.de.json").Append(Declarations()).ToList();

    [Fact]
    public void Generated_sends_and_the_read_only_row_match_their_baselines_and_compile_without_warnings()
    {
        var (result, output, diagnostics) = GeneratorHarness.Run(Files());

        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        var generated = result.Results.Single().GeneratedSources
            .Where(s => s.HintName.StartsWith("Messaging", StringComparison.Ordinal) || s.HintName == ReadOnlyRow)
            .ToDictionary(s => s.HintName + ".txt", s => s.SourceText.ToString(), StringComparer.Ordinal);
        Assert.Equal(
            [
                "DataExtensions.ContactSalesforceRow.g.cs.txt", "Messaging.LoginCodeSms.g.cs.txt", "Messaging.OrderConfirmationTriggeredSend.g.cs.txt",
                "Messaging.PasswordResetTriggeredSend.g.cs.txt", "Messaging.ReceiptEmail.g.cs.txt", "Messaging.WelcomeBackEmail.g.cs.txt", "Messaging.g.cs.txt",
            ],
            generated.Keys.Order(StringComparer.Ordinal));
        BaselineTests.Compare("Messaging", "Declarations", generated);
    }

    [Fact]
    public void Sends_and_read_only_reads_go_through_typed_members()
    {
        var (_, output, diagnostics) = GeneratorHarness.Run(Files(), "Contoso", null, """
            using Sfmc.Client;
            using Contoso.Messaging;
            static class Use
            {
                static async System.Threading.Tasks.Task Go(SfmcClient client)
                {
                    string id = await client.TriggeredSends.OrderConfirmation.SendAsync("s-1", "a@b.c", new OrderConfirmationTriggeredSend.Attributes { FirstName = "Ann", LifetimeValue = 12.5m });
                    await client.TriggeredSends.PasswordReset.SendAsync([new TriggeredSendRecipient<System.Collections.Generic.IReadOnlyDictionary<string, object?>?>("s-1", "a@b.c", null)]);
                    string key = await client.Transactional.Receipt.SendAsync("c-1", "a@b.c", new ReceiptEmail.Attributes { OrderNumber = "o-1", Total = 9.99m }, TransactionalMessageKey.For("receipt", "o-1"));
                    TransactionalSendResult batch = await client.Transactional.LoginCode.SendAsync([new TransactionalRecipient<LoginCodeSms.Attributes>("c-1", "+15555550100", new LoginCodeSms.Attributes { Code = "123456" })], 100);
                    await client.Transactional.WelcomeBack.SendAsync("c-1", "a@b.c", new Contoso.DataExtensions.CustomersRow { SubscriberKey = "c-1", Email = "a@b.c", VIP = false });
                    await client.Transactional.Receipt.WaitForStatusAsync(key, System.TimeSpan.FromSeconds(5), System.TimeSpan.FromMinutes(1));
                    System.Collections.Generic.IReadOnlyList<string> tokens = await client.MobileConnect.FlashSale.SendAsync(["15555550100"], "50% off today");
                    await foreach (Contoso.DataExtensions.ContactSalesforceRow row in client.ReadOnlyDataExtension<Contoso.DataExtensions.ContactSalesforceRow>().QueryAsync())
                    {
                        System.Console.WriteLine(row.Email + Contoso.DataExtensions.ContactSalesforceRow.CustomerKey + client.MobileConnect.FlashSale.Keyword + ReceiptEmail.DefinitionKey);
                    }
                }
            }
            """);
        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
    }

    [Theory]
    [InlineData("client.DataExtension<ContactSalesforceRow>()")]
    [InlineData("DataExtensionJson.SerializeRowset(new[] { new ContactSalesforceRow { Id = \"003\" } })")]
    [InlineData("client.Soap.RetrieveRowsAsync<CustomersRow>()")] // control: a writable row compiles
    public void A_read_only_row_has_no_writers_so_writing_it_does_not_compile(string expression)
    {
        var (_, output, diagnostics) = GeneratorHarness.Run(Files(), "Contoso", null, $$"""
            using Sfmc.Client;
            using Contoso.DataExtensions;
            static class Use
            {
                static object Go(SfmcClient client) => {{expression}};
            }
            """);
        Assert.Empty(diagnostics);
        var errors = GeneratorHarness.Problems(output).Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).ToList();
        if (expression.Contains("CustomersRow", StringComparison.Ordinal))
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Equal("CS0311", Assert.Single(errors)); // the type cannot be used as TRow: no conversion to IDataExtensionRow<TRow>
        }
    }

    public static IEnumerable<object[]> Cases() => new[]
    {
        Case(DiagnosticSeverity.Error, """{ "synchronizedDataExtensions": [ {|SFMC0302:"Contact_Salesforc"|} ] }"""),
        Case(DiagnosticSeverity.Error, """{ "synchronizedDataExtensions": [ "Customers", {|SFMC0301:"Customers"|} ] }"""),
        Case(DiagnosticSeverity.Error, """{ "synchronizedDataExtensions": [ {|SFMC0101:3|} ] }"""),
        Case(DiagnosticSeverity.Error, """{ "triggeredSends": [ { "name": "A", "definitionKey": "k", "dataExtension": {|SFMC0302:"customers"|} } ] }"""),
        Case(DiagnosticSeverity.Error, """{ "triggeredSends": [ { "name": "A", "definitionKey": "k", "dataExtension": "Customers", "attributes": [ "Email", {|SFMC0303:"Frist Name"|} ] } ] }"""),
        Case(DiagnosticSeverity.Error, """{ "synchronizedDataExtensions": [ "Contact_Salesforce" ], "triggeredSends": [ { "name": "A", "definitionKey": "k", "dataExtension": {|SFMC0305:"Contact_Salesforce"|} } ] }"""),
        Case(DiagnosticSeverity.Error, """{ "synchronizedDataExtensions": [ "Customers" ], "journeys": [ { "name": "A", "eventDefinitionKey": "k", "entryDataExtension": {|SFMC0305:"Customers"|} } ] }"""),
        Case(DiagnosticSeverity.Error, """{ "transactionalEmails": [ { "name": {|SFMC0306:"Email"|}, "definitionKey": "k" } ] }"""),
        Case(DiagnosticSeverity.Error, """{ "mobileConnectMessages": [ { "name": {|SFMC0306:"Send Async"|}, "messageId": "m", "keyword": "K" } ] }"""),
        Case(DiagnosticSeverity.Error, """{ "journeys": [ { "name": {|SFMC0306:"to string"|}, "eventDefinitionKey": "k" } ] }"""),
        Case(DiagnosticSeverity.Error, """{ "transactionalEmails": [ { "name": "Receipt", "definitionKey": "k1" } ], "transactionalSms": [ { "name": {|SFMC0301:"receipt"|}, "definitionKey": "k2" } ] }"""),
        Case(DiagnosticSeverity.Error, """{ "triggeredSends": [ { "name": "A", "definitionKey": "key-1" }, { "name": "B", "definitionKey": {|SFMC0301:"KEY-1"|} } ] }"""),
        Case(DiagnosticSeverity.Error, """{ "mobileConnectMessages": [ {|SFMC0100:{|} "name": "A", "messageId": "m" } ] }"""),
        Case(DiagnosticSeverity.Error, """{ "transactionalSms": [ { "name": "A", "definitionKey": "k", "attributes": [ { "name": "n", "fieldType": {|SFMC0104:"Txt"|} } ] } ] }"""),
        Case(DiagnosticSeverity.Error, """{ "triggeredSends": {|SFMC0101:{}|} }"""),
        Case(DiagnosticSeverity.Warning, """{ "triggeredSends": [ { "name": "A", "definitionKey": "k", {|SFMC0118:"attribute"|}: [] } ] }"""),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Diagnostic_has_id_severity_and_location(DiagnosticSeverity severity, string markup)
    {
        var parsed = DiagnosticTests.Markup.Parse(markup);
        var files = GeneratorHarness.TestDataFiles("DataExtensions/*.de.json").Append(GeneratorHarness.File("/project/sfmc.json", parsed.Text));
        var (_, output, diagnostics) = GeneratorHarness.Run(files);

        var expected = parsed.Spans.Select(s => $"{s.Id} /project/sfmc.json {s.Span}").ToList();
        var actual = diagnostics.Select(d => $"{d.Id} {d.Location.GetLineSpan().Path} {d.Location.SourceSpan}").ToList();
        Assert.True(expected.SequenceEqual(actual), $"Expected:\n  {string.Join("\n  ", expected)}\nActual:\n  {string.Join("\n  ", diagnostics)}");
        Assert.All(diagnostics, d => Assert.Equal(severity, d.Severity));
        Assert.Empty(GeneratorHarness.Problems(output)); // what is still generated compiles
    }

    [Fact]
    public void A_transactional_definition_may_take_its_attributes_from_a_synchronized_DE()
    {
        var files = GeneratorHarness.TestDataFiles("DataExtensions/*.de.json").Append(GeneratorHarness.File("/project/sfmc.json", """
            { "synchronizedDataExtensions": [ "Contact_Salesforce" ],
              "transactionalEmails": [ { "name": "Lead Follow Up", "definitionKey": "lead-follow-up", "dataExtension": "Contact_Salesforce" } ] }
            """)).ToList();
        var (result, output, diagnostics) = GeneratorHarness.Run(files, "Contoso", null, """
            using Sfmc.Client;
            static class Use
            {
                static System.Threading.Tasks.Task<string> Go(Sfmc.Client.SfmcClient client) =>
                    client.Transactional.LeadFollowUp.SendAsync("003", "a@b.c", new Contoso.Messaging.LeadFollowUpEmail.Attributes { FirstName = "Ada", HasOptedOutOfEmail = false });
            }
            """);
        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        Assert.Contains("public sealed record Attributes", result.Results.Single().GeneratedSources.Single(s => s.HintName == "Messaging.LeadFollowUpEmail.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Messages_name_the_declaration_and_suggest_the_closest_field()
    {
        var files = GeneratorHarness.TestDataFiles("DataExtensions/*.de.json").Append(GeneratorHarness.File("/project/sfmc.json", """
            { "synchronizedDataExtensions": [ "Contact_Salesforce" ],
              "triggeredSends": [
                { "name": "Order Confirmation", "definitionKey": "k1", "dataExtension": "Customers", "attributes": [ "Frist Name" ] },
                { "name": "Sync", "definitionKey": "k2", "dataExtension": "Contact_Salesforce" } ] }
            """));
        var messages = GeneratorHarness.Run(files).GeneratorDiagnostics.Select(d => d.GetMessage()).ToList();
        Assert.Contains("Triggered send 'Order Confirmation' attribute 'Frist Name' is not a field of Data Extension 'Customers'. Did you mean 'First Name'?", messages);
        Assert.Contains("Triggered send 'Sync' writes into Data Extension 'Contact_Salesforce', which sfmc.json declares synchronized (read-only)", messages);
    }

    [Fact]
    public void Unrelated_edits_leave_sends_cached_a_keyword_edit_reemits_only_the_accessors_and_a_synchronized_edit_only_that_row()
    {
        var files = Files();
        var compilation = GeneratorHarness.CreateCompilation("class A { }");
        var driver = GeneratorHarness.CreateDriver(files).RunGenerators(compilation);

        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(), CSharpSyntaxTree.ParseText("class A { int X => 1; }", GeneratorHarness.ParseOptions, path: "/project/Source0.cs"));
        var csharp = driver.RunGenerators(edited).GetRunResult().Results.Single();
        foreach (var step in new[] { TrackingNames.ReadOnlyDataExtensions, TrackingNames.ResolveMessaging, TrackingNames.EmitMessage, TrackingNames.EmitMessagingAccessors, TrackingNames.EmitDataExtension })
        {
            var reasons = IncrementalTests.Reasons(csharp, step);
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        }

        // The MobileConnect keyword lives only in the accessors: no send class, no DE row, no journey is produced again.
        var declarations = files.Single(f => f.Path.EndsWith("sfmc.json", StringComparison.Ordinal));
        var text = declarations.GetText()!.ToString();
        var current = GeneratorHarness.File(declarations.Path, text.Replace("\"SALE\"", "\"DEALS\"", StringComparison.Ordinal));
        driver = driver.ReplaceAdditionalText(declarations, current);
        var result = driver.RunGenerators(compilation).GetRunResult().Results.Single();
        Assert.All(IncrementalTests.Reasons(result, TrackingNames.EmitMessage), r => Assert.True(r is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached, r.ToString()));
        Assert.All(IncrementalTests.Reasons(result, TrackingNames.EmitDataExtension), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.All(IncrementalTests.Reasons(result, TrackingNames.EmitJourney), r => Assert.True(r is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached, r.ToString()));
        Assert.Equal([IncrementalStepRunReason.Modified], IncrementalTests.Reasons(result, TrackingNames.EmitMessagingAccessors));
        Assert.Contains("\"DEALS\"", result.GeneratedSources.Single(s => s.HintName == "Messaging.g.cs").SourceText.ToString(), StringComparison.Ordinal);

        // Declaring OrderLines synchronized re-emits that row (now read-only) and no other.
        driver = driver.ReplaceAdditionalText(current, GeneratorHarness.File(declarations.Path, text.Replace("[ \"Contact_Salesforce\" ]", "[ \"Contact_Salesforce\", \"order_lines\" ]", StringComparison.Ordinal)));
        result = driver.RunGenerators(compilation).GetRunResult().Results.Single();
        var emit = IncrementalTests.Reasons(result, TrackingNames.EmitDataExtension);
        Assert.Equal(1, emit.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Contains("IReadOnlyDataExtensionRow<OrderLinesRow>", result.GeneratedSources.Single(s => s.HintName == "DataExtensions.OrderLinesRow.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_keys_and_untyped_writes_are_checked_against_sfmc_json()
    {
        var compilation = GeneratorHarness.CreateCompilation("""
            using Sfmc.Client;
            sealed class C
            {
                async System.Threading.Tasks.Task M(SfmcClient client, TriggeredSendRecipient r, TransactionalRecipient t, DataExtensionRow[] rows)
                {
                    await client.TriggeredSends.SendAsync("order-confirmation", r);
                    await client.TriggeredSends.SendAsync("order-confirmaton", r);
                    await client.Transactional.Email.SendAsync("Receipt-Email", t);
                    await client.Transactional.Sms.SendAsync("login-code-sms", [t]);
                    await client.MobileConnect.SendAsync("MTA6Nzg6MQ", new MobileConnectSend("SALE"));
                    await client.DataExtension("Contact_Salesforce").UpsertAsync(rows);
                    await client.DataExtension("Customers").UpsertAsync(rows);
                    await foreach (var row in client.DataExtension("Contact_Salesforce").QueryAsync()) { }
                }
            }
            """);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var files = GeneratorHarness.TestDataFiles("DataExtensions/*.de.json").Append(Declarations()).ToImmutableArray();
        var diagnostics = await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new SfmcKeyAnalyzer()), new AnalyzerOptions(files))
            .GetAnalyzerDiagnosticsAsync();

        Assert.Collection(
            diagnostics.OrderBy(d => d.Location.SourceSpan.Start),
            d =>
            {
                Assert.Equal("SFMC0352", d.Id);
                Assert.Equal("No triggered send in sfmc.json has key 'order-confirmaton'. Did you mean 'order-confirmation'?", d.GetMessage());
            },
            d =>
            {
                Assert.Equal("SFMC0353", d.Id);
                Assert.Contains("'receipt-email'", d.GetMessage(), StringComparison.Ordinal);
            },
            d =>
            {
                Assert.Equal("SFMC0352", d.Id);
                Assert.Contains("MobileConnect message", d.GetMessage(), StringComparison.Ordinal);
            },
            d =>
            {
                Assert.Equal("SFMC0354", d.Id);
                Assert.Equal("Data Extension 'Contact_Salesforce' is declared synchronized (read-only) in sfmc.json; SFMC refuses upserts into it", d.GetMessage());
                Assert.StartsWith("client.DataExtension(\"Contact_Salesforce\").UpsertAsync", d.Location.SourceTree!.ToString().Substring(d.Location.SourceSpan.Start), StringComparison.Ordinal);
            });
    }

    private static object[] Case(DiagnosticSeverity severity, string markup) => new object[] { severity, markup };
}
