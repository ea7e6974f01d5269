using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Sfmc.Client;

namespace Sfmc.Emulator;

/// <summary>
/// <c>POST /Service.asmx</c>: SFMC's SOAP API for the subset the runtime uses. Retrieve (Subscriber, List, tracking
/// events, DataExtension, DataExtensionField, DataExtensionObject[key] from the REST tables) with filters and
/// 2,500-object pages continued by ContinueRequest; Create/Update/Delete of Subscriber and DataExtensionObject;
/// Create/Update of DataExtension and Create of DataFolder (the folder tree of the token's business unit); Create
/// TriggeredSend against an Active TriggeredSendDefinition; Describe, Perform, Execute and the others in
/// <c>EmulatorSoap.Operations.cs</c>. Faults as SFMC sends them.
/// </summary>
internal sealed partial class EmulatorSoap(EmulatorStore store, EmulatorAuth auth, EmulatorTenant tenant, TimeProvider time)
{
    public const int PageSize = 2500;

    /// <summary>The deepest nesting a request may have (XmlDictionaryReaderQuotas' default is 32; SFMC's requests nest about ten).</summary>
    public const int MaxRequestDepth = 64;
    private const string Envelope = "http://schemas.xmlsoap.org/soap/envelope/";

    /// <summary>SOAP 1.2's envelope: SFMC's Service.asmx takes both versions and answers in the one it was asked in.</summary>
    private const string Envelope12 = "http://www.w3.org/2003/05/soap-envelope";
    private const string Xsi = "http://www.w3.org/2001/XMLSchema-instance";
    private static readonly XNamespace Api = "http://exacttarget.com/wsdl/partnerAPI";

    private static readonly XmlReaderSettings ReaderSettings = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = 64 * 1024 * 1024 };

    /// <summary>
    /// Retrievable properties per object type the emulator serves (what a Retrieve may ask for; DataExtensionObject uses
    /// the DE's fields): the generator's default retrieve properties (<see cref="Sfmc.Generator.Soap.SoapDefaults"/>,
    /// the same file, linked) plus what SFMC also accepts beyond them.
    /// </summary>
    private static readonly Dictionary<string, string[]> Retrievable = WithDefaults(new(StringComparer.Ordinal)
    {
        ["Subscriber"] = [],
        ["List"] = [],
        ["SentEvent"] = ["PartnerKey", "SubscriberID"],
        ["OpenEvent"] = ["PartnerKey"],
        ["ClickEvent"] = ["PartnerKey"],
        ["BounceEvent"] = ["PartnerKey"],
        ["UnsubEvent"] = ["PartnerKey"],
        ["TriggeredSendDefinition"] = ["IsPlatformObject"],
        ["DataExtension"] = ["Template.CustomerKey"],
        ["DataExtensionTemplate"] = ["ObjectID", "PartnerKey", "CustomerKey", "Name", "Description", "CreatedDate", "ModifiedDate", "IsSendable", "IsTestable", "SendableCustomObjectField", "SendableSubscriberField", "DataRetentionPeriodLength", "DataRetentionPeriodUnitOfMeasure", "RowBasedRetention", "ResetRetentionPeriodOnImport", "DeleteAtEndOfRetentionPeriod", "RetainUntil"],
        ["DataFolder"] = ["ID", "ObjectID", "PartnerKey", "CustomerKey", "Name", "Description", "ContentType", "IsActive", "IsEditable", "AllowChildren", "CreatedDate", "ModifiedDate", "Client.ID", "ParentFolder.ID", "ParentFolder.ObjectID", "ParentFolder.CustomerKey", "ParentFolder.Name"],
        ["DataExtensionField"] = [],
        ["ImportDefinition"] = ["ObjectID", "CustomerKey", "Name", "Description", "DestinationObject.CustomerKey", "FieldMappingType", "FileSpec", "FileType", "UpdateType", "AllowErrors", "Delimiter", "HeaderLines"],
        ["Automation"] = ["ObjectID", "CustomerKey", "Name", "Status", "LastRunTime", "LastRunInstanceID"],
        ["ImportResultsSummary"] = ["ImportDefinitionCustomerKey", "TaskResultID", "ImportStatus", "StartDate", "EndDate", "DestinationID", "NumberSuccessful", "NumberDuplicated", "NumberErrors", "TotalRows", "ImportType"],
    });

    private static Dictionary<string, string[]> WithDefaults(Dictionary<string, string[]> beyondDefaults) =>
        beyondDefaults.ToDictionary(
            entry => entry.Key,
            entry => (Sfmc.Generator.Soap.SoapDefaults.For(entry.Key) ?? []).Concat(entry.Value).Distinct(StringComparer.Ordinal).ToArray(),
            StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, Continuation> _continuations = new(StringComparer.Ordinal);
    private readonly EmulatorFolders _folders = new(store, () => ServerTime(time));
    private int _nextId = 1000;

    /// <summary>The SOAP endpoint; its token travels in the envelope's <c>fueloauth</c> header.</summary>
    public void Map(IEndpointRouteBuilder routes) =>
        routes.MapPost("/Service.asmx", HandleAsync).SfmcSoap();

    public async Task HandleAsync(HttpContext context)
    {
        XDocument document;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            // One linear pass bounds the nesting first (as XmlDictionaryReaderQuotas.MaxDepth would), before anything
            // builds a tree or reads the token: XDocument and XElement.Value recurse with the depth.
            buffer.Position = 0;
            using (var scan = XmlReader.Create(buffer, ReaderSettings))
            {
                while (scan.Read())
                {
                    if (scan.Depth >= MaxRequestDepth)
                    {
                        throw new XmlException($"Elements are nested deeper than {MaxRequestDepth} levels.", null, ((IXmlLineInfo)scan).LineNumber, ((IXmlLineInfo)scan).LinePosition);
                    }
                }
            }

            buffer.Position = 0;
            using var reader = XmlReader.Create(buffer, ReaderSettings);
            document = XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException ex)
        {
            await WriteFaultAsync(context, HttpStatusCode.InternalServerError, "soap:Client", "Server was unable to read request. ---> " + ex.Message);
            return;
        }

        // The version the request speaks: its envelope's namespace (the Content-Type says the same for well-made requests).
        var version = document.Root?.Name.NamespaceName == Envelope12 ? Envelope12 : Envelope;
        var token = document.Root?.Element(XName.Get("Header", version))?.Elements().FirstOrDefault(e => e.Name.LocalName == "fueloauth")?.Value;
        switch (auth.SoapTokenState(token))
        {
            case TokenState.Expired:
                await WriteFaultAsync(context, HttpStatusCode.InternalServerError, "q0:Security", "Token Expired", version);
                return;
            case TokenState.Unknown:
                await WriteFaultAsync(context, HttpStatusCode.InternalServerError, "q0:Security", "Login Failed", version);
                return;
        }

        var message = document.Root?.Element(XName.Get("Body", version))?.Elements().FirstOrDefault();
        if (message is not null && InvalidValue(message) is { } invalid)
        {
            await WriteFaultAsync(context, HttpStatusCode.InternalServerError, "soap:Client", "Server was unable to read request. ---> " + invalid, version);
            return;
        }

        // The business unit (MID) the token was issued for: folders and DE categories are per business unit.
        var account = auth.AccountOf(token);
        if (message?.Name.LocalName == "DefinitionRequestMsg")
        {
            var (definitions, error) = Describe(message);
            if (definitions is null)
            {
                await WriteFaultAsync(context, HttpStatusCode.InternalServerError, "soap:Client", error!, version);
                return;
            }

            await WriteEnvelopeAsync(context, HttpStatusCode.OK, definitions, version);
            return;
        }

        var response = message?.Name.LocalName switch
        {
            "RetrieveRequestMsg" => await RetrieveAsync(account, message.Element(Api + "RetrieveRequest"), context.RequestAborted),
            "CreateRequest" => await WriteAsync(account, "Create", message, context.RequestAborted),
            "UpdateRequest" => await WriteAsync(account, "Update", message, context.RequestAborted),
            "DeleteRequest" => await WriteAsync(account, "Delete", message, context.RequestAborted),
            "PerformRequestMsg" => await PerformAsync(message, context.RequestAborted),
            "ExecuteRequestMsg" => await ExecuteAsync(message, context.RequestAborted),
            "ConfigureRequestMsg" => Unmodeled("Configure", message),
            "ScheduleRequestMsg" => Unmodeled("Schedule", message),
            "ExtractRequestMsg" => Unmodeled("Extract", message),
            _ => null,
        };

        if (response is null)
        {
            await WriteFaultAsync(context, HttpStatusCode.InternalServerError, "soap:Client", $"The emulator does not implement SOAP {message?.Name.LocalName ?? "(empty body)"}.", version);
            return;
        }

        await WriteEnvelopeAsync(context, HttpStatusCode.OK, response, version);
    }

    private async Task<XElement> RetrieveAsync(string account, XElement? request, CancellationToken cancellationToken)
    {
        var requestId = Guid.NewGuid().ToString();
        XElement Response(string status, IEnumerable<XElement>? results = null) =>
            new(Api + "RetrieveResponseMsg", new XElement(Api + "OverallStatus", SfmcResponses.Clip(status)), new XElement(Api + "RequestID", requestId), results);

        if (request is null)
        {
            return Response("Error: RetrieveRequest is required");
        }

        List<XElement> items;
        if (request.Element(Api + "ContinueRequest")?.Value is { Length: > 0 } continueId)
        {
            if (!_continuations.TryRemove(continueId, out var continuation))
            {
                return Response($"Error: Unable to continue request {continueId}: it is unknown or was already continued");
            }

            items = continuation.Remaining;
        }
        else
        {
            var objectType = request.Element(Api + "ObjectType")?.Value ?? "";
            var properties = request.Elements(Api + "Properties").Select(p => p.Value).ToList();
            var filter = request.Element(Api + "Filter");
            var result = await QueryAsync(account, objectType, properties, filter, cancellationToken);
            if (result.Error is not null)
            {
                return Response(result.Error);
            }

            items = result.Items!;
        }

        if (items.Count <= PageSize)
        {
            return Response("OK", items);
        }

        _continuations[requestId] = new Continuation(items.GetRange(PageSize, items.Count - PageSize));
        return Response("MoreDataAvailable", items.GetRange(0, PageSize));
    }

    private async Task<(string? Error, List<XElement>? Items)> QueryAsync(string account, string objectType, List<string> properties, XElement? filter, CancellationToken cancellationToken)
    {
        if (properties.Count == 0)
        {
            return ("Error: At least one property is required", null);
        }

        Predicate<Func<string, string?>> matches;
        try
        {
            matches = Filter(filter);
        }
        catch (FormatException ex)
        {
            return ("Error: " + ex.Message, null);
        }

        if (objectType.StartsWith("DataExtensionObject[", StringComparison.Ordinal) && objectType.EndsWith(']'))
        {
            var key = objectType["DataExtensionObject[".Length..^1];
            if (!store.TryGet(key, out var dataExtension))
            {
                return ($"Error: Unable to find a data extension with CustomerKey '{key}'. External keys are case-sensitive.", null);
            }

            var unknown = properties.Where(p => dataExtension.FindField(p) is null).ToList();
            if (unknown.Count > 0)
            {
                return ($"Error: The Request Property(s) {string.Join(", ", unknown)} do not match with the fields of DataExtensionObject retrieve", null);
            }

            var rows = new List<Dictionary<string, string?>>();
            for (var page = 1; ; page++)
            {
                var (_, chunk) = await store.ReadAsync(dataExtension, page, 10_000, cancellationToken);
                rows.AddRange(chunk);
                if (chunk.Count < 10_000)
                {
                    break;
                }
            }

            return (null, rows
                .Select(r => new Dictionary<string, string?>(r, StringComparer.OrdinalIgnoreCase))
                .Where(r => matches(name => r.GetValueOrDefault(name)))
                .Select(r => DataExtensionObject(dataExtension, properties, r))
                .ToList());
        }

        if (!Retrievable.TryGetValue(objectType, out var allowed))
        {
            return ($"Error: Unable to find a handler for object type: {objectType}. Object types are case-sensitive, check spelling.", null);
        }

        var invalid = properties.Where(p => !allowed.Contains(p, StringComparer.Ordinal)).ToList();
        if (invalid.Count > 0)
        {
            return ($"Error: The Request Property(s) {string.Join(", ", invalid)} do not match with the fields of {objectType} retrieve", null);
        }

        var bags = objectType switch
        {
            "DataExtension" => await DataExtensionBagsAsync(account, cancellationToken),
            "DataExtensionField" => store.DataExtensions.SelectMany(FieldBags).ToList(),
            "DataExtensionTemplate" => [],
            "DataFolder" => await _folders.ListAsync(account, ContentTypes(filter), cancellationToken),
            "ImportResultsSummary" => await ImportSummariesAsync(cancellationToken),
            "Automation" => await AutomationsAsync(cancellationToken),
            _ => await store.ReadSoapObjectsAsync(objectType, cancellationToken),
        };

        return (null, bags.Where(b => matches(name => b.GetValueOrDefault(name))).Select(b => Result(objectType, properties, b)).ToList());
    }

    private async Task<XElement> WriteAsync(string account, string action, XElement message, CancellationToken cancellationToken)
    {
        var upsert = message.Element(Api + "Options")?.Descendants(Api + "SaveAction").Any(a => a.Value == "UpdateAdd") == true;
        var results = new List<XElement>();
        var ordinal = 0;
        foreach (var item in message.Elements(Api + "Objects"))
        {
            var type = LocalName(item.Attribute(XName.Get("type", Xsi))?.Value) ?? "";
            var written = await WriteOneAsync(account, action, upsert, type, item, cancellationToken);
            var result = OperationResult("Results", written, ordinal++);
            if (action == "Create")
            {
                result.Add(new XElement(Api + "NewID", written.NewId ?? 0));
            }

            result.Add(new XElement(Api + "Object", new XAttribute(XName.Get("type", Xsi), type), item.Elements()));
            results.Add(result);
        }

        var ok = results.Count(r => r.Element(Api + "StatusCode")!.Value == "OK");
        var overall = ok == results.Count ? "OK" : ok == 0 ? "Error" : "Has Errors";
        return new XElement(Api + action + "Response", results, new XElement(Api + "RequestID", Guid.NewGuid().ToString()), new XElement(Api + "OverallStatus", overall));
    }

    /// <summary>One object of a Create, Update or Delete (an Update with SaveOption UpdateAdd is an upsert), by object type.</summary>
    private Task<SoapWriteResult> WriteOneAsync(string account, string action, bool upsert, string type, XElement item, CancellationToken cancellationToken) => (type, action) switch
    {
        ("Subscriber", _) => WriteSubscriberAsync(action, upsert, item, cancellationToken),
        ("DataExtensionObject", _) => WriteRowAsync(action, upsert, item, cancellationToken),
        ("DataExtension", "Create") => CreateDataExtensionAsync(account, item, cancellationToken),
        ("DataExtension", "Update") => UpdateDataExtensionAsync(account, item, cancellationToken),
        ("DataFolder", "Create") => CreateFolderAsync(account, item, cancellationToken),
        ("TriggeredSend", "Create") => CreateTriggeredSendAsync(item, cancellationToken),
        ("ImportDefinition", "Create" or "Update") => WriteImportDefinitionAsync(action, upsert, item, cancellationToken),
        _ => Task.FromResult(SoapWriteResult.Error($"Unable to find a handler for object type {type} ({action}). Object types are case-sensitive, check spelling.", 2)),
    };

    private async Task<SoapWriteResult> WriteSubscriberAsync(string action, bool upsert, XElement item, CancellationToken cancellationToken)
    {
        string? Value(string name) => item.Element(Api + name)?.Value;
        var key = Value("SubscriberKey") ?? Value("EmailAddress");
        if (string.IsNullOrEmpty(key))
        {
            return SoapWriteResult.Error("SubscriberKey or EmailAddress is required.", 12000);
        }

        var existing = (await store.ReadSoapObjectsAsync("Subscriber", cancellationToken, key)).FirstOrDefault();
        if (action == "Delete")
        {
            return await store.DeleteSoapObjectAsync("Subscriber", key, cancellationToken) ? SoapWriteResult.Ok("Subscriber deleted") : SoapWriteResult.Error("Subscriber not found.", 12001);
        }

        if (action == "Create" && existing is not null)
        {
            return SoapWriteResult.Error("The subscriber is already on the list", 12014);
        }

        if (action == "Update" && existing is null && !upsert)
        {
            return SoapWriteResult.Error("Subscriber not found.", 12001);
        }

        var bag = existing ?? new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["ID"] = Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture),
            ["CreatedDate"] = ServerTime(),
            ["Status"] = "Active",
            ["Client.ID"] = "9999999",
        };
        bag["SubscriberKey"] = key;
        foreach (var name in new[] { "EmailAddress", "Status", "EmailTypePreference", "UnsubscribedDate" })
        {
            if (Value(name) is { } v)
            {
                bag[name] = v;
            }
        }

        if (bag.GetValueOrDefault("EmailAddress") is null)
        {
            bag["EmailAddress"] = key;
        }
        await store.SaveSoapObjectsAsync("Subscriber", [(key, bag)], cancellationToken);
        return SoapWriteResult.Ok(existing is null ? "Created Subscriber." : "Updated Subscriber.", int.Parse(bag["ID"]!, CultureInfo.InvariantCulture));
    }

    private async Task<SoapWriteResult> CreateFolderAsync(string account, XElement item, CancellationToken cancellationToken)
    {
        string? Value(string name) => item.Element(Api + name)?.Value;
        var (error, id) = await _folders.CreateAsync(account, Value("Name"), Value("CustomerKey"), Value("Description"), Value("ContentType"), item.Element(Api + "ParentFolder")?.Element(Api + "ID")?.Value, cancellationToken);
        return error is null ? SoapWriteResult.Ok("Folder created successfully.", id) : SoapWriteResult.Error(error, 2);
    }

    private async Task<SoapWriteResult> CreateTriggeredSendAsync(XElement item, CancellationToken cancellationToken)
    {
        var definitionKey = item.Element(Api + "TriggeredSendDefinition")?.Element(Api + "CustomerKey")?.Value;
        var definition = (await store.ReadSoapObjectsAsync("TriggeredSendDefinition", cancellationToken))
            .FirstOrDefault(d => string.Equals(d.GetValueOrDefault("CustomerKey"), definitionKey, StringComparison.Ordinal));
        if (definition is null)
        {
            return SoapWriteResult.Error($"TriggeredSendDefinition '{definitionKey}' was not found. Keys are case-sensitive.", 180008);
        }

        if (!string.Equals(definition.GetValueOrDefault("TriggeredSendStatus"), "Active", StringComparison.OrdinalIgnoreCase))
        {
            return SoapWriteResult.Error($"The TriggeredSendDefinition '{definitionKey}' is not Active; start it before sending.", 180008);
        }

        var subscribers = item.Elements(Api + "Subscribers").ToList();
        if (subscribers.Count == 0 || subscribers.Any(s => string.IsNullOrEmpty(s.Element(Api + "EmailAddress")?.Value)))
        {
            return SoapWriteResult.Error("Each subscriber of a TriggeredSend needs an EmailAddress.", 180009);
        }

        var sends = subscribers.Select(s => (Guid.NewGuid().ToString(), (IReadOnlyDictionary<string, string?>)new Dictionary<string, string?>
        {
            ["TriggeredSendDefinitionObjectID"] = definition.GetValueOrDefault("ObjectID"),
            ["SubscriberKey"] = s.Element(Api + "SubscriberKey")?.Value ?? s.Element(Api + "EmailAddress")!.Value,
            ["EventDate"] = ServerTime(),
            ["EventType"] = "Sent",
            ["SendID"] = definition.GetValueOrDefault("SendID") ?? "1",
        }));
        await store.SaveSoapObjectsAsync("SentEvent", sends, cancellationToken);
        return SoapWriteResult.Ok("Created TriggeredSend", Interlocked.Increment(ref _nextId));
    }

    private async Task<SoapWriteResult> WriteRowAsync(string action, bool upsert, XElement item, CancellationToken cancellationToken)
    {
        var key = item.Element(Api + "CustomerKey")?.Value;
        if (key is null || !store.TryGet(key, out var dataExtension))
        {
            return SoapWriteResult.Error($"Unable to find a data extension with CustomerKey '{key}'. External keys are case-sensitive.", 310001);
        }

        if (tenant.ReadOnlyDataExtensions.Contains(key))
        {
            return SoapWriteResult.Error(SfmcResponses.ReadOnlyMessage(key), 30005);
        }

        var values = item.Descendants(Api + "Property")
            .Concat(item.Element(Api + "Keys")?.Elements(Api + "Key") ?? [])
            .Where(p => p.Element(Api + "Name") is not null)
            .GroupBy(p => p.Element(Api + "Name")!.Value, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => JsonSerializer.SerializeToElement(g.Last().Element(Api + "Value")?.Value), StringComparer.OrdinalIgnoreCase);
        if (action == "Delete")
        {
            if (dataExtension.PrimaryKey.Count == 0 || dataExtension.PrimaryKey.Any(f => !values.ContainsKey(f.Name)))
            {
                return SoapWriteResult.Error($"Deleting from '{key}' needs every primary-key field in Keys ({string.Join(", ", dataExtension.PrimaryKey.Select(f => f.Name))}).", 310007);
            }

            var keys = dataExtension.PrimaryKey.ToDictionary(f => f.Name, f => values[f.Name].GetString(), StringComparer.OrdinalIgnoreCase);
            return await store.DeleteRowAsync(dataExtension, keys, cancellationToken)
                ? SoapWriteResult.Ok("Deleted DataExtensionObject")
                : SoapWriteResult.Error("No row matches the given keys.", 310007);
        }

        // A Create inserts: an existing primary key is a per-object PRIMARY KEY violation, as SFMC answers it.
        var errors = action == "Create" && !upsert
            ? await store.WriteEachAsync(dataExtension, [values], insertOnly: true, cancellationToken)
            : await store.UpsertAsync(dataExtension, [values], insertOnly: false, cancellationToken);
        return errors.Count == 0
            ? SoapWriteResult.Ok(action == "Create" ? "Created DataExtensionObject" : "Updated DataExtensionObject")
            : SoapWriteResult.Error(errors[0].Message, 310007);
    }

    /// <summary>An xsd:boolean's true ("true" or "1"); the value has been checked by <see cref="InvalidValue"/>.</summary>
    private static bool IsTrue(string? value) => value?.Trim() is "true" or "1";

    private static int? Int(string? value) => int.TryParse(value, CultureInfo.InvariantCulture, out var i) ? i : null;

    private string ServerTime() => ServerTime(time);

    /// <summary>Now in SFMC's server time (CST, UTC−6, no daylight saving), as SOAP dates are written.</summary>
    private static string ServerTime(TimeProvider clock) => clock.GetUtcNow().ToOffset(TimeSpan.FromHours(-6)).DateTime.ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture);

    private static string StableId(string value) => new Guid(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(value))).ToString();

    /// <summary>A Results element with the requested properties; dotted ones nest (Client.ID → Client/ID).</summary>
    private static XElement Result(string objectType, List<string> properties, Dictionary<string, string?> bag)
    {
        var result = new XElement(Api + "Results", new XAttribute(XName.Get("type", Xsi), objectType));
        foreach (var property in properties)
        {
            if (bag.GetValueOrDefault(property) is not { } value)
            {
                continue;
            }

            var parent = result;
            var parts = property.Split('.');
            for (var i = 0; i < parts.Length - 1; i++)
            {
                var child = parent.Element(Api + parts[i]);
                if (child is null)
                {
                    child = new XElement(Api + parts[i]);
                    parent.Add(child);
                }

                parent = child;
            }

            parent.Add(new XElement(Api + parts[^1], value));
        }

        return result;
    }

    private static XElement DataExtensionObject(DataExtensionInfo dataExtension, List<string> properties, Dictionary<string, string?> row) =>
        new(Api + "Results",
            new XAttribute(XName.Get("type", Xsi), "DataExtensionObject"),
            new XElement(Api + "PartnerKey", new XAttribute(XName.Get("nil", Xsi), "true")),
            new XElement(Api + "ObjectID", new XAttribute(XName.Get("nil", Xsi), "true")),
            new XElement(Api + "Type", "DataExtensionObject"),
            new XElement(Api + "Properties", properties.Select(p => new XElement(Api + "Property",
                new XElement(Api + "Name", dataExtension.FindField(p)!.Name),
                new XElement(Api + "Value", row.GetValueOrDefault(p) ?? "")))));

    /// <summary>SimpleFilterPart / ComplexFilterPart → a predicate over property values (case-insensitive, like SFMC).</summary>
    private static Predicate<Func<string, string?>> Filter(XElement? filter)
    {
        if (filter is null)
        {
            return _ => true;
        }

        var type = LocalName(filter.Attribute(XName.Get("type", Xsi))?.Value);
        if (type == "ComplexFilterPart")
        {
            var left = Filter(filter.Element(Api + "LeftOperand"));
            var right = Filter(filter.Element(Api + "RightOperand"));
            return filter.Element(Api + "LogicalOperator")?.Value == "OR" ? p => left(p) || right(p) : p => left(p) && right(p);
        }

        if (type != "SimpleFilterPart")
        {
            throw new FormatException($"Filter type '{type}' is not supported");
        }

        var property = filter.Element(Api + "Property")?.Value ?? throw new FormatException("SimpleFilterPart needs a Property");
        var op = filter.Element(Api + "SimpleOperator")?.Value ?? throw new FormatException("SimpleFilterPart needs a SimpleOperator");
        var values = filter.Elements(Api + "Value").Concat(filter.Elements(Api + "DateValue")).Select(v => v.Value).ToList();
        return op switch
        {
            "equals" => p => string.Equals(p(property), values.FirstOrDefault(), StringComparison.OrdinalIgnoreCase),
            "notEquals" => p => !string.Equals(p(property), values.FirstOrDefault(), StringComparison.OrdinalIgnoreCase),
            "IN" => p => values.Contains(p(property) ?? "\0", StringComparer.OrdinalIgnoreCase),
            "isNull" => p => string.IsNullOrEmpty(p(property)),
            "isNotNull" => p => !string.IsNullOrEmpty(p(property)),
            "like" => p => p(property) is { } v && System.Text.RegularExpressions.Regex.IsMatch(v, "^" + System.Text.RegularExpressions.Regex.Escape(values.FirstOrDefault() ?? "").Replace("%", ".*", StringComparison.Ordinal).Replace("_", ".", StringComparison.Ordinal) + "$", System.Text.RegularExpressions.RegexOptions.IgnoreCase),
            "greaterThan" => p => Compare(p(property), values.FirstOrDefault()) > 0,
            "lessThan" => p => Compare(p(property), values.FirstOrDefault()) < 0,
            "greaterThanOrEqual" => p => Compare(p(property), values.FirstOrDefault()) >= 0,
            "lessThanOrEqual" => p => Compare(p(property), values.FirstOrDefault()) <= 0,
            "between" when values.Count == 2 => p => Compare(p(property), values[0]) >= 0 && Compare(p(property), values[1]) <= 0,
            _ => throw new FormatException($"SimpleOperator '{op}' is not supported with {values.Count} values"),
        };
    }

    private static int Compare(string? actual, string? expected)
    {
        if (actual is null || expected is null)
        {
            return actual is null ? -1 : 1;
        }

        if (decimal.TryParse(actual, NumberStyles.Number, CultureInfo.InvariantCulture, out var a) && decimal.TryParse(expected, NumberStyles.Number, CultureInfo.InvariantCulture, out var b))
        {
            return a.CompareTo(b);
        }

        if (DateTime.TryParse(actual, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var da) && DateTime.TryParse(expected, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var db))
        {
            return da.CompareTo(db);
        }

        return string.Compare(actual, expected, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The typed members the emulator reads, per SOAP type: a value that does not parse as its XSD type (or is not one
    /// of an enumeration's values, which are case-sensitive) fails the whole request before anything runs, as SFMC's
    /// ASMX deserializer does; it is not a per-object error. Other members are not checked.
    /// </summary>
    private static readonly Dictionary<string, Dictionary<string, string>> TypedMembers = new(StringComparer.Ordinal)
    {
        ["Subscriber"] = new(StringComparer.Ordinal) { ["ID"] = "int", ["CreatedDate"] = "dateTime", ["UnsubscribedDate"] = "dateTime", ["Status"] = "SubscriberStatus", ["EmailTypePreference"] = "EmailType" },
        ["DataExtension"] = new(StringComparer.Ordinal) { ["IsSendable"] = "boolean", ["IsTestable"] = "boolean" },
        ["DataExtensionField"] = new(StringComparer.Ordinal) { ["FieldType"] = "DataExtensionFieldType", ["IsPrimaryKey"] = "boolean", ["IsRequired"] = "boolean", ["MaxLength"] = "int", ["Scale"] = "int", ["Ordinal"] = "int" },
        ["SaveOption"] = new(StringComparer.Ordinal) { ["SaveAction"] = "SaveAction" },
        ["SimpleFilterPart"] = new(StringComparer.Ordinal) { ["SimpleOperator"] = "SimpleOperators" },
        ["ComplexFilterPart"] = new(StringComparer.Ordinal) { ["LogicalOperator"] = "LogicalOperators" },
    };

    /// <summary>
    /// The first typed member of the request message whose value does not parse, described as .NET's XmlSerializer
    /// (behind SFMC's ASMX endpoint) describes it; null if all parse. An element's type is its <c>xsi:type</c>, or
    /// follows from where it is (a TriggeredSend's Subscribers, a DataExtension's Fields/Field, a SaveOption).
    /// </summary>
    private static string? InvalidValue(XElement message)
    {
        foreach (var element in message.Descendants())
        {
            var type = LocalName(element.Attribute(XName.Get("type", Xsi))?.Value) ?? (element.Name.LocalName, element.Parent?.Name.LocalName) switch
            {
                ("Subscribers", _) => "Subscriber",
                ("Field", "Fields") => "DataExtensionField",
                ("SaveOption", "SaveOptions") => "SaveOption",
                _ => null,
            };
            if (type is null || !TypedMembers.TryGetValue(type, out var members))
            {
                continue;
            }

            foreach (var member in element.Elements())
            {
                if (!members.TryGetValue(member.Name.LocalName, out var xsdType) || member.Attribute(XName.Get("nil", Xsi))?.Value == "true")
                {
                    continue;
                }

                var value = member.Value;
                var error = xsdType switch
                {
                    "int" => int.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) ? null : "Input string was not in a correct format.",
                    "boolean" => value.Trim() is "true" or "false" or "1" or "0" ? null : $"The string '{value}' is not a valid Boolean value.",
                    "dateTime" => IsXsdDateTime(value) ? null : $"The string '{value}' is not a valid AllXsd value.",
                    _ => EmulatorWsdl.Enumeration(xsdType).Contains(value) ? null : $"Instance validation error: '{value}' is not a valid value for {xsdType}.",
                };
                if (error is not null)
                {
                    var at = (IXmlLineInfo)member;
                    return $"There is an error in XML document ({at.LineNumber}, {at.LinePosition}). ---> {error}";
                }
            }
        }

        return null;

        static bool IsXsdDateTime(string value)
        {
            try
            {
                XmlConvert.ToDateTime(value, XmlDateTimeSerializationMode.RoundtripKind);
                return true;
            }
            catch (FormatException)
            {
                return false;
            }
        }
    }

    private static string? LocalName(string? qualified) => qualified is null ? null : qualified[(qualified.IndexOf(':', StringComparison.Ordinal) + 1)..];

    /// <summary>A fault in the version the request's Content-Type names (<c>application/soap+xml</c>: SOAP 1.2), for answers given before the envelope is read.</summary>
    public static Task WriteFaultAsync(HttpContext context, HttpStatusCode status, string code, string text) =>
        WriteFaultAsync(context, status, code, text, context.Request.ContentType?.StartsWith("application/soap+xml", StringComparison.OrdinalIgnoreCase) == true ? Envelope12 : Envelope);

    /// <summary>
    /// A fault: SOAP 1.1 <c>faultcode</c>/<c>faultstring</c>, or SOAP 1.2 <c>Code/Value</c> (Sender for a Client or
    /// Security fault, Receiver for a Server one; Security as a Subcode) and <c>Reason/Text</c>.
    /// </summary>
    private static Task WriteFaultAsync(HttpContext context, HttpStatusCode status, string code, string text, string version)
    {
        const string Security = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
        if (version == Envelope)
        {
            return WriteEnvelopeAsync(context, status, new XElement(XName.Get("Fault", Envelope),
                new XElement("faultcode", new XAttribute(XNamespace.Xmlns + "q0", Security), code),
                new XElement("faultstring", SfmcResponses.Clip(text))), version);
        }

        XNamespace env = Envelope12;
        var value = new XElement(env + "Value", code.EndsWith(":Server", StringComparison.Ordinal) ? "soap:Receiver" : "soap:Sender");
        var faultCode = new XElement(env + "Code", value);
        if (code.StartsWith("q0:", StringComparison.Ordinal))
        {
            faultCode.Add(new XElement(env + "Subcode", new XElement(env + "Value", new XAttribute(XNamespace.Xmlns + "q0", Security), code)));
        }

        return WriteEnvelopeAsync(context, status, new XElement(env + "Fault",
            faultCode,
            new XElement(env + "Reason", new XElement(env + "Text", new XAttribute(XNamespace.Xml + "lang", "en"), SfmcResponses.Clip(text)))), version);
    }

    private static async Task WriteEnvelopeAsync(HttpContext context, HttpStatusCode status, XElement body, string version)
    {
        var envelope = new XElement(XName.Get("Envelope", version),
            new XAttribute(XNamespace.Xmlns + "soap", version),
            new XAttribute(XNamespace.Xmlns + "xsi", Xsi),
            new XElement(XName.Get("Body", version), body));
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = version == Envelope12 ? "application/soap+xml; charset=utf-8" : "text/xml; charset=utf-8";
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Async = false }))
        {
            new XDocument(envelope).Save(writer);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private sealed record Continuation(List<XElement> Remaining);
}

/// <summary>What SFMC answers for one object of a Create, Update or Delete: a Results element's StatusCode, StatusMessage, ErrorCode and NewID.</summary>
/// <param name="Status">OK or Error.</param>
/// <param name="Message">The StatusMessage.</param>
/// <param name="ErrorCode">SFMC's error code, for errors.</param>
/// <param name="NewId">The new object's ID, for creates.</param>
internal sealed record SoapWriteResult(string Status, string Message, int? ErrorCode, int? NewId)
{
    public static SoapWriteResult Ok(string message, int? newId = null) => new("OK", message, null, newId);

    public static SoapWriteResult Error(string message, int errorCode) => new("Error", message, errorCode, null);
}
