using System;
using System.Linq;
using Sfmc.Generator.Common;
using Sfmc.Generator.DataExtensions.Model;

namespace Sfmc.Generator.Declarations.Model;

/// <summary>A journey data field or a message attribute: a DE field name (typed by the DE) or a name with its own fieldType.</summary>
internal sealed record DeclaredFieldModel(string Name, LocationInfo Location, FieldType? Type, int? Scale);

/// <summary>One journey of sfmc.json, checked on its own (cross-checks against DEs come later).</summary>
internal sealed record JourneyModel(
    string Name,
    string ClassName,
    string PropertyName,
    string EventDefinitionKey,
    string? Description,
    string? EntryDataExtension,
    LocationInfo? EntryLocation,
    bool DeclaresDataFields,
    EquatableArray<DeclaredFieldModel> DataFields);

/// <summary>The kinds of send definition sfmc.json declares.</summary>
internal enum MessageKind
{
    TriggeredSend,
    TransactionalEmail,
    TransactionalSms,
}

/// <summary>A triggered send or a transactional email/SMS definition: its key, its DE and its attributes.</summary>
internal sealed record MessageModel(
    MessageKind Kind,
    string Name,
    string ClassName,
    string PropertyName,
    string DefinitionKey,
    string? Description,
    string? DataExtension,
    LocationInfo? DataExtensionLocation,
    bool DeclaresAttributes,
    EquatableArray<DeclaredFieldModel> Attributes);

/// <summary>A MobileConnect message: its id and the keyword it is sent with.</summary>
internal sealed record MobileConnectModel(string Name, string PropertyName, string MessageId, string Keyword, string? Description);

/// <summary>A synchronized (read-only) DE named in sfmc.json.</summary>
internal sealed record SynchronizedModel(string Key, LocationInfo Location);

/// <summary>A SOAP object (WSDL complexType, or * for all) the project wants generated, and where sfmc.json names it.</summary>
internal sealed record SoapObjectModel(string Name, LocationInfo Location);

/// <summary>What sfmc.json declares about the tenant.</summary>
internal sealed record DeclarationsModel(
    string FilePath,
    EquatableArray<JourneyModel> Journeys,
    EquatableArray<MessageModel> Messages,
    EquatableArray<MobileConnectModel> MobileConnect,
    EquatableArray<SynchronizedModel> Synchronized,
    EquatableArray<SoapObjectModel> SoapObjects)
{
    /// <summary>The read-only DEs' keys, sorted: all the DE emit step needs, so other edits of sfmc.json leave it cached.</summary>
    public EquatableArray<string> ReadOnlyKeys => Synchronized.Select(s => s.Key).OrderBy(k => k, StringComparer.Ordinal).ToEquatableArray();

    /// <summary>Whether sfmc.json declares the DE with this key synchronized (read-only).</summary>
    public bool IsSynchronized(string key) => Synchronized.Any(s => s.Key == key);
}

/// <summary>The result of parsing sfmc.json: a model (null when unusable) and its diagnostics.</summary>
internal sealed record DeclarationsParseResult(DeclarationsModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>How the data of a declared item (a journey's entry event, a send's attributes) is typed.</summary>
internal enum DeclaredDataKind
{
    /// <summary>No entry DE, no data fields: field name → value.</summary>
    Dictionary,

    /// <summary>An entry DE without a field list: the DE's generated row type.</summary>
    Row,

    /// <summary>A field list: a generated <c>Data</c> record (typed by the entry DE when there is one).</summary>
    Record,
}

/// <summary>A journey with its data type resolved against the project's DEs: everything its source needs.</summary>
internal sealed record JourneyToEmit(JourneyModel Journey, string Namespace, DeclaredDataKind Kind, string DataType, string? EntryName, EquatableArray<FieldModel> Fields);

/// <summary>The journeys to emit and what the cross-checks found.</summary>
internal sealed record JourneyResolution(EquatableArray<JourneyToEmit> Journeys, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>A triggered send or transactional definition with its attributes resolved against the project's DEs.</summary>
internal sealed record MessageToEmit(MessageModel Message, string Namespace, DeclaredDataKind Kind, string DataType, string? DataExtensionName, EquatableArray<FieldModel> Fields);

/// <summary>The sends to emit, the MobileConnect messages, and what the cross-checks found.</summary>
internal sealed record MessagingResolution(EquatableArray<MessageToEmit> Messages, EquatableArray<MobileConnectModel> MobileConnect, EquatableArray<DiagnosticInfo> Diagnostics)
{
    public bool IsEmpty => Messages.Count == 0 && MobileConnect.Count == 0;
}

/// <summary>
/// What a declared item's class is made of (a journey, a triggered send, a transactional definition), by name: the
/// emitter reads these members and each item's builder sets them (a swapped pair of strings no longer compiles silently).
/// </summary>
internal sealed record DeclaredClassSpec
{
    public required string Namespace { get; init; }

    public required string Summary { get; init; }

    public required string? Description { get; init; }

    public required string RemarksDetail { get; init; }

    public required string Accessor { get; init; }

    public required string ClassName { get; init; }

    public required string BaseType { get; init; }

    public required string KeySummary { get; init; }

    public required string KeyConstant { get; init; }

    public required string Key { get; init; }

    public required string What { get; init; }

    public required string ClientType { get; init; }

    public required string ConstructorParameter { get; init; }

    public required string BaseArgument { get; init; }

    public required string WriterName { get; init; }

    public required string WriterParameter { get; init; }

    public required DeclaredDataKind Kind { get; init; }

    public required string DataType { get; init; }

    public required EquatableArray<FieldModel> Fields { get; init; }

    public required string RecordName { get; init; }

    public required string RecordSummary { get; init; }

    public required string FieldNoun { get; init; }
}
