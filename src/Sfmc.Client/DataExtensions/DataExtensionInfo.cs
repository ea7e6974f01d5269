using System;
using System.Collections.Frozen;
using System.Collections.Generic;
using System.Linq;

namespace Sfmc.Client;

/// <summary>SFMC Data Extension field types.</summary>
public enum DataExtensionFieldType
{
    /// <summary>Text (string, MaxLength 1–4000).</summary>
    Text,
    /// <summary>Number (32-bit integer).</summary>
    Number,
    /// <summary>Decimal (MaxLength = precision ≤ 29, Scale = digits after the point).</summary>
    Decimal,
    /// <summary>Date (date and time, stored by SFMC in its server time zone).</summary>
    Date,
    /// <summary>Boolean.</summary>
    Boolean,
    /// <summary>EmailAddress (string, MaxLength ≤ 254).</summary>
    EmailAddress,
    /// <summary>Phone (string).</summary>
    Phone,
    /// <summary>Locale (string).</summary>
    Locale,
}

/// <summary>One field of a Data Extension, as declared in its DE file.</summary>
/// <param name="Name">The exact SFMC field name (case as declared).</param>
/// <param name="PropertyName">The generated C# property name.</param>
/// <param name="FieldType">The SFMC field type.</param>
/// <param name="MaxLength">MaxLength (precision for Decimal), or null when none is declared.</param>
/// <param name="Scale">Scale of a Decimal field, else null.</param>
/// <param name="IsPrimaryKey">Whether the field is part of the primary key.</param>
/// <param name="IsRequired">Whether the field is required (primary-key fields always are).</param>
/// <param name="DefaultValue">The declared default value, or null.</param>
public sealed record DataExtensionFieldInfo(
    string Name,
    string PropertyName,
    DataExtensionFieldType FieldType,
    int? MaxLength,
    int? Scale,
    bool IsPrimaryKey,
    bool IsRequired,
    string? DefaultValue);

/// <summary>A Data Extension as declared in a <c>*.de.json</c> or <c>*.dataExtension-meta.json</c> file.</summary>
public sealed class DataExtensionInfo
{
    /// <summary>Creates the description of a Data Extension.</summary>
    public DataExtensionInfo(
        string customerKey,
        string name,
        string? description,
        bool isSendable,
        string? sendableDataExtensionField,
        string? sendableSubscriberField,
        IReadOnlyList<DataExtensionFieldInfo> fields)
    {
        ArgumentException.ThrowIfNullOrEmpty(customerKey);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(fields);
        CustomerKey = customerKey;
        Name = name;
        Description = description;
        IsSendable = isSendable;
        SendableDataExtensionField = sendableDataExtensionField;
        SendableSubscriberField = sendableSubscriberField;
        Fields = fields;
        PrimaryKey = fields.Where(f => f.IsPrimaryKey).ToArray();
        FieldIndex = fields
            .Select((field, index) => KeyValuePair.Create(field.Name, index))
            .ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The external key (case-sensitive in SFMC).</summary>
    public string CustomerKey { get; }

    /// <summary>The Data Extension's name.</summary>
    public string Name { get; }

    /// <summary>The description, if any.</summary>
    public string? Description { get; }

    /// <summary>Whether the DE is sendable.</summary>
    public bool IsSendable { get; }

    /// <summary>For a sendable DE: the DE field that relates to the subscriber.</summary>
    public string? SendableDataExtensionField { get; }

    /// <summary>For a sendable DE: the subscriber attribute it relates on (<c>Subscriber Key</c> or <c>Email Address</c>).</summary>
    public string? SendableSubscriberField { get; }

    /// <summary>All fields, in declaration order.</summary>
    public IReadOnlyList<DataExtensionFieldInfo> Fields { get; }

    /// <summary>The primary-key fields, in declaration order (empty when the DE has none).</summary>
    public IReadOnlyList<DataExtensionFieldInfo> PrimaryKey { get; }

    /// <summary>Field name → position in <see cref="Fields"/>, case-insensitive (SFMC field names are unique regardless of case).</summary>
    internal FrozenDictionary<string, int> FieldIndex { get; }

    /// <summary>Finds a field by its SFMC name, case-insensitively.</summary>
    public DataExtensionFieldInfo? FindField(string name) =>
        FieldIndex.TryGetValue(name, out var index) ? Fields[index] : null;

    /// <inheritdoc />
    public override string ToString() => $"{Name} (key '{CustomerKey}', {Fields.Count} fields)";
}
