using System;

namespace Sfmc.Client.Soap;

/// <summary>
/// XSD simple values parsed from UTF-8 bytes without allocating: the common forms SFMC sends. What these refuse is
/// handed to <c>XmlConvert</c> by <see cref="SoapReader"/>, which also turns a value neither can read into an error.
/// </summary>
internal static class XsdValues
{
    private static readonly long[] TicksPerDigit = [0, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

    /// <summary>yyyy-MM-ddTHH:mm:ss, an optional fraction of up to 7 digits and an optional Z; anything else goes to XmlConvert.</summary>
    public static bool TryParseDateTime(ReadOnlySpan<byte> s, out DateTime value)
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

    public static bool Digits(ReadOnlySpan<byte> s, out int value)
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
}
