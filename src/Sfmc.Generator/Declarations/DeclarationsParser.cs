using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Sfmc.Generator.Common;
using Sfmc.Generator.DataExtensions;
using Sfmc.Generator.Diagnostics;
using static Sfmc.Generator.Common.SpecReader;

using Sfmc.Generator.Declarations.Model;

namespace Sfmc.Generator.Declarations;

/// <summary>
/// Reads <c>sfmc.json</c> (schema: specs/sfmc.schema.json): the tenant's journeys (EventDefinitionKeys, entry DEs, data
/// fields), triggered sends and transactional email/SMS definitions (keys, DEs, attributes), MobileConnect messages,
/// synchronized (read-only) DEs and the SOAP objects to generate. Bad input gives located diagnostics and skips what is broken, never an exception.
/// </summary>
internal static class DeclarationsParser
{
    public const string FileName = "sfmc.json";

    private static readonly string[] RootProperties = { "$schema", "journeys", "triggeredSends", "transactionalEmails", "transactionalSms", "mobileConnectMessages", "synchronizedDataExtensions", "soapObjects" };

    private static readonly string[] MessageProperties = { "name", "definitionKey", "description", "dataExtension", "attributes" };

    private static readonly string[] MobileConnectProperties = { "name", "messageId", "keyword", "description" };

    private static readonly string[] JourneyProperties = { "name", "eventDefinitionKey", "description", "entryDataExtension", "dataFields" };

    private static readonly string[] DataFieldProperties = { "name", "fieldType", "scale" };

    public static bool IsDeclarationsFile(string path) =>
        string.Equals(System.IO.Path.GetFileName(path), FileName, StringComparison.OrdinalIgnoreCase);

    public static DeclarationsParseResult Parse(AdditionalText file, CancellationToken cancellationToken)
    {
        var text = file.GetText(cancellationToken);
        return text is null
            ? new DeclarationsParseResult(null, EquatableArray<DiagnosticInfo>.Empty)
            : Parse(file.Path, text, cancellationToken);
    }

    public static DeclarationsParseResult Parse(string path, SourceText text, CancellationToken cancellationToken)
    {
        var (model, diagnostics) = ReadObject(path, text, cancellationToken, ParseCore);
        return new DeclarationsParseResult(model, diagnostics);
    }

    private static DeclarationsModel? ParseCore(SpecContext context, JsonNode root, CancellationToken cancellationToken)
    {
        ReportUnknownProperties(context, root, RootProperties);
        var journeys = new List<JourneyModel>();
        if (Array(context, root, "journeys") is { } journeyArray)
        {
            ParseJourneys(context, journeyArray, journeys);
        }

        // Triggered sends have their own accessor class; email and SMS share client.Transactional, so one name space.
        var messages = new List<MessageModel>();
        if (Array(context, root, "triggeredSends") is { } triggered)
        {
            ParseMessages(context, triggered, MessageKind.TriggeredSend, new Names(), messages);
        }

        var transactionalNames = new Names();
        if (Array(context, root, "transactionalEmails") is { } emails)
        {
            ParseMessages(context, emails, MessageKind.TransactionalEmail, transactionalNames, messages);
        }

        if (Array(context, root, "transactionalSms") is { } sms)
        {
            ParseMessages(context, sms, MessageKind.TransactionalSms, transactionalNames, messages);
        }

        var mobileConnect = new List<MobileConnectModel>();
        if (Array(context, root, "mobileConnectMessages") is { } mobile)
        {
            ParseMobileConnect(context, mobile, mobileConnect);
        }

        var synchronized = DistinctStrings(context, root, "synchronizedDataExtensions", "a DE customer key (non-empty string)", "Synchronized DE")
            .Select(n => new SynchronizedModel(n.Text, LocationInfo.From(context.Path, context.Text, n.Span)));
        var soapObjects = DistinctStrings(context, root, "soapObjects", "a WSDL complexType name or *", "SOAP object")
            .Select(n => new SoapObjectModel(n.Text, LocationInfo.From(context.Path, context.Text, n.Span)));
        return new DeclarationsModel(context.Path, journeys.ToEquatableArray(), messages.ToEquatableArray(), mobileConnect.ToEquatableArray(), synchronized.ToEquatableArray(), soapObjects.ToEquatableArray());
    }

    /// <summary>An array of distinct non-empty strings (case-sensitive); others are reported and skipped.</summary>
    private static List<NameReference> DistinctStrings(SpecContext context, JsonNode root, string name, string expected, string what)
    {
        var names = new List<NameReference>();
        if (Array(context, root, name) is not { } array)
        {
            return names;
        }

        foreach (var item in array.Items!)
        {
            if (!item.IsString || string.IsNullOrWhiteSpace(item.Text))
            {
                context.Report(DiagnosticDescriptors.WrongJsonType, item.Span, name + "[]", expected, Describe(item));
            }
            else if (names.Any(n => n.Text == item.Text))
            {
                context.Report(DiagnosticDescriptors.DuplicateDeclaration, item.Span, what, item.Text!, item.Text!);
            }
            else
            {
                names.Add(new NameReference(item.Text!, item.Span));
            }
        }

        return names;
    }

    /// <summary>The array under <paramref name="name"/>, or null (absent, or not an array: reported).</summary>
    private static JsonNode? Array(SpecContext context, JsonNode root, string name)
    {
        if (root.Find(name) is not { } property || property.Value.Kind == JsonKind.Null)
        {
            return null;
        }

        if (property.Value.Kind != JsonKind.Array)
        {
            context.Report(DiagnosticDescriptors.WrongJsonType, property.Value.Span, name, "an array", Describe(property.Value));
            return null;
        }

        return property.Value;
    }

    /// <summary>The array's objects, each after its unknown properties are reported; other items are reported and skipped.</summary>
    private static IEnumerable<JsonNode> Objects(SpecContext context, JsonNode array, string arrayName, string[] known)
    {
        foreach (var item in array.Items!)
        {
            if (item.Kind != JsonKind.Object)
            {
                context.Report(DiagnosticDescriptors.WrongJsonType, item.Span, arrayName, "an object", Describe(item));
                continue;
            }

            ReportUnknownProperties(context, item, known);
            yield return item;
        }
    }

    /// <summary>Names (by the C# member they give) and keys (case-insensitively) already declared in one accessor group.</summary>
    private sealed class Names
    {
        public Dictionary<string, string> Members { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> Keys { get; } = new(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The member a declared name gives, or null when it is unusable (no identifier, a member the client class already
    /// has, or a name used before): each reported at the name.
    /// </summary>
    private static string? MemberName(SpecContext context, NameReference name, string what, Names names, string[] reserved, string client)
    {
        var identifier = Naming.ToPascalCase(name.Text);
        if (identifier is null)
        {
            context.Report(DiagnosticDescriptors.NoIdentifier, name.Span, what + " name", name.Text);
            return null;
        }

        var property = identifier.TrimStart('@');
        if (reserved.Contains(property, StringComparer.Ordinal) || ObjectMembers.Contains(property, StringComparer.Ordinal))
        {
            context.Report(DiagnosticDescriptors.ReservedDeclarationName, name.Span, what, name.Text, property, client);
            return null;
        }

        if (names.Members.TryGetValue(property, out var firstName))
        {
            context.Report(DiagnosticDescriptors.DuplicateDeclaration, name.Span, what + " name", name.Text, firstName);
            return null;
        }

        names.Members.Add(property, name.Text);
        return property;
    }

    private static readonly string[] ObjectMembers = { "Equals", "GetHashCode", "GetType", "ToString" };

    private static bool NewKey(SpecContext context, NameReference key, string what, Names names)
    {
        if (names.Keys.TryGetValue(key.Text, out var first))
        {
            context.Report(DiagnosticDescriptors.DuplicateDeclaration, key.Span, what, key.Text, first);
            return false;
        }

        names.Keys.Add(key.Text, key.Text);
        return true;
    }

    private static void ParseMessages(SpecContext context, JsonNode array, MessageKind kind, Names names, List<MessageModel> messages)
    {
        var (what, suffix, reserved, client) = kind switch
        {
            MessageKind.TriggeredSend => ("Triggered send", "TriggeredSend", new[] { "SendAsync" }, "TriggeredSendClient"),
            MessageKind.TransactionalEmail => ("Transactional email", "Email", new[] { "Email", "Sms" }, "TransactionalClient"),
            _ => ("Transactional SMS", "Sms", new[] { "Email", "Sms" }, "TransactionalClient"),
        };
        var keys = new Names();
        foreach (var item in Objects(context, array, ArrayName(kind) + "[]", MessageProperties))
        {
            var name = RequiredString(context, item, "name", "A " + what.ToLowerInvariant() + "'s");
            var key = RequiredString(context, item, "definitionKey", what + " " + (name?.Text ?? "?") + "'s");
            var description = OptionalString(context, item, "description");
            var (dataExtension, dataExtensionLocation) = DataExtensionReference(context, item, "dataExtension");
            var (declaresAttributes, attributes) = Fields(context, item, "attributes");
            if (name is null || key is null)
            {
                continue;
            }

            if (MemberName(context, name.Value, what, names, reserved, client) is not { } property
                || !NewKey(context, key.Value, what + " definitionKey", keys))
            {
                continue;
            }

            messages.Add(new MessageModel(kind, name.Value.Text, property + suffix, property, key.Value.Text, description, dataExtension, dataExtensionLocation, declaresAttributes, attributes));
        }
    }

    private static string ArrayName(MessageKind kind) => kind switch
    {
        MessageKind.TriggeredSend => "triggeredSends",
        MessageKind.TransactionalEmail => "transactionalEmails",
        _ => "transactionalSms",
    };

    private static void ParseMobileConnect(SpecContext context, JsonNode array, List<MobileConnectModel> messages)
    {
        var names = new Names();
        foreach (var item in Objects(context, array, "mobileConnectMessages[]", MobileConnectProperties))
        {
            var name = RequiredString(context, item, "name", "A MobileConnect message's");
            var id = RequiredString(context, item, "messageId", "MobileConnect message " + (name?.Text ?? "?") + "'s");
            var keyword = RequiredString(context, item, "keyword", "MobileConnect message " + (name?.Text ?? "?") + "'s");
            var description = OptionalString(context, item, "description");
            if (name is null || id is null || keyword is null)
            {
                continue;
            }

            if (MemberName(context, name.Value, "MobileConnect message", names, new[] { "SendAsync", "MaxSubscribersPerRequest" }, "MobileConnectClient") is { } property
                && NewKey(context, id.Value, "MobileConnect messageId", names))
            {
                messages.Add(new MobileConnectModel(name.Value.Text, property, id.Value.Text, keyword.Value.Text, description));
            }
        }
    }

    /// <summary>An optional DE customer key property and where it is.</summary>
    private static (string? Key, LocationInfo? Location) DataExtensionReference(SpecContext context, JsonNode item, string name)
    {
        var entry = item.Find(name);
        if (entry is null || entry.Value.Kind == JsonKind.Null)
        {
            return (null, null);
        }

        if (entry.Value.IsString && !string.IsNullOrWhiteSpace(entry.Value.Text))
        {
            return (entry.Value.Text, LocationInfo.From(context.Path, context.Text, entry.Value.Span));
        }

        context.Report(DiagnosticDescriptors.WrongJsonType, entry.Value.Span, name, "a DE customer key (non-empty string)", Describe(entry.Value));
        return (null, null);
    }

    /// <summary>An optional field list (journey dataFields, message attributes): whether it is there, and its fields.</summary>
    private static (bool Declared, EquatableArray<DeclaredFieldModel> Fields) Fields(SpecContext context, JsonNode item, string name)
    {
        var property = item.Find(name);
        if (property is null)
        {
            return (false, EquatableArray<DeclaredFieldModel>.Empty);
        }

        var fields = new List<DeclaredFieldModel>();
        if (property.Value.Kind != JsonKind.Array)
        {
            context.Report(DiagnosticDescriptors.WrongJsonType, property.Value.Span, name, "an array", Describe(property.Value));
        }
        else
        {
            ParseDataFields(context, property.Value, name, fields);
        }

        return (true, fields.ToEquatableArray());
    }

    private static void ParseJourneys(SpecContext context, JsonNode array, List<JourneyModel> journeys)
    {
        var names = new Names();
        foreach (var item in Objects(context, array, "journeys[]", JourneyProperties))
        {
            var name = RequiredString(context, item, "name", "A journey's");
            var key = RequiredString(context, item, "eventDefinitionKey", "Journey " + (name?.Text ?? "?") + "'s");
            var description = OptionalString(context, item, "description");
            var (entryKey, entryLocation) = DataExtensionReference(context, item, "entryDataExtension");
            var (declaresFields, fields) = Fields(context, item, "dataFields");
            if (name is null || key is null)
            {
                continue;
            }

            if (Naming.ToPascalCase(name.Value.Text) is not null && key.Value.Text.IndexOf('.') >= 0)
            {
                context.Report(DiagnosticDescriptors.PeriodInEventDefinitionKey, key.Value.Span, name.Value.Text, key.Value.Text);
                continue;
            }

            if (MemberName(context, name.Value, "Journey", names, new[] { "EnterAsync", "MaxMembersPerRequest", "WriteDictionary" }, "JourneyClient") is not { } property
                || !NewKey(context, key.Value, "EventDefinitionKey", names))
            {
                continue;
            }

            journeys.Add(new JourneyModel(name.Value.Text, property + "Journey", property, key.Value.Text, description, entryKey, entryLocation, declaresFields, fields));
        }
    }

    /// <summary>Each entry is a DE field name (string) or <c>{ "name", "fieldType", "scale"? }</c>.</summary>
    private static void ParseDataFields(SpecContext context, JsonNode array, string arrayName, List<DeclaredFieldModel> fields)
    {
        foreach (var item in array.Items!)
        {
            if (item.IsString && !string.IsNullOrWhiteSpace(item.Text))
            {
                fields.Add(new DeclaredFieldModel(item.Text!, LocationInfo.From(context.Path, context.Text, item.Span), null, null));
                continue;
            }

            if (item.Kind != JsonKind.Object)
            {
                context.Report(DiagnosticDescriptors.WrongJsonType, item.Span, arrayName + "[]", "a field name or an object with 'name' and 'fieldType'", Describe(item));
                continue;
            }

            ReportUnknownProperties(context, item, DataFieldProperties);
            var name = RequiredString(context, item, "name", "A field's");
            var typeName = RequiredString(context, item, "fieldType", "Field " + (name?.Text ?? "?") + "'s");
            var scale = OptionalInt(context, item, "scale", out _);
            if (name is null || typeName is null)
            {
                continue;
            }

            if (DataExtensionParser.ParseFieldType(context, name.Value.Text, typeName.Value.Text, typeName.Value.Span) is { } type)
            {
                fields.Add(new DeclaredFieldModel(name.Value.Text, LocationInfo.From(context.Path, context.Text, name.Value.Span), type, scale));
            }
        }
    }
}
