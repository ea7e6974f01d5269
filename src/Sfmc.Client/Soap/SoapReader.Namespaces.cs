using System;
using System.Text;

namespace Sfmc.Client.Soap;

/// <content>Namespace prefixes: declarations on start tags, their scopes, resolution to interned URIs.</content>
public sealed partial class SoapReader
{
    private static bool IsPrefixDeclaration(AttributeSpan attribute, ReadOnlySpan<byte> name) => attribute.Colon == 5 && name.StartsWith("xmlns"u8);

    private void CloseBindings()
    {
        while (_bindings.Count > 0 && _bindings[^1].Level > _openCount)
        {
            _bindings.RemoveAt(_bindings.Count - 1);
        }

        _innermostBindingLevel = _bindings.Count > 0 ? _bindings[^1].Level : 0;
    }

    private string Resolve(ReadOnlySpan<byte> prefix, bool forElement)
    {
        if (prefix.SequenceEqual("xml"u8))
        {
            return XmlNamespace;
        }

        for (var i = _bindings.Count - 1; i >= 0; i--)
        {
            var binding = _bindings[i];
            if (prefix.IsEmpty ? binding.IsDefault : !binding.IsDefault && _data.AsSpan(binding.PrefixStart, binding.PrefixLength).SequenceEqual(prefix))
            {
                return binding.Uri;
            }
        }

        if (prefix.IsEmpty)
        {
            return "";
        }

        throw Error($"The prefix '{Quoted(prefix)}' of an {(forElement ? "element" : "attribute")} is not declared.");
    }

    /// <summary>The same string for the same bytes (namespaces, xsi:type names): no allocation after the first time.</summary>
    private string Atom(ReadOnlySpan<byte> utf8)
    {
        foreach (var (bytes, text) in _atoms)
        {
            if (utf8.SequenceEqual(bytes))
            {
                return text;
            }
        }

        foreach (var known in KnownNamespaces)
        {
            if (utf8.Length == known.Length && Ascii.Equals(utf8, known))
            {
                return known;
            }
        }

        var value = ToString(utf8);
        if (_atoms.Count < 64)
        {
            _atoms.Add((utf8.ToArray(), value));
        }

        return value;
    }

    private readonly record struct Binding(int Level, int PrefixStart, int PrefixLength, bool IsDefault, string Uri);
}
