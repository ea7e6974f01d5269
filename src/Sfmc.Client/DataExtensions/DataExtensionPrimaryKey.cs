using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Sfmc.Client;

/// <summary>The primary-key values of one row, in field order. Compares by value.</summary>
public sealed class DataExtensionPrimaryKey : IEquatable<DataExtensionPrimaryKey>
{
    private readonly KeyValuePair<string, object?>[] _values;

    /// <summary>Creates a primary key from field name/value pairs.</summary>
    public DataExtensionPrimaryKey(params KeyValuePair<string, object?>[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = values;
    }

    /// <summary>The key's field names and values, in field order.</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> Values => _values;

    /// <summary>True when the DE declares no primary key.</summary>
    public bool IsEmpty => _values.Length == 0;

    /// <inheritdoc />
    public bool Equals(DataExtensionPrimaryKey? other) =>
        other is not null && _values.AsSpan().SequenceEqual(other._values);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as DataExtensionPrimaryKey);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var pair in _values)
        {
            hash.Add(pair.Key, StringComparer.Ordinal);
            hash.Add(pair.Value);
        }

        return hash.ToHashCode();
    }

    /// <summary>Formats the key as <c>Field='value', Other=12</c>.</summary>
    public override string ToString()
    {
        if (_values.Length == 0)
        {
            return "(no primary key)";
        }

        var builder = new StringBuilder();
        foreach (var (name, value) in _values)
        {
            if (builder.Length > 0)
            {
                builder.Append(", ");
            }

            builder.Append(name).Append('=');
            builder.Append(value switch
            {
                null => "null",
                string s => "'" + s + "'",
                DateTime d => d.ToString("yyyy-MM-dd'T'HH:mm:ss.FFF", CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString(),
            });
        }

        return builder.ToString();
    }
}
