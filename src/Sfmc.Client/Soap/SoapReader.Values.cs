using System;
using System.Buffers.Text;
using System.Globalization;
using System.Numerics;
using System.Xml;

namespace Sfmc.Client.Soap;

/// <content>XSD simple types read from the current element's text: numbers, booleans, dates (see <see cref="XsdValues"/>).</content>
public sealed partial class SoapReader
{
#pragma warning disable CS1591 // One reader per XSD simple type; the names say it. Null: xsi:nil or empty.
    public int? ReadInt32()
    {
        if (!ReadValue(out var text))
        {
            return null;
        }

        // Utf8Parser is the fast path for plain digits; the general parser handles the rest (a '+', surrounding whitespace).
        return Utf8Parser.TryParse(text, out int value, out var consumed) && consumed == text.Length && !text.IsEmpty ? value : ParseNumber<int>(text, "int");
    }

    public long? ReadInt64()
    {
        if (!ReadValue(out var text))
        {
            return null;
        }

        return Utf8Parser.TryParse(text, out long value, out var consumed) && consumed == text.Length && !text.IsEmpty ? value : ParseNumber<long>(text, "long");
    }

    public short? ReadInt16() => ReadNumber<short>("short");

    public sbyte? ReadSByte() => ReadNumber<sbyte>("byte");

    public byte? ReadByte() => ReadNumber<byte>("unsignedByte");

    public decimal? ReadDecimal() => ReadNumber<decimal>("decimal", NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint);

    public bool? ReadBoolean()
    {
        if (!ReadValue(out var text) || Trim(text) is not { IsEmpty: false } value)
        {
            return null;
        }

        if (value.SequenceEqual("true"u8) || value.SequenceEqual("1"u8))
        {
            return true;
        }

        return value.SequenceEqual("false"u8) || value.SequenceEqual("0"u8) ? false : throw Invalid(value, "boolean");
    }

    public double? ReadDouble() => ReadValue(out var text) && Trim(text) is { IsEmpty: false } value ? Convert(value, "double", XmlConvert.ToDouble) : null;

    public float? ReadSingle() => ReadValue(out var text) && Trim(text) is { IsEmpty: false } value ? Convert(value, "float", XmlConvert.ToSingle) : null;
#pragma warning restore CS1591

    /// <summary>
    /// xsd:dateTime as <c>XmlConvert</c> reads it with <see cref="XmlDateTimeSerializationMode.RoundtripKind"/>. SFMC sends
    /// server time (CST) without an offset; such values keep <see cref="DateTimeKind.Unspecified"/>.
    /// </summary>
    public DateTime? ReadDateTime()
    {
        if (!ReadValue(out var text) || Trim(text) is not { IsEmpty: false } value)
        {
            return null;
        }

        return XsdValues.TryParseDateTime(value, out var result) ? result : Convert(value, "dateTime", static s => XmlConvert.ToDateTime(s, XmlDateTimeSerializationMode.RoundtripKind));
    }

    /// <summary>The rarer forms through XmlConvert; what it refuses is an <see cref="XmlException"/> like every other bad value.</summary>
    private T Convert<T>(ReadOnlySpan<byte> value, string xsdType, Func<string, T> convert)
    {
        try
        {
            return convert(ToString(value));
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw Invalid(value, xsdType);
        }
    }

    private T? ReadNumber<T>(string xsdType, NumberStyles styles = NumberStyles.AllowLeadingSign)
        where T : struct, INumberBase<T> =>
        ReadValue(out var text) ? ParseNumber<T>(text, xsdType, styles) : null;

    private T? ParseNumber<T>(ReadOnlySpan<byte> text, string xsdType, NumberStyles styles = NumberStyles.AllowLeadingSign)
        where T : struct, INumberBase<T>
    {
        var value = Trim(text);
        if (value.IsEmpty)
        {
            return null;
        }

        return T.TryParse(value, styles, CultureInfo.InvariantCulture, out var result) ? result : throw Invalid(value, xsdType);
    }

    private XmlException Invalid(ReadOnlySpan<byte> value, string xsdType) => Error($"'{Quoted(value)}' is not a valid xsd:{xsdType}.");
}
