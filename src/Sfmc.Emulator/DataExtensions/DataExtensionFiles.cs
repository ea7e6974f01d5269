using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Sfmc.Client;

namespace Sfmc.Emulator;

/// <summary>
/// Reads the same DE files the generator reads — <c>*.de.json</c> and sfmc-devtools' <c>*.dataExtension-meta.json</c>
/// — so the standalone emulator serves a project's DEs. The generator is the strict checker (located diagnostics);
/// this loader only needs what the tenant would store and fails with the file name on anything unusable. Writes
/// <c>*.de.json</c> files too (<c>sfmc pull</c>): what <see cref="LoadFile"/> reads back as the same definition.
/// </summary>
public static class DataExtensionFiles
{
    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Loads every DE file at <paramref name="path"/>: one file, or a folder searched recursively.</summary>
    public static IReadOnlyList<DataExtensionInfo> Load(string path)
    {
        if (File.Exists(path))
        {
            return new[] { LoadFile(path) };
        }

        if (!Directory.Exists(path))
        {
            throw new FileNotFoundException($"No DE file or folder at '{path}'.", path);
        }

        return SourceFiles(path, "*.json")
            .Where(f => f.EndsWith(".de.json", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".dataExtension-meta.json", StringComparison.OrdinalIgnoreCase))
            .Select(LoadFile)
            .ToList();
    }

    /// <summary>A project's files matching <paramref name="pattern"/> under <paramref name="folder"/>, recursively, without build output (bin/, obj/), in ordinal order.</summary>
    internal static IEnumerable<string> SourceFiles(string folder, string pattern) =>
        Directory.EnumerateFiles(folder, pattern, SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(folder, f).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Order(StringComparer.Ordinal);

    /// <summary>Loads one DE file.</summary>
    public static DataExtensionInfo LoadFile(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path), Options);
            var root = document.RootElement;
            var fields = Property(root, "fields") is { ValueKind: JsonValueKind.Array } array
                ? array.EnumerateArray().Select(Field).ToList()
                : throw new InvalidDataException("'fields' must be an array.");
            return new DataExtensionInfo(
                Text(root, "customerKey") ?? throw new InvalidDataException("'customerKey' is required."),
                Text(root, "name") ?? throw new InvalidDataException("'name' is required."),
                Text(root, "description"),
                Property(root, "isSendable") is { ValueKind: JsonValueKind.True },
                NameReference(root, "sendableDataExtensionField"),
                NameReference(root, "sendableSubscriberField"),
                fields);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or ArgumentException or FormatException)
        {
            throw new InvalidDataException($"{path}: {ex.Message} (build the project to see located SFMC diagnostics).", ex);
        }
    }

    /// <summary>The file name <c>sfmc pull</c> gives a DE: its CustomerKey, characters a file name cannot have as <c>_</c>, then <c>.de.json</c> (or mcdev's <c>.dataExtension-meta.json</c>).</summary>
    public static string FileName(DataExtensionInfo dataExtension, bool mcdev = false)
    {
        ArgumentNullException.ThrowIfNull(dataExtension);
        var invalid = Path.GetInvalidFileNameChars().Concat(['\\', '/', ':', '*', '?', '"', '<', '>', '|']).ToHashSet();
        return new string(dataExtension.CustomerKey.Select(c => invalid.Contains(c) || char.IsControl(c) ? '_' : c).ToArray()) + (mcdev ? ".dataExtension-meta.json" : ".de.json");
    }

    /// <summary>
    /// A <c>*.de.json</c> file's text: stable (the same definition always gives the same bytes), one field a line in
    /// the given order, values that equal what an absent one means left out (a primary key's isRequired is written).
    /// </summary>
    public static string ToJson(DataExtensionInfo dataExtension)
    {
        ArgumentNullException.ThrowIfNull(dataExtension);
        var text = new System.Text.StringBuilder();
        text.Append("{\n");
        text.Append("  \"customerKey\": ").Append(Quote(dataExtension.CustomerKey)).Append(",\n");
        text.Append("  \"name\": ").Append(Quote(dataExtension.Name)).Append(",\n");
        if (!string.IsNullOrEmpty(dataExtension.Description))
        {
            text.Append("  \"description\": ").Append(Quote(dataExtension.Description)).Append(",\n");
        }

        if (dataExtension.IsSendable)
        {
            text.Append("  \"isSendable\": true,\n");
            if (dataExtension.SendableDataExtensionField is { } sendable)
            {
                text.Append("  \"sendableDataExtensionField\": ").Append(Quote(sendable)).Append(",\n");
            }

            if (dataExtension.SendableSubscriberField is { } subscriber)
            {
                text.Append("  \"sendableSubscriberField\": ").Append(Quote(subscriber)).Append(",\n");
            }
        }

        text.Append("  \"fields\": [");
        for (var i = 0; i < dataExtension.Fields.Count; i++)
        {
            var field = dataExtension.Fields[i];
            var rules = DataExtensionFieldTypes.Of(field.FieldType);
            text.Append(i == 0 ? "\n" : ",\n");
            text.Append("    { \"name\": ").Append(Quote(field.Name)).Append(", \"fieldType\": ").Append(Quote(field.FieldType.ToString()));
            if ((rules.HasCharacterLength || rules.HasPrecision) && field.MaxLength is { } maxLength && maxLength != rules.DefaultMaxLength)
            {
                text.Append(", \"maxLength\": ").Append(maxLength.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            if (rules.HasPrecision && field.Scale is { } scale)
            {
                text.Append(", \"scale\": ").Append(scale.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            if (field.IsPrimaryKey)
            {
                text.Append(", \"isPrimaryKey\": true");
            }

            if (field.IsRequired)
            {
                text.Append(", \"isRequired\": true");
            }

            if (field.DefaultValue is { Length: > 0 } defaultValue)
            {
                text.Append(", \"defaultValue\": ").Append(Quote(defaultValue));
            }

            text.Append(" }");
        }

        text.Append(dataExtension.Fields.Count == 0 ? "]\n" : "\n  ]\n").Append("}\n");
        return text.ToString();

        static string Quote(string value) => JsonSerializer.Serialize(value, Relaxed);
    }

    /// <summary>
    /// An sfmc-devtools (mcdev) <c>*.dataExtension-meta.json</c> file's text: PascalCase properties as mcdev retrieves
    /// them, 4-space indents, every field with Name, DefaultValue, MaxLength (when the type has one), IsRequired,
    /// IsPrimaryKey, FieldType and Scale (Decimal).
    /// </summary>
    public static string ToMcdevJson(DataExtensionInfo dataExtension)
    {
        ArgumentNullException.ThrowIfNull(dataExtension);
        var root = new System.Text.Json.Nodes.JsonObject
        {
            ["CustomerKey"] = dataExtension.CustomerKey,
            ["Name"] = dataExtension.Name,
            ["Description"] = dataExtension.Description ?? "",
            ["IsSendable"] = dataExtension.IsSendable,
        };
        if (dataExtension.IsSendable)
        {
            root["SendableDataExtensionField"] = new System.Text.Json.Nodes.JsonObject { ["Name"] = dataExtension.SendableDataExtensionField };
            root["SendableSubscriberField"] = new System.Text.Json.Nodes.JsonObject { ["Name"] = dataExtension.SendableSubscriberField };
        }

        var fields = new System.Text.Json.Nodes.JsonArray();
        foreach (var field in dataExtension.Fields)
        {
            var rules = DataExtensionFieldTypes.Of(field.FieldType);
            var node = new System.Text.Json.Nodes.JsonObject { ["Name"] = field.Name, ["DefaultValue"] = field.DefaultValue ?? "" };
            if ((rules.HasCharacterLength || rules.HasPrecision) && field.MaxLength is { } maxLength)
            {
                node["MaxLength"] = maxLength;
            }

            node["IsRequired"] = field.IsRequired;
            node["IsPrimaryKey"] = field.IsPrimaryKey;
            node["FieldType"] = field.FieldType.ToString();
            if (rules.HasPrecision && field.Scale is { } scale)
            {
                node["Scale"] = scale;
            }

            fields.Add(node);
        }

        root["Fields"] = fields;
        return root.ToJsonString(Mcdev) + "\n";
    }

    private static readonly JsonSerializerOptions Mcdev = new() { WriteIndented = true, IndentSize = 4, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Names as written (ä, é, quotes escaped only as JSON needs), not \u-escaped: the files are read by people.</summary>
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static DataExtensionFieldInfo Field(JsonElement field)
    {
        var name = Text(field, "name") ?? throw new InvalidDataException("A field has no 'name'.");
        var type = Enum.Parse<DataExtensionFieldType>(Text(field, "fieldType") ?? throw new InvalidDataException($"Field '{name}' has no 'fieldType'."));
        var isPrimaryKey = Property(field, "isPrimaryKey") is { ValueKind: JsonValueKind.True };
        var rules = DataExtensionFieldTypes.Of(type);
        var maxLength = rules.HasCharacterLength || rules.HasPrecision ? Int(field, "maxLength") ?? rules.DefaultMaxLength : null;
        var scale = rules.HasPrecision ? Int(field, "scale") : null;
        var isRequired = Property(field, "isRequired") is { } required ? required.ValueKind == JsonValueKind.True : isPrimaryKey;
        var defaultValue = Property(field, "defaultValue") is { ValueKind: not JsonValueKind.Null } d ? (d.ValueKind == JsonValueKind.String ? d.GetString() : d.GetRawText()) : null;
        return new DataExtensionFieldInfo(name, name, type, maxLength, scale, isPrimaryKey, isRequired, string.IsNullOrEmpty(defaultValue) ? null : defaultValue);
    }

    /// <summary>Property names are matched case-insensitively (mcdev writes PascalCase).</summary>
    private static JsonElement? Property(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    private static string? Text(JsonElement element, string name) =>
        Property(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    private static int? Int(JsonElement element, string name) => Property(element, name) switch
    {
        { ValueKind: JsonValueKind.Number } n => n.GetInt32(),
        { ValueKind: JsonValueKind.String } s when int.TryParse(s.GetString(), out var v) => v,
        _ => null,
    };

    /// <summary>A string, or mcdev's <c>{ "Name": "…" }</c>.</summary>
    private static string? NameReference(JsonElement element, string name) => Property(element, name) switch
    {
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { ValueKind: JsonValueKind.Object } o => Text(o, "name"),
        _ => null,
    };
}
