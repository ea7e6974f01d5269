using System;
using System.Collections.Frozen;
using System.Collections.Generic;
using System.Xml;

namespace Sfmc.Emulator;

/// <summary>
/// The enumerations of <c>etframework.wsdl</c> (the very file the generator reads, embedded in this assembly), by
/// simpleType name: what a typed SOAP value may be. Read once, on first use.
/// </summary>
internal static class WsdlEnumerations
{
    private const string Xsd = "http://www.w3.org/2001/XMLSchema";

    private static readonly Lazy<FrozenDictionary<string, FrozenSet<string>>> All = new(Load);

    /// <summary>The values of the WSDL's simpleType <paramref name="name"/>.</summary>
    public static FrozenSet<string> Of(string name) =>
        All.Value.TryGetValue(name, out var values) ? values : throw new KeyNotFoundException($"etframework.wsdl has no enumeration '{name}'.");

    private static FrozenDictionary<string, FrozenSet<string>> Load()
    {
        using var stream = typeof(WsdlEnumerations).Assembly.GetManifestResourceStream("etframework.wsdl")
            ?? throw new InvalidOperationException("etframework.wsdl is not embedded in the emulator.");
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true });
        var enumerations = new Dictionary<string, FrozenSet<string>>(StringComparer.Ordinal);
        while (reader.ReadToFollowing("simpleType", Xsd))
        {
            if (reader.GetAttribute("name") is not { } name)
            {
                continue;
            }

            var values = new List<string>();
            using (var type = reader.ReadSubtree())
            {
                while (type.ReadToFollowing("enumeration", Xsd))
                {
                    if (type.GetAttribute("value") is { } value)
                    {
                        values.Add(value);
                    }
                }
            }

            if (values.Count > 0)
            {
                enumerations[name] = values.ToFrozenSet(StringComparer.Ordinal);
            }
        }

        return enumerations.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
