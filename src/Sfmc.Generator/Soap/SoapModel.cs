using Sfmc.Generator.Common;

namespace Sfmc.Generator.Soap;

/// <summary>Every type of one WSDL's schema, as parsed: equatable, no System.Xml objects.</summary>
internal sealed record SoapSchemaModel(string FilePath, EquatableArray<SoapTypeModel> Types, EquatableArray<SoapEnumModel> Enums);

/// <summary>A complexType. <see cref="BaseName"/> is the WSDL name of its base (null: derives from SoapObject).</summary>
internal sealed record SoapTypeModel(
    string Name,
    string ClrName,
    string? BaseName,
    bool IsAbstract,
    string? Documentation,
    EquatableArray<SoapMemberModel> Members);

internal enum SoapMemberKind
{
    /// <summary>An XSD simple type mapped to a C# keyword type (string, int, bool, …).</summary>
    Scalar,

    /// <summary>A WSDL enumeration (TypeName is its WSDL name).</summary>
    Enum,

    /// <summary>A complexType (TypeName is its WSDL name).</summary>
    Object,
}

/// <summary>
/// An element of a complexType's own sequence. A list is either repeated in place (<see cref="ItemName"/> null) or
/// wrapped (<c>&lt;Lists&gt;&lt;List/&gt;…&lt;/Lists&gt;</c>, an anonymous type with one element).
/// </summary>
internal sealed record SoapMemberModel(
    string XmlName,
    string ClrName,
    SoapMemberKind Kind,
    string TypeName,
    bool IsList,
    string? ItemName,
    string? Obsolete,
    string? Documentation);

internal sealed record SoapEnumModel(string Name, string ClrName, string? Documentation, EquatableArray<SoapEnumValue> Values);

internal sealed record SoapEnumValue(string XmlValue, string ClrName);

/// <summary>What the emit step needs for one selected type: the type plus facts from its neighbours.</summary>
internal sealed record SoapTypeToEmit(
    SoapTypeModel Type,
    EquatableArray<string> InheritedMembers,
    EquatableArray<string> CreatableDerived,
    EquatableArray<string> DefaultProperties,
    bool IsSealed,
    string PropertyClassName,
    string? BasePropertyClassName,
    EquatableArray<string> InheritedFilterNames,
    SoapOutputOptions Options);

internal sealed record SoapEnumToEmit(SoapEnumModel Enum, SoapOutputOptions Options);

internal sealed record SoapOutputOptions(string Namespace, bool Public);
