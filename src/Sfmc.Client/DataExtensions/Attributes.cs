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

/// <summary>
/// Put by the generator on an assembly whose project declares SFMC keys (DE files, sfmc.json): the Sfmc analyzer in
/// every project that references the assembly checks constant keys against these too, so DE files can live in their
/// own class library (the large-project pattern). Keys are as declared (SFMC keys are case-sensitive). Not for direct use.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, Inherited = false)]
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class SfmcDeclaredKeysAttribute : Attribute
{
    /// <summary>Data Extension customer keys.</summary>
    public string[] DataExtensions { get; init; } = [];

    /// <summary>Data Extensions that sfmc.json declares synchronized, hence read-only.</summary>
    public string[] ReadOnlyDataExtensions { get; init; } = [];

    /// <summary>Journey EventDefinitionKeys.</summary>
    public string[] Journeys { get; init; } = [];

    /// <summary>Triggered send definition keys.</summary>
    public string[] TriggeredSends { get; init; } = [];

    /// <summary>Transactional email and SMS definition keys.</summary>
    public string[] TransactionalMessages { get; init; } = [];

    /// <summary>MobileConnect message ids.</summary>
    public string[] MobileConnectMessages { get; init; } = [];
}
