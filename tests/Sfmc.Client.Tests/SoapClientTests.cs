using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using Sfmc.Client.Soap;
using Sfmc.Client.Tests.DataExtensions;
using Sfmc.Soap;
using Xunit;

namespace Sfmc.Client.Tests;

/// <summary>The SOAP client end to end against the emulator's /Service.asmx, over real HTTP.</summary>
public sealed class SoapClientTests
{
    private static IEnumerable<IReadOnlyDictionary<string, string?>> Subscribers(int count, Func<int, string>? status = null) =>
        Enumerable.Range(0, count).Select(i => (IReadOnlyDictionary<string, string?>)new Dictionary<string, string?>
        {
            ["ID"] = (i + 1).ToString(CultureInfo.InvariantCulture),
            ["SubscriberKey"] = $"sub-{i:D5}",
            ["EmailAddress"] = $"user{i}@example.com",
            ["Status"] = status?.Invoke(i) ?? "Active",
            ["CreatedDate"] = "2026-01-01T00:00:00",
            ["Client.ID"] = "9999999",
        });

    [Fact]
    public async Task Retrieves_10000_subscribers_across_pages_with_a_token_expiry_in_the_middle_missing_and_duplicating_nothing()
    {
        await using var host = await TestHost.StartAsync();
        await host.Emulator.AddSoapObjectsAsync("Subscriber", "SubscriberKey", Subscribers(10_000));

        var seen = new List<string>();
        await foreach (var subscriber in host.Client.Soap.RetrieveAsync<Subscriber>())
        {
            seen.Add(subscriber.SubscriberKey!);
            if (seen.Count == 3_000)
            {
                host.Emulator.Faults.ExpireTokens();
            }
        }

        Assert.Equal(10_000, seen.Count);
        Assert.Equal(10_000, seen.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => $"sub-{i:D5}"), seen);
        var soap = host.Emulator.Requests.Where(r => r.Path == "/Service.asmx").ToList();
        Assert.Equal(4, soap.Count(r => r.StatusCode == 200)); // 4 pages of 2,500; the refused one was replayed with a new token
        Assert.Equal(1, soap.Count(r => r.StatusCode == 500)); // the Token Expired fault
        Assert.Equal(2, host.Emulator.TokenRequests);
    }

    [Fact]
    public async Task Filters_and_properties_go_to_the_server_typed()
    {
        await using var host = await TestHost.StartAsync();
        await host.Emulator.AddSoapObjectsAsync("Subscriber", "SubscriberKey", Subscribers(50, i => i % 5 == 0 ? "Unsubscribed" : "Active"));

        var filter = Subscriber.Property.Status.IsEqualTo(SubscriberStatus.Unsubscribed) & Subscriber.Property.ID.IsLessThanOrEqualTo(25);
        var result = await host.Client.Soap.RetrieveAsync<Subscriber>(filter, [Subscriber.Property.SubscriberKey, Subscriber.Property.Status, "Client.ID"]).ToListAsync();

        Assert.Equal(["sub-00000", "sub-00005", "sub-00010", "sub-00015", "sub-00020"], result.Select(s => s.SubscriberKey));
        Assert.All(result, s => Assert.Equal(SubscriberStatus.Unsubscribed, s.Status));
        Assert.All(result, s => Assert.Null(s.EmailAddress)); // not asked for
        Assert.All(result, s => Assert.Equal(9999999, s.Client!.ID)); // dotted property, nested element
    }

    [Fact]
    public async Task Every_served_type_answers_a_retrieve_of_the_generators_default_properties()
    {
        // The generator's defaults and the emulator's retrievable lists come from one file (SoapDefaults.cs, linked).
        await using var host = await TestHost.StartAsync();
        var soap = host.Client.Soap;

        await soap.RetrieveAsync<Subscriber>().ToListAsync();
        await soap.RetrieveAsync<List>().ToListAsync();
        await soap.RetrieveAsync<SentEvent>().ToListAsync();
        await soap.RetrieveAsync<OpenEvent>().ToListAsync();
        await soap.RetrieveAsync<ClickEvent>().ToListAsync();
        await soap.RetrieveAsync<BounceEvent>().ToListAsync();
        await soap.RetrieveAsync<UnsubEvent>().ToListAsync();
        await soap.RetrieveAsync<TriggeredSendDefinition>().ToListAsync();
        Assert.NotEmpty(await soap.RetrieveAsync<DataExtension>().ToListAsync());
        Assert.NotEmpty(await soap.RetrieveAsync<DataExtensionField>().ToListAsync());
        Assert.All(host.Emulator.Requests.Where(r => r.Path == "/Service.asmx"), r => Assert.Equal(200, r.StatusCode));
    }

    [Fact]
    public async Task A_property_the_WSDL_lacks_is_filtered_and_retrieved_by_name_and_read_into_ExtensionData()
    {
        // sfmc-devtools filters send definitions on IsPlatformObject = false; the WSDL has no such member.
        await using var host = await TestHost.StartAsync();
        await host.Emulator.AddSoapObjectsAsync("TriggeredSendDefinition", "CustomerKey",
        [
            new Dictionary<string, string?> { ["CustomerKey"] = "welcome", ["Name"] = "Welcome", ["TriggeredSendStatus"] = "Active", ["IsPlatformObject"] = "false" },
            new Dictionary<string, string?> { ["CustomerKey"] = "system", ["Name"] = "System", ["TriggeredSendStatus"] = "Active", ["IsPlatformObject"] = "true" },
        ]);

        var found = await host.Client.Soap.RetrieveAsync<TriggeredSendDefinition>(
            SoapProperty.Named<bool>("IsPlatformObject").IsEqualTo(false),
            options: new SoapRetrieveOptions { ExtraProperties = ["IsPlatformObject"] }).ToListAsync();

        var definition = Assert.Single(found);
        Assert.Equal("welcome", definition.CustomerKey);
        var extra = Assert.Single(definition.ExtensionData);
        Assert.Equal(("IsPlatformObject", "false"), (extra.Name, extra.Value));
    }

    [Fact]
    public async Task Untyped_objects_are_created_retrieved_updated_and_deleted_by_type_name()
    {
        await using var host = await TestHost.StartAsync();
        var soap = host.Client.Soap;

        var created = await soap.CreateAsync([
            new SoapUntypedObject("Subscriber").Set("SubscriberKey", "u-1").Set("EmailAddress", "u1@example.com"),
            new SoapUntypedObject("Subscriber").Set("SubscriberKey", "u-2").Set("EmailAddress", "u2@example.com"),
        ]);
        Assert.True(created.Succeeded == 2, string.Join("; ", created.Failed.Select(f => f.StatusMessage)));
        await soap.UpdateAsync([new SoapUntypedObject("Subscriber").Set("SubscriberKey", "u-2").Set("EmailAddress", "changed@example.com")]);

        var found = await soap.RetrieveAsync("Subscriber", ["SubscriberKey", "EmailAddress", "Client.ID"], SoapProperty.Named<string>("SubscriberKey").IsLike("u-%")).ToListAsync();

        Assert.Equal(["u-1", "u-2"], found.Select(f => f["SubscriberKey"]).Order(StringComparer.Ordinal));
        Assert.All(found, f => Assert.Equal("Subscriber", f.TypeName));
        Assert.Equal("changed@example.com", found.Single(f => f["SubscriberKey"] == "u-2")["EmailAddress"]);
        Assert.False(string.IsNullOrEmpty(found[0]["Client.ID"]));
        Assert.Throws<ArgumentException>(() => { _ = soap.CreateAsync([new SoapUntypedObject("Subscriber"), new SoapUntypedObject("List")]); });

        var deleted = await soap.DeleteAsync([new SoapUntypedObject("Subscriber").Set("SubscriberKey", "u-1")]);
        Assert.Equal(1, deleted.Succeeded);
        Assert.Equal(["u-2"], (await soap.RetrieveAsync("Subscriber", ["SubscriberKey"], SoapProperty.Named<string>("SubscriberKey").IsLike("u-%")).ToListAsync()).Select(f => f["SubscriberKey"]));
    }

    [Fact]
    public async Task A_SOAP_Create_of_a_row_whose_primary_key_exists_is_a_per_object_primary_key_violation()
    {
        await using var host = await TestHost.StartAsync();
        var soap = host.Client.Soap;

        var first = await soap.CreateAsync([Row("A-1", "first")]);
        var second = await soap.CreateAsync([Row("A-1", "second"), Row("A-2", "other")]);

        Assert.Equal(1, first.Succeeded);
        Assert.Equal(1, second.Succeeded);
        var failed = Assert.Single(second.Failed);
        Assert.Equal(0, failed.Index);
        Assert.StartsWith("Violation of PRIMARY KEY constraint", failed.StatusMessage, StringComparison.Ordinal);
        var stored = await host.Emulator.GetRowsAsync(OrderLinesRow.CustomerKey);
        Assert.Equal("first", stored.Single(r => r["order id"] == "A-1")["sku"]); // unchanged: an insert never updates
        Assert.Equal(2, stored.Count);

        static SoapUntypedObject Row(string orderId, string sku)
        {
            var row = new SoapUntypedObject("DataExtensionObject");
            row.Elements.Add(new SoapExtensionElement("CustomerKey", OrderLinesRow.CustomerKey));
            row.Elements.Add(new SoapExtensionElement("Properties", [Property("order id", orderId), Property("line no", "1"), Property("sku", sku), Property("unit price", "1.50")]));
            return row;
        }

        static SoapExtensionElement Property(string name, string value) =>
            new("Property", [new SoapExtensionElement("Name", name), new SoapExtensionElement("Value", value)]);
    }

    [Fact]
    public async Task An_untyped_retrieve_follows_ContinueRequest_past_2500_objects_on_the_emulator()
    {
        await using var host = await TestHost.StartAsync();
        await host.Emulator.AddSoapObjectsAsync("Subscriber", "SubscriberKey", Enumerable.Range(0, 2600).Select(i =>
            (IReadOnlyDictionary<string, string?>)new Dictionary<string, string?> { ["SubscriberKey"] = $"p-{i:D5}", ["EmailAddress"] = $"p{i}@example.com", ["Status"] = "Active" }));

        var all = await host.Client.Soap.RetrieveAsync("Subscriber", ["SubscriberKey", "EmailAddress"]).ToListAsync();

        Assert.Equal(2600, all.Count);
        Assert.Equal(2600, all.Select(s => s["SubscriberKey"]).Distinct().Count());
        Assert.Equal(2, host.Emulator.Requests.Count(r => r.Path == "/Service.asmx"));
    }

    [Fact]
    public async Task A_type_the_WSDL_lacks_is_retrieved_untyped_across_pages()
    {
        // Program comes back from real tenants; the WSDL has no such type. Two pages: MoreDataAvailable, then OK.
        var requests = new ConcurrentQueue<string>();
        await using var emulator = await Sfmc.Emulator.SfmcEmulator.StartAsync();
        var services = new ServiceCollection();
        services.AddSfmc(o => TestHost.Configure(o, emulator)).AddHttpMessageHandler(() => new ProgramPages(requests));
        await using var provider = services.BuildServiceProvider();

        var programs = await provider.GetRequiredService<SfmcClient>().Soap.RetrieveAsync("Program", ["ObjectID", "Name", "Client.ID"]).ToListAsync();

        Assert.Equal(["Program", "Program", "Program"], programs.Select(p => p.TypeName));
        Assert.Equal(["p-1", "p-2", "p-3"], programs.Select(p => p["ObjectID"]));
        Assert.Equal("Spring", programs[0]["Name"]);
        Assert.Equal("1111111", programs[2]["Client.ID"]);
        Assert.Contains("<ObjectType>Program</ObjectType>", requests.First(), StringComparison.Ordinal);
        Assert.Contains("<ContinueRequest>page-2</ContinueRequest>", requests.Last(), StringComparison.Ordinal);
    }

    private sealed class ProgramPages(ConcurrentQueue<string> requests) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            requests.Enqueue(body);
            var more = !body.Contains("<ContinueRequest>", StringComparison.Ordinal);
            var results = more
                ? Program("p-1", "Spring") + Program("p-2", "Summer")
                : Program("p-3", "Autumn");
            var xml = "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soap:Body>"
                + "<RetrieveResponseMsg xmlns=\"http://exacttarget.com/wsdl/partnerAPI\"><OverallStatus>" + (more ? "MoreDataAvailable" : "OK") + "</OverallStatus>"
                + "<RequestID>page-2</RequestID>" + results + "</RetrieveResponseMsg></soap:Body></soap:Envelope>";
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(xml, Encoding.UTF8, "text/xml") };

            static string Program(string id, string name) =>
                $"<Results xsi:type=\"Program\"><Client><ID>1111111</ID></Client><ObjectID>{id}</ObjectID><Name>{name}</Name></Results>";
        }
    }

    [Fact]
    public void The_emulator_checks_typed_values_against_the_enumerations_of_the_WSDL_it_embeds()
    {
        Assert.True(Sfmc.Emulator.EmulatorWsdl.Enumeration("SubscriberStatus").SetEquals(["Active", "Bounced", "Held", "Unsubscribed", "Deleted"]));
        Assert.Contains("Base16EncryptedEmail", (IReadOnlySet<string>)Sfmc.Emulator.EmulatorWsdl.Enumeration("DataExtensionFieldType"));
        Assert.Contains("existsInStringAsAWord", (IReadOnlySet<string>)Sfmc.Emulator.EmulatorWsdl.Enumeration("SimpleOperators"));
        Assert.Equal(2, Sfmc.Emulator.EmulatorWsdl.Enumeration("LogicalOperators").Count);
        Assert.Throws<KeyNotFoundException>(() => Sfmc.Emulator.EmulatorWsdl.Enumeration("NoSuchType"));
    }

    [Fact]
    public async Task A_property_SFMC_cannot_retrieve_is_a_typed_error()
    {
        await using var host = await TestHost.StartAsync();

        var ex = await Assert.ThrowsAsync<SfmcSoapException>(async () => await host.Client.Soap.RetrieveAsync<Subscriber>(properties: ["Attributes"]).ToListAsync());

        Assert.StartsWith("Error: The Request Property(s) Attributes do not match", ex.OverallStatus, StringComparison.Ordinal);
        Assert.NotNull(ex.RequestId);
    }

    [Fact]
    public async Task Create_maps_per_object_results_back_to_the_callers_objects_across_batches()
    {
        await using var host = await TestHost.StartAsync();
        await host.Emulator.AddSoapObjectsAsync("Subscriber", "SubscriberKey", Subscribers(1));
        var subscribers = Enumerable.Range(0, 7).Select(i => new Subscriber { SubscriberKey = $"sub-{i:D5}", EmailAddress = $"user{i}@example.com" }).ToList();

        var result = await host.Client.Soap.CreateAsync(subscribers, new SoapWriteOptions { BatchSize = 3 });

        Assert.Equal(7, result.Results.Count);
        Assert.Equal(3, result.RequestIds.Count); // 3 + 3 + 1
        Assert.Equal(["Has Errors", "OK", "OK"], result.OverallStatuses);
        Assert.Equal(6, result.Succeeded);
        var failed = Assert.Single(result.Failed);
        Assert.Same(subscribers[0], failed.Object);
        Assert.Equal(12014, failed.ErrorCode);
        Assert.All(result.Results, r => Assert.Same(subscribers[r.Index], r.Object));
        Assert.All(result.Results.Where(r => r.IsSuccess), r => Assert.NotNull(r.NewId));
        var ex = Assert.Throws<SfmcException>(result.EnsureSuccess);
        Assert.Contains("already on the list", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upsert_is_an_UpdateAdd_and_delete_removes()
    {
        await using var host = await TestHost.StartAsync();
        await host.Emulator.AddSoapObjectsAsync("Subscriber", "SubscriberKey", Subscribers(1));

        var upsert = await host.Client.Soap.UpsertAsync([
            new Subscriber { SubscriberKey = "sub-00000", EmailAddress = "changed@example.com", Status = SubscriberStatus.Held },
            new Subscriber { SubscriberKey = "new-one", EmailAddress = "new@example.com" },
        ]);
        upsert.EnsureSuccess();
        var update = await host.Client.Soap.UpdateAsync([new Subscriber { SubscriberKey = "missing", EmailAddress = "m@example.com" }]);
        Assert.False(Assert.Single(update.Results).IsSuccess);

        var all = await host.Client.Soap.RetrieveAsync<Subscriber>().ToListAsync();
        Assert.Equal(2, all.Count);
        Assert.Equal("changed@example.com", all.Single(s => s.SubscriberKey == "sub-00000").EmailAddress);
        Assert.Equal(SubscriberStatus.Held, all.Single(s => s.SubscriberKey == "sub-00000").Status);

        (await host.Client.Soap.DeleteAsync([new Subscriber { SubscriberKey = "new-one" }])).EnsureSuccess();
        Assert.Single(await host.Client.Soap.RetrieveAsync<Subscriber>().ToListAsync());
    }

    [Fact]
    public async Task A_DE_created_from_its_declared_schema_is_usable_over_REST_and_read_back_typed_over_SOAP()
    {
        await using var host = await TestHost.StartAsync(emulator: o => o.DataExtensions.Clear());
        var created = await host.Client.Soap.CreateDataExtensionAsync(CustomersRow.Schema);
        Assert.True(created.IsSuccess, created.StatusMessage);

        // The tenant's definition, retrieved over SOAP, matches the declared one.
        var definition = Assert.Single(await host.Client.Soap.RetrieveAsync<DataExtension>(DataExtension.Property.CustomerKey.IsEqualTo(CustomersRow.CustomerKey)).ToListAsync());
        Assert.Equal(CustomersRow.Schema.Name, definition.Name);
        var fields = await host.Client.Soap.RetrieveAsync<DataExtensionField>(SoapProperty.Named<string>("DataExtension.CustomerKey").IsEqualTo(CustomersRow.CustomerKey)).ToListAsync();
        Assert.Equal(CustomersRow.Schema.Fields.Select(f => f.Name), fields.OrderBy(f => f.Ordinal).Select(f => f.Name));
        Assert.Equal(CustomersRow.Schema.PrimaryKey.Select(f => f.Name), fields.Where(f => f.IsPrimaryKey == true).Select(f => f.Name));

        // Written over REST…
        var rows = Enumerable.Range(1, 3).Select(i => new CustomersRow { SubscriberKey = $"c{i}", Email = $"c{i}@example.com", FirstName = "N" + i, VIP = i == 1 }).ToList();
        Assert.Empty((await host.Client.DataExtension<CustomersRow>().UpsertAsync(rows)).FailedRows);

        // …read back as typed rows over SOAP, with a filter on a DE field.
        var back = await host.Client.Soap.RetrieveRowsAsync<CustomersRow>(SoapProperty.Named<string>(CustomersRow.Fields.FirstName).IsNotEqualTo("N2")).ToListAsync();
        Assert.Equal(["c1", "c3"], back.Select(r => r.SubscriberKey).OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal("c3@example.com", back.Single(r => r.SubscriberKey == "c3").Email);

        var again = await host.Client.Soap.CreateDataExtensionAsync(CustomersRow.Schema);
        Assert.False(again.IsSuccess);
    }

    [Fact]
    public async Task Rows_are_read_and_deleted_by_their_composite_primary_key()
    {
        await using var host = await TestHost.StartAsync();
        var lines = host.Client.DataExtension<OrderLinesRow>();
        var rows = Enumerable.Range(1, 4).Select(i => new OrderLinesRow { OrderId = i <= 2 ? "A" : "B", LineNo = i, Sku = "sku" + i, UnitPrice = i * 1.5m }).ToList();
        Assert.Empty((await lines.UpsertAsync(rows)).FailedRows);

        static DataExtensionPrimaryKey Key(string order, int line) => new(new("order id", order), new("line no", line));

        var row = await lines.GetAsync(Key("A", 2));
        Assert.Equal("sku2", row!.Sku);
        Assert.Equal(3m, row.UnitPrice);
        Assert.Equal("sku2", (await lines.GetAsync(Key("a", 2)))!.Sku); // text keys match case-insensitively, as in SFMC
        Assert.Null(await lines.GetAsync(Key("A", 3)));

        var deleted = await lines.DeleteAsync([Key("A", 1), Key("B", 4), Key("Z", 9)]);

        Assert.Equal([true, true, false], deleted.Results.Select(r => r.IsSuccess));
        Assert.Equal(Key("Z", 9), deleted.Failed.Single().Object);
        Assert.Equal(["A/2", "B/3"], (await lines.QueryAsync().ToListAsync()).Select(r => $"{r.OrderId}/{r.LineNo}").Order(StringComparer.Ordinal));
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => lines.GetAsync(new DataExtensionPrimaryKey(new KeyValuePair<string, object?>("order id", "A"))));
        Assert.Contains("missing: line no", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_triggered_send_needs_an_Active_definition()
    {
        await using var host = await TestHost.StartAsync();
        await host.Emulator.AddSoapObjectsAsync("TriggeredSendDefinition", "CustomerKey",
        [
            new Dictionary<string, string?> { ["CustomerKey"] = "welcome", ["ObjectID"] = "tsd-1", ["TriggeredSendStatus"] = "Active" },
            new Dictionary<string, string?> { ["CustomerKey"] = "paused", ["ObjectID"] = "tsd-2", ["TriggeredSendStatus"] = "Inactive" },
        ]);

        static TriggeredSend Send(string key) => new()
        {
            TriggeredSendDefinition = new TriggeredSendDefinition { CustomerKey = key },
            Subscribers = { new Subscriber { EmailAddress = "ada@example.com", SubscriberKey = "ada" } },
        };
        var result = await host.Client.Soap.CreateAsync([Send("welcome"), Send("paused"), Send("Welcome")]);

        Assert.Equal([true, false, false], result.Results.Select(r => r.IsSuccess));
        Assert.Contains("not Active", result.Results[1].StatusMessage, StringComparison.Ordinal);
        Assert.Contains("case-sensitive", result.Results[2].StatusMessage, StringComparison.Ordinal);
        var sent = Assert.Single(await host.Client.Soap.RetrieveAsync<SentEvent>(SentEvent.Property.TriggeredSendDefinitionObjectID.IsEqualTo("tsd-1")).ToListAsync());
        Assert.Equal("ada", sent.SubscriberKey);
    }

    [Fact]
    public async Task Throttling_faults_are_retried_even_for_a_create()
    {
        await using var host = await TestHost.StartAsync();
        host.PumpTime();
        host.Emulator.Faults.BlockNext(2, "/Service.asmx");

        var result = await host.Client.Soap.CreateAsync([new Subscriber { SubscriberKey = "t", EmailAddress = "t@example.com" }]);

        result.EnsureSuccess();
        Assert.Equal(2, host.Emulator.Requests.Count(r => r.Path == "/Service.asmx" && r.StatusCode == 500));
        Assert.Single(await host.Emulator.GetSoapObjectsAsync("Subscriber"));
    }

    [Fact]
    public async Task A_server_fault_on_a_create_is_not_replayed_and_surfaces_typed()
    {
        await using var host = await TestHost.StartAsync();
        host.PumpTime();
        host.Emulator.Faults.FailNext(1, HttpStatusCode.InternalServerError, "/Service.asmx");

        var ex = await Assert.ThrowsAsync<SfmcSoapFaultException>(() => host.Client.Soap.CreateAsync([new Subscriber { SubscriberKey = "t", EmailAddress = "t@example.com" }]));

        Assert.Equal("Injected fault: 500", ex.Fault.FaultString);
        Assert.Equal(1, host.Emulator.Requests.Count(r => r.Path == "/Service.asmx"));
    }

    [Fact]
    public async Task A_server_fault_on_a_retrieve_is_retried()
    {
        await using var host = await TestHost.StartAsync();
        host.PumpTime();
        await host.Emulator.AddSoapObjectsAsync("Subscriber", "SubscriberKey", Subscribers(3));
        host.Emulator.Faults.FailNext(1, HttpStatusCode.InternalServerError, "/Service.asmx");

        Assert.Equal(3, (await host.Client.Soap.RetrieveAsync<Subscriber>().ToListAsync()).Count);

        Assert.Equal([500, 200], host.Emulator.Requests.Where(r => r.Path == "/Service.asmx").Select(r => r.StatusCode));
    }

    [Fact]
    public async Task A_Security_fault_surfaces_at_once_instead_of_being_retried()
    {
        // A token SFMC does not know (revoked, or from another tenant) is refused with a Security fault ("Login
        // Failed"), not "Token Expired": sending it again cannot help.
        await using var host = await TestHost.StartAsync(services: (s, emulator) => s.AddSingleton<ISfmcTokenStore>(new UnknownTokenStore(emulator.BaseUri)));
        host.PumpTime();

        var ex = await Assert.ThrowsAsync<SfmcSoapFaultException>(async () => await host.Client.Soap.RetrieveAsync<Subscriber>().ToListAsync());

        Assert.Equal("Login Failed", ex.Fault.FaultString);
        Assert.Single(host.Emulator.Requests, r => r.Path == "/Service.asmx");
        Assert.Equal(0, host.Emulator.TokenRequests);
    }

    /// <summary>Holds one token the emulator never issued, valid for an hour of the test clock.</summary>
    private sealed class UnknownTokenStore(Uri instance) : ISfmcTokenStore
    {
        public ValueTask<SfmcToken?> GetAsync(string key, CancellationToken cancellationToken) =>
            ValueTask.FromResult<SfmcToken?>(new SfmcToken("not-issued-by-this-tenant", new DateTimeOffset(2026, 11, 23, 13, 0, 0, TimeSpan.Zero), instance, instance, null));

        public ValueTask SetAsync(string key, SfmcToken token, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask RemoveAsync(string key, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task An_unknown_object_type_is_a_typed_error()
    {
        await using var host = await TestHost.StartAsync();

        var ex = await Assert.ThrowsAsync<SfmcSoapException>(async () => await host.Client.Soap.RetrieveAsync<Sfmc.Soap.TriggeredSend>(properties: ["ObjectID"]).ToListAsync());

        Assert.Contains("Unable to find a handler for object type: TriggeredSend", ex.OverallStatus, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><RetrieveRequestMsg>", "Server was unable to read request")]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>", "DTD")]
    public async Task The_emulator_answers_malformed_XML_and_DTDs_with_a_SOAP_fault(string body, string expected)
    {
        await using var emulator = await Sfmc.Emulator.SfmcEmulator.StartAsync();
        using var http = new HttpClient();

        using var response = await http.PostAsync(new Uri(emulator.BaseUri, "Service.asmx"), new StringContent(body, Encoding.UTF8, "text/xml"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var fault = SoapEnvelope.TryReadFault(await response.Content.ReadAsByteArrayAsync());
        Assert.NotNull(fault);
        Assert.Contains(expected, fault.FaultString, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", fault.FaultString, StringComparison.Ordinal);
    }

    /// <summary>
    /// The emulator's <c>/Service.asmx</c> against 10,000 damaged but well-formed requests: the client's own requests
    /// for each operation, captured on the wire, then changed element by element (values replaced, elements removed,
    /// repeated, renamed, moved, or given another <c>xsi:type</c>). Each answer must be a SOAP envelope: a response with
    /// an OverallStatus, or a fault with HTTP 500; never an unhandled exception. Afterwards, whatever the emulator
    /// accepted must read back through the typed client. Seeded, so a failure replays. (It found a crash on a subscriber
    /// without EmailAddress, one on duplicate field names, invalid dates and enumerations stored and then served, and
    /// new DE rows stored without a required field.)
    /// </summary>
    [Fact]
    public async Task The_emulator_answers_damaged_requests_with_a_response_or_a_SOAP_fault()
    {
        var captured = new ConcurrentQueue<byte[]>();
        await using var host = await TestHost.StartAsync(services: (s, _) =>
            s.AddHttpClient(SfmcClientFactory.ApiClientName(Microsoft.Extensions.Options.Options.DefaultName)).AddHttpMessageHandler(() => new CapturingHandler(captured)));
        await host.Emulator.AddSoapObjectsAsync("Subscriber", "SubscriberKey", Subscribers(20));
        await host.Emulator.AddSoapObjectsAsync("TriggeredSendDefinition", "CustomerKey", [new Dictionary<string, string?> { ["CustomerKey"] = "welcome", ["ObjectID"] = "tsd-1", ["TriggeredSendStatus"] = "Active" }]);
        var soap = host.Client.Soap;
        await soap.RetrieveAsync<Subscriber>(Subscriber.Property.Status.IsEqualTo(SubscriberStatus.Active) & (Subscriber.Property.ID.IsLessThan(5) | Subscriber.Property.CreatedDate.IsGreaterThan(new DateTime(2025, 1, 1)))).ToListAsync();
        await soap.RetrieveAsync<DataExtensionField>(SoapProperty.Named<string>("DataExtension.CustomerKey").IsEqualTo(OrderLinesRow.CustomerKey)).ToListAsync();
        await soap.RetrieveRowsAsync<OrderLinesRow>(SoapProperty.Named<string>(OrderLinesRow.Fields.Sku).IsNotEqualTo("x")).ToListAsync();
        await soap.CreateAsync([new Subscriber { SubscriberKey = "new", EmailAddress = "new@example.com", Status = SubscriberStatus.Active, Attributes = { new Sfmc.Soap.Attribute { Name = "First Name", Value = "Ada" } } }]);
        await soap.UpsertAsync([new Subscriber { SubscriberKey = "sub-00001", EmailAddress = "changed@example.com", UnsubscribedDate = new DateTime(2026, 1, 1) }]);
        await soap.UpdateAsync([new Subscriber { SubscriberKey = "sub-00002", EmailTypePreference = EmailType.Text }]);
        await soap.DeleteAsync([new Subscriber { SubscriberKey = "sub-00003" }]);
        await soap.CreateDataExtensionAsync(CustomersRow.Schema);
        await soap.CreateAsync([new DataExtensionObject { CustomerKey = OrderLinesRow.CustomerKey, Properties = { new APIProperty { Name = "order id", Value = "A" }, new APIProperty { Name = "line no", Value = "1" }, new APIProperty { Name = "sku", Value = "s" }, new APIProperty { Name = "unit price", Value = "1.50" } } }]);
        await host.Client.DataExtension<OrderLinesRow>().DeleteAsync([new DataExtensionPrimaryKey(new("order id", "A"), new("line no", 1))]);
        await soap.CreateAsync([new TriggeredSend { TriggeredSendDefinition = new TriggeredSendDefinition { CustomerKey = "welcome" }, Subscribers = { new Subscriber { EmailAddress = "ada@example.com", SubscriberKey = "ada" } } }]);
        var requests = captured.Select(b => XDocument.Parse(Encoding.UTF8.GetString(b))).ToList();
        Assert.Equal(11, requests.Count);

        string[] junk = ["", " ", "-1", "0", "abc", "2147483648", "99999999999999999999", "1e400", "NaN", "2026-13-45T25:61:00", "true", "Active",
            "UpdateAdd", "'; DROP TABLE x; --", "[x]", "a.b.c", "DataExtensionObject[", "]", "Client.ID", "order id", "\u00e9\u4e2d\U0001F600", new string('x', 5000)];
        string[] types = ["Subscriber", "DataExtensionObject", "DataExtension", "TriggeredSend", "SimpleFilterPart", "ComplexFilterPart", "q:Subscriber", "Nope", ""];
        XNamespace xsi = "http://www.w3.org/2001/XMLSchema-instance";
        var random = new Random(20261123);
        using var http = new HttpClient();
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < 10_000; i++)
        {
            var document = new XDocument(requests[random.Next(requests.Count)]);
            for (var change = random.Next(1, 4); change > 0; change--)
            {
                var elements = document.Root!.Descendants().ToList();
                if (elements.Count == 0)
                {
                    break;
                }

                var target = elements[random.Next(elements.Count)];
                var other = elements[random.Next(elements.Count)];
                switch (random.Next(6))
                {
                    case 0 when !target.HasElements:
                        target.Value = junk[random.Next(junk.Length)];
                        break;
                    case 1:
                        target.Remove();
                        break;
                    case 2:
                        target.AddAfterSelf(new XElement(target));
                        break;
                    case 3:
                        target.Name = target.Name.Namespace + other.Name.LocalName;
                        break;
                    case 4:
                        target.SetAttributeValue(xsi + "type", types[random.Next(types.Length)]);
                        break;
                    default:
                        if (!other.AncestorsAndSelf().Contains(target))
                        {
                            other.Add(new XElement(target));
                        }

                        break;
                }
            }

            var bytes = Encoding.UTF8.GetBytes(document.ToString(SaveOptions.DisableFormatting));
            using var response = await http.PostAsync(new Uri(host.Emulator.BaseUri, "Service.asmx"), new ByteArrayContent(bytes));
            var answer = await response.Content.ReadAsByteArrayAsync();
            var text = Encoding.UTF8.GetString(answer);
            var what = $"request {i}: {Encoding.UTF8.GetString(bytes)}\nanswer {(int)response.StatusCode}: {text}";
            XDocument parsed;
            try
            {
                parsed = XDocument.Parse(text);
            }
            catch (System.Xml.XmlException ex)
            {
                throw new Xunit.Sdk.XunitException($"not XML ({ex.Message}); {what}");
            }

            var content = parsed.Root?.Elements().LastOrDefault()?.Elements().FirstOrDefault();
            if (response.StatusCode == HttpStatusCode.InternalServerError)
            {
                Assert.True(SoapEnvelope.TryReadFault(answer) is not null, what);
                outcomes["fault"] = outcomes.GetValueOrDefault("fault") + 1;
            }
            else
            {
                Assert.True(response.StatusCode == HttpStatusCode.OK, what);
                var status = content?.Elements().FirstOrDefault(e => e.Name.LocalName == "OverallStatus")?.Value;
                Assert.True(status is not null, what);
                var kind = status is "OK" or "MoreDataAvailable" ? "ok" : "status error";
                outcomes[kind] = outcomes.GetValueOrDefault(kind) + 1;
            }
        }

        // Every kind of answer occurs (a mutator that only ever broke requests, or never did, would prove little),
        // and whatever the emulator accepted, it still serves back to the typed client.
        Assert.True(outcomes.Count == 3 && outcomes.Values.All(n => n >= 50), string.Join(", ", outcomes));
        Assert.NotEmpty(await soap.RetrieveAsync<Subscriber>().ToListAsync());
        Assert.NotEmpty(await soap.RetrieveAsync<DataExtension>().ToListAsync());
        Assert.NotEmpty(await soap.RetrieveAsync<DataExtensionField>().ToListAsync());
        Assert.NotEmpty(await soap.RetrieveAsync<SentEvent>().ToListAsync());
        await soap.RetrieveRowsAsync<OrderLinesRow>().ToListAsync();
    }

    private sealed class CapturingHandler(ConcurrentQueue<byte[]> captured) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath.EndsWith("/Service.asmx", StringComparison.Ordinal) && request.Content is not null)
            {
                captured.Enqueue(await request.Content.ReadAsByteArrayAsync(cancellationToken));
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
