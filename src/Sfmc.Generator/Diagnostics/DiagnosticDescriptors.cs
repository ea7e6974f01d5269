using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Sfmc.Generator.Diagnostics;

/// <summary>
/// Every SFMC diagnostic. IDs are stable: never renumber or reuse one. SFMC00xx are common, SFMC01xx are about
/// Data Extensions, SFMC02xx about the SOAP WSDL, SFMC03xx about sfmc.json declarations, SFMC04xx about OpenAPI specs. Each is listed in AnalyzerReleases.*.md and docs/diagnostics.md.
/// </summary>
internal static class DiagnosticDescriptors
{
    /// <summary>
    /// Where <c>docs/diagnostics.md</c> is published: the repository's web address. No public remote exists yet (see
    /// <c>Directory.Build.props</c>, RepositoryUrl); change this one constant when it does.
    /// </summary>
    public const string HelpLinkBase = "https://github.com/sfmc-dotnet/sfmc/blob/main/docs/diagnostics.md";

    private const string SpecCategory = "Sfmc.Spec";
    private const string UsageCategory = "Sfmc.Usage";

    public static readonly DiagnosticDescriptor InvalidJson = Error(
        "SFMC0001", "Invalid JSON", "Invalid JSON in '{0}': {1}",
        "The spec file is not valid JSON. Fix the syntax at the reported position; nothing is generated from this file until it parses.");

    public static readonly DiagnosticDescriptor InvalidNamespace = Error(
        "SFMC0002", "Invalid SfmcNamespace", "The MSBuild property SfmcNamespace '{0}' is not a valid C# namespace",
        "SfmcNamespace replaces the namespace of generated types (default: $(RootNamespace).DataExtensions). It must be a dotted C# identifier such as 'Contoso.Marketing'.");

    public static readonly DiagnosticDescriptor InternalError = Error(
        "SFMC0003", "Internal generator error", "The Sfmc generator failed on '{0}': {1}. Please report this with the file.",
        "The generator never throws on bad input; this is a bug in Sfmc. The file is skipped; report it with the input that caused it.");

    public static readonly DiagnosticDescriptor LanguageVersionTooOld = Error(
        "SFMC0004", "C# version too old for the generated code",
        "This project compiles as C# {0}, but {1} need C# {2} or later: set <LangVersion>14</LangVersion> (or latest) in the project file, or remove the LangVersion pin",
        "Generated rows, SOAP objects and REST classes use static abstract interface members and required members (C# 11); the client.Journeys.X, client.TriggeredSends.X, client.Transactional.X and client.MobileConnect.X accessors of sfmc.json declarations are C# 14 extension members. Below C# 14 the accessors are not generated; the declared classes still are, and are constructed from the client member they extend (new WelcomeJourney(client.Journeys)).",
        UsageCategory);

    public static readonly DiagnosticDescriptor MissingProperty = Error(
        "SFMC0100", "Missing or empty required property", "{0} '{1}' is required and must be a non-empty {2}",
        "A DE file needs 'customerKey', 'name' and 'fields'; each field needs 'name' and 'fieldType'. In sfmc.json a journey needs 'name' and 'eventDefinitionKey'.");

    public static readonly DiagnosticDescriptor WrongJsonType = Error(
        "SFMC0101", "Property has the wrong JSON type", "'{0}' must be {1}, not {2}",
        "Use the JSON type the schema expects: strings for names and keys, integers for maxLength and scale, true/false for flags, arrays for lists.");

    public static readonly DiagnosticDescriptor DuplicateCustomerKey = Error(
        "SFMC0102", "Duplicate customer key", "Customer key '{0}' is declared by more than one DE file (also in '{1}')",
        "A customer key identifies one Data Extension in a business unit. Remove or rename one of the declarations.");

    public static readonly DiagnosticDescriptor CustomerKeyCaseConflict = Error(
        "SFMC0103", "Customer keys differ only in case", "Customer key '{0}' differs only in case from '{1}' (declared in '{2}')",
        "SFMC customer keys are case-sensitive in API calls but a business unit cannot hold two keys that differ only in case; one of the two declarations is wrong.");

    public static readonly DiagnosticDescriptor UnknownFieldType = Error(
        "SFMC0104", "Unknown field type", "Field '{0}' has unknown fieldType '{1}'.{2} Valid types: Text, Number, Decimal, Date, Boolean, EmailAddress, Phone, Locale.",
        "SFMC Data Extension fields are one of Text, Number, Decimal, Date, Boolean, EmailAddress, Phone or Locale (case as written).");

    public static readonly DiagnosticDescriptor DuplicateFieldName = Error(
        "SFMC0105", "Duplicate field name", "Field name '{0}' is already used by field '{1}' (SFMC field names are unique regardless of case)",
        "Two fields of one Data Extension cannot share a name, even if the case differs.");

    public static readonly DiagnosticDescriptor MaxLengthOutOfRange = Error(
        "SFMC0106", "MaxLength or scale out of range", "Field '{0}': {1} {2} is out of range for {3} (allowed: {4})",
        "Text MaxLength is 1–4000, EmailAddress 1–254, Phone and Locale 1–4000; Decimal MaxLength (precision) is 1–29 and its scale 0–MaxLength.");

    public static readonly DiagnosticDescriptor PropertyNotAllowed = Error(
        "SFMC0107", "Property not allowed for the field type", "Field '{0}': {1} is not allowed on a {2} field",
        "MaxLength applies to Text, EmailAddress, Phone, Locale and Decimal fields; Scale only to Decimal. Remove the property.");

    public static readonly DiagnosticDescriptor DecimalNeedsPrecision = Error(
        "SFMC0108", "Decimal field needs maxLength and scale", "Decimal field '{0}' must declare {1}",
        "SFMC requires a Decimal field's precision (maxLength, total digits) and scale (digits after the point).");

    public static readonly DiagnosticDescriptor PrimaryKeyNotRequired = Error(
        "SFMC0109", "Primary key field is not required", "Primary key field '{0}' must be required (isRequired: true)",
        "SFMC does not allow a nullable primary key. Set isRequired to true on every primary key field.");

    public static readonly DiagnosticDescriptor InvalidSendable = Error(
        "SFMC0110", "Sendable DE without a valid subscriber relationship", "Sendable DE '{0}': {1}",
        "A sendable DE relates one of its fields (sendableDataExtensionField) to the subscriber's 'Subscriber Key' or 'Email Address' (sendableSubscriberField).");

    public static readonly DiagnosticDescriptor TypeNameCollision = Error(
        "SFMC0111", "Generated type names collide", "DE '{0}' generates type '{1}', which DE '{2}' (in '{3}') also generates",
        "Type names are the PascalCase of the DE name plus 'Row'. Rename one DE; names are never silently changed.");

    public static readonly DiagnosticDescriptor PropertyNameCollision = Error(
        "SFMC0112", "Generated property names collide", "Field '{0}' generates property '{1}', which {2}",
        "Property names are the PascalCase of the field name. Two fields whose names differ only in punctuation or the case of a first letter collide, and some names are taken by generated members (CustomerKey, Fields, MaxLengths, Schema, the type's own name, record members). Rename the field; names are never silently changed.");

    public static readonly DiagnosticDescriptor NoIdentifier = Error(
        "SFMC0113", "Name gives no C# identifier", "{0} '{1}' has no letters or digits to build a C# name from",
        "Generated names are built from the letters and digits of the SFMC name.");

    public static readonly DiagnosticDescriptor LongCustomerKey = Warning(
        "SFMC0114", "Customer key longer than 36 characters", "Customer key '{0}' has {1} characters; SFMC recommends at most 36",
        "SFMC accepts longer keys but its UI truncates them to 36 characters, which can break other processes.");

    public static readonly DiagnosticDescriptor DatePrimaryKey = Warning(
        "SFMC0115", "Date field in the primary key", "Date field '{0}' is part of the primary key; SOAP Retrieve rounds dates to the second, so rows may not match",
        "Salesforce advises against Date primary keys. Prefer a Text or Number key.");

    public static readonly DiagnosticDescriptor ReservedFieldName = Error(
        "SFMC0116", "Reserved field name", "Field name '{0}' is reserved by SFMC",
        "Every Data Extension has a hidden identity column '_CustomObjectKey'; a field cannot use that name.");

    public static readonly DiagnosticDescriptor InvalidDefaultValue = Error(
        "SFMC0117", "Default value does not fit the field type", "Field '{0}': default value '{1}' is not a valid {2}",
        "Number defaults are integers, Decimal defaults are numbers, Boolean defaults are true or false.");

    public static readonly DiagnosticDescriptor UnknownProperty = Warning(
        "SFMC0118", "Unknown property in a spec file", "Unknown property '{0}' is ignored.{1}",
        "The *.de.json and sfmc.json formats accept the properties of their JSON Schemas (specs/sfmc-de.schema.json, specs/sfmc.schema.json). A misspelled property would otherwise be silently ignored.");

    public static readonly DiagnosticDescriptor NoFields = Error(
        "SFMC0119", "DE has no fields", "DE '{0}' declares no fields",
        "A Data Extension needs at least one field.");

    public static readonly DiagnosticDescriptor UnknownDataExtensionKey = Error(
        "SFMC0150", "Unknown Data Extension key", "No DE file in this project declares customer key '{0}'.{1}",
        "Keys passed to parameters marked [SfmcKey(SfmcKeyKind.DataExtension)] and to [DataExtensionKey] must be declared by a *.de.json or *.dataExtension-meta.json file of the project.",
        UsageCategory);

    public static readonly DiagnosticDescriptor DataExtensionKeyCaseMismatch = Error(
        "SFMC0151", "Data Extension key differs in case", "Customer key '{0}' differs in case from the declared key '{1}': SFMC keys are case-sensitive",
        "SFMC matches customer keys case-sensitively: use the key exactly as declared.",
        UsageCategory);

    public static readonly DiagnosticDescriptor InvalidWsdlXml = Error(
        "SFMC0200", "WSDL is not well-formed XML", "'{0}' is not well-formed XML: {1}",
        "The WSDL could not be read as XML. DTDs are refused (they could expand entities or reach the network); fix the reported position. Nothing is generated from the file until it reads.");

    public static readonly DiagnosticDescriptor WsdlWithoutSchema = Error(
        "SFMC0201", "Not a WSDL with a schema", "'{0}' is not a WSDL with an xsd:schema in wsdl:types",
        "A *.wsdl file must be a wsdl:definitions document whose wsdl:types holds the SFMC schema (specs/etframework.wsdl is the reference).");

    public static readonly DiagnosticDescriptor WsdlSchemaError = Error(
        "SFMC0202", "WSDL schema error", "Schema error in '{0}': {1}",
        "System.Xml.Schema could not compile the WSDL's schema (an unknown type, a broken reference, an invalid facet). Imports are never fetched: types of a missing import cannot be used.");

    public static readonly DiagnosticDescriptor UnknownSoapObject = Error(
        "SFMC0203", "Unknown SOAP object", "{0} names SOAP object '{1}', which is not a complexType of '{2}'.{3}",
        "The MSBuild property SfmcSoapObjects (semicolon-separated) and sfmc.json's soapObjects list the SOAP objects to generate: WSDL type names, case-sensitive, or * for all. Each must be a complexType of the WSDL.",
        UsageCategory);

    public static readonly DiagnosticDescriptor MultipleWsdlFiles = Warning(
        "SFMC0204", "More than one WSDL", "More than one WSDL is declared: '{0}' is used, '{1}' is ignored",
        "SOAP types are generated from one WSDL. Remove the extra *.wsdl from AdditionalFiles, or set SfmcSoap to false and add the one you want.");

    public static readonly DiagnosticDescriptor UnsupportedSchemaConstruct = Warning(
        "SFMC0205", "Unsupported schema construct", "Type '{0}' uses {1}, which the generator does not map; its content is skipped when read",
        "The SFMC WSDL uses sequences, choices, extensions and enumerations. Other constructs are skipped (read as unknown elements) rather than failing the build.");

    public static readonly DiagnosticDescriptor InvalidSoapVisibility = Error(
        "SFMC0206", "Invalid SfmcSoapVisibility", "SfmcSoapVisibility must be 'internal' or 'public', not '{0}'",
        "Generated SOAP types are internal by default so two projects never clash; set SfmcSoapVisibility to public to expose them from a library.",
        UsageCategory);

    public static readonly DiagnosticDescriptor PeriodInEventDefinitionKey = Error(
        "SFMC0300", "EventDefinitionKey contains a period", "Journey '{0}': EventDefinitionKey '{1}' contains a period, which SFMC does not allow",
        "Salesforce's reference for POST /interaction/v1/events: do not include a period in the EventDefinitionKey. Copy the key from Journey Builder's Event Administration.");

    public static readonly DiagnosticDescriptor DuplicateDeclaration = Error(
        "SFMC0301", "Duplicate declaration in sfmc.json", "{0} '{1}' is declared twice in sfmc.json (first as '{2}')",
        "Each name and each key appears once in its section of sfmc.json: names are compared by the C# member they generate (transactional emails and SMS share client.Transactional, so they share names), keys case-insensitively, because two keys that differ only in case are a typo.");

    public static readonly DiagnosticDescriptor UnknownEntryDataExtension = Error(
        "SFMC0302", "Unknown Data Extension in sfmc.json", "{0}: Data Extension '{1}' is not declared by a DE file of this project.{2}",
        "A journey's entryDataExtension, a send's dataExtension and each synchronizedDataExtensions entry name the customer key (case-sensitive) of a Data Extension declared by a *.de.json or *.dataExtension-meta.json file of the project.");

    public static readonly DiagnosticDescriptor UnknownJourneyDataField = Error(
        "SFMC0303", "Declared field not in its Data Extension", "{0} '{1}' is not a field of Data Extension '{2}'.{3}",
        "When a journey names its entry DE, every name in dataFields must be a field of that DE (SFMC writes the event data into it); when a triggered send or a transactional definition names its DE, every name in attributes must be a field of it.");

    public static readonly DiagnosticDescriptor MultipleDeclarationFiles = Warning(
        "SFMC0304", "More than one sfmc.json", "More than one sfmc.json is declared: '{0}' is used, '{1}' is ignored",
        "A project declares its tenant's journeys and sends in one sfmc.json. Remove the other from AdditionalFiles.");

    public static readonly DiagnosticDescriptor ReadOnlyDataExtensionWritten = Error(
        "SFMC0305", "Read-only Data Extension written by a declaration", "{0} writes into Data Extension '{1}', which sfmc.json declares synchronized (read-only)",
        "Synchronized Data Extensions (Marketing Cloud Connect) are read-only in SFMC. A journey's API entry event writes its data into the entry DE, and a triggered send writes its subscriber attributes into its triggered send DE, so neither can be a synchronized DE.");

    public static readonly DiagnosticDescriptor ReservedDeclarationName = Error(
        "SFMC0306", "Declared name hides a client member", "{0} '{1}' would generate member '{2}', which {3} already has; rename it",
        "Declared journeys, sends and messages become extension members of their client class (client.Journeys.X, client.TriggeredSends.X, client.Transactional.X, client.MobileConnect.X). A member the class already has (SendAsync, Email, Sms, ToString, …) would hide the declared one.");

    public static readonly DiagnosticDescriptor UnknownJourneyKey = Error(
        "SFMC0350", "Unknown journey EventDefinitionKey", "No journey in sfmc.json has EventDefinitionKey '{0}'.{1}",
        "Keys passed to parameters marked [SfmcKey(SfmcKeyKind.Journey)] (client.Journeys.EnterAsync) must be declared as a journey's eventDefinitionKey in the project's sfmc.json.",
        UsageCategory);

    public static readonly DiagnosticDescriptor JourneyKeyCaseMismatch = Error(
        "SFMC0351", "Journey EventDefinitionKey differs in case", "EventDefinitionKey '{0}' differs in case from the declared key '{1}': SFMC keys are case-sensitive",
        "Use the EventDefinitionKey exactly as declared in sfmc.json.",
        UsageCategory);

    public static readonly DiagnosticDescriptor UnknownSendKey = Error(
        "SFMC0352", "Unknown send definition key or message id", "No {2} in sfmc.json has key '{0}'.{1}",
        "Keys passed to parameters marked [SfmcKey(SfmcKeyKind.TriggeredSend | TransactionalMessage | MobileConnectMessage)] (client.TriggeredSends.SendAsync, client.Transactional.Email.SendAsync, client.MobileConnect.SendAsync, …) must be declared in the matching section of the project's sfmc.json.",
        UsageCategory);

    public static readonly DiagnosticDescriptor SendKeyCaseMismatch = Error(
        "SFMC0353", "Send definition key differs in case", "Key '{0}' differs in case from the declared {2} key '{1}': SFMC keys are case-sensitive",
        "Use the key exactly as declared in sfmc.json.",
        UsageCategory);

    public static readonly DiagnosticDescriptor ReadOnlyDataExtensionWrite = Error(
        "SFMC0354", "Write to a read-only Data Extension", "Data Extension '{0}' is declared synchronized (read-only) in sfmc.json; SFMC refuses {1} into it",
        "Synchronized Data Extensions are filled by Marketing Cloud Connect and are read-only. Typed rows of such a DE have no writers (client.DataExtension<TRow>() does not accept them); this error catches the untyped client.DataExtension(\"key\").UpsertAsync/InsertAsync. A rows client kept in a variable first is not followed.",
        UsageCategory);

    public static readonly DiagnosticDescriptor UnreadableOpenApi = Error(
        "SFMC0400", "OpenAPI spec cannot be read", "'{0}' is not a readable OpenAPI document: {1}",
        "An OpenAPI file (specs/sfmc-rest.openapi.yaml, *.openapi.yaml|yml|json, or an SfmcOpenApi item) must be YAML or JSON with an 'openapi: 3.0.x' or 'swagger: \"2.0\"' version. Nothing is generated from it until it reads.");

    public static readonly DiagnosticDescriptor InvalidOpenApi = Error(
        "SFMC0401", "Invalid OpenAPI spec", "OpenAPI error in '{0}': {1}",
        "Microsoft.OpenApi.Readers or the generator found the spec invalid at this place (a missing required field, an unknown type). Fix the spec; valid parts still generate.");

    public static readonly DiagnosticDescriptor UnresolvedRestReference = Error(
        "SFMC0402", "Unresolved $ref in an OpenAPI spec", "Reference '{0}' does not resolve in '{1}'.{2}",
        "A $ref must name a schema of components/schemas (definitions in Swagger 2.0) of the same file. The property is typed as JsonElement until it resolves.");

    public static readonly DiagnosticDescriptor UnsupportedRestSchema = Warning(
        "SFMC0403", "Unsupported OpenAPI schema construct", "'{0}' uses {1}, which the generator does not map; it is typed as JsonElement",
        "The generator maps objects, arrays of objects or strings, free-form objects, strings, dates, numbers and booleans. oneOf, anyOf and not become JsonElement, which still reads and writes the JSON as it is.");

    public static readonly DiagnosticDescriptor RestOperationSkipped = Warning(
        "SFMC0404", "OpenAPI operation not generated", "Operation {0} is not generated: {1}",
        "Generated operations need an operationId, path and query parameters of simple types, and JSON bodies that are objects, arrays of objects or free-form objects. Mark operations the runtime implements with x-sfmc-runtime.");

    public static readonly DiagnosticDescriptor DuplicateRestName = Warning(
        "SFMC0405", "Duplicate name across OpenAPI specs", "{0} '{1}' is already defined by '{2}'; the one in '{3}' is ignored",
        "Operation method names and schema class names are shared by every OpenAPI file of the project. Rename the operationId or schema in the extra spec, or remove the duplicate.");

    public static readonly ImmutableArray<DiagnosticDescriptor> All = typeof(DiagnosticDescriptors)
        .GetFields()
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .ToImmutableArray();

    public static readonly IReadOnlyDictionary<string, DiagnosticDescriptor> ById = All.ToDictionary(d => d.Id);

    private static DiagnosticDescriptor Error(string id, string title, string message, string help, string category = SpecCategory) =>
        new(id, title, message, category, DiagnosticSeverity.Error, isEnabledByDefault: true, description: help, helpLinkUri: HelpLink(id));

    private static DiagnosticDescriptor Warning(string id, string title, string message, string help, string category = SpecCategory) =>
        new(id, title, message, category, DiagnosticSeverity.Warning, isEnabledByDefault: true, description: help, helpLinkUri: HelpLink(id));

    /// <summary>The page of <c>docs/diagnostics.md</c> and its heading's anchor (<c>## SFMC0001</c> → <c>#sfmc0001</c>).</summary>
    private static string HelpLink(string id) => HelpLinkBase + "#" + id.ToLowerInvariant();
}
