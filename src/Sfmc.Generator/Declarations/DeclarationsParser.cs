using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Sfmc.Generator.Common;
using Sfmc.Generator.DataExtensions;
using Sfmc.Generator.DataExtensions.Model;
using Sfmc.Generator.Diagnostics;
using static Sfmc.Generator.Common.SpecReader;

namespace Sfmc.Generator.Declarations;

/// <summary>A journey field: a DE field name (typed by the entry DE) or a name with its own fieldType.</summary>
internal sealed record JourneyFieldModel(string Name, LocationInfo Location, FieldType? Type, int? Scale);

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
    EquatableArray<JourneyFieldModel> DataFields);

/// <summary>What sfmc.json declares about the tenant.</summary>
internal sealed record DeclarationsModel(string FilePath, EquatableArray<JourneyModel> Journeys);

/// <summary>The result of parsing sfmc.json: a model (null when unusable) and its diagnostics.</summary>
internal sealed record DeclarationsParseResult(DeclarationsModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>
/// Reads <c>sfmc.json</c> (schema: specs/sfmc.schema.json): the journeys of the tenant, their EventDefinitionKeys,
/// entry DEs and data fields. Bad input gives located diagnostics and skips what is broken, never an exception.
/// </summary>
internal static class DeclarationsParser
{
    public const string FileName = "sfmc.json";

    private static readonly string[] RootProperties = { "$schema", "journeys" };

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
        if (root.Find("journeys") is { } journeysProperty)
        {
            if (journeysProperty.Value.Kind != JsonKind.Array)
            {
                context.Report(DiagnosticDescriptors.WrongJsonType, journeysProperty.Value.Span, "journeys", "an array", Describe(journeysProperty.Value));
            }
            else
            {
                ParseJourneys(context, journeysProperty.Value, journeys);
            }
        }

        return new DeclarationsModel(context.Path, journeys.ToEquatableArray());
    }

    private static void ParseJourneys(SpecContext context, JsonNode array, List<JourneyModel> journeys)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var keys = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in array.Items!)
        {
            if (item.Kind != JsonKind.Object)
            {
                context.Report(DiagnosticDescriptors.WrongJsonType, item.Span, "journeys[]", "an object", Describe(item));
                continue;
            }

            ReportUnknownProperties(context, item, JourneyProperties);
            var name = RequiredString(context, item, "name", "A journey's");
            var key = RequiredString(context, item, "eventDefinitionKey", "Journey " + (name?.Text ?? "?") + "'s");
            var description = OptionalString(context, item, "description");
            var entry = item.Find("entryDataExtension");
            string? entryKey = null;
            LocationInfo? entryLocation = null;
            if (entry is not null && entry.Value.Kind != JsonKind.Null)
            {
                if (entry.Value.IsString && !string.IsNullOrWhiteSpace(entry.Value.Text))
                {
                    entryKey = entry.Value.Text;
                    entryLocation = LocationInfo.From(context.Path, context.Text, entry.Value.Span);
                }
                else
                {
                    context.Report(DiagnosticDescriptors.WrongJsonType, entry.Value.Span, "entryDataExtension", "a DE customer key (non-empty string)", Describe(entry.Value));
                }
            }

            var fieldsProperty = item.Find("dataFields");
            var fields = new List<JourneyFieldModel>();
            if (fieldsProperty is not null && fieldsProperty.Value.Kind != JsonKind.Array)
            {
                context.Report(DiagnosticDescriptors.WrongJsonType, fieldsProperty.Value.Span, "dataFields", "an array", Describe(fieldsProperty.Value));
            }
            else if (fieldsProperty is not null)
            {
                ParseDataFields(context, fieldsProperty.Value, fields);
            }

            if (name is null || key is null)
            {
                continue;
            }

            var identifier = Naming.ToPascalCase(name.Value.Text);
            if (identifier is null)
            {
                context.Report(DiagnosticDescriptors.NoIdentifier, name.Value.Span, "Journey name", name.Value.Text);
                continue;
            }

            if (key.Value.Text.IndexOf('.') >= 0)
            {
                context.Report(DiagnosticDescriptors.PeriodInEventDefinitionKey, key.Value.Span, name.Value.Text, key.Value.Text);
                continue;
            }

            var property = identifier.TrimStart('@');
            if (names.TryGetValue(property, out var firstName))
            {
                context.Report(DiagnosticDescriptors.DuplicateDeclaration, name.Value.Span, "Journey name", name.Value.Text, firstName);
                continue;
            }

            if (keys.TryGetValue(key.Value.Text, out var firstKey))
            {
                context.Report(DiagnosticDescriptors.DuplicateDeclaration, key.Value.Span, "EventDefinitionKey", key.Value.Text, firstKey);
                continue;
            }

            names.Add(property, name.Value.Text);
            keys.Add(key.Value.Text, key.Value.Text);
            journeys.Add(new JourneyModel(
                name.Value.Text, property + "Journey", property, key.Value.Text, description, entryKey, entryLocation,
                fieldsProperty is not null, fields.ToEquatableArray()));
        }
    }

    /// <summary>Each entry is a DE field name (string) or <c>{ "name", "fieldType", "scale"? }</c>.</summary>
    private static void ParseDataFields(SpecContext context, JsonNode array, List<JourneyFieldModel> fields)
    {
        foreach (var item in array.Items!)
        {
            if (item.IsString && !string.IsNullOrWhiteSpace(item.Text))
            {
                fields.Add(new JourneyFieldModel(item.Text!, LocationInfo.From(context.Path, context.Text, item.Span), null, null));
                continue;
            }

            if (item.Kind != JsonKind.Object)
            {
                context.Report(DiagnosticDescriptors.WrongJsonType, item.Span, "dataFields[]", "a field name or an object with 'name' and 'fieldType'", Describe(item));
                continue;
            }

            ReportUnknownProperties(context, item, DataFieldProperties);
            var name = RequiredString(context, item, "name", "A data field's");
            var typeName = RequiredString(context, item, "fieldType", "Data field " + (name?.Text ?? "?") + "'s");
            var scale = OptionalInt(context, item, "scale", out _);
            if (name is null || typeName is null)
            {
                continue;
            }

            if (DataExtensionParser.ParseFieldType(context, name.Value.Text, typeName.Value.Text, typeName.Value.Span) is { } type)
            {
                fields.Add(new JourneyFieldModel(name.Value.Text, LocationInfo.From(context.Path, context.Text, name.Value.Span), type, scale));
            }
        }
    }
}
