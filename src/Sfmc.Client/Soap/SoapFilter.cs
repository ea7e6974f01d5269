using System;
using System.Collections.Generic;
using System.Linq;

namespace Sfmc.Client.Soap;

/// <summary>
/// A Retrieve filter: a <c>SimpleFilterPart</c> built from a generated property
/// (<c>Subscriber.Property.EmailAddress.IsEqualTo("a@example.com")</c>), or a <c>ComplexFilterPart</c> made with
/// <c>&amp;</c> and <c>|</c>.
/// </summary>
public abstract class SoapFilter
{
    private protected SoapFilter()
    {
    }

#pragma warning disable CA2225 // And/Or are the named alternates.
    /// <summary>Both filters (<c>AND</c>).</summary>
    public static SoapFilter operator &(SoapFilter left, SoapFilter right) => And(left, right);

    /// <summary>Either filter (<c>OR</c>).</summary>
    public static SoapFilter operator |(SoapFilter left, SoapFilter right) => Or(left, right);
#pragma warning restore CA2225

    /// <summary>Both filters (<c>AND</c>).</summary>
    public static SoapFilter And(SoapFilter left, SoapFilter right) => new ComplexSoapFilter(left, "AND", right);

    /// <summary>Either filter (<c>OR</c>).</summary>
    public static SoapFilter Or(SoapFilter left, SoapFilter right) => new ComplexSoapFilter(left, "OR", right);

    /// <summary>Writes the filter as the content of a <c>Filter</c> element (with its xsi:type).</summary>
    internal abstract void Write(SoapWriter writer, ReadOnlySpan<byte> elementName);
}

/// <summary>A <c>SimpleFilterPart</c>: a property, an operator and values.</summary>
public sealed class SimpleSoapFilter : SoapFilter
{
    internal SimpleSoapFilter(string property, string op, IReadOnlyList<string> values, bool dateValues)
    {
        Property = property;
        Operator = op;
        Values = values;
        IsDateValue = dateValues;
    }

    /// <summary>The property name (dotted for nested ones, e.g. <c>DataExtension.CustomerKey</c>).</summary>
    public string Property { get; }

    /// <summary>The SimpleOperator: equals, notEquals, greaterThan, lessThan, greaterThanOrEqual, lessThanOrEqual,
    /// isNull, isNotNull, between, IN, like.</summary>
    public string Operator { get; }

    /// <summary>The values as sent.</summary>
    public IReadOnlyList<string> Values { get; }

    /// <summary>Sent as <c>DateValue</c> rather than <c>Value</c>.</summary>
    public bool IsDateValue { get; }

    internal override void Write(SoapWriter writer, ReadOnlySpan<byte> elementName)
    {
        writer.WriteStartElement(elementName);
        writer.WriteAttribute("xsi:type"u8, "SimpleFilterPart");
        writer.WriteElement("Property"u8, Property);
        writer.WriteElement("SimpleOperator"u8, Operator);
        foreach (var value in Values)
        {
            writer.WriteElement(IsDateValue ? "DateValue"u8 : "Value"u8, value);
        }

        writer.WriteEndElement(elementName);
    }
}

/// <summary>A <c>ComplexFilterPart</c>: two filters joined by AND or OR.</summary>
public sealed class ComplexSoapFilter : SoapFilter
{
    internal ComplexSoapFilter(SoapFilter left, string logicalOperator, SoapFilter right)
    {
        Left = left ?? throw new ArgumentNullException(nameof(left));
        LogicalOperator = logicalOperator;
        Right = right ?? throw new ArgumentNullException(nameof(right));
    }

    /// <summary>The left operand.</summary>
    public SoapFilter Left { get; }

    /// <summary><c>AND</c> or <c>OR</c>.</summary>
    public string LogicalOperator { get; }

    /// <summary>The right operand.</summary>
    public SoapFilter Right { get; }

    internal override void Write(SoapWriter writer, ReadOnlySpan<byte> elementName)
    {
        writer.WriteStartElement(elementName);
        writer.WriteAttribute("xsi:type"u8, "ComplexFilterPart");
        Left.Write(writer, "LeftOperand"u8);
        writer.WriteElement("LogicalOperator"u8, LogicalOperator);
        Right.Write(writer, "RightOperand"u8);
        writer.WriteEndElement(elementName);
    }
}

/// <summary>
/// A named property of a SOAP object, typed by its value. Generated types expose one per simple property
/// (<c>Subscriber.Property.EmailAddress</c>), so a misspelled name is a compile error. Use
/// <see cref="SoapProperty.Named{T}"/> for nested paths such as <c>DataExtension.CustomerKey</c>.
/// </summary>
/// <typeparam name="T">The property's value type.</typeparam>
public sealed class SoapProperty<T>
{
    private readonly Func<T, string> _format;

    /// <summary>Creates a property; generated code passes the enum formatter where there is one.</summary>
    public SoapProperty(string name, Func<T, string>? format = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        _format = format ?? SoapXml.Format;
    }

    /// <summary>The property name as SFMC spells it.</summary>
    public string Name { get; }

#pragma warning disable CA2225 // Name is the alternate.
    /// <summary>The name, so a property can be listed where property names are expected.</summary>
    public static implicit operator string(SoapProperty<T> property) => property?.Name ?? throw new ArgumentNullException(nameof(property));
#pragma warning restore CA2225

#pragma warning disable CS1591 // The operator is the name.
    public SoapFilter IsEqualTo(T value) => Simple("equals", value);

    public SoapFilter IsNotEqualTo(T value) => Simple("notEquals", value);

    public SoapFilter IsGreaterThan(T value) => Simple("greaterThan", value);

    public SoapFilter IsLessThan(T value) => Simple("lessThan", value);

    public SoapFilter IsGreaterThanOrEqualTo(T value) => Simple("greaterThanOrEqual", value);

    public SoapFilter IsLessThanOrEqualTo(T value) => Simple("lessThanOrEqual", value);

    public SoapFilter IsBetween(T low, T high) => new SimpleSoapFilter(Name, "between", [_format(low), _format(high)], IsDate);

    public SoapFilter IsIn(params IEnumerable<T> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var list = values.Select(_format).ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException("IN needs at least one value.", nameof(values));
        }

        return new SimpleSoapFilter(Name, "IN", list, IsDate);
    }

    public SoapFilter IsLike(string pattern) => new SimpleSoapFilter(Name, "like", [pattern ?? throw new ArgumentNullException(nameof(pattern))], false);

    public SoapFilter IsNull() => new SimpleSoapFilter(Name, "isNull", [], false);

    public SoapFilter IsNotNull() => new SimpleSoapFilter(Name, "isNotNull", [], false);
#pragma warning restore CS1591

    /// <inheritdoc />
    public override string ToString() => Name;

    private static bool IsDate => typeof(T) == typeof(DateTime) || typeof(T) == typeof(DateTime?);

    private SimpleSoapFilter Simple(string op, T value) => new(Name, op, [_format(value)], IsDate);
}

/// <summary>Properties by name, for paths the generated properties do not cover.</summary>
public static class SoapProperty
{
    /// <summary>A property by name, e.g. <c>SoapProperty.Named&lt;string&gt;("DataExtension.CustomerKey")</c>.</summary>
    public static SoapProperty<T> Named<T>(string name) => new(name);
}
