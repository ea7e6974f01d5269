using System;
using System.Collections.Frozen;
using System.Collections.Generic;
using System.Linq;
using System.Xml;
using System.Xml.Linq;

namespace Sfmc.Emulator;

/// <summary>
/// What the emulator knows from <c>etframework.wsdl</c> (the very file the generator reads, embedded in this
/// assembly): the enumerations (what a typed value may be) and each complexType's elements with its bases' (what a
/// Describe lists). Read once, on first use.
/// </summary>
internal static class EmulatorWsdl
{
    private static readonly XNamespace Xsd = "http://www.w3.org/2001/XMLSchema";

    private static readonly Lazy<(FrozenDictionary<string, FrozenSet<string>> Enumerations, FrozenDictionary<string, WsdlType> Types)> All = new(Load);

    /// <summary>The values of the WSDL's simpleType <paramref name="name"/>.</summary>
    public static FrozenSet<string> Enumeration(string name) =>
        All.Value.Enumerations.TryGetValue(name, out var values) ? values : throw new KeyNotFoundException($"etframework.wsdl has no enumeration '{name}'.");

    /// <summary>The elements of complexType <paramref name="name"/>, its bases' first (APIObject's before Subscriber's); empty for an unknown type.</summary>
    public static IReadOnlyList<WsdlMember> Members(string name)
    {
        var types = All.Value.Types;
        var chain = new List<WsdlType>();
        for (var current = name; current is not null && types.TryGetValue(current, out var type) && chain.Count < 32; current = type.BaseName)
        {
            chain.Add(type);
        }

        chain.Reverse();
        return chain.SelectMany(t => t.Members).ToList();
    }

    private static (FrozenDictionary<string, FrozenSet<string>>, FrozenDictionary<string, WsdlType>) Load()
    {
        using var stream = typeof(EmulatorWsdl).Assembly.GetManifestResourceStream("etframework.wsdl")
            ?? throw new InvalidOperationException("etframework.wsdl is not embedded in the emulator.");
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true });
        var document = XDocument.Load(reader);
        var enumerations = new Dictionary<string, FrozenSet<string>>(StringComparer.Ordinal);
        foreach (var simple in document.Descendants(Xsd + "simpleType"))
        {
            var values = simple.Descendants(Xsd + "enumeration").Select(e => (string?)e.Attribute("value")).OfType<string>().ToList();
            if ((string?)simple.Attribute("name") is { } name && values.Count > 0)
            {
                enumerations[name] = values.ToFrozenSet(StringComparer.Ordinal);
            }
        }

        var types = new Dictionary<string, WsdlType>(StringComparer.Ordinal);
        foreach (var complex in document.Descendants(Xsd + "complexType"))
        {
            if ((string?)complex.Attribute("name") is not { } name)
            {
                continue;
            }

            var extension = complex.Element(Xsd + "complexContent")?.Element(Xsd + "extension");
            var sequence = (extension ?? complex).Element(Xsd + "sequence");
            var members = (sequence?.Elements(Xsd + "element") ?? []).Select(Member).OfType<WsdlMember>().ToList();
            types[name] = new WsdlType(LocalName((string?)extension?.Attribute("base")), members);
        }

        return (enumerations.ToFrozenDictionary(StringComparer.Ordinal), types.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary>An element of a sequence: its type (an anonymous wrapper's item type, for wrapped lists) and whether it repeats.</summary>
    private static WsdlMember? Member(XElement element)
    {
        if ((string?)element.Attribute("name") is not { } name)
        {
            return null;
        }

        var wrapped = element.Element(Xsd + "complexType")?.Descendants(Xsd + "element").FirstOrDefault();
        var type = LocalName((string?)(wrapped ?? element).Attribute("type")) ?? "string";
        var isList = wrapped is not null || (string?)element.Attribute("maxOccurs") == "unbounded";
        return new WsdlMember(name, type, isList);
    }

    private static string? LocalName(string? qualified) => qualified is null ? null : qualified[(qualified.IndexOf(':', StringComparison.Ordinal) + 1)..];

    internal sealed record WsdlType(string? BaseName, IReadOnlyList<WsdlMember> Members);
}

/// <summary>An element of a WSDL complexType.</summary>
/// <param name="Name">The element name.</param>
/// <param name="TypeName">Its XSD or WSDL type's local name (<c>string</c>, <c>int</c>, <c>SubscriberStatus</c>, <c>ClientID</c>).</param>
/// <param name="IsList">Repeated, in place or wrapped.</param>
internal sealed record WsdlMember(string Name, string TypeName, bool IsList);
