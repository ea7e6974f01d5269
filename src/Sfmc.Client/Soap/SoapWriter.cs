using System;
using System.Buffers;
using System.Buffers.Text;
using System.ComponentModel;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Sfmc.Client.Soap;

/// <summary>
/// Writes SOAP XML as UTF-8 straight into pooled buffers (segments, never copied on growth): element names come pre-encoded (<c>"Name"u8</c>), numbers
/// and dates are formatted in place, text is escaped on the way. Every element is in the partner API namespace, which
/// the Body's first element declares as the default namespace; <c>xsi</c> is declared on the envelope. Used by generated
/// SOAP code and the SOAP client; not meant to be called directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SoapWriter : IDisposable
{
    private static readonly SearchValues<char> TextSpecial = SearchValues.Create(Specials(attribute: false));
    private static readonly SearchValues<char> AttributeSpecial = SearchValues.Create(Specials(attribute: true));
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private const int MaxSegment = 64 * 1024;

    private readonly List<(byte[] Buffer, int Length)> _full = new();
    private byte[] _buffer;
    private int _length;
    private bool _startOpen;
    private bool _declareNamespace;

    internal SoapWriter(int capacity = 16 * 1024) => _buffer = ArrayPool<byte>.Shared.Rent(capacity);

    /// <summary>Everything written, segment by segment.</summary>
    internal void CopyTo(Stream stream)
    {
        foreach (var (buffer, used) in _full)
        {
            stream.Write(buffer, 0, used);
        }

        stream.Write(_buffer, 0, _length);
    }

    /// <inheritdoc cref="CopyTo"/>
    internal async Task CopyToAsync(Stream stream, CancellationToken cancellationToken)
    {
        foreach (var (buffer, used) in _full)
        {
            await stream.WriteAsync(buffer.AsMemory(0, used), cancellationToken);
        }

        await stream.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken);
    }

    /// <summary>Everything written, as one array (tests).</summary>
    internal byte[] ToArray()
    {
        using var stream = new MemoryStream();
        CopyTo(stream);
        return stream.ToArray();
    }

    /// <summary>Starts an element: <c>&lt;name</c> (closed by the next content or by <see cref="WriteEndElement"/>).</summary>
    public void WriteStartElement(ReadOnlySpan<byte> name)
    {
        CloseStart();
        var span = Grow(name.Length + 1);
        span[0] = (byte)'<';
        name.CopyTo(span[1..]);
        _length += name.Length + 1;
        _startOpen = true;
        if (_declareNamespace)
        {
            _declareNamespace = false;
            Append(" xmlns=\"http://exacttarget.com/wsdl/partnerAPI\""u8);
        }
    }

    /// <summary>The next element declares the partner API namespace as the default one (the envelope's Body content).</summary>
    internal void DeclareNamespaceOnNextElement() => _declareNamespace = true;

    /// <summary>Writes a raw attribute name and an escaped value on the element just started (<c>xsi:type</c>, <c>xmlns</c>).</summary>
    public void WriteAttribute(ReadOnlySpan<byte> qualifiedName, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!_startOpen)
        {
            throw new InvalidOperationException("Attributes can only follow WriteStartElement.");
        }

        var span = Grow(qualifiedName.Length + 3);
        span[0] = (byte)' ';
        qualifiedName.CopyTo(span[1..]);
        span[qualifiedName.Length + 1] = (byte)'=';
        span[qualifiedName.Length + 2] = (byte)'"';
        _length += qualifiedName.Length + 3;
        WriteEscaped(value, AttributeSpecial);
        Append("\""u8);
    }

    /// <summary>Ends the element named <paramref name="name"/>: <c>/&gt;</c> when it is still empty.</summary>
    public void WriteEndElement(ReadOnlySpan<byte> name)
    {
        if (_startOpen)
        {
            _startOpen = false;
            var empty = Grow(2);
            empty[0] = (byte)'/';
            empty[1] = (byte)'>';
            _length += 2;
            return;
        }

        var span = Grow(name.Length + 3);
        span[0] = (byte)'<';
        span[1] = (byte)'/';
        name.CopyTo(span[2..]);
        span[name.Length + 2] = (byte)'>';
        _length += name.Length + 3;
    }

    /// <summary>
    /// An element the WSDL does not describe (<see cref="SoapObject.ExtensionData"/>), as it was read: its namespace
    /// declared when it differs from the one it sits in (<paramref name="currentNamespace"/>), its <c>xsi:type</c>, and
    /// its text or nested elements.
    /// </summary>
    internal void WriteExtension(SoapExtensionElement element, string currentNamespace)
    {
        var name = System.Text.Encoding.UTF8.GetBytes(element.Name);
        WriteStartElement(name);
        if (element.Namespace != currentNamespace)
        {
            WriteAttribute("xmlns"u8, element.Namespace);
        }

        if (element.XsiType is { } xsiType)
        {
            WriteAttribute("xmlns:xsi"u8, SoapXml.XsiNamespace);
            WriteAttribute("xsi:type"u8, xsiType);
        }

        for (var i = 0; i < element.Attributes.Count; i++)
        {
            var attribute = element.Attributes[i];
            if (attribute.Namespace.Length == 0)
            {
                WriteAttribute(System.Text.Encoding.UTF8.GetBytes(attribute.Name), attribute.Value);
                continue;
            }

            // A prefix of its own per attribute (a0, a1…), declared on this element: no clash with any other binding.
            var prefix = "a" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            WriteAttribute(System.Text.Encoding.UTF8.GetBytes("xmlns:" + prefix), attribute.Namespace);
            WriteAttribute(System.Text.Encoding.UTF8.GetBytes(prefix + ":" + attribute.Name), attribute.Value);
        }

        if (element.Children.Count > 0)
        {
            foreach (var child in element.Children)
            {
                WriteExtension(child, element.Namespace);
            }
        }
        else if (element.Value is { } value)
        {
            WriteString(value);
        }
        else
        {
            if (element.XsiType is null)
            {
                WriteAttribute("xmlns:xsi"u8, SoapXml.XsiNamespace);
            }

            WriteAttribute("xsi:nil"u8, "true");
        }

        WriteEndElement(name);
    }

    /// <summary>Escaped text content.</summary>
    public void WriteString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        CloseStart();
        WriteEscaped(value, TextSpecial);
    }

    /// <summary><c>&lt;name&gt;value&lt;/name&gt;</c>; nothing for null.</summary>
    public void WriteElement(ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            WriteStartElement(name);
            WriteString(value);
            WriteEndElement(name);
        }
    }

#pragma warning disable CS1591 // One writer per XSD simple type; the names say it. Null writes nothing.
    public void WriteElement(ReadOnlySpan<byte> name, int? value)
    {
        if (value is { } v)
        {
            WriteFormatted(name, v, default);
        }
    }

    public void WriteElement(ReadOnlySpan<byte> name, long? value)
    {
        if (value is { } v)
        {
            WriteFormatted(name, v, default);
        }
    }

    public void WriteElement(ReadOnlySpan<byte> name, short? value)
    {
        if (value is { } v)
        {
            WriteFormatted(name, v, default);
        }
    }

    public void WriteElement(ReadOnlySpan<byte> name, sbyte? value)
    {
        if (value is { } v)
        {
            WriteFormatted(name, v, default);
        }
    }

    public void WriteElement(ReadOnlySpan<byte> name, byte? value)
    {
        if (value is { } v)
        {
            WriteFormatted(name, v, default);
        }
    }

    public void WriteElement(ReadOnlySpan<byte> name, decimal? value)
    {
        if (value is { } v)
        {
            WriteFormatted(name, v, default);
        }
    }

    public void WriteElement(ReadOnlySpan<byte> name, bool? value)
    {
        if (value is { } v)
        {
            WriteStartElement(name);
            WriteRaw(v ? "true"u8 : "false"u8);
            WriteEndElement(name);
        }
    }

    /// <summary>Round-trip text as XmlConvert writes it (<c>INF</c>, <c>-INF</c>, <c>NaN</c>).</summary>
    public void WriteElement(ReadOnlySpan<byte> name, double? value)
    {
        if (value is { } v)
        {
            if (double.IsFinite(v))
            {
                WriteFormatted(name, v, "R");
            }
            else
            {
                WriteStartElement(name);
                WriteRaw(double.IsNaN(v) ? "NaN"u8 : v > 0 ? "INF"u8 : "-INF"u8);
                WriteEndElement(name);
            }
        }
    }

    public void WriteElement(ReadOnlySpan<byte> name, float? value)
    {
        if (value is { } v)
        {
            if (float.IsFinite(v))
            {
                WriteFormatted(name, v, "R");
            }
            else
            {
                WriteStartElement(name);
                WriteRaw(float.IsNaN(v) ? "NaN"u8 : v > 0 ? "INF"u8 : "-INF"u8);
                WriteEndElement(name);
            }
        }
    }
#pragma warning restore CS1591

    /// <summary>
    /// xsd:dateTime as <c>XmlConvert</c> writes it with <see cref="System.Xml.XmlDateTimeSerializationMode.RoundtripKind"/>:
    /// trailing fraction zeros dropped; <c>Z</c> for UTC, the offset for local time, nothing for unspecified
    /// (SFMC's server time).
    /// </summary>
    public void WriteElement(ReadOnlySpan<byte> name, DateTime? value)
    {
        if (value is not { } v)
        {
            return;
        }

        WriteStartElement(name);
        CloseStart();
        var span = Grow(40);
        var ok = v.TryFormat(span, out var written, "yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture);
        var fraction = (int)(v.Ticks % TimeSpan.TicksPerSecond);
        if (fraction != 0)
        {
            var digits = 7;
            while (fraction % 10 == 0)
            {
                fraction /= 10;
                digits--;
            }

            span[written++] = (byte)'.';
            ok &= Utf8Formatter.TryFormat(fraction, span[written..], out var fractionLength, new StandardFormat('D', (byte)digits));
            written += fractionLength;
        }

        if (v.Kind == DateTimeKind.Utc)
        {
            span[written++] = (byte)'Z';
        }
        else if (v.Kind == DateTimeKind.Local)
        {
            ok &= new DateTimeOffset(v).TryFormat(span[written..], out var offsetLength, "zzz", CultureInfo.InvariantCulture);
            written += offsetLength;
        }

        if (!ok)
        {
            throw new FormatException("The date could not be formatted.");
        }

        _length += written;
        WriteEndElement(name);
    }

    /// <summary>Writes an object element; adds <c>xsi:type</c> when the object is not of the declared type.</summary>
    public void WriteObject(ReadOnlySpan<byte> name, SoapObject? value, string declaredType)
    {
        if (value is null)
        {
            return;
        }

        WriteStartElement(name);
        var actual = value.SoapTypeNameCore;
        if (!string.Equals(actual, declaredType, StringComparison.Ordinal))
        {
            WriteAttribute("xsi:type"u8, actual);
        }

        value.WriteSoapElementsCore(this);
        WriteEndElement(name);
    }

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        foreach (var (buffer, _) in _full)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _full.Clear();
        var current = _buffer;
        _buffer = [];
        _length = 0;
        if (current.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(current);
        }
    }

    internal void WriteRaw(ReadOnlySpan<byte> utf8)
    {
        CloseStart();
        Append(utf8);
    }

    private void Append(ReadOnlySpan<byte> utf8)
    {
        utf8.CopyTo(Grow(utf8.Length));
        _length += utf8.Length;
    }

    private void WriteFormatted<T>(ReadOnlySpan<byte> name, T value, ReadOnlySpan<char> format)
        where T : IUtf8SpanFormattable
    {
        WriteStartElement(name);
        CloseStart();
        if (!value.TryFormat(Grow(64), out var written, format, CultureInfo.InvariantCulture))
        {
            throw new FormatException("The value could not be formatted.");
        }

        _length += written;
        WriteEndElement(name);
    }

    private void CloseStart()
    {
        if (_startOpen)
        {
            _startOpen = false;
            Append(">"u8);
        }
    }

    private void WriteEscaped(string value, SearchValues<char> special)
    {
        var text = value.AsSpan();
        while (!text.IsEmpty)
        {
            var stop = text.IndexOfAny(special);
            var plain = stop < 0 ? text : text[..stop];
            if (!plain.IsEmpty)
            {
                var destination = Grow(Utf8.GetMaxByteCount(plain.Length)); // before reading _length: a new segment resets it
                _length += Utf8.GetBytes(plain, destination);
            }

            if (stop < 0)
            {
                return;
            }

            var c = text[stop];
            var consumed = 1;
            if (char.IsHighSurrogate(c) && stop + 1 < text.Length && char.IsLowSurrogate(text[stop + 1]))
            {
                var destination = Grow(4);
                _length += Utf8.GetBytes(text.Slice(stop, 2), destination);
                consumed = 2;
            }
            else
            {
                Append(c switch
                {
                    '&' => "&amp;"u8,
                    '<' => "&lt;"u8,
                    '>' => "&gt;"u8,
                    '"' => "&quot;"u8,
                    '\r' => "&#xD;"u8,
                    '\n' => "&#xA;"u8,
                    '\t' => "&#x9;"u8,
                    _ => throw new ArgumentException(
                        $"'\\u{(int)c:X4}' is not a character XML can carry (control characters other than tab, CR and LF, lone surrogates, U+FFFE and U+FFFF).",
                        nameof(value)),
                });
            }

            text = text[(stop + consumed)..];
        }
    }

    private Span<byte> Grow(int count)
    {
        // A full segment is kept as it is and a new one started: nothing written is ever copied again.
        if (_length + count > _buffer.Length)
        {
            var next = ArrayPool<byte>.Shared.Rent(Math.Max(Math.Min(_buffer.Length * 2, MaxSegment), count));
            if (_length > 0)
            {
                _full.Add((_buffer, _length));
            }
            else if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = next;
            _length = 0;
        }

        return _buffer.AsSpan(_length);
    }

    /// <summary>Characters that cannot be copied as they are: markup, line ends that XML would normalise, and characters XML 1.0 cannot carry.</summary>
    private static string Specials(bool attribute)
    {
        var chars = new StringBuilder("&<>\r");
        if (attribute)
        {
            chars.Append("\"\n\t");
        }

        for (var c = '\0'; c < ' '; c++)
        {
            if (c is not '\t' and not '\n' and not '\r')
            {
                chars.Append(c);
            }
        }

        for (var c = '\uD800'; c <= '\uDFFF'; c++)
        {
            chars.Append(c);
        }

        return chars.Append("\uFFFE\uFFFF").ToString();
    }
}
