using Sfmc.Generator.Common;

namespace Sfmc.Generator.DataExtensions.Model;

/// <summary>SFMC field types; names match <c>Sfmc.Client.DataExtensionFieldType</c> and SFMC's spelling.</summary>
internal enum FieldType
{
    Text,
    Number,
    Decimal,
    Date,
    Boolean,
    EmailAddress,
    Phone,
    Locale,
}

/// <summary>
/// One field, validated, with its generated property name. <c>IsRequiredMember</c>: emitted as a C# <c>required</c>
/// member (primary key, or required without a default value).
/// </summary>
internal sealed record FieldModel(
    string Name,
    string PropertyName,
    FieldType Type,
    int? MaxLength,
    int? Scale,
    bool IsPrimaryKey,
    bool IsRequired,
    bool IsRequiredMember,
    string? DefaultValue,
    string? Description);

/// <summary>One Data Extension, validated: everything the emitter needs, and nothing Roslyn owns.</summary>
internal sealed record DataExtensionModel(
    string FilePath,
    string CustomerKey,
    string Name,
    string? Description,
    bool IsSendable,
    string? SendableDataExtensionField,
    string? SendableSubscriberField,
    string TypeName,
    EquatableArray<FieldModel> Fields,
    LocationInfo KeyLocation,
    LocationInfo NameLocation);

/// <summary>The result of parsing one DE file: a model (null when the file is unusable) and its diagnostics.</summary>
internal sealed record DataExtensionParseResult(DataExtensionModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>Generator options from MSBuild (RootNamespace, SfmcNamespace).</summary>
internal sealed record GeneratorOptions(string Namespace, DiagnosticInfo? Diagnostic);
