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
    int? MaxLength = null,
    int? Scale = null,
    bool IsPrimaryKey = false,
    bool IsRequired = false,
    string? DefaultValue = null);

/// <summary>
/// What the runtime's writers and checks need of one field, worked out once per schema: the field's JSON name
/// (<c>"name":</c>, escaped), and its limits.
/// </summary>
internal readonly struct FieldRule
{
    public FieldRule(DataExtensionFieldInfo field)
    {
        var encoded = System.Text.Json.JsonEncodedText.Encode(field.Name).EncodedUtf8Bytes;
        JsonNameLength = encoded.Length + 3;
        var name = new byte[Math.Max(JsonNameLength, NamePadding)];
        name[0] = (byte)'"';
        encoded.CopyTo(name.AsSpan(1));
        name[JsonNameLength - 2] = (byte)'"';
        name[JsonNameLength - 1] = (byte)':';
        JsonName = name;
        IsPrimaryKey = field.IsPrimaryKey;
        RequiresValue = field.IsPrimaryKey || (field.IsRequired && field.DefaultValue is null);
        var type = DataExtensionFieldTypes.Of(field.FieldType);
        MaxChars = type.HasCharacterLength && field.MaxLength is { } max ? max : int.MaxValue;
        if (type.HasPrecision && field.MaxLength is { } precision && precision - (field.Scale ?? 0) is >= 0 and <= 28 and var digits)
        {
            IntegerDigits = digits;
        }
        else
        {
            IntegerDigits = -1;
        }
    }

    /// <summary>Names up to this many bytes (with quotes and colon) are copied as one fixed-size block.</summary>
    public const int NamePadding = 32;

    /// <summary>
    /// <c>"name":</c> in UTF-8, escaped as Utf8JsonWriter's default encoder does, in the first
    /// <see cref="JsonNameLength"/> bytes of an array at least <see cref="NamePadding"/> long.
    /// </summary>
    public byte[] JsonName { get; }

    public int JsonNameLength { get; }

    public bool IsPrimaryKey { get; }

    /// <summary>Primary key, or required without a default: the generated property is a C# <c>required</c> member.</summary>
    public bool RequiresValue { get; }

    /// <summary>MaxLength of a text field; <see cref="int.MaxValue"/> when none.</summary>
    public int MaxChars { get; }

    /// <summary>For a Decimal field, how many digits may stand before the point (precision − scale); −1 when unchecked.</summary>
    public int IntegerDigits { get; }

    /// <summary>Whether <paramref name="value"/> has more digits before the point than the field allows.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public bool TooManyDigits(decimal value)
    {
        if (IntegerDigits < 0)
        {
            return false;
        }

        // |value| ≥ 10^d ⇔ mantissa ≥ 10^(d + scale): one integer compare when both fit in 64 bits (prices, amounts).
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var power = IntegerDigits + ((bits[3] >> 16) & 0xFF);
        if (bits[2] == 0 && power < PowersOfTen.Length)
        {
            return ((uint)bits[0] | ((ulong)(uint)bits[1] << 32)) >= PowersOfTen[power];
        }

        var limit = 1m;
        for (var i = 0; i < IntegerDigits; i++)
        {
            limit *= 10;
        }

        return Math.Abs(value) >= limit;
    }

    private static ReadOnlySpan<ulong> PowersOfTen =>
    [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000,
        100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
        10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000, 10_000_000_000_000_000_000,
    ];
}

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
        Rules = fields.Select(field => new FieldRule(field)).ToArray();

        // A stack buffer for one row's JSON that holds a typical row (texts at their MaxLength, ASCII); longer rows rent.
        var bytes = 32;
        for (var i = 0; i < fields.Count; i++)
        {
            bytes += Rules[i].JsonNameLength + fields[i].FieldType switch
            {
                DataExtensionFieldType.Number => 12,
                DataExtensionFieldType.Decimal => 33,
                DataExtensionFieldType.Date => 27,
                DataExtensionFieldType.Boolean => 6,
                _ => Math.Min(fields[i].MaxLength ?? 100, 4000) + 3,
            };
        }

        RowJsonBytes = Math.Clamp(bytes + FieldRule.NamePadding, 128, 1024);
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

    /// <summary>Each field's JSON name and limits, by position in <see cref="Fields"/>.</summary>
    internal FieldRule[] Rules { get; }

    /// <summary>The stack buffer one row's JSON is built in (128–1,024 bytes).</summary>
    internal int RowJsonBytes { get; }

    /// <summary>Finds a field by its SFMC name, case-insensitively.</summary>
    public DataExtensionFieldInfo? FindField(string name) =>
        FieldIndex.TryGetValue(name, out var index) ? Fields[index] : null;

    /// <inheritdoc />
    public override string ToString() => $"{Name} (key '{CustomerKey}', {Fields.Count} fields)";
}
