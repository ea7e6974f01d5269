using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Xml;

namespace Sfmc.Client.Soap;

/// <summary>
/// Base of every generated SFMC SOAP type (<c>APIObject</c>, <c>ClientID</c>, <c>Result</c>, …). Generated code
/// overrides the members below with straight-line <see cref="SoapWriter"/>/<see cref="SoapReader"/> code over UTF-8:
/// no XmlSerializer, no reflection.
/// </summary>
public abstract class SoapObject
{
    /// <summary>The WSDL type name, written as <c>xsi:type</c> where the declared type differs.</summary>
    protected abstract string SoapTypeName { get; }

    /// <summary>The runtime's way in (protected members stay protected for every consumer, friend assemblies too).</summary>
    internal string SoapTypeNameCore => SoapTypeName;

    /// <summary>Writes this object's child elements in schema order (base type first).</summary>
    protected virtual void WriteSoapElements(SoapWriter writer)
    {
    }

    /// <summary>Reads the child element the reader is on, if it is one of this type's; returns false to skip it.</summary>
    protected virtual bool ReadSoapElement(SoapReader reader) => false;

    internal void WriteSoapElementsCore(SoapWriter writer) => WriteSoapElements(writer);

    internal bool ReadSoapElementCore(SoapReader reader) => ReadSoapElement(reader);
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

/// <summary>SOAP namespaces and value formatting used by generated SOAP code and the SOAP client. Not meant to be called directly.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SoapXml
{
    /// <summary>The partner API namespace of every SFMC SOAP element.</summary>
    public const string Namespace = "http://exacttarget.com/wsdl/partnerAPI";

    /// <summary>The XML Schema instance namespace (<c>xsi:type</c>, <c>xsi:nil</c>).</summary>
    public const string XsiNamespace = "http://www.w3.org/2001/XMLSchema-instance";

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
}
