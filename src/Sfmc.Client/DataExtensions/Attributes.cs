using System;
using System.Collections.Generic;

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

/// <summary>
/// Put by the generator on an assembly whose project declares SFMC keys (DE files, sfmc.json), one per kind of key:
/// the Sfmc analyzer in every project that references the assembly checks constant keys against these too, so DE
/// files can live in their own class library (the large-project pattern). Not for direct use.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true, Inherited = false)]
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class SfmcDeclaredKeysAttribute : Attribute
{
    /// <summary>Declares <paramref name="keys"/> as keys of the given kind.</summary>
    public SfmcDeclaredKeysAttribute(SfmcKeyKind kind, params string[] keys)
    {
        Kind = kind;
        Keys = keys;
    }

    /// <summary>The kind of key.</summary>
    public SfmcKeyKind Kind { get; }

    /// <summary>The declared keys (case as declared: SFMC keys are case-sensitive).</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>For Data Extensions: these are synchronized, hence read-only (sfmc.json's <c>synchronizedDataExtensions</c>).</summary>
    public bool ReadOnly { get; init; }
}
