using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Xml;

namespace Sfmc.Client.Soap;

/// <content>
/// The SOAP methods beyond Retrieve/Create/Update/Delete, shaped as the WSDL's request and response messages:
/// Perform, Configure, Schedule, Execute, Extract (batched, per-item results like Create) and Describe.
/// </content>
public sealed partial class SfmcSoapClient
{
    private static readonly byte[] ResultElement = "Result"u8.ToArray();
    private static readonly byte[] ExtractResultElement = "ExtractResult"u8.ToArray();

    /// <summary>
    /// Runs <paramref name="action"/> on each definition (<c>PerformRequestMsg</c>): <c>start</c> an ImportDefinition,
    /// a QueryDefinition or an Automation; <c>start</c>/<c>pause</c>/<c>publish</c> a TriggeredSendDefinition; … (see
    /// <see cref="SoapPerformActions"/>). Identify each definition by its key (CustomerKey or ObjectID). Each result's
    /// <see cref="SoapObjectResult{T}.Task"/> holds the started task (its ID tracks an import). Not retried: a
    /// repeated start would start twice.
    /// </summary>
    /// <param name="action">The action, as SFMC spells it (lower case: <c>start</c>).</param>
    /// <param name="definitions">Generated objects (<c>new ImportDefinition { CustomerKey = "…" }</c>) or <see cref="SoapUntypedObject"/>s; each keeps its own type.</param>
    /// <param name="options">Definitions per call.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<SoapWriteResult<T>> PerformAsync<T>(string action, IEnumerable<T> definitions, SoapWriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : SoapObject, ISoapObject<T>
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(action);
        var all = Materialize(definitions);
        return BatchCoreAsync<T, T>("Perform", "Perform", TypesOf(all), all, batch => writer =>
        {
            writer.WriteStartElement("PerformRequestMsg"u8);
            writer.WriteStartElement("Options"u8);
            writer.WriteEndElement("Options"u8);
            writer.WriteElement("Action"u8, action);
            WriteObjects(writer, "Definitions"u8, "Definition"u8, batch);
            writer.WriteEndElement("PerformRequestMsg"u8);
        }, replayable: false, ResultElement, options, cancellationToken);
    }

    /// <summary>
    /// Applies <paramref name="action"/> (<c>create</c>, <c>update</c>, <c>delete</c>, …) to each configuration
    /// object (<c>ConfigureRequestMsg</c>): subscriber attributes (PropertyDefinition), a user's business units
    /// (AccountUser), …. Per-object results like Create; SFMC echoes the object in <see cref="SoapObjectResult{T}.Returned"/>.
    /// </summary>
    public Task<SoapWriteResult<T>> ConfigureAsync<T>(string action, IEnumerable<T> configurations, SoapWriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : SoapObject, ISoapObject<T>
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(action);
        var all = Materialize(configurations);
        return BatchCoreAsync<T, T>("Configure", "Configure", TypesOf(all), all, batch => writer =>
        {
            writer.WriteStartElement("ConfigureRequestMsg"u8);
            writer.WriteElement("Action"u8, action);
            WriteObjects(writer, "Configurations"u8, "Configuration"u8, batch);
            writer.WriteEndElement("ConfigureRequestMsg"u8);
        }, replayable: false, ResultElement, options, cancellationToken);
    }

    /// <summary>
    /// Schedules interactions (an Automation, …) with one schedule (<c>ScheduleRequestMsg</c>, action <c>start</c>):
    /// <paramref name="schedule"/> is a generated <c>ScheduleDefinition</c> (its Recurrence a <c>HourlyRecurrence</c>,
    /// …) or a <see cref="SoapUntypedObject"/> of that type. One result per interaction.
    /// </summary>
    public Task<SoapWriteResult<T>> ScheduleAsync<T>(string action, SoapObject schedule, IEnumerable<T> interactions, SoapWriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : SoapObject, ISoapObject<T>
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(action);
        ArgumentNullException.ThrowIfNull(schedule);
        var all = Materialize(interactions);
        return BatchCoreAsync<T, NoObject>("Schedule", "Schedule", TypesOf(all), all, batch => writer =>
        {
            writer.WriteStartElement("ScheduleRequestMsg"u8);
            writer.WriteElement("Action"u8, action);
            writer.WriteObject("Schedule"u8, schedule, "ScheduleDefinition");
            WriteObjects(writer, "Interactions"u8, "Interaction"u8, batch);
            writer.WriteEndElement("ScheduleRequestMsg"u8);
        }, replayable: false, ResultElement, options, cancellationToken);
    }

    /// <summary>
    /// Runs named server-side requests (<c>ExecuteRequestMsg</c>), such as <c>LogUnsubEvent</c> (unsubscribe a
    /// subscriber and log an UnsubEvent against a job). Each result's <see cref="SoapObjectResult{T}.Properties"/>
    /// holds what the request returned. Not retried.
    /// </summary>
    public Task<SoapWriteResult<SoapExecuteRequest>> ExecuteAsync(IEnumerable<SoapExecuteRequest> requests, SoapWriteOptions? options = null, CancellationToken cancellationToken = default) =>
        BatchCoreAsync<SoapExecuteRequest, NoObject>("Execute", "Execute", "ExecuteRequest", requests, batch => writer =>
        {
            writer.WriteStartElement("ExecuteRequestMsg"u8);
            foreach (var request in batch)
            {
                ArgumentNullException.ThrowIfNull(request);
                writer.WriteStartElement("Requests"u8);
                WriteClient(writer, request.ClientId);
                writer.WriteElement("Name"u8, request.Name);
                foreach (var parameter in request.Parameters)
                {
                    WriteApiProperty(writer, "Parameters"u8, parameter);
                }

                writer.WriteEndElement("Requests"u8);
            }

            writer.WriteEndElement("ExecuteRequestMsg"u8);
        }, replayable: false, resultItem: null, options, cancellationToken);

    /// <summary>
    /// Starts data extracts (<c>ExtractRequestMsg</c>): a tracking extract (<see cref="SoapExtractRequest.TrackingExtractId"/>),
    /// a Data Extension extract, … by the extract's ID (retrieve <c>ExtractDescription</c> for the IDs your account
    /// has) and its parameters. SFMC writes the file to the account's FTP site. Not retried.
    /// </summary>
    public Task<SoapWriteResult<SoapExtractRequest>> ExtractAsync(IEnumerable<SoapExtractRequest> requests, SoapWriteOptions? options = null, CancellationToken cancellationToken = default) =>
        BatchCoreAsync<SoapExtractRequest, NoObject>("Extract", "Extract", "ExtractRequest", requests, batch => writer =>
        {
            writer.WriteStartElement("ExtractRequestMsg"u8);
            foreach (var request in batch)
            {
                ArgumentNullException.ThrowIfNull(request);
                writer.WriteStartElement("Requests"u8);
                WriteClient(writer, request.ClientId);
                writer.WriteElement("ID"u8, request.Id);

                // Required by the WSDL (ExtractOptions has nothing of its own).
                writer.WriteStartElement("Options"u8);
                writer.WriteEndElement("Options"u8);
                writer.WriteStartElement("Parameters"u8);
                foreach (var parameter in request.Parameters)
                {
                    WriteApiProperty(writer, "Parameter"u8, parameter);
                }

                writer.WriteEndElement("Parameters"u8);
                writer.WriteEndElement("Requests"u8);
            }

            writer.WriteEndElement("ExtractRequestMsg"u8);
        }, replayable: false, ExtractResultElement, options, cancellationToken);

    /// <summary>
    /// What this tenant says about an object type (<c>DefinitionRequestMsg</c>): its properties and which are
    /// retrievable, updatable, filterable; a Subscriber's profile attributes in <see cref="SoapObjectDefinition.ExtendedProperties"/>.
    /// </summary>
    /// <exception cref="SfmcSoapException">SFMC described no such type.</exception>
    public async Task<SoapObjectDefinition> DescribeAsync(string objectType, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(objectType);
        var definitions = await DescribeAsync([objectType], cancellationToken);
        return definitions.FirstOrDefault(d => string.Equals(d.ObjectType, objectType, StringComparison.Ordinal)) ?? definitions.FirstOrDefault()
            ?? throw new SfmcSoapException($"SFMC Describe returned no definition for {objectType}", "", null);
    }

    /// <summary>Describes several object types in one call, in SFMC's order.</summary>
    public async Task<IReadOnlyList<SoapObjectDefinition>> DescribeAsync(IEnumerable<string> objectTypes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objectTypes);
        var types = objectTypes.ToList();
        if (types.Count == 0 || types.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("Name at least one object type, none empty.", nameof(objectTypes));
        }

        using var activity = SfmcTelemetry.ActivitySource.StartActivity("Sfmc.Soap.Describe");
        activity?.SetTag("sfmc.soap.object_type", string.Join(",", types));
        var bytes = await SendAsync("Describe", writer =>
        {
            writer.WriteStartElement("DefinitionRequestMsg"u8);
            writer.WriteStartElement("DescribeRequests"u8);
            foreach (var type in types)
            {
                writer.WriteStartElement("ObjectDefinitionRequest"u8);
                writer.WriteElement("ObjectType"u8, type);
                writer.WriteEndElement("ObjectDefinitionRequest"u8);
            }

            writer.WriteEndElement("DescribeRequests"u8);
            writer.WriteEndElement("DefinitionRequestMsg"u8);
        }, replayable: true, cancellationToken);
        return ParseDescribe(bytes, _client.Options.MaxSoapDepth, cancellationToken);
    }

    /// <summary>Parses a DefinitionResponseMsg (tests use it on recorded responses).</summary>
    internal static List<SoapObjectDefinition> ParseDescribe(byte[] bytes, int maxDepth = SoapReader.DefaultMaxDepth, CancellationToken cancellationToken = default)
    {
        var definitions = new List<SoapObjectDefinition>();
        try
        {
            var reader = OpenResponse("Describe", bytes, maxDepth, cancellationToken);
            if (!reader.ReadStartElement())
            {
                return definitions;
            }

            while (reader.MoveToElement())
            {
                if (reader.LocalName.SequenceEqual("ObjectDefinition"u8))
                {
                    definitions.Add(ReadObjectDefinition(reader));
                }
                else
                {
                    reader.Skip();
                }
            }

            return definitions;
        }
        catch (XmlException ex)
        {
            throw new SfmcException($"SFMC SOAP Describe answered XML that could not be read: {ex.Message}", null, null, ex);
        }
    }

    private static SoapObjectDefinition ReadObjectDefinition(SoapReader reader)
    {
        string? objectType = null, name = null;
        bool? creatable = null, updatable = null, retrievable = null, queryable = null;
        var properties = new List<SoapPropertyDefinition>();
        var extended = new List<SoapPropertyDefinition>();
        var children = new List<SoapObjectDefinition>();
        if (reader.ReadStartElement())
        {
            while (reader.MoveToElement())
            {
                var element = reader.LocalName;
                if (element.SequenceEqual("ObjectType"u8))
                {
                    objectType = reader.ReadString();
                }
                else if (element.SequenceEqual("Name"u8))
                {
                    name = reader.ReadString();
                }
                else if (element.SequenceEqual("IsCreatable"u8))
                {
                    creatable = reader.ReadBoolean();
                }
                else if (element.SequenceEqual("IsUpdatable"u8))
                {
                    updatable = reader.ReadBoolean();
                }
                else if (element.SequenceEqual("IsRetrievable"u8))
                {
                    retrievable = reader.ReadBoolean();
                }
                else if (element.SequenceEqual("IsQueryable"u8))
                {
                    queryable = reader.ReadBoolean();
                }
                else if (element.SequenceEqual("Properties"u8))
                {
                    properties.Add(ReadPropertyDefinition(reader));
                }
                else if (element.SequenceEqual("ExtendedProperties"u8))
                {
                    reader.ReadWrapped("ExtendedProperty"u8, extended, ReadPropertyDefinition);
                }
                else if (element.SequenceEqual("ChildObjects"u8))
                {
                    children.Add(ReadObjectDefinition(reader));
                }
                else
                {
                    reader.Skip();
                }
            }

            reader.ReadEndElement();
        }

        return new SoapObjectDefinition(objectType ?? "", name, properties, extended, children)
        {
            IsCreatable = creatable,
            IsUpdatable = updatable,
            IsRetrievable = retrievable,
            IsQueryable = queryable,
        };
    }

    private static SoapPropertyDefinition ReadPropertyDefinition(SoapReader reader)
    {
        var property = new SoapPropertyDefinition();
        if (!reader.ReadStartElement())
        {
            return property;
        }

        while (reader.MoveToElement())
        {
            var element = reader.LocalName;
            if (element.SequenceEqual("Name"u8))
            {
                property.Name = reader.ReadString() ?? "";
            }
            else if (element.SequenceEqual("ID"u8))
            {
                property.Id = reader.ReadInt32();
            }
            else if (element.SequenceEqual("DataType"u8))
            {
                property.DataType = reader.ReadString();
            }
            else if (element.SequenceEqual("PropertyType"u8))
            {
                property.PropertyType = reader.ReadString();
            }
            else if (element.SequenceEqual("IsCreatable"u8))
            {
                property.IsCreatable = reader.ReadBoolean();
            }
            else if (element.SequenceEqual("IsUpdatable"u8))
            {
                property.IsUpdatable = reader.ReadBoolean();
            }
            else if (element.SequenceEqual("IsRetrievable"u8))
            {
                property.IsRetrievable = reader.ReadBoolean();
            }
            else if (element.SequenceEqual("IsFilterable"u8))
            {
                property.IsFilterable = reader.ReadBoolean();
            }
            else if (element.SequenceEqual("IsRequired"u8))
            {
                property.IsRequired = reader.ReadBoolean();
            }
            else if (element.SequenceEqual("IsAccountProperty"u8))
            {
                property.IsAccountProperty = reader.ReadBoolean();
            }
            else if (element.SequenceEqual("IsViewable"u8))
            {
                property.IsViewable = reader.ReadBoolean();
            }
            else if (element.SequenceEqual("IsEditable"u8))
            {
                property.IsEditable = reader.ReadBoolean();
            }
            else if (element.SequenceEqual("Label"u8))
            {
                property.Label = reader.ReadString();
            }
            else if (element.SequenceEqual("Description"u8))
            {
                property.Description = reader.ReadString();
            }
            else if (element.SequenceEqual("DefaultValue"u8))
            {
                property.DefaultValue = reader.ReadString();
            }
            else if (element.SequenceEqual("MaxLength"u8))
            {
                property.MaxLength = reader.ReadInt32();
            }
            else if (element.SequenceEqual("DisplayOrder"u8))
            {
                property.DisplayOrder = reader.ReadInt32();
            }
            else if (element.SequenceEqual("Markups"u8))
            {
                property.Markups.Add(ReadApiProperty(reader));
            }
            else
            {
                reader.Skip();
            }
        }

        reader.ReadEndElement();
        return property;
    }

    private static void WriteObjects<T>(SoapWriter writer, ReadOnlySpan<byte> wrapper, ReadOnlySpan<byte> item, List<T> objects)
        where T : SoapObject
    {
        writer.WriteStartElement(wrapper);
        foreach (var value in objects)
        {
            ArgumentNullException.ThrowIfNull(value);

            // Declared APIObject: the element always names its type.
            writer.WriteObject(item, value, "APIObject");
        }

        writer.WriteEndElement(wrapper);
    }

    private static void WriteApiProperty(SoapWriter writer, ReadOnlySpan<byte> element, SoapApiProperty property)
    {
        ArgumentNullException.ThrowIfNull(property);
        writer.WriteStartElement(element);
        writer.WriteElement("Name"u8, property.Name);
        writer.WriteElement("Value"u8, property.Value);
        writer.WriteEndElement(element);
    }

    private static void WriteClient(SoapWriter writer, int? clientId)
    {
        if (clientId is { } id)
        {
            writer.WriteStartElement("Client"u8);
            writer.WriteElement("ID"u8, id);
            writer.WriteEndElement("Client"u8);
        }
    }

    /// <summary>The caller's objects, enumerated once (the telemetry tag and the batches both read the list).</summary>
    private static List<T> Materialize<T>(IEnumerable<T> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        return objects.ToList();
    }

    /// <summary>The distinct SOAP types of the objects, for telemetry.</summary>
    private static string TypesOf<T>(List<T> objects)
        where T : SoapObject =>
        string.Join(",", objects.Where(o => o is not null).Select(o => o.SoapTypeNameCore).Distinct(StringComparer.Ordinal));
}

/// <summary>Perform actions as SFMC spells them (its Perform reference lists which apply to which object).</summary>
public static class SoapPerformActions
{
    /// <summary><c>start</c>: run an ImportDefinition, QueryDefinition, Automation, EmailSendDefinition; activate a TriggeredSendDefinition.</summary>
    public const string Start = "start";

    /// <summary><c>stop</c>: stop a running Automation or Campaign.</summary>
    public const string Stop = "stop";

    /// <summary><c>pause</c>: pause a TriggeredSendDefinition.</summary>
    public const string Pause = "pause";

    /// <summary><c>publish</c>: publish a TriggeredSendDefinition's changes.</summary>
    public const string Publish = "publish";
}

/// <summary>An APIProperty: a name and a value, as Execute and Extract take and return them.</summary>
/// <param name="Name">The name.</param>
/// <param name="Value">The value (null: none).</param>
public sealed record SoapApiProperty(string Name, string? Value);

/// <summary>One ExecuteRequest: a named request (<c>LogUnsubEvent</c>) and its parameters.</summary>
/// <param name="Name">The request's name, as SFMC spells it.</param>
/// <param name="Parameters">Its parameters, in order.</param>
public sealed record SoapExecuteRequest(string Name, IReadOnlyList<SoapApiProperty> Parameters)
{
    /// <summary>The business unit (MID) to run it in (<c>Client/ID</c>); null for the token's.</summary>
    public int? ClientId { get; init; }
}

/// <summary>One ExtractRequest: the extract's ID and its parameters (StartDate, EndDate, OutputFileName, …).</summary>
/// <param name="Id">The extract's ID (an ExtractDescription's ObjectID).</param>
/// <param name="Parameters">Its parameters, in order.</param>
public sealed record SoapExtractRequest(string Id, IReadOnlyList<SoapApiProperty> Parameters)
{
    /// <summary>The ID of SFMC's Tracking Extract, the same in every account (Salesforce's "Perform a Data Extract").</summary>
    public const string TrackingExtractId = "c7219016-a7f0-4c72-8657-1ec12c28a0db";

    /// <summary>The business unit (MID) to extract from (<c>Client/ID</c>); null for the token's.</summary>
    public int? ClientId { get; init; }
}

/// <summary>A TaskResult: the asynchronous task a Perform or Schedule started.</summary>
/// <param name="StatusCode">OK or Error.</param>
/// <param name="StatusMessage">SFMC's message.</param>
/// <param name="ErrorCode">SFMC's error code, for errors.</param>
/// <param name="Id">The task's ID (for an ImportDefinition: the TaskResultID its ImportResultsSummary carries).</param>
/// <param name="TblAsyncId">The asynchronous queue's ID, when SFMC gives one.</param>
/// <param name="InteractionObjectId">The ObjectID of the definition the task runs.</param>
public sealed record SoapTaskResult(string? StatusCode, string? StatusMessage, int? ErrorCode, string? Id, int? TblAsyncId, string? InteractionObjectId);

/// <summary>An ObjectDefinition: what a Describe says about one object type.</summary>
/// <param name="ObjectType">The type described.</param>
/// <param name="Name">Its name (child objects: the property that holds them, e.g. <c>Attributes</c>).</param>
/// <param name="Properties">Its properties.</param>
/// <param name="ExtendedProperties">Account-specific properties (a Subscriber's profile attributes).</param>
/// <param name="ChildObjects">Definitions of objects it holds.</param>
public sealed record SoapObjectDefinition(
    string ObjectType, string? Name, IReadOnlyList<SoapPropertyDefinition> Properties, IReadOnlyList<SoapPropertyDefinition> ExtendedProperties, IReadOnlyList<SoapObjectDefinition> ChildObjects)
{
    /// <summary>Whether objects of the type can be created; null when SFMC does not say.</summary>
    public bool? IsCreatable { get; init; }

    /// <summary>Whether they can be updated; null when SFMC does not say.</summary>
    public bool? IsUpdatable { get; init; }

    /// <summary>Whether they can be retrieved; null when SFMC does not say.</summary>
    public bool? IsRetrievable { get; init; }

    /// <summary>Whether they can be queried; null when SFMC does not say.</summary>
    public bool? IsQueryable { get; init; }

    /// <summary>The property named <paramref name="name"/> (dotted names as SFMC lists them: <c>Client.ID</c>), if described.</summary>
    public SoapPropertyDefinition? this[string name] => Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal));

    /// <summary>The names of the retrievable properties: what a Retrieve of this type may ask for on this tenant.</summary>
    public IReadOnlyList<string> RetrievableProperties => Properties.Where(p => p.IsRetrievable == true).Select(p => p.Name).ToList();
}

/// <summary>A PropertyDefinition: one property of a described type. Flags are null when SFMC does not say.</summary>
public sealed class SoapPropertyDefinition
{
    /// <summary>The property's name (dotted for nested ones: <c>Client.ID</c>).</summary>
    public string Name { get; set; } = "";

    /// <summary>The ID (profile attributes have one).</summary>
    public int? Id { get; set; }

    /// <summary>SFMC's data type name (<c>String</c>, <c>Int32</c>, <c>SubscriberStatus</c>, <c>Attribute[]</c>; profile attributes: <c>text</c>).</summary>
    public string? DataType { get; set; }

    /// <summary>The ExactTarget property type (<c>string</c>, <c>boolean</c>, <c>double</c>, <c>datetime</c>).</summary>
    public string? PropertyType { get; set; }

    /// <summary>Can be set in a Create.</summary>
    public bool? IsCreatable { get; set; }

    /// <summary>Can be set in an Update.</summary>
    public bool? IsUpdatable { get; set; }

    /// <summary>Can be named in a Retrieve's Properties.</summary>
    public bool? IsRetrievable { get; set; }

    /// <summary>Can be used in a SimpleFilterPart.</summary>
    public bool? IsFilterable { get; set; }

    /// <summary>Must have a value.</summary>
    public bool? IsRequired { get; set; }

    /// <summary>Specific to the account.</summary>
    public bool? IsAccountProperty { get; set; }

    /// <summary>Shown to the subscriber in the profile center.</summary>
    public bool? IsViewable { get; set; }

    /// <summary>Editable by the subscriber in the profile center.</summary>
    public bool? IsEditable { get; set; }

    /// <summary>The label shown in the user interface.</summary>
    public string? Label { get; set; }

    /// <summary>The description.</summary>
    public string? Description { get; set; }

    /// <summary>The default value.</summary>
    public string? DefaultValue { get; set; }

    /// <summary>The longest value allowed.</summary>
    public int? MaxLength { get; set; }

    /// <summary>Where the property is placed among the others.</summary>
    public int? DisplayOrder { get; set; }

    /// <summary>Markups (a profile attribute's substitution string: <c>%%First Name%%</c>).</summary>
    public IList<SoapApiProperty> Markups { get; } = new List<SoapApiProperty>();
}
