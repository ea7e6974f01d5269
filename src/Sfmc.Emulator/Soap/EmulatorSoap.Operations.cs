using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;

namespace Sfmc.Emulator;

/// <content>
/// Describe (the types the emulator serves, their properties from the WSDL and what the emulator does with them),
/// Perform on a TriggeredSendDefinition (start, pause, stop, publish) and an ImportDefinition (start: see
/// <c>EmulatorSoap.Imports.cs</c>), Execute LogUnsubEvent (unsubscribes and logs
/// an UnsubEvent), and answers in SFMC's shapes for what it does not model: each Configure, Schedule, Extract item,
/// and Perform of other types, is a per-item error saying so.
/// </content>
internal sealed partial class EmulatorSoap
{
    /// <summary>What the emulator's Create/Update/Delete handle, per type (see <see cref="WriteOneAsync"/>): what a Describe says is creatable and updatable.</summary>
    private static readonly Dictionary<string, string[]> WriteActions = new(StringComparer.Ordinal)
    {
        ["Subscriber"] = ["Create", "Update", "Delete"],
        ["DataExtension"] = ["Create", "Update"],
        ["DataFolder"] = ["Create"],
        ["ImportDefinition"] = ["Create", "Update"],
    };

    /// <summary>A DefinitionRequestMsg: one ObjectDefinition per type asked for; an error text when one is not served.</summary>
    private static (XElement? Response, string? Error) Describe(XElement message)
    {
        var types = message.Descendants(Api + "ObjectDefinitionRequest").Select(r => r.Element(Api + "ObjectType")?.Value ?? "").ToList();
        if (types.Count == 0)
        {
            return (null, "DescribeRequests must name at least one ObjectType.");
        }

        if (types.FirstOrDefault(t => !Retrievable.ContainsKey(t)) is { } unknown)
        {
            return (null, $"Unable to find a definition for object type: {unknown}. Object types are case-sensitive, check spelling.");
        }

        return (new XElement(Api + "DefinitionResponseMsg",
            types.Select(ObjectDefinition),
            new XElement(Api + "RequestID", Guid.NewGuid().ToString())), null);
    }

    private static XElement ObjectDefinition(string type)
    {
        var actions = WriteActions.GetValueOrDefault(type) ?? [];
        var creatable = actions.Contains("Create");
        var updatable = actions.Contains("Update");
        var members = EmulatorWsdl.Members(type);

        // The retrievable names first (dotted ones included, as SFMC lists Client.ID), then the WSDL's other elements.
        var names = Retrievable[type].Concat(members.Select(m => m.Name)).Distinct(StringComparer.Ordinal);
        return new XElement(Api + "ObjectDefinition",
            new XElement(Api + "ObjectType", type),
            new XElement(Api + "Name", type),
            new XElement(Api + "IsCreatable", creatable),
            new XElement(Api + "IsUpdatable", updatable),
            new XElement(Api + "IsRetrievable", true),
            names.Select(name =>
            {
                var retrievable = Retrievable[type].Contains(name, StringComparer.Ordinal);
                return new XElement(Api + "Properties",
                    new XElement(Api + "PartnerKey", new XAttribute(XName.Get("nil", Xsi), "true")),
                    new XElement(Api + "ObjectID", new XAttribute(XName.Get("nil", Xsi), "true")),
                    new XElement(Api + "Name", name),
                    new XElement(Api + "DataType", DataType(type, name)),
                    new XElement(Api + "IsCreatable", creatable),
                    new XElement(Api + "IsUpdatable", updatable),
                    new XElement(Api + "IsRetrievable", retrievable),
                    new XElement(Api + "IsFilterable", retrievable));
            }));
    }

    /// <summary>SFMC's DataType text for a (dotted) property: .NET names for XSD types (Int32, DateTime), the WSDL type's name otherwise, <c>[]</c> for lists.</summary>
    private static string DataType(string type, string path)
    {
        var current = type;
        WsdlMember? member = null;
        foreach (var part in path.Split('.'))
        {
            member = EmulatorWsdl.Members(current).FirstOrDefault(m => m.Name == part);
            if (member is null)
            {
                // Beyond the WSDL (IsPlatformObject): SFMC describes it as Boolean; others as String.
                return part.StartsWith("Is", StringComparison.Ordinal) ? "Boolean" : "String";
            }

            current = member.TypeName;
        }

        var name = member!.TypeName switch
        {
            "string" => "String",
            "int" => "Int32",
            "long" => "Int64",
            "short" => "Int16",
            "byte" => "SByte",
            "boolean" => "Boolean",
            "dateTime" => "DateTime",
            "double" => "Double",
            "decimal" => "Decimal",
            var other => other,
        };
        return member.IsList ? name + "[]" : name;
    }

    /// <summary>A PerformRequestMsg: TriggeredSendDefinitions change status; any other type is a per-definition error.</summary>
    private async Task<XElement> PerformAsync(XElement message, CancellationToken cancellationToken)
    {
        var action = message.Element(Api + "Action")?.Value ?? "";
        var results = new List<XElement>();
        foreach (var definition in message.Element(Api + "Definitions")?.Elements(Api + "Definition") ?? [])
        {
            var type = LocalName(definition.Attribute(XName.Get("type", Xsi))?.Value) ?? "";
            var (outcome, objectId, taskId) = type switch
            {
                "TriggeredSendDefinition" => await PerformTriggeredSendAsync(action, definition, cancellationToken),
                "ImportDefinition" => await PerformImportAsync(action, definition, cancellationToken),
                "Automation" => await PerformAutomationAsync(action, definition, cancellationToken),
                _ => (SoapWriteResult.Error($"The emulator does not model Perform '{action}' on {(type.Length == 0 ? "an object without xsi:type" : type)}.", 2), null, null),
            };
            var result = OperationResult("Result", outcome, results.Count);
            result.Add(new XElement(Api + "Object",
                new XAttribute(XName.Get("type", Xsi), type),
                new XElement(Api + "PartnerKey", new XAttribute(XName.Get("nil", Xsi), "true")),
                new XElement(Api + "ObjectID", objectId ?? definition.Element(Api + "ObjectID")?.Value)));
            if (outcome.Status == "OK")
            {
                result.Add(new XElement(Api + "Task",
                    new XElement(Api + "StatusCode", "OK"),
                    new XElement(Api + "StatusMessage", "OK"),
                    new XElement(Api + "ID", taskId ?? Interlocked.Increment(ref _nextId)),
                    new XElement(Api + "InteractionObjectID", objectId)));
            }

            results.Add(result);
        }

        return BatchResponse("PerformResponseMsg", results);
    }

    /// <summary>start: Active; pause and stop: Inactive; publish: keeps the status (the emulator has no unpublished changes).</summary>
    private async Task<(SoapWriteResult Outcome, string? ObjectId, int? TaskId)> PerformTriggeredSendAsync(string action, XElement definition, CancellationToken cancellationToken)
    {
        string? status = action switch
        {
            "start" => "Active",
            "pause" or "stop" => "Inactive",
            "publish" => null,
            _ => "?",
        };
        if (status == "?")
        {
            return (SoapWriteResult.Error($"Invalid action '{action}' for TriggeredSendDefinition: start, pause, stop or publish (actions are case-sensitive).", 2), null, null);
        }

        var (matches, name) = NamedBy(definition);
        var changed = await store.UpdateSoapObjectAsync(
            "TriggeredSendDefinition",
            matches,
            d =>
            {
                if (status is not null)
                {
                    d["TriggeredSendStatus"] = status;
                }

                d["ModifiedDate"] = ServerTime();
            },
            cancellationToken);
        return changed is null
            ? (SoapWriteResult.Error($"TriggeredSendDefinition '{name}' was not found. Keys are case-sensitive.", 180008), null, null)
            : (SoapWriteResult.Ok("TriggeredSendDefinition perform called successfully"), changed.GetValueOrDefault("ObjectID"), null);
    }

    /// <summary>
    /// The stored object a Perform definition names: by CustomerKey (case-sensitive) or ObjectID, whichever it carries;
    /// <c>Name</c> is the one to quote when nothing matches.
    /// </summary>
    private static (Func<Dictionary<string, string?>, bool> Matches, string? Name) NamedBy(XElement definition)
    {
        var key = NonEmpty(definition.Element(Api + "CustomerKey")?.Value);
        var objectId = NonEmpty(definition.Element(Api + "ObjectID")?.Value);
        return (stored => (key is not null && string.Equals(stored.GetValueOrDefault("CustomerKey"), key, StringComparison.Ordinal))
            || (objectId is not null && string.Equals(stored.GetValueOrDefault("ObjectID"), objectId, StringComparison.OrdinalIgnoreCase)),
            key ?? objectId);
    }

    /// <summary>An ExecuteRequestMsg: LogUnsubEvent runs; other names are per-request errors.</summary>
    private async Task<XElement> ExecuteAsync(XElement message, CancellationToken cancellationToken)
    {
        var results = new List<XElement>();
        foreach (var request in message.Elements(Api + "Requests"))
        {
            var name = request.Element(Api + "Name")?.Value ?? "";
            var parameters = request.Elements(Api + "Parameters")
                .Where(p => p.Element(Api + "Name") is not null)
                .GroupBy(p => p.Element(Api + "Name")!.Value, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.Last().Element(Api + "Value")?.Value, StringComparer.OrdinalIgnoreCase);
            var outcome = name == "LogUnsubEvent"
                ? await LogUnsubEventAsync(parameters, cancellationToken)
                : SoapWriteResult.Error($"The emulator does not model Execute '{name}' (it runs LogUnsubEvent).", 2);
            results.Add(OperationResult("Results", outcome, results.Count));
        }

        return BatchResponse("ExecuteResponseMsg", results);
    }

    /// <summary>
    /// Unsubscribes the subscriber named by SubscriberKey, EmailAddress or SubscriberID (all given must agree) and logs
    /// an UnsubEvent against JobID/ListID/BatchID, as Salesforce's LogUnsubEvent reference describes.
    /// </summary>
    private async Task<SoapWriteResult> LogUnsubEventAsync(Dictionary<string, string?> parameters, CancellationToken cancellationToken)
    {
        var given = new[] { "SubscriberKey", "EmailAddress", "SubscriberID" }
            .Select(n => (Name: n == "SubscriberID" ? "ID" : n, Value: parameters.GetValueOrDefault(n)))
            .Where(p => !string.IsNullOrEmpty(p.Value))
            .ToList();
        if (given.Count == 0)
        {
            return SoapWriteResult.Error("LogUnsubEvent needs SubscriberKey, EmailAddress or SubscriberID.", 12001);
        }

        var now = ServerTime();
        var subscriber = await store.UpdateSoapObjectAsync(
            "Subscriber",
            s => given.All(p => string.Equals(s.GetValueOrDefault(p.Name), p.Value, StringComparison.OrdinalIgnoreCase)),
            s =>
            {
                s["Status"] = "Unsubscribed";
                s["UnsubscribedDate"] = now;
            },
            cancellationToken);
        if (subscriber is null)
        {
            return SoapWriteResult.Error($"No subscriber matches {string.Join(", ", given.Select(p => $"{p.Name} '{p.Value}'"))}.", 12001);
        }

        var unsub = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["SubscriberKey"] = subscriber.GetValueOrDefault("SubscriberKey"),
            ["SubscriberID"] = subscriber.GetValueOrDefault("ID"),
            ["EventDate"] = now,
            ["EventType"] = "Unsubscribe",
            ["SendID"] = parameters.GetValueOrDefault("JobID"),
            ["ListID"] = parameters.GetValueOrDefault("ListID"),
            ["BatchID"] = parameters.GetValueOrDefault("BatchID"),
            ["Reason"] = parameters.GetValueOrDefault("Reason"),
        };
        await store.SaveSoapObjectsAsync("UnsubEvent", [(Guid.NewGuid().ToString(), unsub)], cancellationToken);
        return SoapWriteResult.Ok("Event posted");
    }

    /// <summary>Configure, Schedule, Extract: the emulator models none of them; each item is an error that says so (Extract: 31009, no file path).</summary>
    private static XElement Unmodeled(string operation, XElement message)
    {
        var (items, response, item) = operation switch
        {
            "Configure" => (message.Element(Api + "Configurations")?.Elements(Api + "Configuration"), "ConfigureResponseMsg", "Result"),
            "Schedule" => (message.Element(Api + "Interactions")?.Elements(Api + "Interaction"), "ScheduleResponseMsg", "Result"),
            _ => (message.Elements(Api + "Requests"), "ExtractResponseMsg", "ExtractResult"),
        };
        var results = (items ?? []).Select((element, index) => OperationResult(item, operation == "Extract"
            ? SoapWriteResult.Error($"No file path available: the emulator has no FTP site to extract '{element.Element(Api + "ID")?.Value}' to.", 31009)
            : SoapWriteResult.Error($"The emulator does not model {operation} of {LocalName(element.Attribute(XName.Get("type", Xsi))?.Value) ?? "this object"}.", 2), index)).ToList();
        return BatchResponse(response, results);
    }

    /// <summary>A result element: StatusCode, StatusMessage, OrdinalID, ErrorCode (Create/Update/Delete add NewID and Object to it).</summary>
    private static XElement OperationResult(string name, SoapWriteResult outcome, int ordinal)
    {
        var result = new XElement(Api + name,
            new XElement(Api + "StatusCode", outcome.Status),
            new XElement(Api + "StatusMessage", SfmcResponses.Clip(outcome.Message)),
            new XElement(Api + "OrdinalID", ordinal.ToString(CultureInfo.InvariantCulture)));
        if (outcome.ErrorCode is { } code)
        {
            result.Add(new XElement(Api + "ErrorCode", code));
        }

        return result;
    }

    /// <summary>
    /// A response message of per-item results: Perform/Configure/Schedule wrap them (<c>Results/Result</c>, then
    /// OverallStatus, OverallStatusMessage, RequestID), Execute repeats <c>Results</c> after OverallStatus and
    /// RequestID, Extract wraps <c>Results/ExtractResult</c> after them: each as the WSDL's sequence orders it.
    /// </summary>
    private static XElement BatchResponse(string name, List<XElement> results)
    {
        var ok = results.Count(r => r.Element(Api + "StatusCode")?.Value == "OK");
        var overall = results.Count > 0 && ok == results.Count ? "OK" : ok == 0 ? "Error" : "Has Errors";
        var requestId = new XElement(Api + "RequestID", Guid.NewGuid().ToString());
        var status = new XElement(Api + "OverallStatus", overall);
        return name switch
        {
            "ExecuteResponseMsg" => new XElement(Api + name, status, requestId, results),
            "ExtractResponseMsg" => new XElement(Api + name, status, requestId, new XElement(Api + "Results", results)),
            _ => new XElement(Api + name, new XElement(Api + "Results", results), status, new XElement(Api + "OverallStatusMessage"), requestId),
        };
    }
}
