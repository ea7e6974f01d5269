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
    private List<SoapExtensionElement>? _extensionData;

    /// <summary>
    /// Child elements SFMC sent that this type's WSDL definition does not have (for example <c>IsPlatformObject</c> on a
    /// TriggeredSendDefinition), in the order they came, with their nested content. Written back, after the known
    /// elements, when the object is sent again (an Update keeps them). Nothing is allocated for an object without any.
    /// </summary>
    public IList<SoapExtensionElement> ExtensionData => _extensionData ??= new List<SoapExtensionElement>();

    /// <summary>Whether <see cref="ExtensionData"/> holds anything (reading this allocates nothing).</summary>
    public bool HasExtensionData => _extensionData is { Count: > 0 };

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

    internal void WriteSoapElementsCore(SoapWriter writer)
    {
        WriteSoapElements(writer);
        if (_extensionData is { Count: > 0 } extensions)
        {
            foreach (var element in extensions)
            {
                writer.WriteExtension(element, SoapXml.Namespace);
            }
        }
    }

    internal bool ReadSoapElementCore(SoapReader reader) => ReadSoapElement(reader);

    internal void AddExtension(SoapExtensionElement element) => (_extensionData ??= new List<SoapExtensionElement>()).Add(element);
}

/// <summary>
/// An element the WSDL does not describe, as SFMC sent it: its name and namespace, its <c>xsi:type</c> if any, and
/// either a text value (null for <c>xsi:nil</c>) or nested elements. See <see cref="SoapObject.ExtensionData"/>.
/// </summary>
public sealed class SoapExtensionElement
{
    /// <summary>A simple element: <paramref name="name"/> with a text <paramref name="value"/> (null: <c>xsi:nil</c>).</summary>
    public SoapExtensionElement(string name, string? value, string ns = SoapXml.Namespace, string? xsiType = null)
        : this(name, ns, xsiType, value, [])
    {
    }

    /// <summary>A complex element: <paramref name="name"/> with <paramref name="children"/>.</summary>
    public SoapExtensionElement(string name, IEnumerable<SoapExtensionElement> children, string ns = SoapXml.Namespace, string? xsiType = null)
        : this(name, ns, xsiType, null, [.. children ?? throw new ArgumentNullException(nameof(children))])
    {
    }

    private SoapExtensionElement(string name, string ns, string? xsiType, string? value, IReadOnlyList<SoapExtensionElement> children, IReadOnlyList<SoapExtensionAttribute>? attributes = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(ns);
        Name = name;
        Namespace = ns;
        XsiType = xsiType;
        Value = value;
        Children = children;
        Attributes = attributes ?? [];
    }

    /// <summary>The element's other attributes (not <c>xmlns</c> declarations, <c>xsi:type</c> or <c>xsi:nil</c>), in order.</summary>
    public IReadOnlyList<SoapExtensionAttribute> Attributes { get; }

    /// <summary>The element's local name.</summary>
    public string Name { get; }

    /// <summary>The element's namespace URI (SFMC's partner API namespace for nearly all).</summary>
    public string Namespace { get; }

    /// <summary>The element's <c>xsi:type</c> (its local part), when it had one.</summary>
    public string? XsiType { get; }

    /// <summary>The text of a simple element ("" when empty); null for <c>xsi:nil</c> or a complex element.</summary>
    public string? Value { get; }

    /// <summary>The nested elements of a complex element; empty for a simple one.</summary>
    public IReadOnlyList<SoapExtensionElement> Children { get; }

    /// <summary>The first child named <paramref name="name"/>, if any.</summary>
    public SoapExtensionElement? this[string name]
    {
        get
        {
            foreach (var child in Children)
            {
                if (child.Name == name)
                {
                    return child;
                }
            }

            return null;
        }
    }

    internal static SoapExtensionElement Read(string name, string ns, string? xsiType, string? value, List<SoapExtensionElement>? children, List<SoapExtensionAttribute>? attributes) =>
        new(name, ns, xsiType, children is { Count: > 0 } ? null : value, children is { Count: > 0 } ? children : [], attributes);
}

/// <summary>An attribute of a <see cref="SoapExtensionElement"/>: its local name, namespace URI ("" for none) and value.</summary>
/// <param name="Name">The local name.</param>
/// <param name="Namespace">The namespace URI; "" for an unprefixed attribute.</param>
/// <param name="Value">The value, entities resolved.</param>
public sealed record SoapExtensionAttribute(string Name, string Namespace, string Value);

/// <summary>
/// An SFMC SOAP object of any type, the WSDL's or not (<c>Program</c>, <c>AccountUserAccount</c>): its type name and its
/// elements by name (<see cref="SoapObject.ExtensionData"/>; nested ones as children). Retrieved with
/// <c>RetrieveAsync("Program", properties)</c>, written with the untyped Create/Update/Upsert/Delete.
/// </summary>
public sealed class SoapUntypedObject : SoapObject, ISoapObject<SoapUntypedObject>
{
    /// <summary>An object of the SOAP type <paramref name="typeName"/> (as SFMC spells it).</summary>
    public SoapUntypedObject(string typeName)
    {
        ArgumentException.ThrowIfNullOrEmpty(typeName);
        TypeName = typeName;
    }

    /// <summary>The SOAP type name (its <c>xsi:type</c>).</summary>
    public string TypeName { get; }

    /// <summary>The elements, in order (the same list as <see cref="SoapObject.ExtensionData"/>).</summary>
    public IList<SoapExtensionElement> Elements => ExtensionData;

    /// <summary>
    /// The text of the element at <paramref name="path"/> (dotted for nested ones: <c>Client.ID</c>); null when there is
    /// none, or for <c>xsi:nil</c>.
    /// </summary>
    public string? this[string path] => Find(path)?.Value;

    /// <summary>The element at <paramref name="path"/> (dotted for nested ones), if any.</summary>
    public SoapExtensionElement? Find(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var parts = path.Split('.');
        SoapExtensionElement? current = null;
        foreach (var element in Elements)
        {
            if (element.Name == parts[0])
            {
                current = element;
                break;
            }
        }

        for (var i = 1; i < parts.Length && current is not null; i++)
        {
            current = current[parts[i]];
        }

        return current;
    }

    /// <summary>Adds an element with a text value (<paramref name="path"/> dotted for nested ones: <c>Client.ID</c>); returns this object.</summary>
    public SoapUntypedObject Set(string path, string? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var parts = path.Split('.');
        var element = new SoapExtensionElement(parts[^1], value);
        for (var i = parts.Length - 2; i >= 0; i--)
        {
            element = new SoapExtensionElement(parts[i], [element]);
        }

        Elements.Add(element);
        return this;
    }

    /// <inheritdoc />
    protected override string SoapTypeName => TypeName;

    /// <summary>Not a single type: pass the object type to the untyped <c>RetrieveAsync(objectType, properties)</c>.</summary>
    static string ISoapObject<SoapUntypedObject>.SoapObjectType =>
        throw new NotSupportedException("SoapUntypedObject has no single SOAP type: use RetrieveAsync(objectType, properties).");

    /// <summary>None: an untyped retrieve names its properties.</summary>
    static IReadOnlyList<string> ISoapObject<SoapUntypedObject>.DefaultRetrieveProperties => [];

    /// <summary>An object of the type the answer names (an echoed Object of a Create, say).</summary>
    static SoapUntypedObject? ISoapObject<SoapUntypedObject>.CreateForXsiType(string? xsiType) => new(xsiType ?? "APIObject");
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
