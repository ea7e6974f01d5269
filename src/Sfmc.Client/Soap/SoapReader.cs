using System;
using System.Buffers;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Xml;

namespace Sfmc.Client.Soap;

/// <summary>
/// A forward-only XML reader over a UTF-8 SOAP response held in memory: element names are compared as UTF-8 bytes
/// (<c>"Name"u8</c>), numbers, dates and enumerations are parsed from the bytes, and only string values become strings.
/// It checks what safety and correctness need — DTDs refused (no entity expansion, no external resources), tags
/// balanced, names and characters as XML 1.0 and its namespaces allow them, entities and character references resolved,
/// CR/LF normalised — and skips comments and processing instructions; namespaces are resolved when asked. Used by
/// generated SOAP code and the SOAP client; not meant to be called directly.
/// </summary>
/// <remarks>
/// In parts, as System.Text.Json splits <c>Utf8JsonReader</c>: this file holds the state, navigation and object reads;
/// <c>SoapReader.Tokenizer.cs</c> the markup (tags, names, attributes, text, characters, encodings);
/// <c>SoapReader.Namespaces.cs</c> prefix bindings; <c>SoapReader.Values.cs</c> the XSD simple-type reads, whose pure
/// parsing is <see cref="XsdValues"/>. Why our own reader and not <c>XmlReader</c>: <c>docs/decisions.md</c>.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed partial class SoapReader
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly SearchValues<byte> TextSpecial = SearchValues.Create("&\r"u8);
    private static readonly SearchValues<byte> AttributeSpecial = SearchValues.Create("&\r\n\t"u8);
    private const byte NameEnd = 1;
    private const byte NameColon = 2;
    private const byte NameInvalid = 4;
    private const byte NameNonAscii = 8;

    /// <summary>
    /// Per byte of a name: 0 an ASCII name character (letter, digit, '_', '-', '.'); <see cref="NameEnd"/> whitespace,
    /// '/' or '&gt;'; <see cref="NameColon"/> the prefix colon; <see cref="NameInvalid"/> any other ASCII byte;
    /// <see cref="NameNonAscii"/> part of a non-ASCII character, checked by decoding the name.
    /// </summary>
    private static ReadOnlySpan<byte> NameBytes =>
    [
        4, 4, 4, 4, 4, 4, 4, 4, 4, 1, 1, 4, 4, 1, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
        1, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 4, 4, 4, 1, 4,
        4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 0,
        4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
    ];

    private const int CachedStrings = 256;
    private const int MaxCachedLength = 32;
    /// <summary>Control characters XML 1.0 does not allow anywhere (all below 0x20 but tab, LF and CR).</summary>
    private static readonly SearchValues<byte> InvalidControl = SearchValues.Create(
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0B\x0C\x0E\x0F\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1A\x1B\x1C\x1D\x1E\x1F"u8);

    /// <summary>What ends a value's fast path: markup, an entity, a CR to normalise, a character to refuse or a ']' that may begin "]]&gt;".</summary>
    private static readonly SearchValues<byte> ValueStop = SearchValues.Create(
        "<&\r]\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0B\x0C\x0E\x0F\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1A\x1B\x1C\x1D\x1E\x1F"u8);
    private static readonly string[] KnownNamespaces =
    [
        SoapXml.Namespace, SoapXml.XsiNamespace, SoapEnvelopeContent.EnvelopeNamespace, "http://www.w3.org/2001/XMLSchema",
        "urn:fault.partner.exacttarget.com", "http://schemas.xmlsoap.org/ws/2004/08/addressing",
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
    ];

    private const string XmlNamespace = "http://www.w3.org/XML/1998/namespace";
    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";

    private readonly byte[] _data;
    private OpenElement[] _open = new OpenElement[16];
    private int _openCount;
    private readonly List<Binding> _bindings = new();
    private int _innermostBindingLevel;
    private readonly List<(byte[] Utf8, string Text)> _atoms = new();
    private readonly string?[] _strings = new string?[CachedStrings];
    private byte[] _scratch = [];
    private int _pos;
    private readonly int _documentStart;
    private bool _rootSeen;

    private NodeKind _kind;
    private int _nameStart;
    private int _nameLength;
    private int _localStart;
    private AttributeSpan[] _attributes = new AttributeSpan[4];
    private int _attributeCount;
    private bool _isEmpty;
    private int _textStart;
    private int _textEnd;
    private DecodeMode _textMode;
    private int _xsiTypeAttribute = -1;
    private bool _xsiNil;

    /// <summary>
    /// The default bound on element nesting (as <c>System.Text.Json</c>'s MaxDepth): generous for SOAP responses, whose
    /// deepest real objects nest about ten levels, and small enough that a hostile response cannot exhaust the stack
    /// through the generated code's recursion.
    /// </summary>
    public const int DefaultMaxDepth = 64;

    private readonly int _maxDepth;
    private readonly CancellationToken _cancellationToken;
    private int _elements;

    /// <summary>A reader over <paramref name="utf8"/> (a byte order mark and an XML declaration are honoured), before the first node.</summary>
    public SoapReader(byte[] utf8)
        : this(utf8, DefaultMaxDepth)
    {
    }

    /// <summary>A reader that refuses elements nested deeper than <paramref name="maxDepth"/> (an <see cref="XmlException"/> naming the limit).</summary>
    public SoapReader(byte[] utf8, int maxDepth)
        : this(utf8, maxDepth, CancellationToken.None)
    {
    }

    /// <summary>A reader bounded by <paramref name="maxDepth"/> that stops with <see cref="OperationCanceledException"/> once <paramref name="cancellationToken"/> is cancelled (checked every few thousand elements).</summary>
    public SoapReader(byte[] utf8, int maxDepth, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDepth, 1);
        _maxDepth = maxDepth;
        _cancellationToken = cancellationToken;
        _data = Transcode(utf8, out _pos);
        _documentStart = _pos;
    }

    private enum NodeKind
    {
        None,
        Element,
        EndElement,
        Text,
        EndOfDocument,
    }

    /// <summary>On a start tag (<see cref="IsEmptyElement"/> tells whether it is also its end).</summary>
    public bool IsStartElement => _kind == NodeKind.Element;

    /// <summary>On an end tag.</summary>
    public bool IsEndElement => _kind == NodeKind.EndElement;

    /// <summary>Past the root element.</summary>
    public bool IsEndOfDocument => _kind == NodeKind.EndOfDocument;

    /// <summary>A start tag that closes itself (<c>&lt;a/&gt;</c>): no content and no end tag follow.</summary>
    public bool IsEmptyElement => _kind == NodeKind.Element && _isEmpty;

    /// <summary>The local name of the element or end tag the reader is on, as UTF-8.</summary>
    public ReadOnlySpan<byte> LocalName => _data.AsSpan(_localStart, _nameLength - (_localStart - _nameStart));

    /// <summary>Elements open around the current node (the root element is at depth 0).</summary>
    public int Depth => _kind == NodeKind.Element && !_isEmpty ? _openCount - 1 : _openCount;

    /// <summary>The namespace of the current element or end tag ("" for none).</summary>
    public string NamespaceUri => _kind is NodeKind.Element or NodeKind.EndElement
        ? Resolve(_data.AsSpan(_nameStart, Math.Max(0, _localStart - _nameStart - 1)), forElement: true)
        : "";

    /// <summary>Moves to the next start tag, end tag or non-whitespace text; false at the end of the document.</summary>
    public bool Read()
    {
        if (_kind == NodeKind.Element && _isEmpty && _innermostBindingLevel > _openCount)
        {
            CloseBindings();
        }

        while (true)
        {
            if (_pos >= _data.Length)
            {
                if (_openCount > 0)
                {
                    throw Error("Unexpected end of file: element '" + Quoted(_data.AsSpan(_open[_openCount - 1].Start, _open[_openCount - 1].Length)) + "' is not closed.");
                }

                if (!_rootSeen)
                {
                    throw Error("The document has no root element.");
                }

                _kind = NodeKind.EndOfDocument;
                return false;
            }

            if (_data[_pos] != (byte)'<')
            {
                var lt = _data.AsSpan(_pos).IndexOf((byte)'<');
                var textEnd = lt < 0 ? _data.Length : _pos + lt;
                if (IsXmlSpace(_data[_pos]) && IsWhitespace(_data.AsSpan(_pos, textEnd - _pos)))
                {
                    _pos = textEnd;
                    continue;
                }

                if (_openCount == 0)
                {
                    throw Error("Text is not allowed outside the root element.");
                }

                SetText(_pos, textEnd, DecodeMode.Text);
                _pos = textEnd;
                return true;
            }

            var next = _pos + 1 < _data.Length ? _data[_pos + 1] : (byte)0;
            switch (next)
            {
                case (byte)'/':
                    ReadEndTag();
                    return true;
                case (byte)'?':
                    SkipProcessingInstruction();
                    continue;
                case (byte)'!':
                    if (StartsWith("<!--"u8))
                    {
                        var end = Find("-->"u8, _pos + 4, "comment");
                        var comment = _data.AsSpan(_pos + 4, end - _pos - 4);
                        if (comment.IndexOf("--"u8) >= 0 || comment.EndsWith("-"u8))
                        {
                            throw Error("A comment cannot contain '--' or end in '-'.");
                        }

                        CheckCharacters(comment);
                        _pos = end + 3;
                        continue;
                    }

                    if (StartsWith("<![CDATA["u8))
                    {
                        if (_openCount == 0)
                        {
                            throw Error("CDATA is not allowed outside the root element.");
                        }

                        var close = Find("]]>"u8, _pos + 9, "CDATA section");
                        SetText(_pos + 9, close, DecodeMode.CData);
                        _pos = close + 3;
                        return true;
                    }

                    if (StartsWith("<!DOCTYPE"u8))
                    {
                        throw Error("DTDs are prohibited in SOAP messages (a DOCTYPE was found).");
                    }

                    throw Error("Unexpected markup '<!'.");
                default:
                    ReadStartTag();
                    return true;
            }
        }
    }

    /// <summary>Moves past text to the next start or end tag; true on a start tag.</summary>
    public bool MoveToElement()
    {
        while (_kind is NodeKind.Text or NodeKind.None)
        {
            Read();
        }

        return _kind == NodeKind.Element;
    }

    /// <summary>Moves past the current node; an element with everything in it.</summary>
    public void Skip()
    {
        if (_kind == NodeKind.Element && !_isEmpty)
        {
            var depth = _openCount - 1;
            while (Read() && _openCount > depth)
            {
            }

            if (!IsEndElement)
            {
                throw Error("Unexpected end of file.");
            }
        }

        Read();
    }

    /// <summary>On a start tag: true when it is empty; otherwise moves to its first child node.</summary>
    public bool ReadStartElement()
    {
        RequireElement();
        if (_isEmpty)
        {
            Read();
            return false;
        }

        Read();
        return true;
    }

    /// <summary>Moves past text and the end tag the element's content ends with.</summary>
    public void ReadEndElement()
    {
        if (MoveToElement())
        {
            throw Error("Expected an end tag, found element '" + Quoted(LocalName) + "'.");
        }

        if (_kind != NodeKind.EndElement)
        {
            throw Error("Expected an end tag.");
        }

        Read();
    }

    /// <summary>
    /// The text content of the element the reader is on (entities resolved), then moves past the element; false for
    /// <c>xsi:nil</c>. The span is valid until the next call that reads a value.
    /// </summary>
    public bool ReadValue(out ReadOnlySpan<byte> text)
    {
        RequireElement();
        if (_xsiNil)
        {
            Skip();
            text = default;
            return false;
        }

        if (_isEmpty)
        {
            Read();
            text = default;
            return true;
        }

        // Fast path: plain text straight up to the end tag.
        var data = _data;
        var start = _pos;
        var lt = data.AsSpan(start).IndexOfAny(ValueStop);
        if (lt >= 0)
        {
            // </name> of this very element, then straight on to a following start tag when there is one.
            var open = _open[_openCount - 1];
            var close = start + lt;
            var gt = close + 2 + open.Length;
            if ((uint)gt < (uint)data.Length && data[close] == (byte)'<' && data[close + 1] == (byte)'/' && data[gt] == (byte)'>'
                && data.AsSpan(close + 2, open.Length).SequenceEqual(data.AsSpan(open.Start, open.Length)))
            {
                _openCount--;
                _pos = gt + 1;
                if (_innermostBindingLevel > _openCount)
                {
                    CloseBindings();
                }

                if (_pos + 1 < data.Length && data[_pos] == (byte)'<' && data[_pos + 1] is not ((byte)'/' or (byte)'!' or (byte)'?'))
                {
                    ReadStartTag();
                }
                else
                {
                    _kind = NodeKind.EndElement;
                    Read();
                }

                text = data.AsSpan(start, lt);
                return true;
            }
        }

        var length = 0;
        Read();
        while (_kind == NodeKind.Text)
        {
            var piece = _data.AsSpan(_textStart, _textEnd - _textStart);
            EnsureScratch(length + piece.Length);
            length += Decode(piece, _scratch.AsSpan(length), _textMode);
            Read();
        }

        if (_kind == NodeKind.Element)
        {
            throw Error("Element '" + Quoted(LocalName) + "' was found where only text was expected.");
        }

        Read();
        text = _scratch.AsSpan(0, length);
        return true;
    }

    /// <summary>Text content as a string ("" when empty), or null for <c>xsi:nil</c>; moves past the element.</summary>
    public string? ReadString() => ReadValue(out var text) ? (text.Length <= MaxCachedLength ? Cached(text) : ToString(text)) : null;

    /// <summary>Reads an object element (honouring <c>xsi:type</c> and <c>xsi:nil</c>) and moves past it.</summary>
    public T? ReadObject<T>()
        where T : SoapObject, ISoapObject<T>
    {
        RequireElement();
        if (_xsiNil)
        {
            Skip();
            return null;
        }

        var value = T.CreateForXsiType(XsiTypeName());
        if (value is null)
        {
            Skip();
            return null;
        }

        ReadContent(value);
        return value;
    }

    /// <summary>The local part of the current element's <c>xsi:type</c> (trimmed, interned); null when it has none or an empty one.</summary>
    private string? XsiTypeName()
    {
        if (_xsiTypeAttribute < 0)
        {
            return null;
        }

        var type = Trim(AttributeValue(_attributes[_xsiTypeAttribute]));
        var colon = type.IndexOf((byte)':');
        return type.IsEmpty ? null : Atom(colon < 0 ? type : type[(colon + 1)..]);
    }

    /// <summary>An object element of any type as a <see cref="SoapUntypedObject"/> (its <c>xsi:type</c>, else <paramref name="fallbackType"/>); null for <c>xsi:nil</c>.</summary>
    internal SoapUntypedObject? ReadUntypedObject(string fallbackType)
    {
        RequireElement();
        if (_xsiNil)
        {
            Skip();
            return null;
        }

        var value = new SoapUntypedObject(XsiTypeName() ?? fallbackType);
        ReadContent(value);
        return value;
    }

    /// <summary>Reads the children of the element the reader is on into <paramref name="target"/>, skipping unknown ones.</summary>
    public void ReadContent(SoapObject target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!ReadStartElement())
        {
            return;
        }

        while (MoveToElement())
        {
            if (!target.ReadSoapElementCore(this))
            {
                target.AddExtension(ReadExtensionElement());
            }
        }

        ReadEndElement();
    }

    /// <summary>
    /// The element the reader is on, whatever it holds, as a <see cref="SoapExtensionElement"/> (text, or nested
    /// elements read the same way; the reader's depth limit bounds the nesting); moves past it.
    /// </summary>
    internal SoapExtensionElement ReadExtensionElement()
    {
        RequireElement();
        var name = ToString(LocalName);
        var ns = NamespaceUri;
        var xsiType = XsiTypeName();
        var attributes = ExtensionAttributes();
        if (_xsiNil)
        {
            Skip();
            return SoapExtensionElement.Read(name, ns, xsiType, null, null, attributes);
        }

        if (_isEmpty)
        {
            Read();
            return SoapExtensionElement.Read(name, ns, xsiType, "", null, attributes);
        }

        Read();
        List<SoapExtensionElement>? children = null;
        var length = 0;
        while (_kind != NodeKind.EndElement)
        {
            switch (_kind)
            {
                case NodeKind.Element:
                    (children ??= []).Add(ReadExtensionElement());
                    break;
                case NodeKind.Text:
                    var piece = _data.AsSpan(_textStart, _textEnd - _textStart);
                    EnsureScratch(length + piece.Length);
                    length += Decode(piece, _scratch.AsSpan(length), _textMode);
                    Read();
                    break;
                case NodeKind.EndOfDocument:
                    throw Error("Unexpected end of file.");
                default:
                    Read();
                    break;
            }
        }

        var value = children is null ? ToString(_scratch.AsSpan(0, length)) : null;
        Read();
        return SoapExtensionElement.Read(name, ns, xsiType, value, children, attributes);
    }

    /// <summary>The current element's attributes but namespace declarations and xsi:type/xsi:nil; null when there are none.</summary>
    private List<SoapExtensionAttribute>? ExtensionAttributes()
    {
        List<SoapExtensionAttribute>? attributes = null;
        for (var i = 0; i < _attributeCount; i++)
        {
            var attribute = _attributes[i];
            var qualified = _data.AsSpan(attribute.NameStart, attribute.NameLength);
            if (qualified.SequenceEqual("xmlns"u8) || IsPrefixDeclaration(attribute, qualified))
            {
                continue;
            }

            var local = attribute.Colon < 0 ? qualified : qualified[(attribute.Colon + 1)..];
            var ns = attribute.Colon < 0 ? "" : Resolve(qualified[..attribute.Colon], forElement: false);
            if (ns == SoapXml.XsiNamespace && (local.SequenceEqual("type"u8) || local.SequenceEqual("nil"u8)))
            {
                continue;
            }

            (attributes ??= []).Add(new SoapExtensionAttribute(ToString(local), ns, ToString(AttributeValue(attribute))));
        }

        return attributes;
    }

    /// <summary>Reads a wrapper element (<c>&lt;Lists&gt;&lt;List/&gt;…&lt;/Lists&gt;</c>) item by item; other children are skipped.</summary>
    public void ReadWrapped<T>(ReadOnlySpan<byte> itemName, List<T> target, Func<SoapReader, T?> readItem)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(readItem);
        ReadItems(itemName, reader =>
        {
            if (readItem(reader) is { } item)
            {
                target.Add(item);
            }
        });
    }

    /// <summary>Reads a wrapper element of value-type items (numbers, enums); nil or empty items are left out.</summary>
    public void ReadWrappedValues<T>(ReadOnlySpan<byte> itemName, List<T> target, Func<SoapReader, T?> readItem)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(readItem);
        ReadItems(itemName, reader =>
        {
            if (readItem(reader) is { } item)
            {
                target.Add(item);
            }
        });
    }

    /// <summary>An attribute of the current start tag by local name and namespace ("" for an unprefixed one), entities resolved.</summary>
    public bool TryGetAttribute(ReadOnlySpan<byte> localName, string namespaceUri, out ReadOnlySpan<byte> value)
    {
        for (var i = 0; _kind == NodeKind.Element && i < _attributeCount; i++)
        {
            var attribute = _attributes[i];
            var name = _data.AsSpan(attribute.NameStart, attribute.NameLength);
            var local = attribute.Colon < 0 ? name : name[(attribute.Colon + 1)..];
            if (local.SequenceEqual(localName) && (attribute.Colon < 0 ? namespaceUri.Length == 0 : Resolve(name[..attribute.Colon], forElement: false) == namespaceUri))
            {
                value = AttributeValue(attribute);
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>An attribute's value, entities resolved (in the scratch buffer when it has any).</summary>
    private ReadOnlySpan<byte> AttributeValue(AttributeSpan attribute)
    {
        var raw = _data.AsSpan(attribute.ValueStart, attribute.ValueLength);
        if (!attribute.NeedsDecoding)
        {
            return raw;
        }

        EnsureScratch(raw.Length);
        return _scratch.AsSpan(0, Decode(raw, _scratch, DecodeMode.Attribute));
    }

    /// <summary>
    /// Short values repeat across the objects of a response (attribute names, statuses, flags): a small direct-mapped
    /// cache hands out the same string for the same ASCII bytes, so repeats cost neither an allocation nor GC time.
    /// </summary>
    private string Cached(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return "";
        }

        // Length and three bytes pick the slot: cheap, and a miss only costs the decoding a miss would cost anyway.
        var hash = (uint)((utf8.Length * 31) ^ (utf8[0] * 7) ^ (utf8[utf8.Length / 2] * 131) ^ (utf8[^1] * 1031));
        ref var slot = ref _strings[(hash ^ (hash >> 8)) & (CachedStrings - 1)];
        if (slot is { } cached && cached.Length == utf8.Length && Ascii.Equals(utf8, cached))
        {
            return cached;
        }

        return slot = ToString(utf8);
    }

    /// <summary>The text of the text or CDATA node the reader is on (tests compare it with System.Xml's).</summary>
    internal string TextValue()
    {
        if (_kind != NodeKind.Text)
        {
            throw new InvalidOperationException("The reader is not on text.");
        }

        var piece = _data.AsSpan(_textStart, _textEnd - _textStart);
        EnsureScratch(piece.Length);
        return ToString(_scratch.AsSpan(0, Decode(piece, _scratch, _textMode)));
    }

    private void ReadItems(ReadOnlySpan<byte> itemName, Action<SoapReader> readItem)
    {
        if (!ReadStartElement())
        {
            return;
        }

        while (MoveToElement())
        {
            if (LocalName.SequenceEqual(itemName))
            {
                readItem(this);
            }
            else
            {
                Skip();
            }
        }

        ReadEndElement();
    }

    /// <summary>UTF-8 → string; invalid UTF-8 is an <see cref="XmlException"/>.</summary>
    internal string ToString(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return Utf8.GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            throw NotUtf8();
        }
    }

    private XmlException NotUtf8() => Error("The response is not valid UTF-8.");

    /// <summary>
    /// Input quoted in an error message, at most <see cref="QuotedBytes"/> bytes of it: a 20 MB name in a broken
    /// response must not become a 40-million-character message.
    /// </summary>
    private string Quoted(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length <= QuotedBytes)
        {
            return ToString(utf8);
        }

        // Cut at a character boundary (never inside a UTF-8 sequence), decoded as strictly as the rest.
        var cut = QuotedBytes;
        while (cut > 0 && (utf8[cut] & 0xC0) == 0x80)
        {
            cut--;
        }

        return ToString(utf8[..cut]) + "… (" + utf8.Length.ToString("N0", CultureInfo.InvariantCulture) + " bytes)";
    }

    private static string Quoted(string text) => text.Length <= QuotedBytes ? text : text[..QuotedBytes] + "… (" + text.Length.ToString("N0", CultureInfo.InvariantCulture) + " characters)";

    private const int QuotedBytes = 200;

    internal XmlException Error(string message)
    {
        var consumed = _data.AsSpan(0, Math.Min(_pos, _data.Length));
        var line = consumed.Count((byte)'\n') + 1;
        var column = consumed.Length - consumed.LastIndexOf((byte)'\n');
        return new XmlException(message, null, line, column);
    }

    private readonly record struct OpenElement(int Start, int Length, int LocalOffset);

    /// <summary>An attribute of the current start tag: name (with the prefix colon's offset, -1 for none) and raw value.</summary>
    private readonly record struct AttributeSpan(int NameStart, int NameLength, int Colon, int ValueStart, int ValueLength, bool NeedsDecoding);

    private enum DecodeMode
    {
        Text,
        CData,
        Attribute,
    }
}
