using System.Collections.Generic;

namespace Sfmc.Client;

/// <summary>
/// SFMC's length rules for each field type, one row each, for the runtime and the emulator (the generator keeps the
/// same rules in its own table, <c>FieldTypes</c>, with what only it needs; a test keeps the two equal).
/// </summary>
/// <param name="Type">The field type.</param>
/// <param name="HasCharacterLength">MaxLength counts characters (the text types).</param>
/// <param name="HasPrecision">MaxLength is a precision and Scale applies (Decimal).</param>
/// <param name="MaxLengthLimit">The largest MaxLength; null when none applies.</param>
/// <param name="DefaultMaxLength">The MaxLength SFMC gives the type when none is declared, if any.</param>
internal sealed record DataExtensionFieldTypeInfo(DataExtensionFieldType Type, bool HasCharacterLength, bool HasPrecision, int? MaxLengthLimit, int? DefaultMaxLength)
{
    /// <summary>The most characters a text value may have: its MaxLength, else the type's default, else its limit.</summary>
    public int? CharacterLimit(int? declared) => HasCharacterLength ? declared ?? DefaultMaxLength ?? MaxLengthLimit : null;
}

/// <summary>The rows, in <see cref="DataExtensionFieldType"/> order.</summary>
internal static class DataExtensionFieldTypes
{
    private static readonly DataExtensionFieldTypeInfo[] Rows =
    [
        new(DataExtensionFieldType.Text, true, false, 4000, null),
        new(DataExtensionFieldType.Number, false, false, null, null),
        new(DataExtensionFieldType.Decimal, false, true, 29, null),
        new(DataExtensionFieldType.Date, false, false, null, null),
        new(DataExtensionFieldType.Boolean, false, false, null, null),
        new(DataExtensionFieldType.EmailAddress, true, false, 254, 254),
        new(DataExtensionFieldType.Phone, true, false, 4000, null),
        new(DataExtensionFieldType.Locale, true, false, 4000, null),
    ];

    /// <summary>Every row.</summary>
    public static IReadOnlyList<DataExtensionFieldTypeInfo> All => Rows;

    /// <summary>The row of <paramref name="type"/>.</summary>
    public static DataExtensionFieldTypeInfo Of(DataExtensionFieldType type) => Rows[(int)type];
}
