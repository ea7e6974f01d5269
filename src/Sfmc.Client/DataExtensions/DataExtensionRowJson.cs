using System;
using System.Buffers;
using System.Buffers.Text;
using System.ComponentModel;
using System.Text;
using System.Text.Json;

// Stack buffers in this assembly are written before they are read (row JSON, CSV cells, date digits, read slots are
// cleared explicitly), so the JIT's zeroing of each one is pure cost: up to 1 KB per row written.
[module: System.Runtime.CompilerServices.SkipLocalsInit]

namespace Sfmc.Client;

/// <summary>
/// The UTF-8 JSON of one Data Extension row, built by generated code in a caller-provided (usually stack) buffer and
/// then handed to a <see cref="Utf8JsonWriter"/> as one raw value. Property names arrive pre-encoded (<c>"name":</c>,
/// escaped at compile time), so a row costs one copy per constant and one format per value instead of a validated
/// writer call per token. Strings are escaped as <see cref="Utf8JsonWriter"/>'s default encoder does. Not for direct use.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public ref struct DataExtensionRowJson
{
    // Printable ASCII that the default JavaScriptEncoder leaves as is: everything from space to '~' except " & ' + < > \ `.
    private static readonly SearchValues<char> Plain = SearchValues.Create(
        " !#$%()*,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_abcdefghijklmnopqrstuvwxyz{|}~");

    private Span<byte> _buffer;
    private byte[]? _rented;
    private int _position;
    private bool _comma; // a value or member came before: the next one takes a comma

    /// <summary>Starts a row in <paramref name="buffer"/>; a larger buffer is rented when the row outgrows it.</summary>
    public DataExtensionRowJson(Span<byte> buffer)
    {
        _buffer = buffer;
    }

    /// <summary>The JSON written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._position];

    /// <summary>Writes <c>{</c>.</summary>
    public void StartObject()
    {
        Separator();
        Byte((byte)'{');
        _comma = false;
    }

    /// <summary>Writes <c>"name":{</c>; <paramref name="encodedName"/> is the quoted, escaped name with its colon.</summary>
    public void StartObject(ReadOnlySpan<byte> encodedName)
    {
        Name(encodedName);
        Byte((byte)'{');
        _comma = false;
    }

    /// <summary>Writes <c>}</c>.</summary>
    public void EndObject()
    {
        Byte((byte)'}');
        _comma = true;
    }

    /// <summary>Writes a property name: the quoted, escaped name with its colon (a comma first unless it opens the object).</summary>
    public void Name(ReadOnlySpan<byte> encodedName)
    {
        Separator();
        var destination = Reserve(encodedName.Length);
        encodedName.CopyTo(destination);
        _position += encodedName.Length;
        _comma = false; // the value that follows takes no comma
    }

    /// <summary>
    /// Writes a property name from a schema's table: <paramref name="padded"/> holds the name in its first
    /// <paramref name="length"/> bytes and is at least <see cref="FieldRule.NamePadding"/> long, so a short name is
    /// copied as one fixed-size block (unrolled by the JIT) instead of a variable-length copy.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal void Name(byte[] padded, int length)
    {
        if (length > FieldRule.NamePadding)
        {
            Name(padded.AsSpan(0, length));
            return;
        }

        // One reservation for the comma and the name.
        var destination = Reserve(FieldRule.NamePadding + 1);
        var at = _comma ? 1 : 0;
        destination[0] = (byte)',';
        new ReadOnlySpan<byte>(padded, 0, FieldRule.NamePadding).CopyTo(destination[at..]);
        _position += at + length;
        _comma = false;
    }

    /// <summary>Writes a JSON string.</summary>
    public void String(string value)
    {
        Separator();
        var chars = value.AsSpan();
        if (chars.IndexOfAnyExcept(Plain) < 0)
        {
            var destination = Reserve(chars.Length + 2);
            destination[0] = (byte)'"';
            Ascii.FromUtf16(chars, destination[1..], out _);
            destination[chars.Length + 1] = (byte)'"';
            _position += chars.Length + 2;
        }
        else
        {
            Escaped(chars);
        }

        _comma = true;
    }

    /// <summary>Writes a Number value.</summary>
    public void Number(int value)
    {
        Separator();
        Utf8Formatter.TryFormat(value, Reserve(11), out var written);
        _position += written;
        _comma = true;
    }

    /// <summary>Writes a Decimal value as <see cref="Utf8Formatter"/> does: invariant, its scale kept, no exponent.</summary>
    public void Number(decimal value)
    {
        Separator();
        var destination = Reserve(32);
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var mantissa = (uint)bits[0] | ((ulong)(uint)bits[1] << 32);
        if (bits[2] != 0 || mantissa == 0)
        {
            // Beyond 64 bits (more than 19 digits) or zero (whose sign and scale the formatter knows best).
            Utf8Formatter.TryFormat(value, destination, out var formatted);
            _position += formatted;
            _comma = true;
            return;
        }

        // Prices, amounts and quantities fit in 64 bits: format the integer, then place the point `scale` digits from the end.
        var at = 0;
        if (bits[3] < 0)
        {
            destination[at++] = (byte)'-';
        }

        var scale = (bits[3] >> 16) & 0xFF;
        Utf8Formatter.TryFormat(mantissa, destination[at..], out var digits);
        if (scale > 0)
        {
            var integerDigits = digits - scale;
            if (integerDigits > 0)
            {
                destination.Slice(at + integerDigits, scale).CopyTo(destination[(at + integerDigits + 1)..]);
                destination[at + integerDigits] = (byte)'.';
                digits++;
            }
            else
            {
                // 0.0…0ddd: shift the digits right past "0." and the zeros.
                var zeros = -integerDigits;
                destination.Slice(at, digits).CopyTo(destination[(at + 2 + zeros)..]);
                destination[at] = (byte)'0';
                destination[at + 1] = (byte)'.';
                destination.Slice(at + 2, zeros).Fill((byte)'0');
                digits += 2 + zeros;
            }
        }

        _position += at + digits;
        _comma = true;
    }

    /// <summary>Writes <c>true</c> or <c>false</c>.</summary>
    public void Boolean(bool value)
    {
        Separator();
        var literal = value ? "true"u8 : "false"u8;
        literal.CopyTo(Reserve(5));
        _position += literal.Length;
        _comma = true;
    }

    /// <summary>Writes a Date value: <c>yyyy-MM-ddTHH:mm:ss[.fff]</c>, with <c>Z</c> for UTC (local times are converted to UTC); unspecified means SFMC server time (CST).</summary>
    public void Date(DateTime value)
    {
        Separator();
        var destination = Reserve(26);
        destination[0] = (byte)'"';
        var written = DataExtensionJson.FormatDate(value, destination[1..]);
        destination[written + 1] = (byte)'"';
        _position += written + 2;
        _comma = true;
    }

    /// <summary>Writes the row into <paramref name="writer"/> as one value (already well-formed, so not re-validated).</summary>
    public readonly void WriteTo(Utf8JsonWriter writer) => writer.WriteRawValue(Written, skipInputValidation: true);

    /// <summary>Returns a rented buffer, if any.</summary>
    public void Dispose()
    {
        if (_rented is { } rented)
        {
            _rented = null;
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private void Separator()
    {
        if (_comma)
        {
            Byte((byte)',');
        }
    }

    private void Byte(byte value)
    {
        Reserve(1)[0] = value;
        _position++;
    }

    private Span<byte> Reserve(int count)
    {
        if (_buffer.Length - _position < count)
        {
            Grow(count);
        }

        return _buffer[_position..];
    }

    private void Grow(int count)
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _position + count));
        _buffer[.._position].CopyTo(larger);
        Dispose();
        _rented = larger;
        _buffer = larger;
    }

    private void Escaped(ReadOnlySpan<char> chars)
    {
        var destination = Reserve((chars.Length * 6) + 2); // "\uXXXX" is the longest form of a UTF-16 unit
        var at = 0;
        destination[at++] = (byte)'"';
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            if (Plain.Contains(c))
            {
                destination[at++] = (byte)c;
                continue;
            }

            switch (c)
            {
                case '\\': destination[at++] = (byte)'\\'; destination[at++] = (byte)'\\'; continue;
                case '\n': destination[at++] = (byte)'\\'; destination[at++] = (byte)'n'; continue;
                case '\r': destination[at++] = (byte)'\\'; destination[at++] = (byte)'r'; continue;
                case '\t': destination[at++] = (byte)'\\'; destination[at++] = (byte)'t'; continue;
                case '\b': destination[at++] = (byte)'\\'; destination[at++] = (byte)'b'; continue;
                case '\f': destination[at++] = (byte)'\\'; destination[at++] = (byte)'f'; continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                at += Unicode(destination[at..], c);
                c = chars[++i];
            }
            else if (char.IsSurrogate(c))
            {
                c = '\uFFFD'; // a lone surrogate becomes the replacement character, as Utf8JsonWriter writes it
            }

            at += Unicode(destination[at..], c);
        }

        destination[at++] = (byte)'"';
        _position += at;
    }

    private static int Unicode(Span<byte> destination, char c)
    {
        destination[0] = (byte)'\\';
        destination[1] = (byte)'u';
        ((int)c).TryFormat(destination[2..6], out _, "X4", System.Globalization.CultureInfo.InvariantCulture);
        return 6;
    }
}
