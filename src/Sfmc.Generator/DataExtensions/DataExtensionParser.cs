using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Sfmc.Generator.Common;
using Sfmc.Generator.DataExtensions.Model;
using Sfmc.Generator.Diagnostics;

using static Sfmc.Generator.Common.SpecReader;

namespace Sfmc.Generator.DataExtensions;

/// <summary>
/// Parses one DE file — our <c>*.de.json</c> or sfmc-devtools' <c>*.dataExtension-meta.json</c> — into a
/// validated <see cref="DataExtensionModel"/> plus diagnostics located at the offending JSON token. Never throws
/// on bad input.
/// </summary>
internal static class DataExtensionParser
{
    public const string DeJsonSuffix = ".de.json";
    public const string McdevSuffix = ".dataExtension-meta.json";

    /// <summary>Names taken by generated members; a property with one of these names would not compile.</summary>
    internal static readonly HashSet<string> ReservedMemberNames = new(StringComparer.Ordinal)
    {
        "CustomerKey", "Fields", "MaxLengths", "Schema",
        "EqualityContract", "Equals", "GetHashCode", "ToString", "PrintMembers", "Deconstruct", "GetType", "MemberwiseClone", "Finalize", "ReferenceEquals",
    };

    private static readonly string[] DeJsonProperties =
    {
        "$schema", "customerKey", "name", "description", "isSendable", "isTestable", "sendableDataExtensionField", "sendableSubscriberField", "fields",
    };

    private static readonly string[] FieldProperties =
    {
        "name", "fieldType", "maxLength", "scale", "isPrimaryKey", "isRequired", "defaultValue", "description",
    };

    private static readonly string[] SubscriberFields = { "Subscriber Key", "Email Address", "_SubscriberKey" };

    private static readonly string[] FieldTypeNames = FieldTypes.Names;

    /// <summary>A fieldType as written (case-sensitive, as SFMC names them); unknown → SFMC0104 with "did you mean".</summary>
    internal static FieldType? ParseFieldType(SpecContext context, string field, string typeName, TextSpan span)
    {
        if (Array.IndexOf(FieldTypeNames, typeName) is var index and >= 0)
        {
            return (FieldType)index;
        }

        context.Report(DiagnosticDescriptors.UnknownFieldType, span, field, typeName, Naming.DidYouMean(typeName, FieldTypeNames));
        return null;
    }

    public static bool IsDataExtensionFile(string path) =>
        path.EndsWith(DeJsonSuffix, StringComparison.OrdinalIgnoreCase) || path.EndsWith(McdevSuffix, StringComparison.OrdinalIgnoreCase);

    public static DataExtensionParseResult Parse(AdditionalText file, CancellationToken cancellationToken)
    {
        var text = file.GetText(cancellationToken);
        return text is null
            ? new DataExtensionParseResult(null, EquatableArray<DiagnosticInfo>.Empty)
            : Parse(file.Path, text, cancellationToken);
    }

    public static DataExtensionParseResult Parse(string path, SourceText text, CancellationToken cancellationToken)
    {
        var (model, diagnostics) = ReadObject(path, text, cancellationToken, ParseCore);
        return new DataExtensionParseResult(model, diagnostics);
    }

    private static DataExtensionModel? ParseCore(SpecContext context, JsonNode root, CancellationToken cancellationToken)
    {
        var isMcdev = context.Path.EndsWith(McdevSuffix, StringComparison.OrdinalIgnoreCase);
        if (!isMcdev)
        {
            ReportUnknownProperties(context, root, DeJsonProperties);
        }

        var customerKey = RequiredString(context, root, "customerKey", "The DE's");
        var name = RequiredString(context, root, "name", "The DE's");
        var description = OptionalString(context, root, "description");
        var isSendable = OptionalBool(context, root, "isSendable") ?? false;
        var sendableField = OptionalNameReference(context, root, "sendableDataExtensionField");
        var subscriberField = OptionalNameReference(context, root, "sendableSubscriberField");

        var fieldsProperty = root.Find("fields");
        var fields = new List<FieldModel>();
        if (fieldsProperty is null)
        {
            context.Report(DiagnosticDescriptors.MissingProperty, Opening(root), "The DE's", "fields", "array");
        }
        else if (fieldsProperty.Value.Kind != JsonKind.Array)
        {
            context.Report(DiagnosticDescriptors.WrongJsonType, fieldsProperty.Value.Span, "fields", "an array", Describe(fieldsProperty.Value));
        }
        else
        {
            ParseFields(context, fieldsProperty.Value, isMcdev, fields, cancellationToken);
            if (fieldsProperty.Value.Items!.Count == 0 && name is not null)
            {
                context.Report(DiagnosticDescriptors.NoFields, fieldsProperty.Value.Span, name.Value.Text);
            }
        }

        if (customerKey is { } key && key.Text.Length > 36)
        {
            context.Report(DiagnosticDescriptors.LongCustomerKey, key.Span, key.Text, key.Text.Length.ToString(CultureInfo.InvariantCulture));
        }

        if (isSendable && name is not null)
        {
            ValidateSendable(context, root, name.Value.Text, sendableField, subscriberField, fields);
        }

        if (customerKey is null || name is null)
        {
            return null;
        }

        var typeStem = Naming.ToPascalCase(name.Value.Text);
        if (typeStem is null)
        {
            context.Report(DiagnosticDescriptors.NoIdentifier, name.Value.Span, "DE name", name.Value.Text);
            return null;
        }

        var typeName = typeStem.TrimStart('@') + "Row";
        ValidatePropertyNames(context, fieldsProperty?.Value, typeName, fields);

        return new DataExtensionModel(
            context.Path,
            customerKey.Value.Text,
            name.Value.Text,
            description,
            isSendable,
            sendableField?.Text,
            subscriberField?.Text,
            typeName,
            fields.ToEquatableArray(),
            LocationInfo.From(context.Path, context.Text, customerKey.Value.Span),
            LocationInfo.From(context.Path, context.Text, name.Value.Span));
    }

    private static void ParseFields(SpecContext context, JsonNode array, bool isMcdev, List<FieldModel> fields, CancellationToken cancellationToken)
    {
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in array.Items!)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (item.Kind != JsonKind.Object)
            {
                context.Report(DiagnosticDescriptors.WrongJsonType, item.Span, "fields[]", "an object", Describe(item));
                continue;
            }

            if (!isMcdev)
            {
                ReportUnknownProperties(context, item, FieldProperties);
            }

            var name = RequiredString(context, item, "name", "A field's");
            var typeNode = item.Find("fieldType");
            FieldType? type = null;
            if (typeNode is null)
            {
                context.Report(DiagnosticDescriptors.MissingProperty, Opening(item), "Field " + (name?.Text ?? "?") + "'s", "fieldType", "string");
            }
            else if (!typeNode.Value.IsString)
            {
                context.Report(DiagnosticDescriptors.WrongJsonType, typeNode.Value.Span, "fieldType", "a string", Describe(typeNode.Value));
            }
            else
            {
                type = ParseFieldType(context, name?.Text ?? "?", typeNode.Value.Text!, typeNode.Value.Span);
            }

            var maxLength = OptionalInt(context, item, "maxLength", out var maxLengthNode);
            var scale = OptionalInt(context, item, "scale", out var scaleNode);
            var isPrimaryKey = OptionalBool(context, item, "isPrimaryKey") ?? false;
            var isRequiredNode = item.Find("isRequired");
            var isRequired = OptionalBool(context, item, "isRequired") ?? isPrimaryKey;
            var defaultValue = OptionalScalarText(context, item, "defaultValue", out var defaultNode);
            var description = OptionalString(context, item, "description");

            if (name is null || type is null)
            {
                continue;
            }

            var fieldName = name.Value.Text;
            if (seen.TryGetValue(fieldName, out var existing))
            {
                context.Report(DiagnosticDescriptors.DuplicateFieldName, name.Value.Span, fieldName, existing);
                continue;
            }

            seen.Add(fieldName, fieldName);
            if (string.Equals(fieldName, "_CustomObjectKey", StringComparison.OrdinalIgnoreCase))
            {
                context.Report(DiagnosticDescriptors.ReservedFieldName, name.Value.Span, fieldName);
                continue;
            }

            var ok = ValidateLengths(context, fieldName, type.Value, ref maxLength, maxLengthNode, ref scale, scaleNode, Opening(item));
            if (isPrimaryKey && !isRequired)
            {
                context.Report(DiagnosticDescriptors.PrimaryKeyNotRequired, isRequiredNode?.Value.Span ?? name.Value.Span, fieldName);
                ok = false;
            }

            if (isPrimaryKey && !FieldTypes.Of(type.Value).CanBePrimaryKey)
            {
                context.Report(DiagnosticDescriptors.DatePrimaryKey, name.Value.Span, fieldName);
            }

            if (string.IsNullOrEmpty(defaultValue))
            {
                defaultValue = null;
            }
            else if (!FieldTypes.Of(type.Value).IsValidDefault(defaultValue!))
            {
                context.Report(DiagnosticDescriptors.InvalidDefaultValue, defaultNode!.Span, fieldName, defaultValue!, type.Value.ToString());
                ok = false;
            }

            var propertyName = Naming.ToPascalCase(fieldName);
            if (propertyName is null)
            {
                context.Report(DiagnosticDescriptors.NoIdentifier, name.Value.Span, "Field name", fieldName);
                continue;
            }

            if (!ok)
            {
                continue;
            }

            fields.Add(new FieldModel(
                fieldName,
                propertyName,
                type.Value,
                maxLength,
                scale,
                isPrimaryKey,
                isRequired,
                IsRequiredMember: isPrimaryKey || (isRequired && defaultValue is null),
                defaultValue,
                description));
        }
    }

    private static bool ValidateLengths(
        SpecContext context, string field, FieldType type, ref int? maxLength, JsonNode? maxLengthNode, ref int? scale, JsonNode? scaleNode, TextSpan fieldOpening)
    {
        var info = FieldTypes.Of(type);
        var ok = true;
        switch (info.Length)
        {
            case LengthRule.None:
                if (maxLength is not null)
                {
                    context.Report(DiagnosticDescriptors.PropertyNotAllowed, maxLengthNode!.Span, field, "maxLength", type.ToString());
                    ok = false;
                }

                break;
            case LengthRule.Precision:
                var range = "1–" + info.MaxLengthLimit!.Value.ToString(CultureInfo.InvariantCulture);
                if (maxLength is null || scale is null)
                {
                    var missing = maxLength is null && scale is null ? $"maxLength (precision, {range}) and scale" : maxLength is null ? $"maxLength (precision, {range})" : "scale";
                    context.Report(DiagnosticDescriptors.DecimalNeedsPrecision, maxLengthNode?.Span ?? scaleNode?.Span ?? fieldOpening, field, missing);
                    return false;
                }

                if (maxLength < 1 || maxLength > info.MaxLengthLimit)
                {
                    context.Report(DiagnosticDescriptors.MaxLengthOutOfRange, maxLengthNode!.Span, field, "maxLength", maxLength.Value.ToString(CultureInfo.InvariantCulture), type.ToString(), range);
                    return false;
                }

                if (scale < 0 || scale > maxLength)
                {
                    context.Report(DiagnosticDescriptors.MaxLengthOutOfRange, scaleNode!.Span, field, "scale", scale.Value.ToString(CultureInfo.InvariantCulture), type.ToString(), "0–" + maxLength.Value.ToString(CultureInfo.InvariantCulture));
                    return false;
                }

                return true;
            case LengthRule.Characters:
                var upper = info.MaxLengthLimit!.Value;
                if (maxLength is { } length && (length < 1 || length > upper))
                {
                    context.Report(DiagnosticDescriptors.MaxLengthOutOfRange, maxLengthNode!.Span, field, "maxLength", length.ToString(CultureInfo.InvariantCulture), type.ToString(), "1–" + upper.ToString(CultureInfo.InvariantCulture));
                    ok = false;
                }

                // EmailAddress fields are always 254 in SFMC; the others are unchecked when undeclared.
                maxLength ??= info.DefaultMaxLength;
                break;
        }

        // SOAP and mcdev report Scale 0 on every field; only a non-zero scale is a real mistake.
        if (scale is { } s && s != 0)
        {
            context.Report(DiagnosticDescriptors.PropertyNotAllowed, scaleNode!.Span, field, "scale", type.ToString());
            ok = false;
        }

        scale = null;
        return ok;
    }

    private static void ValidateSendable(
        SpecContext context, JsonNode root, string deName, NameReference? sendableField, NameReference? subscriberField, List<FieldModel> fields)
    {
        if (sendableField is null)
        {
            context.Report(DiagnosticDescriptors.InvalidSendable, root.Find("isSendable")!.Value.Span, deName, "'sendableDataExtensionField' (the DE field that relates to the subscriber) is missing");
        }
        else if (!fields.Any(f => string.Equals(f.Name, sendableField.Value.Text, StringComparison.OrdinalIgnoreCase)))
        {
            context.Report(
                DiagnosticDescriptors.InvalidSendable,
                sendableField.Value.Span,
                deName,
                $"sendableDataExtensionField '{sendableField.Value.Text}' is not a field of the DE.{Naming.DidYouMean(sendableField.Value.Text, fields.Select(f => f.Name))}");
        }

        if (subscriberField is null)
        {
            context.Report(DiagnosticDescriptors.InvalidSendable, root.Find("isSendable")!.Value.Span, deName, "'sendableSubscriberField' ('Subscriber Key' or 'Email Address') is missing");
        }
        else if (Array.IndexOf(SubscriberFields, subscriberField.Value.Text) < 0)
        {
            context.Report(
                DiagnosticDescriptors.InvalidSendable,
                subscriberField.Value.Span,
                deName,
                $"sendableSubscriberField '{subscriberField.Value.Text}' must be 'Subscriber Key' or 'Email Address'.{Naming.DidYouMean(subscriberField.Value.Text, SubscriberFields)}");
        }
    }

    private static void ValidatePropertyNames(SpecContext context, JsonNode? fieldsArray, string typeName, List<FieldModel> fields)
    {
        var byProperty = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            var property = field.PropertyName.TrimStart('@');
            string? clash = null;
            if (ReservedMemberNames.Contains(property))
            {
                clash = "is a member every generated row has";
            }
            else if (property == typeName)
            {
                clash = "is the name of the generated type";
            }
            else if (byProperty.TryGetValue(property, out var other))
            {
                clash = $"field '{other}' also generates";
            }

            if (clash is null)
            {
                byProperty.Add(property, field.Name);
                continue;
            }

            var span = FindFieldNameSpan(fieldsArray, field.Name);
            context.Report(DiagnosticDescriptors.PropertyNameCollision, span, field.Name, property, clash);
            fields.RemoveAt(i--);
        }
    }

    private static TextSpan FindFieldNameSpan(JsonNode? fieldsArray, string fieldName)
    {
        foreach (var item in fieldsArray?.Items ?? new List<JsonNode>())
        {
            if (item.Find("name") is { Value: { IsString: true } value } && value.Text == fieldName)
            {
                return value.Span;
            }
        }

        return default;
    }
}
