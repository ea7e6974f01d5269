using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Xml;

namespace Sfmc.Client.Soap;

/// <summary>
/// Base of every generated SFMC SOAP type (<c>APIObject</c>, <c>ClientID</c>, <c>Result</c>, …). Generated code
/// overrides the members below with hand-written-style <see cref="XmlWriter"/>/<see cref="XmlReader"/> code: no
/// XmlSerializer, no reflection.
/// </summary>
public abstract class SoapObject
{
    /// <summary>The WSDL type name, written as <c>xsi:type</c> where the declared type differs.</summary>
    protected abstract string SoapTypeName { get; }

    /// <summary>The runtime's way in (protected members stay protected for every consumer, friend assemblies too).</summary>
    internal string SoapTypeNameCore => SoapTypeName;

    /// <summary>Writes this object's child elements in schema order (base type first).</summary>
    protected virtual void WriteSoapElements(XmlWriter writer)
    {
    }

    /// <summary>Reads the child element the reader is on, if it is one of this type's; returns false to skip it.</summary>
    protected virtual bool ReadSoapElement(XmlReader reader) => false;

    internal void WriteSoapElementsCore(XmlWriter writer) => WriteSoapElements(writer);

    internal bool ReadSoapElementCore(XmlReader reader) => ReadSoapElement(reader);
}

/// <summary>
/// Static facts of a generated SOAP type, so generic runtime code (<c>RetrieveAsync&lt;T&gt;</c>) can create and
/// name it without reflection.
/// </summary>
/// <typeparam name="TSelf">The generated type.</typeparam>
public interface ISoapObject<TSelf>
    where TSelf : SoapObject, ISoapObject<TSelf>
{
    /// <summary>The WSDL type name, used as a Retrieve's ObjectType.</summary>
    static abstract string SoapObjectType { get; }

    /// <summary>
    /// Properties a Retrieve asks for when the caller names none: retrievable properties only where Salesforce
    /// documents which they are, else the type's simple properties.
    /// </summary>
    static abstract IReadOnlyList<string> DefaultRetrieveProperties { get; }

    /// <summary>A new instance for an element whose <c>xsi:type</c> is <paramref name="xsiType"/> (null: none given);
    /// null when the type is abstract and the name is unknown.</summary>
    static abstract TSelf? CreateForXsiType(string? xsiType);
}

/// <summary>XML helpers used by generated SOAP code and the SOAP client. Not meant to be called directly.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SoapXml
{
    /// <summary>The partner API namespace of every SFMC SOAP element.</summary>
    public const string Namespace = "http://exacttarget.com/wsdl/partnerAPI";

    /// <summary>The XML Schema instance namespace (<c>xsi:type</c>, <c>xsi:nil</c>).</summary>
    public const string XsiNamespace = "http://www.w3.org/2001/XMLSchema-instance";

    /// <summary>Reads an object element (honouring <c>xsi:type</c> and <c>xsi:nil</c>) and moves past it.</summary>
    public static T? ReadObject<T>(XmlReader reader)
        where T : SoapObject, ISoapObject<T>
    {
        ArgumentNullException.ThrowIfNull(reader);
        reader.MoveToContent();
        string? xsiType = null;
        if (reader.HasAttributes)
        {
            if (IsNil(reader))
            {
                reader.Skip();
                return null;
            }

            xsiType = LocalName(reader.GetAttribute("type", XsiNamespace));
        }

        var value = T.CreateForXsiType(xsiType);
        if (value is null)
        {
            reader.Skip();
            return null;
        }

        ReadContent(reader, value);
        return value;
    }

    /// <summary>Reads the children of the element the reader is on into <paramref name="target"/>, skipping unknown ones.</summary>
    public static void ReadContent(XmlReader reader, SoapObject target)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(target);
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return;
        }

        reader.Read();
        while (reader.MoveToContent() == XmlNodeType.Element)
        {
            if (!target.ReadSoapElementCore(reader))
            {
                reader.Skip();
            }
        }

        if (reader.NodeType == XmlNodeType.EndElement)
        {
            reader.Read();
        }
    }

    /// <summary>Reads a wrapper element (<c>&lt;Lists&gt;&lt;List/&gt;…&lt;/Lists&gt;</c>) item by item.</summary>
    public static void ReadWrapped<T>(XmlReader reader, string itemName, List<T> target, Func<XmlReader, T?> readItem)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(readItem);
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return;
        }

        reader.Read();
        while (reader.MoveToContent() == XmlNodeType.Element)
        {
            if (reader.LocalName != itemName)
            {
                reader.Skip();
            }
            else if (readItem(reader) is { } item)
            {
                target.Add(item);
            }
        }

        if (reader.NodeType == XmlNodeType.EndElement)
        {
            reader.Read();
        }
    }

    /// <summary>Reads a wrapper element of value-type items (numbers, enums).</summary>
    public static void ReadWrappedValues<T>(XmlReader reader, string itemName, List<T> target, Func<XmlReader, T?> readItem)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(readItem);
        var values = new List<T?>();
        ReadWrapped(reader, itemName, values, r => readItem(r));
        foreach (var value in values)
        {
            if (value is { } v)
            {
                target.Add(v);
            }
        }
    }

    /// <summary>Text content, or null for <c>xsi:nil</c>; moves past the element.</summary>
    public static string? ReadString(XmlReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (reader.HasAttributes && IsNil(reader))
        {
            reader.Skip();
            return null;
        }

        return reader.ReadElementContentAsString();
    }

#pragma warning disable CS1591 // One reader per XSD simple type; the names say it.
    public static int? ReadInt32(XmlReader reader) => ReadString(reader) is { Length: > 0 } s ? XmlConvert.ToInt32(s.Trim()) : null;

    public static long? ReadInt64(XmlReader reader) => ReadString(reader) is { Length: > 0 } s ? XmlConvert.ToInt64(s.Trim()) : null;

    public static short? ReadInt16(XmlReader reader) => ReadString(reader) is { Length: > 0 } s ? XmlConvert.ToInt16(s.Trim()) : null;

    public static sbyte? ReadSByte(XmlReader reader) => ReadString(reader) is { Length: > 0 } s ? XmlConvert.ToSByte(s.Trim()) : null;

    public static byte? ReadByte(XmlReader reader) => ReadString(reader) is { Length: > 0 } s ? XmlConvert.ToByte(s.Trim()) : null;

    public static bool? ReadBoolean(XmlReader reader) => ReadString(reader) is { Length: > 0 } s ? XmlConvert.ToBoolean(s.Trim()) : null;

    public static double? ReadDouble(XmlReader reader) => ReadString(reader) is { Length: > 0 } s ? XmlConvert.ToDouble(s.Trim()) : null;

    public static float? ReadSingle(XmlReader reader) => ReadString(reader) is { Length: > 0 } s ? XmlConvert.ToSingle(s.Trim()) : null;

    public static decimal? ReadDecimal(XmlReader reader) => ReadString(reader) is { Length: > 0 } s ? XmlConvert.ToDecimal(s.Trim()) : null;

    /// <summary>SFMC sends server time (CST) without an offset; such values keep <see cref="DateTimeKind.Unspecified"/>.</summary>
    public static DateTime? ReadDateTime(XmlReader reader) =>
        ReadString(reader) is { Length: > 0 } s ? XmlConvert.ToDateTime(s.Trim(), XmlDateTimeSerializationMode.RoundtripKind) : null;

    public static void Write(XmlWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStartElement(name, Namespace);
            writer.WriteString(value);
            writer.WriteEndElement();
        }
    }

    public static void Write(XmlWriter writer, string name, int? value) => Write(writer, name, value is { } v ? XmlConvert.ToString(v) : null);

    public static void Write(XmlWriter writer, string name, long? value) => Write(writer, name, value is { } v ? XmlConvert.ToString(v) : null);

    public static void Write(XmlWriter writer, string name, short? value) => Write(writer, name, value is { } v ? XmlConvert.ToString(v) : null);

    public static void Write(XmlWriter writer, string name, sbyte? value) => Write(writer, name, value is { } v ? XmlConvert.ToString(v) : null);

    public static void Write(XmlWriter writer, string name, byte? value) => Write(writer, name, value is { } v ? XmlConvert.ToString(v) : null);

    public static void Write(XmlWriter writer, string name, bool? value) => Write(writer, name, value is { } v ? (v ? "true" : "false") : null);

    public static void Write(XmlWriter writer, string name, double? value) => Write(writer, name, value is { } v ? XmlConvert.ToString(v) : null);

    public static void Write(XmlWriter writer, string name, float? value) => Write(writer, name, value is { } v ? XmlConvert.ToString(v) : null);

    public static void Write(XmlWriter writer, string name, decimal? value) => Write(writer, name, value is { } v ? XmlConvert.ToString(v) : null);

    public static void Write(XmlWriter writer, string name, DateTime? value) =>
        Write(writer, name, value is { } v ? XmlConvert.ToString(v, XmlDateTimeSerializationMode.RoundtripKind) : null);
#pragma warning restore CS1591

    /// <summary>Writes an object element; adds <c>xsi:type</c> when the object is not of the declared type.</summary>
    public static void WriteObject(XmlWriter writer, string name, SoapObject? value, string declaredType)
    {
        if (value is null)
        {
            return;
        }

        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartElement(name, Namespace);
        var actual = value.SoapTypeNameCore;
        if (!string.Equals(actual, declaredType, StringComparison.Ordinal))
        {
            writer.WriteAttributeString("xsi", "type", XsiNamespace, actual);
        }

        value.WriteSoapElementsCore(writer);
        writer.WriteEndElement();
    }

    /// <summary>Formats a filter or property value the way SFMC expects it on the wire.</summary>
    public static string Format<T>(T value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        DateTime d => XmlConvert.ToString(d, XmlDateTimeSerializationMode.RoundtripKind),
        DateTimeOffset o => XmlConvert.ToString(o),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    internal static bool IsNil(XmlReader reader)
    {
        var nil = reader.GetAttribute("nil", XsiNamespace);
        return nil is not null && (nil == "true" || nil == "1");
    }

    internal static string? LocalName(string? qualified)
    {
        if (qualified is null)
        {
            return null;
        }

        var colon = qualified.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? qualified : qualified[(colon + 1)..];
    }
}
