using System;
using System.Buffers;
using System.Buffers.Text;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
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
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SoapReader
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
    private static readonly long[] TicksPerDigit = [0, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];
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

        return TryParseDateTime(value, out var result) ? result : Convert(value, "dateTime", static s => XmlConvert.ToDateTime(s, XmlDateTimeSerializationMode.RoundtripKind));
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

        string? xsiType = null;
        if (_xsiTypeAttribute >= 0)
        {
            var type = Trim(AttributeValue(_attributes[_xsiTypeAttribute]));
            var colon = type.IndexOf((byte)':');
            xsiType = type.IsEmpty ? null : Atom(colon < 0 ? type : type[(colon + 1)..]);
        }

        var value = T.CreateForXsiType(xsiType);
        if (value is null)
        {
            Skip();
            return null;
        }

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
                Skip();
            }
        }

        ReadEndElement();
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

    private static byte[] Transcode(byte[] bytes, out int start)
    {
        start = 0;
        if (bytes.AsSpan().StartsWith("\xEF\xBB\xBF"u8))
        {
            start = 3;
            return bytes;
        }

        if (bytes.Length >= 2 && ((bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE)))
        {
            var unicode = bytes[0] == 0xFE ? Encoding.BigEndianUnicode : Encoding.Unicode;
            return Utf8.GetBytes(unicode.GetString(bytes, 2, bytes.Length - 2));
        }

        // <?xml version="1.0" encoding="..."?>: UTF-8 and ASCII are read as they are; other single-byte encodings are converted.
        if (!bytes.AsSpan().StartsWith("<?xml"u8))
        {
            return bytes;
        }

        var declaration = bytes.AsSpan(0, Math.Max(0, bytes.AsSpan().IndexOf("?>"u8)));
        var at = declaration.IndexOf("encoding"u8);
        if (at < 0)
        {
            return bytes;
        }

        var rest = declaration[(at + 8)..].TrimStart(" \t\r\n="u8);
        if (rest.IsEmpty || (rest[0] != (byte)'"' && rest[0] != (byte)'\''))
        {
            return bytes;
        }

        var close = rest[1..].IndexOf(rest[0]);
        var name = close < 0 ? "" : Encoding.ASCII.GetString(rest.Slice(1, close));
        if (name.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || name.Equals("utf8", StringComparison.OrdinalIgnoreCase)
            || name.Equals("us-ascii", StringComparison.OrdinalIgnoreCase))
        {
            return bytes;
        }

        Encoding encoding;
        try
        {
            encoding = Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            throw new XmlException($"The encoding '{name}' in the XML declaration is not supported.");
        }

        return Utf8.GetBytes(encoding.GetString(bytes));
    }

    private static bool IsXmlSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    private static bool IsWhitespace(ReadOnlySpan<byte> text) => text.IndexOfAnyExcept(" \t\r\n"u8) < 0;

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> text) => text.Trim(" \t\r\n"u8);

    /// <summary>yyyy-MM-ddTHH:mm:ss, an optional fraction of up to 7 digits and an optional Z; anything else goes to XmlConvert.</summary>
    private static bool TryParseDateTime(ReadOnlySpan<byte> s, out DateTime value)
    {
        value = default;
        if (s.Length < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':'
            || !Digits(s[..4], out var year) || !Digits(s.Slice(5, 2), out var month) || !Digits(s.Slice(8, 2), out var day)
            || !Digits(s.Slice(11, 2), out var hour) || !Digits(s.Slice(14, 2), out var minute) || !Digits(s.Slice(17, 2), out var second)
            || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year == 0 ? 1 : year, month) || year == 0
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var rest = s[19..];
        long ticks = 0;
        if (!rest.IsEmpty && rest[0] == '.')
        {
            var digits = rest[1..].IndexOfAnyExceptInRange((byte)'0', (byte)'9');
            digits = digits < 0 ? rest.Length - 1 : digits;
            if (digits is < 1 or > 7 || !Digits(rest.Slice(1, digits), out var fraction))
            {
                return false;
            }

            ticks = fraction * TicksPerDigit[digits];
            rest = rest[(1 + digits)..];
        }

        var kind = DateTimeKind.Unspecified;
        if (rest.Length == 1 && rest[0] == 'Z')
        {
            kind = DateTimeKind.Utc;
        }
        else if (!rest.IsEmpty)
        {
            return false;
        }

        // The fields are checked above, so the ticks add up without DateTime checking each again.
        ticks += (new DateOnly(year, month, day).DayNumber * TimeSpan.TicksPerDay) + (hour * TimeSpan.TicksPerHour) + (minute * TimeSpan.TicksPerMinute) + (second * TimeSpan.TicksPerSecond);
        value = new DateTime(ticks, kind);
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        foreach (var b in s)
        {
            var digit = (uint)(b - '0');
            if (digit > 9)
            {
                return false;
            }

            value = (value * 10) + (int)digit;
        }

        return !s.IsEmpty;
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

    /// <summary>
    /// Text the reader may skip (text nodes, comments, processing instructions): no refused control characters, and
    /// valid UTF-8. What is read as a string is checked as it is decoded, names when they hold non-ASCII bytes, and
    /// attribute values while they are scanned; a value read as a number, date or enumeration must be ASCII to parse.
    /// </summary>
    private void CheckCharacters(ReadOnlySpan<byte> text)
    {
        var invalid = text.IndexOfAny(InvalidControl);
        if (invalid >= 0)
        {
            throw InvalidCharacter(text[invalid]);
        }

        if (!System.Text.Unicode.Utf8.IsValid(text))
        {
            throw NotUtf8();
        }
    }

    /// <summary>
    /// Moves past <c>&lt;?target …?&gt;</c>: the target is a name without a colon, and a target of "xml" in any case is
    /// the XML declaration, allowed only as the very first thing (after a byte order mark): a version 1.x, then
    /// optionally an encoding name and standalone="yes|no", in that order.
    /// </summary>
    private void SkipProcessingInstruction()
    {
        var targetStart = _pos + 2;
        var end = Find("?>"u8, targetStart, "processing instruction");
        var content = _data.AsSpan(targetStart, end - targetStart);
        var space = content.IndexOfAny(" \t\r\n"u8);
        var target = space < 0 ? content : content[..space];
        if (target.IsEmpty || target.Contains((byte)':'))
        {
            throw Error("A processing instruction needs a target name without a colon.");
        }

        CheckName(target);
        CheckCharacters(content);
        if (target.Length == 3 && Ascii.EqualsIgnoreCase(target, "xml"u8))
        {
            if (_pos != _documentStart || !target.SequenceEqual("xml"u8))
            {
                throw Error("An XML declaration is allowed only at the very start of the document, as '<?xml'.");
            }

            ReadXmlDeclaration(content[target.Length..]);
        }

        _pos = end + 2;
    }

    private void ReadXmlDeclaration(ReadOnlySpan<byte> rest)
    {
        var version = Pseudo(ref rest, "version"u8, required: true);
        // VersionNum ::= '1.' [0-9]+ (XML 1.0 fifth edition): a later 1.x is read as 1.0.
        if (version.Length < 3 || !version.StartsWith("1."u8) || version[2..].IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0)
        {
            throw Error($"The XML declaration has version '{Quoted(version)}'; only 1.x is read.");
        }

        var encoding = Pseudo(ref rest, "encoding"u8, required: false);
        if (encoding.Length > 0 && (!char.IsAsciiLetter((char)encoding[0]) || encoding.IndexOfAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"u8) >= 0))
        {
            throw Error($"'{Quoted(encoding)}' is not an encoding name.");
        }

        var standalone = Pseudo(ref rest, "standalone"u8, required: false);
        if (!standalone.IsEmpty && !standalone.SequenceEqual("yes"u8) && !standalone.SequenceEqual("no"u8))
        {
            throw Error("standalone in the XML declaration must be 'yes' or 'no'.");
        }

        if (!IsWhitespace(rest))
        {
            throw Error("The XML declaration has more than version, encoding and standalone, or has them out of order.");
        }

        // One pseudo-attribute: whitespace, the name, '=', a quoted value; empty when an optional one is absent.
        ReadOnlySpan<byte> Pseudo(ref ReadOnlySpan<byte> text, ReadOnlySpan<byte> name, bool required)
        {
            var trimmed = text.TrimStart(" \t\r\n"u8);
            if (trimmed.Length == text.Length || !trimmed.StartsWith(name))
            {
                return required ? throw Error($"The XML declaration has no {Encoding.ASCII.GetString(name)}.") : default;
            }

            var value = trimmed[name.Length..].TrimStart(" \t\r\n"u8);
            value = value.StartsWith("="u8) ? value[1..].TrimStart(" \t\r\n"u8) : throw Error("The XML declaration is missing '='.");
            var close = value.IsEmpty || value[0] is not ((byte)'"' or (byte)'\'') ? -1 : value[1..].IndexOf(value[0]);
            if (close < 0)
            {
                throw Error("A value in the XML declaration is not quoted.");
            }

            text = value[(close + 2)..];
            return value.Slice(1, close) is { IsEmpty: false } result ? result : throw Error($"The {Encoding.ASCII.GetString(name)} in the XML declaration is empty.");
        }
    }

    private XmlException InvalidCharacter(byte c) => Error($"The character 0x{c:X2} is not allowed in XML.");

    private XmlException Invalid(ReadOnlySpan<byte> value, string xsdType) => Error($"'{Quoted(value)}' is not a valid xsd:{xsdType}.");

    private void RequireElement()
    {
        if (_kind != NodeKind.Element)
        {
            throw new InvalidOperationException("The reader is not on a start tag.");
        }
    }

    private bool StartsWith(ReadOnlySpan<byte> prefix) => _data.AsSpan(_pos).StartsWith(prefix);

    private int Find(ReadOnlySpan<byte> terminator, int from, string what)
    {
        var at = _data.AsSpan(from).IndexOf(terminator);
        if (at < 0)
        {
            throw Error($"Unexpected end of file in a {what}.");
        }

        return from + at;
    }

    private void SetText(int start, int end, DecodeMode mode)
    {
        CheckCharacters(_data.AsSpan(start, end - start));
        if (mode == DecodeMode.Text && _data.AsSpan(start, end - start).IndexOf("]]>"u8) >= 0)
        {
            throw Error("']]>' is not allowed in text.");
        }

        _kind = NodeKind.Text;
        _textStart = start;
        _textEnd = end;
        _textMode = mode;
    }

    private void ReadStartTag()
    {
        if (_openCount == 0 && _rootSeen)
        {
            throw Error("The document has more than one root element.");
        }

        // The name, up to whitespace, '/' or '>', noting a prefix on the way.
        var data = _data;
        var start = _pos + 1;
        var position = ScanName(start, attribute: false, out var colon);
        if ((uint)position >= (uint)data.Length)
        {
            throw Error("Unexpected end of file in a start tag.");
        }

        if (position == start)
        {
            throw Error("A start tag has no name.");
        }

        _nameStart = start;
        _nameLength = position - start;
        _localStart = colon < 0 ? start : colon + 1;
        _kind = NodeKind.Element;
        _rootSeen = true;
        _attributeCount = 0;
        _xsiTypeAttribute = -1;
        _xsiNil = false;
        if (data[position] == (byte)'>')
        {
            _isEmpty = false;
            _pos = position + 1;
        }
        else
        {
            ScanAttributes(position);
            if (_attributeCount > 0)
            {
                NoteAttributes();
            }
        }

        // A prefixed name needs its prefix declared (here or above), whether or not anyone asks for the namespace.
        if (colon >= 0)
        {
            Resolve(data.AsSpan(start, colon - start), forElement: true);
        }

        if ((++_elements & 4095) == 0)
        {
            _cancellationToken.ThrowIfCancellationRequested();
        }

        if (!_isEmpty)
        {
            // Checked before the element is entered: every recursion of the reading code is one open element deeper.
            if (_openCount >= _maxDepth)
            {
                throw Error($"Elements are nested deeper than the limit of {_maxDepth} levels (SfmcClientOptions.MaxSoapDepth).");
            }

            if (_openCount == _open.Length)
            {
                Array.Resize(ref _open, _open.Length * 2);
            }

            _open[_openCount++] = new OpenElement(start, _nameLength, _localStart - start);
        }
    }

    /// <summary>
    /// A name from <paramref name="position"/> up to whitespace, '/' or '&gt;' (or '=' for an attribute), with the
    /// position of its prefix colon (-1 for none); returns where it ends. ASCII names are checked on the way; one with a
    /// byte that is not a plain name character is looked at again by <see cref="CheckName"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ScanName(int position, bool attribute, out int colon)
    {
        var data = _data;
        var start = position;
        var kinds = NameBytes;
        var seen = 0;
        colon = -1;
        while ((uint)position < (uint)data.Length)
        {
            var kind = kinds[data[position]];
            if (kind != 0)
            {
                if (kind == NameEnd || (attribute && data[position] == (byte)'='))
                {
                    break;
                }

                if (kind == NameColon)
                {
                    seen |= colon >= 0 ? NameInvalid : 0;
                    colon = position;
                }

                seen |= kind;
            }

            position++;
        }

        if (position > start && (seen > NameColon || IsBadNameStart(data[start])
            || (colon >= 0 && (colon == position - 1 || IsBadNameStart(data[colon + 1])))))
        {
            CheckName(data.AsSpan(start, position - start));
        }

        return position;
    }

    /// <summary>
    /// Throws unless <paramref name="name"/> is a QName: one NCName, or two joined by a colon, each starting with a
    /// letter or '_' (non-ASCII characters are checked as <see cref="XmlConvert.VerifyNCName"/> checks them).
    /// </summary>
    private void CheckName(ReadOnlySpan<byte> name)
    {
        var colon = -1;
        var nonAscii = false;
        for (var i = 0; i < name.Length; i++)
        {
            var kind = NameBytes[name[i]];
            if (kind is NameInvalid or NameEnd || (kind == NameColon && colon >= 0))
            {
                throw Error($"The character '{(char)name[i]}' (0x{name[i]:X2}) is not allowed in the name '{Quoted(name)}'.");
            }

            colon = kind == NameColon ? i : colon;
            nonAscii |= kind == NameNonAscii;
        }

        var prefix = colon < 0 ? default : name[..colon];
        var local = name[(colon + 1)..];
        if (colon == 0 || local.IsEmpty)
        {
            throw Error($"The name '{Quoted(name)}' has an empty prefix or local name.");
        }

        CheckNamePart(name, prefix, nonAscii);
        CheckNamePart(name, local, nonAscii);
    }

    private void CheckNamePart(ReadOnlySpan<byte> name, ReadOnlySpan<byte> part, bool nonAscii)
    {
        if (part.IsEmpty)
        {
            return;
        }

        if (IsBadNameStart(part[0]))
        {
            throw Error($"The name '{Quoted(name)}' starts with '{(char)part[0]}', which cannot start a name.");
        }

        if (nonAscii)
        {
            try
            {
                XmlConvert.VerifyNCName(ToString(part));
            }
            catch (XmlException)
            {
                throw Error($"The name '{Quoted(name)}' contains a character that is not allowed in XML names.");
            }
        }
    }

    private static bool IsBadNameStart(byte b) => b is (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'.' or (byte)':';

    /// <summary>
    /// Attributes up to <c>&gt;</c> or <c>/&gt;</c>, in one pass: each name, <c>=</c>, a quoted value (no <c>&lt;</c> in it), whitespace between;
    /// recorded as positions for <see cref="NoteAttributes"/> and <see cref="TryGetAttribute"/>.
    /// </summary>
    private void ScanAttributes(int position)
    {
        var data = _data;
        while (true)
        {
            while (position < data.Length && IsXmlSpace(data[position]))
            {
                position++;
            }

            if (position >= data.Length)
            {
                throw Error("Unexpected end of file in a start tag.");
            }

            var b = data[position];
            if (b == (byte)'>' || (b == (byte)'/' && position + 1 < data.Length && data[position + 1] == (byte)'>'))
            {
                _isEmpty = b == (byte)'/';
                _pos = position + (_isEmpty ? 2 : 1);
                return;
            }

            var nameStart = position;
            position = ScanName(nameStart, attribute: true, out var colon);
            var nameLength = position - nameStart;
            while (position < data.Length && IsXmlSpace(data[position]))
            {
                position++;
            }

            if (nameLength == 0 || position >= data.Length || data[position] != (byte)'=')
            {
                throw Error(nameLength == 0 ? "An attribute has no name." : "An attribute has no value.");
            }

            position++;
            while (position < data.Length && IsXmlSpace(data[position]))
            {
                position++;
            }

            if (position >= data.Length || data[position] is not ((byte)'"' or (byte)'\''))
            {
                throw Error("An attribute value is not quoted.");
            }

            var quote = data[position];
            var valueStart = position + 1;
            var valueEnd = valueStart;
            var decode = false;
            var nonAscii = false;
            while (true)
            {
                if (valueEnd >= data.Length)
                {
                    throw Error("Unexpected end of file in an attribute value.");
                }

                var c = data[valueEnd];
                if (c == quote)
                {
                    break;
                }

                if (c == (byte)'<')
                {
                    throw Error("'<' is not allowed in an attribute value.");
                }

                if ((uint)(c - 0x20) >= 0x60)
                {
                    // Tab and line ends become spaces when the value is read; other control characters are not XML.
                    nonAscii |= c >= 0x80;
                    decode |= c < 0x20 && (c is (byte)'\t' or (byte)'\n' or (byte)'\r' ? true : throw InvalidCharacter(c));
                }

                decode |= c == (byte)'&';
                valueEnd++;
            }

            if (_attributeCount == _attributes.Length)
            {
                Array.Resize(ref _attributes, _attributes.Length * 2);
            }

            if (nonAscii && !System.Text.Unicode.Utf8.IsValid(data.AsSpan(valueStart, valueEnd - valueStart)))
            {
                throw NotUtf8();
            }

            var attribute = new AttributeSpan(nameStart, nameLength, colon < 0 ? -1 : colon - nameStart, valueStart, valueEnd - valueStart, decode);
            if (decode)
            {
                // References are checked now, whether or not anyone reads this attribute.
                AttributeValue(attribute);
            }

            _attributes[_attributeCount++] = attribute;
            position = valueEnd + 1;
            if (position < data.Length && !IsXmlSpace(data[position]) && data[position] is not ((byte)'>' or (byte)'/'))
            {
                throw Error("Attributes must be separated by whitespace.");
            }
        }
    }

    /// <summary>
    /// Records namespace declarations, checks that every attribute prefix is declared and no attribute appears twice, and
    /// notes xsi:type and xsi:nil (object and value reads need not look again).
    /// </summary>
    private void NoteAttributes()
    {
        var level = _openCount + 1;
        for (var i = 0; i < _attributeCount; i++)
        {
            var attribute = _attributes[i];
            var name = _data.AsSpan(attribute.NameStart, attribute.NameLength);
            var isDefault = attribute.Colon < 0 && name.SequenceEqual("xmlns"u8);
            if (isDefault || IsPrefixDeclaration(attribute, name))
            {
                var uri = attribute.NeedsDecoding ? ToString(AttributeValue(attribute)) : Atom(_data.AsSpan(attribute.ValueStart, attribute.ValueLength));
                if (!isDefault && uri.Length == 0)
                {
                    throw Error($"The prefix '{Quoted(name[6..])}' cannot be bound to an empty namespace.");
                }

                // Namespaces in XML 1.0, section 3: 'xml' keeps its namespace, 'xmlns' is never declared, and neither
                // namespace is given to another prefix or made the default.
                var prefix = isDefault ? default : name[6..];
                if (prefix.SequenceEqual("xmlns"u8) || uri == XmlnsNamespace || (prefix.SequenceEqual("xml"u8) != (uri == XmlNamespace)))
                {
                    throw Error(isDefault
                        ? $"The default namespace cannot be '{Quoted(uri)}'."
                        : $"The prefix '{Quoted(prefix)}' cannot be bound to '{Quoted(uri)}': 'xml' belongs to {XmlNamespace} alone, and 'xmlns' is never declared.");
                }

                _bindings.Add(new Binding(level, isDefault ? 0 : attribute.NameStart + 6, isDefault ? 0 : attribute.NameLength - 6, isDefault, uri));
                _innermostBindingLevel = level;
            }
        }

        // Start tags carry one to three attributes: pairwise checks, no allocation. Past a few, sets keep the checks
        // linear (as XmlReader hashes them): a hostile tag of 100,000 attributes took 27 s pairwise.
        var many = _attributeCount > PairwiseAttributes;
        var names = many ? new HashSet<string>(StringComparer.Ordinal) : null;
        var qualified = many ? new Dictionary<(string Uri, string Local), string>() : null;
        var prefixes = many ? new Dictionary<string, string>(StringComparer.Ordinal) : null;
        for (var i = 0; i < _attributeCount; i++)
        {
            var attribute = _attributes[i];
            var name = _data.AsSpan(attribute.NameStart, attribute.NameLength);
            if (names is not null ? !names.Add(ToString(name)) : IndexOfName(name, i) >= 0)
            {
                throw Error($"The attribute '{Quoted(name)}' appears twice in one start tag.");
            }

            if (attribute.Colon <= 0 || IsPrefixDeclaration(attribute, name))
            {
                continue;
            }

            // A prefixed attribute must have a declared prefix, and two prefixes for one namespace must not give the same name twice.
            var local = name[(attribute.Colon + 1)..];
            string uri;
            if (prefixes is not null)
            {
                var prefix = ToString(name[..attribute.Colon]);
                if (!prefixes.TryGetValue(prefix, out uri!))
                {
                    prefixes[prefix] = uri = Resolve(name[..attribute.Colon], forElement: false);
                }

                if (!qualified!.TryAdd((uri, ToString(local)), ToString(name)))
                {
                    throw Error($"The attributes '{Quoted(qualified[(uri, ToString(local))])}' and '{Quoted(name)}' are the same attribute of namespace '{Quoted(uri)}'.");
                }
            }
            else
            {
                uri = Resolve(name[..attribute.Colon], forElement: false);
                for (var j = 0; j < i; j++)
                {
                    var other = _attributes[j];
                    var otherName = _data.AsSpan(other.NameStart, other.NameLength);
                    if (other.Colon > 0 && !IsPrefixDeclaration(other, otherName) && otherName[(other.Colon + 1)..].SequenceEqual(local)
                        && Resolve(otherName[..other.Colon], forElement: false) == uri)
                    {
                        throw Error($"The attributes '{Quoted(otherName)}' and '{Quoted(name)}' are the same attribute of namespace '{Quoted(uri)}'.");
                    }
                }
            }

            var isType = local.SequenceEqual("type"u8);
            if ((isType || local.SequenceEqual("nil"u8)) && uri == SoapXml.XsiNamespace)
            {
                if (isType)
                {
                    _xsiTypeAttribute = i;
                }
                else
                {
                    var value = Trim(AttributeValue(attribute));
                    _xsiNil = value.SequenceEqual("true"u8) || value.SequenceEqual("1"u8);
                }
            }
        }
    }

    /// <summary>How many attributes a start tag may have before duplicate checks use sets instead of pairs.</summary>
    private const int PairwiseAttributes = 8;

    /// <summary>The index of an earlier attribute (before <paramref name="count"/>) with this name, or -1.</summary>
    private int IndexOfName(ReadOnlySpan<byte> name, int count)
    {
        for (var j = 0; j < count; j++)
        {
            if (_data.AsSpan(_attributes[j].NameStart, _attributes[j].NameLength).SequenceEqual(name))
            {
                return j;
            }
        }

        return -1;
    }

    private static bool IsPrefixDeclaration(AttributeSpan attribute, ReadOnlySpan<byte> name) => attribute.Colon == 5 && name.StartsWith("xmlns"u8);

    private void ReadEndTag()
    {
        var start = _pos + 2;
        if (_openCount == 0)
        {
            throw Error("An end tag has no start tag.");
        }

        var open = _open[_openCount - 1];
        var end = start + open.Length;

        // The usual case, </name>, is one comparison with the start tag's name.
        if (end < _data.Length && _data[end] == (byte)'>' && _data.AsSpan(start, open.Length).SequenceEqual(_data.AsSpan(open.Start, open.Length)))
        {
            _pos = end + 1;
        }
        else
        {
            var close = _data.AsSpan(start).IndexOf((byte)'>');
            if (close < 0)
            {
                throw Error("Unexpected end of file in an end tag.");
            }

            var name = _data.AsSpan(start, close).TrimEnd(" \t\r\n"u8);
            if (!name.SequenceEqual(_data.AsSpan(open.Start, open.Length)))
            {
                throw Error($"The end tag '{Quoted(name)}' does not match the start tag '{Quoted(_data.AsSpan(open.Start, open.Length))}'.");
            }

            _pos = start + close + 1;
        }

        _openCount--;
        _kind = NodeKind.EndElement;
        _nameStart = start;
        _nameLength = open.Length;
        _localStart = start + open.LocalOffset;
        if (_innermostBindingLevel > _openCount)
        {
            CloseBindings();
        }
    }

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

    private void EnsureScratch(int length)
    {
        if (_scratch.Length < length)
        {
            Array.Resize(ref _scratch, Math.Max(length, Math.Max(256, _scratch.Length * 2)));
        }
    }

    /// <summary>
    /// Resolves entity and character references (not in CDATA) and normalises CR LF and CR to LF; in an attribute value
    /// each tab, line end and CR LF becomes one space, as XML's attribute-value normalisation says (a character
    /// reference such as <c>&amp;#9;</c> stays what it is). Never longer than its input.
    /// </summary>
    private int Decode(ReadOnlySpan<byte> raw, Span<byte> destination, DecodeMode mode)
    {
        var written = 0;
        while (!raw.IsEmpty)
        {
            var stop = mode switch
            {
                DecodeMode.CData => raw.IndexOf((byte)'\r'),
                DecodeMode.Attribute => raw.IndexOfAny(AttributeSpecial),
                _ => raw.IndexOfAny(TextSpecial),
            };
            var plain = stop < 0 ? raw : raw[..stop];
            plain.CopyTo(destination[written..]);
            written += plain.Length;
            if (stop < 0)
            {
                break;
            }

            if (raw[stop] is (byte)'\r' or (byte)'\n' or (byte)'\t')
            {
                destination[written++] = mode == DecodeMode.Attribute ? (byte)' ' : (byte)'\n';
                raw = raw[(stop + (raw[stop] == (byte)'\r' && stop + 1 < raw.Length && raw[stop + 1] == (byte)'\n' ? 2 : 1))..];
                continue;
            }

            var semicolon = raw[stop..].IndexOf((byte)';');
            if (semicolon < 0)
            {
                throw Error("An entity reference has no ';'.");
            }

            var entity = raw.Slice(stop + 1, semicolon - 1);
            if (entity.Length > 1 && entity[0] == (byte)'#')
            {
                var hex = entity[1] == (byte)'x';
                if (!(hex ? Utf8Parser.TryParse(entity[2..], out int code, out var used, 'x') : Utf8Parser.TryParse(entity[1..], out code, out used))
                    || used != entity.Length - (hex ? 2 : 1) || !IsXmlChar(code))
                {
                    throw Error($"'&{Quoted(entity)};' is not a valid character reference.");
                }

                written += new Rune(code).EncodeToUtf8(destination[written..]);
            }
            else
            {
                destination[written++] = entity switch
                {
                    _ when entity.SequenceEqual("lt"u8) => (byte)'<',
                    _ when entity.SequenceEqual("gt"u8) => (byte)'>',
                    _ when entity.SequenceEqual("amp"u8) => (byte)'&',
                    _ when entity.SequenceEqual("quot"u8) => (byte)'"',
                    _ when entity.SequenceEqual("apos"u8) => (byte)'\'',
                    _ => throw Error($"Reference to undeclared entity '{Quoted(entity)}'."),
                };
            }

            raw = raw[(stop + semicolon + 1)..];
        }

        return written;
    }

    private static bool IsXmlChar(int code) =>
        code is 0x9 or 0xA or 0xD or (>= 0x20 and <= 0xD7FF) or (>= 0xE000 and <= 0xFFFD) or (>= 0x10000 and <= 0x10FFFF);

    private readonly record struct Binding(int Level, int PrefixStart, int PrefixLength, bool IsDefault, string Uri);

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
