using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using System.Xml.Schema;
using Microsoft.Extensions.DependencyInjection;
using Sfmc.Client.Soap;
using Sfmc.Emulator;
using Sfmc.Soap;
using Xunit;

namespace Sfmc.Client.Tests;

/// <summary>
/// Perform, Configure, Schedule, Execute, Extract and Describe: on SFMC's recorded responses, their request bytes
/// against documented request shapes and the WSDL's schema, and end to end against the emulator over HTTP.
/// </summary>
public sealed class SoapOperationsTests
{
    private static readonly XNamespace Api = SoapXml.Namespace;
    private static readonly XNamespace Xsi = SoapXml.XsiNamespace;

    [Fact]
    public void A_recorded_Perform_reads_its_status_task_and_echoed_object()
    {
        var (status, _, requestId, results) = SfmcSoapClient.ParseResults<SoapUntypedObject>("Perform", SoapSerializationTests.Fixture("queryPerform"), "Result");

        Assert.Equal("OK", status);
        Assert.Equal("10d3e7eb-0a84-4a88-9ee3-20618b93a2f1", requestId);
        var result = Assert.Single(results);
        Assert.True(result.IsSuccess);
        Assert.Equal("QueryDefinition perform called successfully", result.StatusMessage);
        Assert.Equal("QueryDefinition", result.Returned!.TypeName);
        Assert.Equal("a077064d-bcc9-4a8f-8bef-4df950193824", result.Returned["ObjectID"]);
        Assert.Equal(new SoapTaskResult("OK", "OK", null, "127061082", null, "fcbb5c2e-6b2b-4fc6-9be0-45f8dfe4f553"), result.Task);
    }

    [Fact]
    public void A_recorded_Configure_reads_each_result_in_order_with_its_nested_object()
    {
        var (status, _, _, results) = SfmcSoapClient.ParseResults<SoapUntypedObject>("Configure", SoapSerializationTests.Fixture("accountUserConfigure"), "Result");

        Assert.Equal("OK", status);
        Assert.Equal([0, 1], results.Select(r => r.Index));
        Assert.All(results, r => Assert.Equal("User Business Unit assignments successfully updated", r.StatusMessage));
        Assert.Equal("AccountUser", results[1].Returned!.TypeName);
        Assert.Equal("true", results[1].Returned!["BusinessUnitAssignmentConfiguration.IsDelete"]);
        Assert.Equal(["518003624", "7330565", "518001150"], results[1].Returned!.Find("BusinessUnitAssignmentConfiguration.BusinessUnitIds")!.Children.Select(c => c.Value));
    }

    [Fact]
    public void A_recorded_Schedule_and_Execute_read_their_statuses()
    {
        var schedule = SfmcSoapClient.ParseResults<SfmcSoapClient.NoObject>("Schedule", SoapSerializationTests.Fixture("automationSchedule"), "Result");
        var execute = SfmcSoapClient.ParseResults<SfmcSoapClient.NoObject>("Execute", SoapSerializationTests.Fixture("subscribeUnsub"));

        Assert.Equal("OK", schedule.Status);
        Assert.Equal("Program scheduled.", Assert.Single(schedule.Results).StatusMessage);
        Assert.Equal("OK", execute.Status);
        Assert.Equal("Event posted", Assert.Single(execute.Results).StatusMessage);
        Assert.True(execute.Results[0].IsSuccess);
    }

    [Fact]
    public void A_recorded_Describe_reads_properties_profile_attributes_and_child_objects()
    {
        var definition = Assert.Single(SfmcSoapClient.ParseDescribe(SoapSerializationTests.Fixture("subscriberDescribed")));

        Assert.Equal("Subscriber", definition.ObjectType);
        Assert.Equal("Int32", definition["Client.ID"]!.DataType);
        Assert.Equal(254, definition["EmailAddress"]!.MaxLength);
        Assert.Equal("Attribute[]", definition["Attributes"]!.DataType);
        Assert.False(definition["IsPlatformObject"]!.IsRetrievable);
        Assert.Equal(["First Name", "Last Name", "SFDC_FirstName", "SFDC_LastName"], definition.ExtendedProperties.Select(p => p.Name));
        Assert.Equal(21875, definition.ExtendedProperties[2].Id);
        Assert.Equal("For the subscribers with an SFID", definition.ExtendedProperties[2].Description);
        Assert.Equal(4, definition.ChildObjects.Count);
        Assert.Equal("%%First Name%%", Assert.Single(definition.ChildObjects[0].Properties[0].Markups).Value);

        // The generator's default Subscriber properties were taken from this very Describe: they must stay its retrievable ones.
        Assert.Equal(definition.RetrievableProperties, Defaults<Subscriber>());
    }

    [Fact]
    public async Task Perform_starts_and_pauses_a_triggered_send_definition_on_the_emulator_and_the_send_follows_its_status()
    {
        await using var host = await TestHost.StartAsync();
        await host.Emulator.AddSoapObjectsAsync("TriggeredSendDefinition", "CustomerKey",
            [new Dictionary<string, string?> { ["CustomerKey"] = "welcome", ["ObjectID"] = "tsd-1", ["TriggeredSendStatus"] = "Inactive" }]);
        var soap = host.Client.Soap;
        static TriggeredSend Send() => new()
        {
            TriggeredSendDefinition = new TriggeredSendDefinition { CustomerKey = "welcome" },
            Subscribers = { new Subscriber { EmailAddress = "ada@example.com", SubscriberKey = "ada" } },
        };

        Assert.False(Assert.Single((await soap.CreateAsync([Send()])).Results).IsSuccess); // Inactive: refused

        var started = await soap.PerformAsync(SoapPerformActions.Start, [new TriggeredSendDefinition { CustomerKey = "welcome" }, new TriggeredSendDefinition { CustomerKey = "Welcome" }]);
        Assert.Equal([true, false], started.Results.Select(r => r.IsSuccess));
        Assert.Equal("tsd-1", started.Results[0].Task!.InteractionObjectId);
        Assert.NotNull(started.Results[0].Task!.Id);
        Assert.Equal("tsd-1", started.Results[0].Returned!.ObjectID);
        Assert.Equal(180008, started.Results[1].ErrorCode); // keys are case-sensitive
        Assert.Equal(["Has Errors"], started.OverallStatuses);
        Assert.True(Assert.Single((await soap.CreateAsync([Send()])).Results).IsSuccess);
        var definition = Assert.Single(await soap.RetrieveAsync<TriggeredSendDefinition>(TriggeredSendDefinition.Property.CustomerKey.IsEqualTo("welcome")).ToListAsync());
        Assert.Equal(TriggeredSendStatusEnum.Active, definition.TriggeredSendStatus);

        (await soap.PerformAsync(SoapPerformActions.Pause, [new TriggeredSendDefinition { ObjectID = "tsd-1" }])).EnsureSuccess();
        Assert.False(Assert.Single((await soap.CreateAsync([Send()])).Results).IsSuccess);

        var invalid = Assert.Single((await soap.PerformAsync("Start", [new TriggeredSendDefinition { CustomerKey = "welcome" }])).Results);
        Assert.Contains("case-sensitive", invalid.StatusMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Perform_enumerates_the_callers_definitions_once()
    {
        await using var host = await TestHost.StartAsync();
        await host.Emulator.AddSoapObjectsAsync("TriggeredSendDefinition", "CustomerKey",
            [new Dictionary<string, string?> { ["CustomerKey"] = "welcome", ["ObjectID"] = "tsd-1", ["TriggeredSendStatus"] = "Inactive" }]);
        var enumerations = 0;
        IEnumerable<TriggeredSendDefinition> Definitions()
        {
            enumerations++; // a query or a stream a caller can read only once
            yield return new TriggeredSendDefinition { CustomerKey = "welcome" };
        }

        var result = await host.Client.Soap.PerformAsync(SoapPerformActions.Start, Definitions());

        Assert.True(Assert.Single(result.Results).IsSuccess);
        Assert.Equal(1, enumerations);
    }

    [Fact]
    public async Task Perform_of_a_type_the_emulator_does_not_model_is_a_per_definition_error_not_a_failure_of_the_call()
    {
        await using var host = await TestHost.StartAsync();

        var result = await host.Client.Soap.PerformAsync(SoapPerformActions.Start, [new SoapUntypedObject("QueryDefinition").Set("ObjectID", "a077064d"), new SoapUntypedObject("ImportDefinition").Set("CustomerKey", "2043")]);

        Assert.All(result.Results, r => Assert.False(r.IsSuccess));
        Assert.Contains("does not model Perform 'start' on QueryDefinition", result.Results[0].StatusMessage, StringComparison.Ordinal);
        Assert.Contains("ImportDefinition '2043' was not found", result.Results[1].StatusMessage, StringComparison.Ordinal);
        Assert.All(result.Results, r => Assert.Null(r.Task));
        Assert.Throws<SfmcException>(result.EnsureSuccess);
    }

    [Fact]
    public async Task An_ImportDefinition_started_with_Perform_imports_the_dropped_file_by_SFMCs_rules()
    {
        using var folder = new SftpFolder();
        var root = folder.Root;
        await using var host = await TestHost.StartAsync(emulator: o => o.FileTransferRoot = root);
        var soap = host.Client.Soap;

        // Exact field names, one column in the wrong case ("SKU": skipped, as an Import Activity skips it), a
        // duplicate key (the first kept), a row without its required unit price (an error).
        await File.WriteAllTextAsync(Path.Combine(root, "Import", "orders.csv"),
            "order id,line no,sku,unit price,SKU,note\n" +
            "A-1,1,TEA,4.50,ignored,\"a, quoted note\"\n" +
            "A-1,2,CUP,9.00,ignored,\n" +
            "A-1,1,TEA,5.00,ignored,duplicate\n" +
            "A-2,1,POT,,ignored,no price\n");
        var definition = new ImportDefinition
        {
            CustomerKey = "orders-import",
            Name = "Orders import",
            DestinationObject = new DataExtension { CustomerKey = "order_lines" },
            FieldMappingType = ImportDefinitionFieldMappingType.InferFromColumnHeadings,
            FileSpec = "orders.csv",
            FileType = FileType.CSV,
            UpdateType = ImportDefinitionUpdateType.AddAndUpdate,
            AllowErrors = true,
        };
        (await soap.CreateAsync([definition])).EnsureSuccess();

        var started = Assert.Single((await soap.PerformAsync(SoapPerformActions.Start, [new ImportDefinition { CustomerKey = "orders-import" }])).Results);
        Assert.True(started.IsSuccess, started.StatusMessage);
        var summary = Assert.Single(await soap.RetrieveAsync("ImportResultsSummary",
            ["ImportDefinitionCustomerKey", "TaskResultID", "ImportStatus", "NumberSuccessful", "NumberDuplicated", "NumberErrors", "TotalRows"],
            SoapProperty.Named<string>("TaskResultID").IsEqualTo(started.Task!.Id!)).ToListAsync());

        Assert.Equal("Completed", summary["ImportStatus"]);
        Assert.Equal(("4", "2", "1", "1"), (summary["TotalRows"], summary["NumberSuccessful"], summary["NumberDuplicated"], summary["NumberErrors"]));
        var rows = await host.Emulator.GetRowsAsync("order_lines");
        Assert.Equal(["CUP", "TEA"], rows.Select(r => r["sku"]).Order(StringComparer.Ordinal));
        Assert.Equal("4.50", rows.Single(r => r["sku"] == "TEA")["unit price"]); // the duplicate did not overwrite the first
        Assert.Equal("a, quoted note", rows.Single(r => r["sku"] == "TEA")["note"]);

        // Without AllowErrors one bad row stops the import: Error, nothing written.
        definition.AllowErrors = false;
        definition.FileSpec = "more.csv";
        (await soap.UpdateAsync([definition])).EnsureSuccess();
        await File.WriteAllTextAsync(Path.Combine(root, "Import", "more.csv"), "order id,line no,sku,unit price\nB-1,1,MUG,3.00\nB-2,1,,1.00\n");
        var second = Assert.Single((await soap.PerformAsync("start", [new ImportDefinition { CustomerKey = "orders-import" }])).Results);
        var failed = Assert.Single(await soap.RetrieveAsync("ImportResultsSummary", ["ImportStatus", "NumberErrors", "NumberSuccessful"], SoapProperty.Named<string>("TaskResultID").IsEqualTo(second.Task!.Id!)).ToListAsync());
        Assert.Equal(("Error", "1", "0"), (failed["ImportStatus"], failed["NumberErrors"], failed["NumberSuccessful"]));
        Assert.Equal(2, (await host.Emulator.GetRowsAsync("order_lines")).Count);

        // A value of the wrong type is a bad row too: without AllowErrors nothing is written.
        await File.WriteAllTextAsync(Path.Combine(root, "Import", "more.csv"), "order id,line no,sku,unit price\nB-1,1,MUG,3.00\nB-2,x,PEN,1.00\n");
        var typed = Assert.Single((await soap.PerformAsync("start", [new ImportDefinition { CustomerKey = "orders-import" }])).Results);
        var refused = Assert.Single(await soap.RetrieveAsync("ImportResultsSummary", ["ImportStatus", "NumberErrors"], SoapProperty.Named<string>("TaskResultID").IsEqualTo(typed.Task!.Id!)).ToListAsync());
        Assert.Equal(("Error", "1"), (refused["ImportStatus"], refused["NumberErrors"]));
        Assert.Equal(2, (await host.Emulator.GetRowsAsync("order_lines")).Count);

        // UpdateButDoNotAdd changes existing rows only; a missing file is an Error result, not a failed Perform.
        definition.UpdateType = ImportDefinitionUpdateType.UpdateButDoNotAdd;
        definition.FileSpec = "prices.csv";
        (await soap.UpdateAsync([definition])).EnsureSuccess();
        await File.WriteAllTextAsync(Path.Combine(root, "Import", "prices.csv"), "order id,line no,sku,unit price\nA-1,2,CUP,7.25\nC-9,1,NEW,1.00\n");
        Assert.True(Assert.Single((await soap.PerformAsync("start", [definition])).Results).IsSuccess);
        var updated = await host.Emulator.GetRowsAsync("order_lines");
        Assert.Equal(2, updated.Count);
        Assert.Equal("7.25", updated.Single(r => r["sku"] == "CUP")["unit price"]);
        File.Delete(Path.Combine(root, "Import", "prices.csv"));
        var missing = Assert.Single((await soap.PerformAsync("start", [definition])).Results);
        Assert.Equal("Error", Assert.Single(await soap.RetrieveAsync("ImportResultsSummary", ["ImportStatus"], SoapProperty.Named<string>("TaskResultID").IsEqualTo(missing.Task!.Id!)).ToListAsync())["ImportStatus"]);

        // A DE without a primary key imports only with Overwrite.
        await host.Emulator.AddDataExtensionAsync(new DataExtensionInfo("log", "log", null, false, null, null, [new DataExtensionFieldInfo("line", "line", DataExtensionFieldType.Text, 100, null, false, false, null)]));
        var keyless = await soap.CreateAsync([new ImportDefinition { CustomerKey = "log-import", DestinationObject = new DataExtension { CustomerKey = "log" }, FileSpec = "log.csv", UpdateType = ImportDefinitionUpdateType.AddAndUpdate }]);
        Assert.Contains("can only Overwrite", Assert.Single(keyless.Results).StatusMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_import_is_defined_started_and_awaited_through_Processing_to_its_result()
    {
        using var folder = new SftpFolder();
        var root = folder.Root;
        await using var host = await TestHost.StartAsync(emulator: o =>
        {
            o.FileTransferRoot = root;
            o.AsyncProcessingDelay = TimeSpan.FromSeconds(10); // Processing for 10 s of the emulator's clock
        });
        host.PumpTime(); // polls at 5 s (Processing) and 12.5 s (Completed)
        var imports = host.Client.Imports;
        await imports.EnsureDefinitionAsync(new SfmcImportDefinition("orders-import", "order_lines", "wrong.csv"));
        await imports.EnsureDefinitionAsync(new SfmcImportDefinition("orders-import", "order_lines", "orders.csv") { AllowErrors = true }); // an upsert: updated
        await File.WriteAllTextAsync(Path.Combine(root, "Import", "orders.csv"), "order id,line no,sku,unit price\nA-1,1,TEA,4.50\nA-1,2,CUP,9.00\nA-2,1,,1.00\n");
        var requestsBefore = host.Emulator.Requests.Count(r => r.Path == "/Service.asmx");

        var result = await imports.RunAsync("orders-import");

        Assert.Equal(("Completed", 3, 2, 0, 1), (result.Status, result.TotalRows, result.Successful, result.Duplicated, result.Errors));
        Assert.False(result.IsSuccess); // one refused row
        Assert.True(host.Emulator.Requests.Count(r => r.Path == "/Service.asmx") - requestsBefore >= 3, "a Perform and polls while Processing");
        Assert.Equal(2, (await host.Emulator.GetRowsAsync("order_lines")).Count);
        var definition = Assert.Single(await host.Client.Soap.RetrieveAsync("ImportDefinition", ["CustomerKey", "FileSpec", "AllowErrors", "DestinationObject.CustomerKey"]).ToListAsync());
        Assert.Equal(("orders.csv", "true", "order_lines"), (definition["FileSpec"], definition["AllowErrors"], definition["DestinationObject.CustomerKey"]));

        await host.Emulator.AddDataExtensionAsync(new DataExtensionInfo("log", "log", null, false, null, null, [new DataExtensionFieldInfo("line", "line", DataExtensionFieldType.Text, 100, null, false, false, null)]));
        var keyless = await Assert.ThrowsAsync<SfmcException>(() => imports.EnsureDefinitionAsync(new SfmcImportDefinition("log-import", "log", "log.csv")));
        Assert.Contains("can only Overwrite", keyless.Message, StringComparison.Ordinal);
        await imports.EnsureDefinitionAsync(new SfmcImportDefinition("log-import", "log", "log.csv") { UpdateType = SfmcImportUpdateType.Overwrite });
        var unknown = await Assert.ThrowsAsync<SfmcException>(() => imports.StartAsync("no-such-import"));
        Assert.Contains("was not found", unknown.Message, StringComparison.Ordinal);
        var pending = await imports.StartAsync("orders-import");
        await Assert.ThrowsAsync<TimeoutException>(() => imports.WaitAsync(pending, timeout: TimeSpan.FromSeconds(6))); // still Processing at 5 s
    }

    [Fact]
    public async Task An_automation_is_Running_while_its_import_is_Processing_then_Ready()
    {
        using var folder = new SftpFolder();
        var root = folder.Root;
        await using var host = await TestHost.StartAsync(emulator: o =>
        {
            o.FileTransferRoot = root;
            o.AutomationImports["nightly-orders"] = "orders-import";
            o.AsyncProcessingDelay = TimeSpan.FromMinutes(2);
        });
        var sfmc = host.Client;
        await sfmc.Imports.EnsureDefinitionAsync(new SfmcImportDefinition("orders-import", "order_lines", "orders.csv"));
        await File.WriteAllTextAsync(Path.Combine(root, "Import", "orders.csv"), "order id,line no,sku,unit price\nA-1,1,TEA,4.50\n");

        await sfmc.Automations.StartAsync("nightly-orders");
        Assert.Equal(SfmcAutomationStatus.Running, (await sfmc.Automations.GetAsync("nightly-orders")).Status);
        host.Time.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(SfmcAutomationStatus.Ready, (await sfmc.Automations.GetAsync("nightly-orders")).Status);
    }

    [Fact]
    public async Task An_automation_is_started_by_its_key_and_runs_its_import_step()
    {
        using var folder = new SftpFolder();
        var root = folder.Root;
        await using var host = await TestHost.StartAsync(emulator: o =>
        {
            o.FileTransferRoot = root;
            o.AutomationImports["nightly-orders"] = "orders-import";
            o.AutomationImports["broken"] = "missing-import";
        });
        var sfmc = host.Client;
        (await sfmc.Soap.CreateAsync([new ImportDefinition
        {
            CustomerKey = "orders-import",
            DestinationObject = new DataExtension { CustomerKey = "order_lines" },
            FileSpec = "orders.csv",
            UpdateType = ImportDefinitionUpdateType.AddAndUpdate,
        }])).EnsureSuccess();
        await File.WriteAllTextAsync(Path.Combine(root, "Import", "orders.csv"), "order id,line no,sku,unit price\nA-1,1,TEA,4.50\n");

        var before = await sfmc.Automations.GetAsync("nightly-orders");
        var run = await sfmc.Automations.StartAsync("nightly-orders");

        Assert.Equal(SfmcAutomationStatus.Ready, before.Status);
        Assert.NotNull(run.Task?.Id);
        Assert.Equal("TEA", Assert.Single(await host.Emulator.GetRowsAsync("order_lines"))["sku"]);
        Assert.Equal(2, (await sfmc.Automations.GetAsync("nightly-orders")).StatusCode);
        await Assert.ThrowsAsync<SfmcNotFoundException>(() => sfmc.Automations.StartAsync("Nightly-Orders"));

        // A run whose import fails (the file is gone) starts, and the automation then reports Error.
        File.Delete(Path.Combine(root, "Import", "orders.csv"));
        await sfmc.Automations.StartAsync("nightly-orders");
        Assert.Equal(SfmcAutomationStatus.Error, (await sfmc.Automations.GetAsync("nightly-orders")).Status);

        // A step that cannot start: the start itself is refused, with SFMC's reason.
        var refused = await Assert.ThrowsAsync<SfmcException>(() => sfmc.Automations.StartAsync("broken"));
        Assert.Contains("SFMC did not start automation 'broken'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("ImportDefinition 'missing-import' was not found", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_LogUnsubEvent_unsubscribes_and_logs_an_UnsubEvent_on_the_emulator()
    {
        await using var host = await TestHost.StartAsync();
        var soap = host.Client.Soap;
        (await soap.CreateAsync([new Subscriber { SubscriberKey = "ada", EmailAddress = "ada@example.com" }])).EnsureSuccess();
        static SoapExecuteRequest Unsub(string key) => new("LogUnsubEvent", [new("SubscriberKey", key), new("JobID", "18099"), new("ListID", "17914"), new("BatchID", "0"), new("Reason", "Profile center")]);

        SoapExecuteRequest[] requests = [Unsub("ada"), Unsub("nobody"), new SoapExecuteRequest("NoSuchRequest", [])];

        var result = await soap.ExecuteAsync(requests);

        Assert.Equal([true, false, false], result.Results.Select(r => r.IsSuccess));
        Assert.Equal("Event posted", result.Results[0].StatusMessage);
        Assert.Equal(12001, result.Results[1].ErrorCode);
        Assert.Contains("does not model Execute 'NoSuchRequest'", result.Results[2].StatusMessage, StringComparison.Ordinal);
        Assert.Equal(requests, result.Results.Select(r => r.Object)); // each result carries the caller's request
        var ada = Assert.Single(await soap.RetrieveAsync<Subscriber>(Subscriber.Property.SubscriberKey.IsEqualTo("ada")).ToListAsync());
        Assert.Equal(SubscriberStatus.Unsubscribed, ada.Status);
        Assert.NotNull(ada.UnsubscribedDate);
        var unsub = Assert.Single(await soap.RetrieveAsync<UnsubEvent>().ToListAsync());
        Assert.Equal("ada", unsub.SubscriberKey);
        Assert.Equal(18099, unsub.SendID);
    }

    [Fact]
    public async Task Configure_Schedule_and_Extract_come_back_per_item_from_the_emulator_which_does_not_model_them()
    {
        await using var host = await TestHost.StartAsync();
        var soap = host.Client.Soap;

        var configured = await soap.ConfigureAsync("update", [new SoapUntypedObject("AccountUser").Set("ID", "717133502"), new SoapUntypedObject("AccountUser").Set("ID", "2")]);
        var scheduled = await soap.ScheduleAsync("start", new ScheduleDefinition { RecurrenceType = RecurrenceTypeEnum.Daily }, [new SoapUntypedObject("Automation").Set("ObjectID", "a41c")]);
        var extracted = await soap.ExtractAsync([new SoapExtractRequest(SoapExtractRequest.TrackingExtractId, [new("OutputFileName", "tracking.zip")])]);

        Assert.Equal(2, configured.Results.Count);
        Assert.All(configured.Results, r => Assert.Contains("does not model Configure of AccountUser", r.StatusMessage, StringComparison.Ordinal));
        Assert.Contains("does not model Schedule of Automation", Assert.Single(scheduled.Results).StatusMessage, StringComparison.Ordinal);
        var extract = Assert.Single(extracted.Results);
        Assert.Equal(31009, extract.ErrorCode);
        Assert.Contains(SoapExtractRequest.TrackingExtractId, extract.StatusMessage, StringComparison.Ordinal);
        Assert.Equal(["Error"], extracted.OverallStatuses);
    }

    [Fact]
    public async Task Describe_on_the_emulator_lists_what_each_served_type_really_retrieves()
    {
        await using var host = await TestHost.StartAsync();
        var soap = host.Client.Soap;
        var types = new[] { "Subscriber", "List", "SentEvent", "OpenEvent", "ClickEvent", "BounceEvent", "UnsubEvent", "TriggeredSendDefinition", "DataExtension", "DataExtensionField", "DataFolder" };

        var definitions = await soap.DescribeAsync(types);

        Assert.Equal(types, definitions.Select(d => d.ObjectType));
        var subscriber = definitions[0];
        Assert.Equal(Defaults<Subscriber>(), subscriber.RetrievableProperties);
        Assert.Equal("Int32", subscriber["Client.ID"]!.DataType);
        Assert.Equal("SubscriberStatus", subscriber["Status"]!.DataType);
        Assert.Equal("Attribute[]", subscriber["Attributes"]!.DataType);
        Assert.False(subscriber["Attributes"]!.IsRetrievable);
        Assert.True(subscriber.IsCreatable);
        Assert.True(definitions[7]["IsPlatformObject"]!.IsRetrievable);
        Assert.True(definitions[7]["IsPlatformObject"]!.IsFilterable);
        Assert.False(definitions[1].IsUpdatable);

        // What Describe calls retrievable, a Retrieve accepts (all at once, and filtered on one of them).
        foreach (var definition in definitions)
        {
            var properties = definition.RetrievableProperties;
            Assert.NotEmpty(properties);
            await soap.RetrieveAsync(definition.ObjectType, properties).ToListAsync();
            await soap.RetrieveAsync(definition.ObjectType, properties, SoapProperty.Named<string>(properties[^1]).IsNotNull()).ToListAsync();
        }

        Assert.Equal("Subscriber", (await soap.DescribeAsync("Subscriber")).ObjectType);
        var unknown = await Assert.ThrowsAsync<SfmcSoapFaultException>(() => soap.DescribeAsync("Program"));
        Assert.Contains("Program", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_fault_on_a_Perform_or_Execute_is_not_replayed_but_a_Describe_is_retried()
    {
        await using var host = await TestHost.StartAsync();
        host.PumpTime();
        var soap = host.Client.Soap;
        int SoapRequests() => host.Emulator.Requests.Count(r => r.Path == "/Service.asmx");

        host.Emulator.Faults.FailNext(1, System.Net.HttpStatusCode.InternalServerError, "/Service.asmx");
        await Assert.ThrowsAsync<SfmcSoapFaultException>(() => soap.PerformAsync("start", [new ImportDefinition { CustomerKey = "k" }]));
        Assert.Equal(1, SoapRequests());

        host.Emulator.Faults.FailNext(1, System.Net.HttpStatusCode.InternalServerError, "/Service.asmx");
        await Assert.ThrowsAsync<SfmcSoapFaultException>(() => soap.ExecuteAsync([new SoapExecuteRequest("LogUnsubEvent", [new("SubscriberKey", "k")])]));
        Assert.Equal(2, SoapRequests());

        host.Emulator.Faults.FailNext(1, System.Net.HttpStatusCode.InternalServerError, "/Service.asmx");
        Assert.Equal("List", (await soap.DescribeAsync("List")).ObjectType);
        Assert.Equal([500, 500, 500, 200], host.Emulator.Requests.Where(r => r.Path == "/Service.asmx").Select(r => r.StatusCode));
    }

    [Fact]
    public async Task Each_operation_sends_the_request_SFMCs_documentation_shows_valid_against_the_WSDL()
    {
        var recorder = new RequestRecorder();
        await using var emulator = await SfmcEmulator.StartAsync();
        var services = new ServiceCollection();
        services.AddSfmc(o => TestHost.Configure(o, emulator)).AddHttpMessageHandler(() => recorder);
        await using var provider = services.BuildServiceProvider();
        var soap = provider.GetRequiredService<SfmcClient>().Soap;
        var postman = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "soap", "sfmc-postman-soap-automations.http"));

        // Salesforce's "Start an Import Definition".
        await soap.PerformAsync(SoapPerformActions.Start, [new ImportDefinition { CustomerKey = "2043" }]);
        AssertSameRequest("""
            <PerformRequestMsg xmlns="http://exacttarget.com/wsdl/partnerAPI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
              <Options></Options>
              <Action>start</Action>
              <Definitions>
                <Definition xsi:type="ImportDefinition">
                  <ObjectID xsi:nil="true"></ObjectID>
                  <CustomerKey>2043</CustomerKey>
                </Definition>
              </Definitions>
            </PerformRequestMsg>
            """, recorder.Last("Perform"));

        // Salesforce's Postman collection: "Perform Automation" (untyped) and "Schedule Automation" (typed schedule).
        await soap.PerformAsync("start", [new SoapUntypedObject("Automation").Set("ObjectID", "20b3800b-5f2b-41a2-80d0-b4feb73c968b")]);
        AssertSameRequest(Message(postman, "PerformRequestMsg"), recorder.Last("Perform"));
        var schedule = new ScheduleDefinition
        {
            Recurrence = new HourlyRecurrence { HourlyRecurrencePatternType = HourlyRecurrencePatternTypeEnum.Interval, HourInterval = 24 },
            RecurrenceType = RecurrenceTypeEnum.Hourly,
            RecurrenceRangeType = RecurrenceRangeTypeEnum.EndOn,
            StartDateTime = DateTimeOffset.Parse("2019-03-25T20:53:23.2236156-03:00", System.Globalization.CultureInfo.InvariantCulture).UtcDateTime,
            EndDateTime = DateTimeOffset.Parse("2038-03-25T20:53:23.2236156-03:00", System.Globalization.CultureInfo.InvariantCulture).UtcDateTime,
        };
        await soap.ScheduleAsync("start", schedule, [new SoapUntypedObject("Automation").Set("ObjectID", "a41c4d53-0487-495d-b374-3427cc278fcd")]);
        AssertSameRequest(Message(postman, "ScheduleRequestMsg"), recorder.Last("Schedule"));

        // Salesforce's LogUnsubEvent sample.
        await soap.ExecuteAsync([new SoapExecuteRequest("LogUnsubEvent", [new("SubscriberKey", "ada"), new("JobID", "18099"), new("ListID", "17914"), new("BatchID", "0")])]);
        AssertSameRequest("""
            <ExecuteRequestMsg xmlns="http://exacttarget.com/wsdl/partnerAPI">
              <Requests>
                <Name>LogUnsubEvent</Name>
                <Parameters><Name>SubscriberKey</Name><Value>ada</Value></Parameters>
                <Parameters><Name>JobID</Name><Value>18099</Value></Parameters>
                <Parameters><Name>ListID</Name><Value>17914</Value></Parameters>
                <Parameters><Name>BatchID</Name><Value>0</Value></Parameters>
              </Requests>
            </ExecuteRequestMsg>
            """, recorder.Last("Execute"));

        // The WSDL's DefinitionRequestMsg, ConfigureRequestMsg and ExtractRequestMsg (Salesforce's Extract reference: ID + Parameters).
        await soap.DescribeAsync(["Subscriber", "List"]);
        AssertSameRequest("""
            <DefinitionRequestMsg xmlns="http://exacttarget.com/wsdl/partnerAPI">
              <DescribeRequests>
                <ObjectDefinitionRequest><ObjectType>Subscriber</ObjectType></ObjectDefinitionRequest>
                <ObjectDefinitionRequest><ObjectType>List</ObjectType></ObjectDefinitionRequest>
              </DescribeRequests>
            </DefinitionRequestMsg>
            """, recorder.Last("Describe"));
        await soap.ConfigureAsync("create", [new SoapUntypedObject("PropertyDefinition").Set("Name", "Loyalty Tier").Set("PropertyType", "string")]);
        AssertSameRequest("""
            <ConfigureRequestMsg xmlns="http://exacttarget.com/wsdl/partnerAPI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
              <Action>create</Action>
              <Configurations>
                <Configuration xsi:type="PropertyDefinition"><Name>Loyalty Tier</Name><PropertyType>string</PropertyType></Configuration>
              </Configurations>
            </ConfigureRequestMsg>
            """, recorder.Last("Configure"));
        await soap.ExtractAsync([new SoapExtractRequest(SoapExtractRequest.TrackingExtractId, [new("StartDate", "2026-11-01 00:00:00"), new("EndDate", "2026-11-30 00:00:00")])]);
        AssertSameRequest("""
            <ExtractRequestMsg xmlns="http://exacttarget.com/wsdl/partnerAPI">
              <Requests>
                <ID>c7219016-a7f0-4c72-8657-1ec12c28a0db</ID>
                <Parameters>
                  <Parameter><Name>StartDate</Name><Value>2026-11-01 00:00:00</Value></Parameter>
                  <Parameter><Name>EndDate</Name><Value>2026-11-30 00:00:00</Value></Parameter>
                </Parameters>
              </Requests>
            </ExtractRequestMsg>
            """, recorder.Last("Extract"));

        // Every message the operations sent is valid against the WSDL's own schema, and went out with its SOAPAction.
        foreach (var (action, body) in recorder.Requests)
        {
            var errors = new List<string>();
            new XDocument(body).Validate(SoapSerializationTests.WsdlSchemas.Value, (_, e) => errors.Add(e.Message));
            Assert.True(errors.Count == 0, $"{action}: {string.Join("; ", errors)}");
        }

        Assert.Equal(["Perform", "Perform", "Schedule", "Execute", "Describe", "Configure", "Extract"], recorder.Requests.Select(r => r.Action));
    }

    private static IReadOnlyList<string> Defaults<T>()
        where T : SoapObject, ISoapObject<T> => T.DefaultRetrieveProperties;

    /// <summary>The request message element (the first element of the request's Body) of the sample in the .http file.</summary>
    private static string Message(string http, string name) =>
        Regex.Match(http, $"<{name}\\b.*?</{name}>", RegexOptions.Singleline).Value.Replace("<" + name + " ", "<" + name + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ", StringComparison.Ordinal);

    /// <summary>
    /// Equal as SFMC reads them: same elements in the same order, same names, xsi:types and text; an element that says
    /// nothing (empty, or xsi:nil) is the same as an absent one; dates compare as instants.
    /// </summary>
    private static void AssertSameRequest(string documented, XElement sent) =>
        Assert.Equal(Canonical(XElement.Parse(documented)), Canonical(sent));

    private static string Canonical(XElement element)
    {
        var builder = new StringBuilder();
        Write(element, 0);
        return builder.ToString();

        void Write(XElement e, int depth)
        {
            var type = (string?)e.Attribute(Xsi + "type");
            builder.Append(' ', depth * 2).Append(e.Name.LocalName);
            if (type is not null)
            {
                builder.Append(" type=").Append(type[(type.IndexOf(':', StringComparison.Ordinal) + 1)..]);
            }

            var children = e.Elements().Where(c => (string?)c.Attribute(Xsi + "nil") != "true" && (c.HasElements || c.Value.Trim().Length > 0 || c.Attribute(Xsi + "type") is not null)).ToList();
            if (children.Count == 0)
            {
                var text = e.Value.Trim();
                builder.Append(" = ").Append(e.Name.LocalName.EndsWith("DateTime", StringComparison.Ordinal) && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var date) ? date.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture) : text);
            }

            builder.AppendLine();
            foreach (var child in children)
            {
                Write(child, depth + 1);
            }
        }
    }

    /// <summary>Keeps each SOAP request's SOAPAction and Body message, then lets it through to the emulator.</summary>
    private sealed class RequestRecorder : DelegatingHandler
    {
        private readonly ConcurrentQueue<(string Action, XElement Body)> _requests = new();

        public IReadOnlyList<(string Action, XElement Body)> Requests => _requests.ToList();

        public XElement Last(string action) => _requests.Last(r => r.Action == action).Body;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath.EndsWith("Service.asmx", StringComparison.Ordinal) && request.Content is not null)
            {
                var envelope = XDocument.Parse(await request.Content.ReadAsStringAsync(cancellationToken));
                var body = envelope.Root!.Element(XName.Get("Body", "http://schemas.xmlsoap.org/soap/envelope/"))!.Elements().Single();
                _requests.Enqueue((request.Headers.GetValues("SOAPAction").Single(), new XElement(body)));
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>A temp folder standing for the account's SFTP root (with its <c>Import</c> folder), removed on dispose.</summary>
    private sealed class SftpFolder : IDisposable
    {
        public string Root { get; } = Path.Combine(Path.GetTempPath(), "sfmc-sftp-" + Guid.NewGuid().ToString("N")[..8]);

        public SftpFolder() => Directory.CreateDirectory(Path.Combine(Root, "Import"));

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }
}
