using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Sfmc.Generator.Common;
using Sfmc.Generator.Diagnostics;

namespace Sfmc.Generator.Rest;

/// <summary>A generated class with the namespace it goes in.</summary>
internal sealed record RestSchemaToEmit(RestSchema Schema, string Namespace);

/// <summary>The operations of one spec file with the namespace of their classes.</summary>
internal sealed record RestOperationsToEmit(string SpecFile, string Namespace, EquatableArray<RestOperation> Operations);

/// <summary>
/// Merges the project's OpenAPI files (first file in path order wins a name), keeps the classes the generated
/// operations reach, and emits one source per class (its own UTF-8 JSON reader and writer, no reflection) and one
/// source of extension methods on <c>client.Rest</c> per spec file.
/// </summary>
internal static class RestEmitter
{
    private const string Json = KnownTypes.Rest + ".SfmcRestJson";
    private const string Writer = "global::System.Text.Json.Utf8JsonWriter";
    private const string ReaderType = "global::System.Text.Json.Utf8JsonReader";

    public static string HintName(RestSchemaToEmit item) => "Rest." + item.Schema.Name + ".g.cs";

    public static string HintName(RestOperationsToEmit item) => "Rest.Operations." + (Naming.ToPascalCase(Path.GetFileNameWithoutExtension(item.SpecFile)) ?? "Spec").TrimStart('@') + ".g.cs";

    public static RestApiModel Merge(ImmutableArray<RestSpecModel> specs)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var schemas = new Dictionary<string, RestSchema>(StringComparer.Ordinal);
        var operations = new Dictionary<string, RestOperation>(StringComparer.Ordinal);
        foreach (var spec in specs.OrderBy(s => s.FilePath, StringComparer.Ordinal))
        {
            foreach (var schema in spec.Schemas)
            {
                if (!schemas.TryGetValue(schema.Name, out var first))
                {
                    schemas[schema.Name] = schema;
                }
                else if (!first.Properties.Equals(schema.Properties))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateRestName, schema.Location, "Schema class", schema.Name, first.FilePath, schema.FilePath));
                }
            }

            foreach (var operation in spec.Operations)
            {
                if (operations.TryGetValue(operation.MethodName, out var first))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateRestName, operation.Location, "Operation method", operation.MethodName, first.FilePath, operation.FilePath));
                    continue;
                }

                operations[operation.MethodName] = operation;
            }
        }

        // Only what an operation reaches: runtime-implemented operations (x-sfmc-runtime) bring no classes.
        var reachable = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(operations.Values.SelectMany(o => o.Parameters.Select(p => p.Type).Append(o.Body).Append(o.Response)).Where(t => t?.Schema is not null).Select(t => t!.Schema!));
        while (pending.Count > 0)
        {
            var name = pending.Pop();
            if (schemas.TryGetValue(name, out var schema) && reachable.Add(name))
            {
                foreach (var property in schema.Properties.Where(p => p.Type.Schema is not null))
                {
                    pending.Push(property.Type.Schema!);
                }
            }
        }

        return new RestApiModel(
            reachable.Select(n => schemas[n]).ToEquatableArray(),
            operations.Values.OrderBy(o => o.FilePath, StringComparer.Ordinal).ThenBy(o => o.MethodName, StringComparer.Ordinal).ToEquatableArray(),
            diagnostics.ToEquatableArray());
    }

    public static string Emit(RestSchemaToEmit item)
    {
        var schema = item.Schema;
        var type = $"global::{item.Namespace}.{schema.Name}";
        var w = new SourceWriter();
        w.Line("namespace " + item.Namespace + ";");
        w.Line();
        w.Line("/// <summary>" + SourceWriter.Xml(schema.Description ?? $"SFMC REST schema {schema.SourceName}.") + "</summary>");
        w.Line($"/// <remarks>Generated from <c>{SourceWriter.Xml(Path.GetFileName(schema.FilePath))}</c>; reads and writes its own JSON (no reflection).</remarks>");
        w.Line($"[global::System.Text.Json.Serialization.JsonConverter(typeof(global::Sfmc.Client.Rest.SfmcJsonModelConverter<{type}>))]");
        w.Open($"public sealed partial class {schema.Name} : global::Sfmc.Client.Rest.ISfmcJsonModel<{type}>");
        foreach (var property in schema.Properties)
        {
            var doc = $"JSON <c>{SourceWriter.Xml(property.JsonName)}</c>" + (property.Required ? " (required)" : "") + ".";
            w.Line("/// <summary>" + (property.Description is { Length: > 0 } d ? SourceWriter.Xml(d.Trim()) + " " : "") + doc + "</summary>");
            w.Line($"public {(property.Required ? "required " : "")}{TypeName(property.Type, item.Namespace)}{(Nullable(property) ? "?" : "")} {property.Name} {{ get; set; }}");
            w.Line();
        }

        w.Line("/// <inheritdoc />");
        w.Open($"public void WriteJson({Writer} writer)");
        w.Line("global::System.ArgumentNullException.ThrowIfNull(writer);");
        w.Line("writer.WriteStartObject();");
        foreach (var property in schema.Properties)
        {
            var name = Utf8(property.JsonName);
            if (!Nullable(property))
            {
                w.Line($"writer.WritePropertyName({name});");
                WriteValue(w, property.Type, property.Name, item.Namespace);
                continue;
            }

            w.Open($"if ({property.Name} is {{ }} {Local(property)})");
            w.Line($"writer.WritePropertyName({name});");
            WriteValue(w, property.Type, Local(property), item.Namespace);
            w.Close();
            if (property.Required)
            {
                w.Open("else");
                w.Line($"writer.WriteNull({name});");
                w.Close();
            }
        }

        w.Line("writer.WriteEndObject();");
        w.Close();
        w.Line();
        w.Line("/// <inheritdoc />");
        w.Open($"public static {type} ReadJson(ref {ReaderType} reader)");
        w.Line($"{Json}.StartObject(ref reader, {SourceWriter.Literal(schema.Name)});");
        foreach (var property in schema.Properties)
        {
            w.Line($"{TypeName(property.Type, item.Namespace)}? {Local(property)} = null;");
        }

        w.Open($"while ({Json}.NextProperty(ref reader))");
        var keyword = "if";
        foreach (var property in schema.Properties)
        {
            w.Open($"{keyword} (reader.ValueTextEquals({Utf8(property.JsonName)}))");
            w.Line($"{Local(property)} = {ReadValue(property.Type, item.Namespace)};");
            w.Close();
            keyword = "else if";
        }

        if (schema.Properties.Count > 0)
        {
            w.Open("else");
        }

        w.Line($"{Json}.SkipValue(ref reader);");
        if (schema.Properties.Count > 0)
        {
            w.Close();
        }

        w.Close();
        w.Line();
        w.Open($"return new {type}");
        foreach (var property in schema.Properties)
        {
            var value = property.Required && !property.Nullable
                ? $"{Json}.Required({Local(property)}, {SourceWriter.Literal(property.JsonName)}, {SourceWriter.Literal(schema.Name)})"
                : Local(property);
            w.Line($"{property.Name} = {value},");
        }

        w.Close(";");
        w.Close();
        w.Close();
        return w.ToString();
    }

    public static string Emit(RestOperationsToEmit item)
    {
        var w = new SourceWriter();
        w.Line("namespace Sfmc.Client;");
        w.Line();
        w.Line($"/// <summary>SFMC REST operations generated from <c>{SourceWriter.Xml(Path.GetFileName(item.SpecFile))}</c>, on <c>client.Rest</c>.</summary>");
        w.Open("internal static partial class SfmcRestOperations");
        var first = true;
        foreach (var operation in item.Operations)
        {
            if (!first)
            {
                w.Line();
            }

            first = false;
            EmitOperation(w, operation, item.Namespace);
        }

        w.Close();
        return w.ToString();
    }

    private static void EmitOperation(SourceWriter w, RestOperation operation, string @namespace)
    {
        var parameters = operation.Parameters.Where(p => p.Required).Concat(operation.Parameters.Where(p => !p.Required)).ToList();
        var signature = new List<string> { "this global::Sfmc.Client.Rest.SfmcRestClient rest" };
        signature.AddRange(parameters.Where(p => p.Required).Select(p => $"{TypeName(p.Type, @namespace)} {p.Name}"));
        if (operation.Body is { } body)
        {
            signature.Add($"{BodyType(body, @namespace)} body");
        }

        signature.AddRange(parameters.Where(p => !p.Required).Select(p => $"{TypeName(p.Type, @namespace)}? {p.Name} = null"));
        signature.Add("global::System.Threading.CancellationToken cancellationToken = default");

        var returns = operation.Response is { } response
            ? $"global::System.Threading.Tasks.Task<{TypeName(response, @namespace)}>"
            : "global::System.Threading.Tasks.Task";
        w.Line("/// <summary>" + SourceWriter.Xml(operation.Summary ?? operation.OperationId) + "</summary>");
        w.Line($"/// <remarks><c>{operation.HttpMethod.ToUpperInvariant()} {SourceWriter.Xml(operation.Path)}</c> (operationId <c>{SourceWriter.Xml(operation.OperationId)}</c>). "
            + (operation.Replayable ? "Retried after a transient failure." : "Not replayed after a failure that may have reached SFMC (not idempotent); throttling (429) is retried.") + "</remarks>");
        w.Line("/// <param name=\"rest\">The REST client: <c>client.Rest</c>.</param>");
        foreach (var parameter in parameters.Where(p => p.Required))
        {
            w.Line($"/// <param name=\"{parameter.Name.TrimStart('@')}\">{SourceWriter.Xml(parameter.Description ?? parameter.JsonName)}</param>");
        }

        if (operation.Body is not null)
        {
            w.Line("/// <param name=\"body\">The JSON request body.</param>");
        }

        foreach (var parameter in parameters.Where(p => !p.Required))
        {
            w.Line($"/// <param name=\"{parameter.Name.TrimStart('@')}\">{SourceWriter.Xml(parameter.Description ?? parameter.JsonName)} (query <c>{SourceWriter.Xml(parameter.JsonName)}</c>; omitted when null)</param>");
        }

        w.Line("/// <param name=\"cancellationToken\">Cancels the request.</param>");
        w.Open($"public static {returns} {operation.MethodName}({string.Join(", ", signature)})");
        w.Line("global::System.ArgumentNullException.ThrowIfNull(rest);");
        foreach (var parameter in parameters.Where(p => p.Required && p.Type.Kind == RestKind.String))
        {
            w.Line($"global::System.ArgumentException.ThrowIfNullOrEmpty({parameter.Name});");
        }

        if (operation.Body is not null)
        {
            w.Line("global::System.ArgumentNullException.ThrowIfNull(body);");
        }

        w.Line("var path = " + PathExpression(operation) + ";");
        foreach (var parameter in parameters.Where(p => !p.InPath))
        {
            w.Line($"path = global::Sfmc.Client.Rest.SfmcRestClient.Query(path, {SourceWriter.Literal(parameter.JsonName)}, {parameter.Name});");
        }

        var method = "global::System.Net.Http.HttpMethod." + operation.HttpMethod;
        var write = operation.Body switch
        {
            null => "null",
            { Kind: RestKind.Attributes } => $"writer => {Json}.WriteAttributes(writer, body)",
            { IsList: true } => $"writer => {Json}.WriteList(writer, body)",
            _ => "body.WriteJson",
        };
        var tail = $"{(operation.Replayable ? "true" : "false")}, {SourceWriter.Literal(operation.OperationId)}, cancellationToken";
        if (operation.Response is { } answer)
        {
            var read = answer switch
            {
                { Kind: RestKind.Attributes } => $"{Json}.ReadAttributesValue",
                { IsList: true } => $"static (ref {ReaderType} reader) => {Json}.ReadListValue(ref reader, {TypeName(answer with { IsList = false }, @namespace)}.ReadJson)",
                _ => $"{TypeName(answer, @namespace)}.ReadJson",
            };
            w.Line($"return rest.SendAsync<{TypeName(answer, @namespace)}>({method}, path, {write}, {read}, {tail});");
        }
        else
        {
            w.Line($"return rest.SendAsync({method}, path, {write}, {tail});");
        }

        w.Close();
    }

    private static string PathExpression(RestOperation operation)
    {
        var parts = new List<string>();
        var path = operation.Path.TrimStart('/');
        var at = 0;
        while (at < path.Length)
        {
            var open = path.IndexOf('{', at);
            if (open < 0)
            {
                parts.Add(SourceWriter.Literal(path.Substring(at)));
                break;
            }

            if (open > at)
            {
                parts.Add(SourceWriter.Literal(path.Substring(at, open - at)));
            }

            var close = path.IndexOf('}', open);
            var parameter = operation.Parameters.First(p => p.InPath && p.JsonName == path.Substring(open + 1, close - open - 1));
            var text = parameter.Type.Kind == RestKind.String ? parameter.Name : $"global::System.Convert.ToString({parameter.Name}, global::System.Globalization.CultureInfo.InvariantCulture)!";
            parts.Add($"global::System.Uri.EscapeDataString({text})");
            at = close + 1;
        }

        return parts.Count == 0 ? "\"\"" : string.Join(" + ", parts);
    }

    private static bool Nullable(RestProperty property) => !property.Required || property.Nullable;

    private static string Local(RestProperty property) => "_" + property.Name.TrimStart('@');

    private static string Utf8(string name) => SourceWriter.Literal(name) + "u8";

    private static string BodyType(RestType type, string @namespace) => type switch
    {
        { Kind: RestKind.Attributes } => "global::System.Collections.Generic.IReadOnlyDictionary<string, object?>",
        { IsList: true } => $"global::System.Collections.Generic.IEnumerable<{TypeName(type with { IsList = false }, @namespace)}>",
        _ => TypeName(type, @namespace),
    };

    private static string TypeName(RestType type, string @namespace)
    {
        var single = type.Kind switch
        {
            RestKind.String => "string",
            RestKind.Int32 => "int",
            RestKind.Int64 => "long",
            RestKind.Decimal => "decimal",
            RestKind.Double => "double",
            RestKind.Boolean => "bool",
            RestKind.DateTime => "global::System.DateTimeOffset",
            RestKind.Attributes => "global::System.Collections.Generic.Dictionary<string, object?>",
            RestKind.Object => $"global::{@namespace}.{type.Schema}",
            _ => "global::System.Text.Json.JsonElement",
        };
        return type.IsList ? $"global::System.Collections.Generic.List<{single}>" : single;
    }

    private static void WriteValue(SourceWriter w, RestType type, string value, string @namespace)
    {
        if (type.IsList)
        {
            w.Line("writer.WriteStartArray();");
            w.Open($"foreach (var item in {value})");
            WriteValue(w, type with { IsList = false }, "item", @namespace);
            w.Close();
            w.Line("writer.WriteEndArray();");
            return;
        }

        w.Line(type.Kind switch
        {
            RestKind.String => $"writer.WriteStringValue({value});",
            RestKind.Int32 or RestKind.Int64 or RestKind.Decimal or RestKind.Double => $"writer.WriteNumberValue({value});",
            RestKind.Boolean => $"writer.WriteBooleanValue({value});",
            RestKind.DateTime => $"{Json}.WriteDateTime(writer, {value});",
            RestKind.Attributes => $"{Json}.WriteAttributes(writer, {value});",
            RestKind.Object => $"{value}.WriteJson(writer);",
            _ => $"{value}.WriteTo(writer);",
        });
    }

    private static string ReadValue(RestType type, string @namespace)
    {
        if (type.IsList)
        {
            var item = type.Kind == RestKind.String ? $"{Json}.ReadStringItem" : $"{TypeName(type with { IsList = false }, @namespace)}.ReadJson";
            return $"{Json}.ReadList(ref reader, {item})";
        }

        return type.Kind switch
        {
            RestKind.String => $"{Json}.ReadString(ref reader)",
            RestKind.Int32 => $"{Json}.ReadInt32(ref reader)",
            RestKind.Int64 => $"{Json}.ReadInt64(ref reader)",
            RestKind.Decimal => $"{Json}.ReadDecimal(ref reader)",
            RestKind.Double => $"{Json}.ReadDouble(ref reader)",
            RestKind.Boolean => $"{Json}.ReadBoolean(ref reader)",
            RestKind.DateTime => $"{Json}.ReadDateTime(ref reader)",
            RestKind.Attributes => $"{Json}.ReadAttributes(ref reader)",
            RestKind.Object => $"{Json}.ReadObject<{TypeName(type, @namespace)}>(ref reader)",
            _ => $"{Json}.ReadElement(ref reader)",
        };
    }
}
