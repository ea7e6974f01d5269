using System;
using System.Globalization;

namespace Sfmc.Generator.DataExtensions.Model;

/// <summary>How a field type's MaxLength and Scale are declared and checked.</summary>
internal enum LengthRule
{
    /// <summary>Neither MaxLength nor a non-zero Scale may be declared (Number, Date, Boolean).</summary>
    None,

    /// <summary>MaxLength 1–<see cref="FieldTypeInfo.MaxLengthLimit"/> characters, optional; no Scale.</summary>
    Characters,

    /// <summary>MaxLength is the precision (1–<see cref="FieldTypeInfo.MaxLengthLimit"/>) and Scale (0–precision) is required (Decimal).</summary>
    Precision,
}

/// <summary>One SFMC field type as the generator sees it: one row of <see cref="FieldTypes"/>.</summary>
/// <param name="Type">The type (its name is SFMC's, case as written).</param>
/// <param name="ClrType">The generated property's C# type (<c>global::</c>-qualified where needed).</param>
/// <param name="Length">How MaxLength and Scale are declared.</param>
/// <param name="MaxLengthLimit">The largest MaxLength (characters or precision); null when none applies.</param>
/// <param name="DefaultMaxLength">The MaxLength SFMC gives the type when none is declared, if any.</param>
/// <param name="CanBePrimaryKey">Whether SFMC lets the type be part of a primary key.</param>
/// <param name="JsonWrite">The <c>DataExtensionRowJson</c> writer call for a value (<c>json.{JsonWrite}(v)</c>).</param>
/// <param name="JsonBytes">Bytes a written value takes at most; null: MaxLength (or 100) plus quotes.</param>
/// <param name="IsValidDefault">Whether a declared defaultValue is one SFMC accepts for the type.</param>
internal sealed record FieldTypeInfo(
    FieldType Type,
    string ClrType,
    LengthRule Length,
    int? MaxLengthLimit,
    int? DefaultMaxLength,
    bool CanBePrimaryKey,
    string JsonWrite,
    int? JsonBytes,
    Func<string, bool> IsValidDefault)
{
    /// <summary>Generated as a reference type (nullable by annotation only).</summary>
    public bool IsReference => ClrType == "string";
}

/// <summary>
/// Every SFMC field type the generator knows, one row each: the parser's names and length rules, the emitter's C#
/// type, and the JSON write call and buffer estimate of declared event data all come from here (the runtime checks
/// and reads rows from their schema). Adding a type is a row here, a
/// member of <see cref="FieldType"/>, and the runtime's row (<c>DataExtensionFieldTypes</c> in Sfmc.Client; a test
/// keeps the two tables' rules equal); <c>docs/architecture.md</c> lists what else.
/// </summary>
internal static class FieldTypes
{
    private static readonly FieldTypeInfo[] Rows =
    [
        Text(FieldType.Text, limit: 4000, defaultLength: null),
        new(FieldType.Number, "int", LengthRule.None, null, null, true, "Number", 12,
            v => int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)),
        new(FieldType.Decimal, "decimal", LengthRule.Precision, 29, null, true, "Number", 33,
            v => decimal.TryParse(v, NumberStyles.Number, CultureInfo.InvariantCulture, out _)),
        new(FieldType.Date, "global::System.DateTime", LengthRule.None, null, null, false, "Date", 27, _ => true),
        new(FieldType.Boolean, "bool", LengthRule.None, null, null, true, "Boolean", 6,
            v => v.Equals("true", StringComparison.OrdinalIgnoreCase) || v.Equals("false", StringComparison.OrdinalIgnoreCase) || v is "1" or "0"),
        Text(FieldType.EmailAddress, limit: 254, defaultLength: 254),
        Text(FieldType.Phone, limit: 4000, defaultLength: null),
        Text(FieldType.Locale, limit: 4000, defaultLength: null),
    ];

    /// <summary>The names SFMC uses, in <see cref="FieldType"/> order.</summary>
    public static readonly string[] Names = Array.ConvertAll(Rows, r => r.Type.ToString());

    /// <summary>The row of <paramref name="type"/>.</summary>
    public static FieldTypeInfo Of(FieldType type) => Rows[(int)type];

    /// <summary>Every row, in <see cref="FieldType"/> order.</summary>
    public static System.Collections.Generic.IReadOnlyList<FieldTypeInfo> All => Rows;

    private static FieldTypeInfo Text(FieldType type, int limit, int? defaultLength) =>
        new(type, "string", LengthRule.Characters, limit, defaultLength, true, "String", null, _ => true);
}
