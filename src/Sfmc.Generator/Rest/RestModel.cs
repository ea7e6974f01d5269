using Sfmc.Generator.Common;

namespace Sfmc.Generator.Rest;

/// <summary>The C# shapes an OpenAPI schema maps to.</summary>
internal enum RestKind
{
    String,
    Int32,
    Int64,
    Decimal,
    Double,
    Boolean,
    DateTime,

    /// <summary>A free-form object: <c>Dictionary&lt;string, object?&gt;</c>.</summary>
    Attributes,

    /// <summary>Anything the generator does not map: <c>JsonElement</c>.</summary>
    Json,

    /// <summary>A generated class (<see cref="RestType.Schema"/>).</summary>
    Object,
}

/// <summary>A schema's C# type: a kind, the generated class for objects, and whether it is a list of them.</summary>
internal sealed record RestType(RestKind Kind, string? Schema = null, bool IsList = false)
{
    public static readonly RestType Json = new(RestKind.Json);
}

/// <summary>One property of a generated class.</summary>
internal sealed record RestProperty(string JsonName, string Name, RestType Type, bool Required, bool Nullable, string? Description);

/// <summary>A generated class: from <c>components/schemas</c> (or Swagger 2 <c>definitions</c>), or an inline object named after its owner.</summary>
internal sealed record RestSchema(string Name, string SourceName, string? Description, EquatableArray<RestProperty> Properties, string FilePath, LocationInfo? Location);

/// <summary>A path or query parameter.</summary>
internal sealed record RestParameter(string JsonName, string Name, bool InPath, RestType Type, bool Required, string? Description);

/// <summary>An operation generated as an extension method on <c>client.Rest</c>.</summary>
internal sealed record RestOperation(
    string OperationId,
    string MethodName,
    string HttpMethod,
    string Path,
    string? Summary,
    EquatableArray<RestParameter> Parameters,
    RestType? Body,
    RestType? Response,
    bool Replayable,
    string FilePath,
    LocationInfo? Location);

/// <summary>What one OpenAPI file contributes.</summary>
internal sealed record RestSpecModel(string FilePath, EquatableArray<RestSchema> Schemas, EquatableArray<RestOperation> Operations);

/// <summary>All spec files merged: the operations to generate and the classes they reach.</summary>
internal sealed record RestApiModel(EquatableArray<RestSchema> Schemas, EquatableArray<RestOperation> Operations, EquatableArray<DiagnosticInfo> Diagnostics);
