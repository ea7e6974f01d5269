using System;

namespace Sfmc.Client;

/// <summary>
/// Marks a string parameter that takes an SFMC key. The Sfmc analyzer checks constant arguments passed to it
/// against the keys the project declares: an unknown key is an error with "did you mean", and so is a key that differs only in case (SFMC keys are case-sensitive).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class SfmcKeyAttribute : Attribute
{
    /// <summary>Marks a parameter as taking a key of the given kind.</summary>
    public SfmcKeyAttribute(SfmcKeyKind kind) => Kind = kind;

    /// <summary>The kind of key.</summary>
    public SfmcKeyKind Kind { get; }
}

/// <summary>
/// Binds a type or member to a declared Data Extension by its customer key. The key is checked at compile time.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Field, Inherited = false)]
public sealed class DataExtensionKeyAttribute : Attribute
{
    /// <summary>Binds to the DE with this customer key (case-sensitive).</summary>
    public DataExtensionKeyAttribute([SfmcKey(SfmcKeyKind.DataExtension)] string key) => Key = key;

    /// <summary>The DE's customer key.</summary>
    public string Key { get; }
}

/// <summary>Put by the generator on each row property: the SFMC field it maps to.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class DataExtensionFieldAttribute : Attribute
{
    /// <summary>Maps the property to the SFMC field <paramref name="name"/> of type <paramref name="fieldType"/>.</summary>
    public DataExtensionFieldAttribute(string name, DataExtensionFieldType fieldType)
    {
        Name = name;
        FieldType = fieldType;
    }

    /// <summary>The exact SFMC field name.</summary>
    public string Name { get; }

    /// <summary>The SFMC field type.</summary>
    public DataExtensionFieldType FieldType { get; }

    /// <summary>MaxLength (precision for Decimal); 0 when none is declared.</summary>
    public int MaxLength { get; init; }

    /// <summary>Scale of a Decimal field.</summary>
    public int Scale { get; init; }

    /// <summary>Whether the field is part of the primary key.</summary>
    public bool IsPrimaryKey { get; init; }

    /// <summary>Whether the field is required.</summary>
    public bool IsRequired { get; init; }
}
