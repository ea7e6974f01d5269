using System;
using System.Buffers.Text;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text;
using System.Xml;

namespace Sfmc.Client.Soap;

/// <content>The markup: the XML declaration and encodings, tags, names, attributes, text and character checks.</content>
public sealed partial class SoapReader
{
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
}
