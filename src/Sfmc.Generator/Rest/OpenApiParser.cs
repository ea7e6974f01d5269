using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Microsoft.OpenApi.Any;
using Microsoft.OpenApi.Models;
using Microsoft.OpenApi.Readers;
using SharpYaml;
using SharpYaml.Serialization;
using Sfmc.Generator.Common;
using Sfmc.Generator.Diagnostics;

namespace Sfmc.Generator.Rest;

/// <summary>
/// An OpenAPI 3.0 or Swagger 2.0 file (YAML or JSON) → the schemas and operations to generate, with every problem as a
/// located diagnostic. Microsoft.OpenApi.Readers reads the document; a SharpYaml tree of the same text maps its JSON
/// pointers (and ours) back to lines.
/// </summary>
internal static class OpenApiParser
{
    public const string RuntimeExtension = "x-sfmc-runtime";
    public const string IdempotentExtension = "x-sfmc-idempotent";

    private static readonly OperationType[] MethodOrder =
    {
        OperationType.Get, OperationType.Put, OperationType.Post, OperationType.Delete, OperationType.Patch, OperationType.Head, OperationType.Options, OperationType.Trace,
    };

    /// <summary>Our spec and any file named <c>*.openapi.yaml|yml|json</c>; other names come in through the SfmcOpenApi item.</summary>
    public static bool IsOpenApiFile(string path) =>
        path.EndsWith(".openapi.yaml", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".openapi.yml", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".openapi.json", StringComparison.OrdinalIgnoreCase);

    public static (RestSpecModel? Model, EquatableArray<DiagnosticInfo> Diagnostics) Parse(AdditionalText file, CancellationToken cancellationToken) =>
        SpecReader.Guarded(file, cancellationToken, static (path, text, diagnostics, ct) => new Reader(path, text, diagnostics).Read(ct));

    private sealed class Reader
    {
        private readonly string _path;
        private readonly SourceText _text;
        private readonly List<DiagnosticInfo> _diagnostics;
        private readonly List<RestSchema> _schemas = new();
        private readonly HashSet<string> _typeNames = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _componentTypes = new(StringComparer.Ordinal);
        private YamlNode? _root;
        private bool _swagger2;
        private OpenApiDocument _document = null!;

        public Reader(string path, SourceText text, List<DiagnosticInfo> diagnostics)
        {
            _path = path;
            _text = text;
            _diagnostics = diagnostics;
        }

        public RestSpecModel? Read(CancellationToken cancellationToken)
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(_text.ToString()));
            }
            catch (YamlException ex)
            {
                Report(DiagnosticDescriptors.UnreadableOpenApi, At(ex.Start, ex.End), _path, ex.Message);
                return null;
            }

            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            {
                Report(DiagnosticDescriptors.UnreadableOpenApi, null, _path, "the document is not a mapping with 'openapi' or 'swagger'");
                return null;
            }

            _root = root;
            cancellationToken.ThrowIfCancellationRequested();
            var document = new OpenApiStringReader(new OpenApiReaderSettings()).Read(_text.ToString(), out var diagnostic);
            _swagger2 = diagnostic.SpecificationVersion == Microsoft.OpenApi.OpenApiSpecVersion.OpenApi2_0;
            if (document is null || (Find(root, "openapi") is null && Find(root, "swagger") is null))
            {
                Report(DiagnosticDescriptors.UnreadableOpenApi, null, _path, "the document has no 'openapi' or 'swagger' version");
                return null;
            }

            _document = document;
            foreach (var error in diagnostic.Errors)
            {
                // Unresolved references are reported where they are, with a suggestion (below).
                if (!error.Message.StartsWith("Invalid Reference identifier", StringComparison.Ordinal))
                {
                    Report(DiagnosticDescriptors.InvalidOpenApi, Locate(error.Pointer), _path, error.Message);
                }
            }

            var components = document.Components?.Schemas ?? new Dictionary<string, OpenApiSchema>();
            foreach (var name in components.Keys)
            {
                if (IsObject(components[name]))
                {
                    _componentTypes[name] = Unique(Naming.ToPascalCase(name) ?? "Schema");
                }
            }

            foreach (var entry in components)
            {
                if (_componentTypes.TryGetValue(entry.Key, out var typeName))
                {
                    AddSchema(typeName, entry.Key, entry.Value, SchemaPointer(entry.Key));
                }
            }

            var operations = new List<RestOperation>();
            var methodNames = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pathEntry in document.Paths ?? new OpenApiPaths())
            {
                foreach (var method in MethodOrder)
                {
                    if (pathEntry.Value.Operations.TryGetValue(method, out var operation))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        if (ReadOperation(pathEntry.Key, pathEntry.Value, method, operation) is { } read)
                        {
                            if (methodNames.TryGetValue(read.MethodName, out var first))
                            {
                                Report(DiagnosticDescriptors.DuplicateRestName, read.Location, "Operation method", read.MethodName, first, _path);
                                continue;
                            }

                            methodNames[read.MethodName] = read.OperationId;
                            operations.Add(read);
                        }
                    }
                }
            }

            return new RestSpecModel(_path, _schemas.ToEquatableArray(), operations.ToEquatableArray());
        }

        private RestOperation? ReadOperation(string path, OpenApiPathItem item, OperationType method, OpenApiOperation operation)
        {
            var pointer = new[] { "paths", path, method.ToString().ToLowerInvariant() };
            var location = Locate(pointer);
            var display = method.ToString().ToUpperInvariant() + " " + path;
            if (operation.Extensions.ContainsKey(RuntimeExtension))
            {
                return null;
            }

            if (string.IsNullOrEmpty(operation.OperationId) || Naming.ToPascalCase(operation.OperationId) is not { } pascal)
            {
                Report(DiagnosticDescriptors.RestOperationSkipped, location, display, "it has no operationId to name its method after");
                return null;
            }

            var id = operation.OperationId;
            var methodName = pascal.TrimStart('@') + "Async";
            var parameters = new List<RestParameter>();
            var names = new HashSet<string>(StringComparer.Ordinal) { "rest", "body", "path", "cancellationToken" };
            var merged = item.Parameters.Where(p => !operation.Parameters.Any(o => o.Name == p.Name && o.In == p.In)).Concat(operation.Parameters);
            foreach (var parameter in merged)
            {
                var inPath = parameter.In == Microsoft.OpenApi.Models.ParameterLocation.Path;
                if (!inPath && parameter.In != Microsoft.OpenApi.Models.ParameterLocation.Query)
                {
                    if (parameter.Required)
                    {
                        Report(DiagnosticDescriptors.RestOperationSkipped, location, display, $"its required {parameter.In?.ToString().ToLowerInvariant()} parameter '{parameter.Name}' is not supported (path and query only)");
                        return null;
                    }

                    continue;
                }

                var type = TypeOf(parameter.Schema, pascal, parameter.Name, pointer.Concat(new[] { "parameters" }).ToArray());
                if (type.IsList || type.Kind is RestKind.Object or RestKind.Attributes or RestKind.Json)
                {
                    Report(DiagnosticDescriptors.RestOperationSkipped, location, display, $"parameter '{parameter.Name}' is not a string, number, boolean or date");
                    return null;
                }

                if (inPath && !path.Contains("{" + parameter.Name + "}"))
                {
                    Report(DiagnosticDescriptors.RestOperationSkipped, location, display, $"path parameter '{parameter.Name}' does not appear in the path");
                    return null;
                }

                var name = Naming.ToPascalCase(parameter.Name) is { } p ? Camel(p) : "value";
                while (!names.Add(name))
                {
                    name += "Value";
                }

                parameters.Add(new RestParameter(parameter.Name, name, inPath, type, inPath || parameter.Required, parameter.Description));
            }

            foreach (var segment in Placeholders(path))
            {
                if (!parameters.Any(p => p.InPath && p.JsonName == segment))
                {
                    Report(DiagnosticDescriptors.RestOperationSkipped, location, display, $"path placeholder '{{{segment}}}' has no path parameter");
                    return null;
                }
            }

            RestType? body = null;
            if (operation.RequestBody is { } requestBody)
            {
                if (JsonContent(requestBody.Content) is not { } content)
                {
                    Report(DiagnosticDescriptors.RestOperationSkipped, location, display, "its request body is not application/json");
                    return null;
                }

                body = TypeOf(content.Schema, pascal, "Request", pointer.Concat(new[] { "requestBody", "content", content.MediaType, "schema" }).ToArray(), inline: pascal + "Request");
                if (!Supported(body))
                {
                    Skip(content.Schema, location, display, "its request body is not an object, an array of objects or a free-form object");
                    return null;
                }
            }

            RestType? response = null;
            var success = operation.Responses
                .Where(r => r.Key.StartsWith("2", StringComparison.Ordinal))
                .OrderBy(r => r.Key, StringComparer.Ordinal)
                .Select(r => (r.Key, Content: JsonContent(r.Value.Content)))
                .FirstOrDefault(r => r.Content is not null);
            if (success.Content is { } answer)
            {
                var answerPointer = _swagger2
                    ? pointer.Concat(new[] { "responses", success.Key, "schema" }).ToArray()
                    : pointer.Concat(new[] { "responses", success.Key, "content", answer.MediaType, "schema" }).ToArray();
                response = TypeOf(answer.Schema, pascal, "Response", answerPointer, inline: pascal + "Response");
                if (!Supported(response))
                {
                    Skip(answer.Schema, location, display, "its response is not an object, an array of objects or a free-form object");
                    return null;
                }
            }

            var replayable = method is OperationType.Get or OperationType.Put or OperationType.Delete or OperationType.Head or OperationType.Options
                || (operation.Extensions.TryGetValue(IdempotentExtension, out var idempotent) && idempotent is OpenApiBoolean { Value: true });
            return new RestOperation(id, methodName, method.ToString(), path, operation.Summary ?? operation.Description, parameters.ToEquatableArray(), body, response, replayable, _path, location);
        }

        private static bool Supported(RestType type) => type.Kind switch
        {
            RestKind.Object => true,
            RestKind.Attributes => !type.IsList,
            _ => false,
        };

        /// <summary>The JSON media type of a body or response (its schema may be null when its $ref did not resolve).</summary>
        private static (string MediaType, OpenApiSchema? Schema)? JsonContent(IDictionary<string, OpenApiMediaType> content) =>
            content.Where(c => c.Key.IndexOf("json", StringComparison.OrdinalIgnoreCase) >= 0).Select(c => ((string, OpenApiSchema?)?)(c.Key, c.Value.Schema)).FirstOrDefault();

        /// <summary>SFMC0404, unless the schema is missing because of an unresolved $ref (already an SFMC0402 error).</summary>
        private void Skip(OpenApiSchema? schema, LocationInfo? location, string display, string why)
        {
            if (schema is not null)
            {
                Report(DiagnosticDescriptors.RestOperationSkipped, location, display, why);
            }
        }

        private static IEnumerable<string> Placeholders(string path)
        {
            var start = path.IndexOf('{');
            while (start >= 0)
            {
                var end = path.IndexOf('}', start);
                if (end < 0)
                {
                    yield break;
                }

                yield return path.Substring(start + 1, end - start - 1);
                start = path.IndexOf('{', end);
            }
        }

        private void AddSchema(string typeName, string sourceName, OpenApiSchema schema, string[] pointer)
        {
            var properties = new List<RestProperty>();
            var used = new HashSet<string>(StringComparer.Ordinal) { typeName, "WriteJson", "ReadJson", "Equals", "GetHashCode", "GetType", "ToString", "MemberwiseClone", "Finalize" };
            foreach (var property in schema.Properties.Concat(schema.AllOf.SelectMany(a => a.Properties)))
            {
                var name = Naming.ToPascalCase(property.Key) ?? "Value";
                while (!used.Add(name.TrimStart('@')))
                {
                    name += "Value";
                }

                var propertyPointer = pointer.Concat(new[] { "properties", property.Key }).ToArray();
                var type = TypeOf(property.Value, typeName, property.Key, propertyPointer);
                var description = property.Value?.Description;
                if (property.Value?.Enum is { Count: > 0 } values)
                {
                    description = (description is null ? "" : description.TrimEnd() + " ") + "One of: " + string.Join(", ", values.Select(Display)) + ".";
                }

                properties.Add(new RestProperty(property.Key, name, type, schema.Required.Contains(property.Key), property.Value?.Nullable ?? false, description));
            }

            _schemas.Add(new RestSchema(typeName, sourceName, schema.Description, properties.ToEquatableArray(), _path, Locate(pointer)));
        }

        private RestType TypeOf(OpenApiSchema? schema, string owner, string property, string[] pointer, string? inline = null)
        {
            if (schema is null)
            {
                // The reader drops a schema whose $ref does not resolve: find the $ref where it was written.
                if (Node(pointer) is { } node && Find(node, "$ref") is { Value: YamlScalarNode { Value: { } target } })
                {
                    var name = target.Substring(target.LastIndexOf('/') + 1);
                    Report(DiagnosticDescriptors.UnresolvedRestReference, Locate(pointer), target, Path.GetFileName(_path), Naming.DidYouMean(name, _document.Components?.Schemas?.Keys ?? Enumerable.Empty<string>()));
                }

                return RestType.Json;
            }

            if (schema.UnresolvedReference || (schema.Reference is { } broken && broken.Type == Microsoft.OpenApi.Models.ReferenceType.Schema && !IsKnown(broken.Id)))
            {
                var id = schema.Reference?.Id ?? "";
                Report(DiagnosticDescriptors.UnresolvedRestReference, Locate(pointer), id, Path.GetFileName(_path), Naming.DidYouMean(id, _document.Components?.Schemas?.Keys ?? Enumerable.Empty<string>()));
                return RestType.Json;
            }

            if (schema.Reference is { Type: Microsoft.OpenApi.Models.ReferenceType.Schema } reference && _componentTypes.TryGetValue(reference.Id, out var referenced))
            {
                return new RestType(RestKind.Object, referenced);
            }

            if (schema.OneOf.Count > 0 || schema.AnyOf.Count > 0 || schema.Not is not null)
            {
                Report(DiagnosticDescriptors.UnsupportedRestSchema, Locate(pointer), owner + "." + property, schema.OneOf.Count > 0 ? "oneOf" : schema.AnyOf.Count > 0 ? "anyOf" : "not");
                return RestType.Json;
            }

            switch (schema.Type)
            {
                case "string":
                    return new RestType(schema.Format is "date-time" ? RestKind.DateTime : RestKind.String);
                case "integer":
                    return new RestType(schema.Format is "int64" ? RestKind.Int64 : RestKind.Int32);
                case "number":
                    return new RestType(schema.Format is "double" or "float" ? RestKind.Double : RestKind.Decimal);
                case "boolean":
                    return new RestType(RestKind.Boolean);
                case "array":
                    var item = TypeOf(schema.Items, owner, property + "Item", pointer.Concat(new[] { "items" }).ToArray(), inline: inline is null ? null : inline + "Item");
                    return item.IsList || item.Kind is not (RestKind.Object or RestKind.String) ? RestType.Json : item with { IsList = true };
                case "object":
                case null when schema.Properties.Count > 0 || schema.AllOf.Count > 0:
                    if (schema.Properties.Count == 0 && schema.AllOf.Count == 0)
                    {
                        return new RestType(RestKind.Attributes);
                    }

                    var typeName = Unique(inline ?? owner + (Naming.ToPascalCase(property) ?? "Value").TrimStart('@'));
                    AddSchema(typeName, typeName, schema, pointer);
                    return new RestType(RestKind.Object, typeName);
                case null:
                    return RestType.Json;
                default:
                    Report(DiagnosticDescriptors.InvalidOpenApi, Locate(pointer.Concat(new[] { "type" }).ToArray()), _path, $"'{schema.Type}' is not an OpenAPI type (string, integer, number, boolean, array, object)");
                    return RestType.Json;
            }
        }

        private bool IsKnown(string id) => _document.Components?.Schemas?.ContainsKey(id) == true;

        private static bool IsObject(OpenApiSchema? schema) =>
            schema is not null && schema.OneOf.Count == 0 && schema.AnyOf.Count == 0
            && (schema.Properties.Count > 0 || schema.AllOf.Count > 0) && schema.Type is null or "object";

        private string Unique(string name)
        {
            var candidate = name;
            for (var i = 2; !_typeNames.Add(candidate); i++)
            {
                candidate = name + i.ToString(CultureInfo.InvariantCulture);
            }

            return candidate;
        }

        private static string Camel(string pascal)
        {
            var name = pascal.TrimStart('@');
            name = char.ToLowerInvariant(name[0]) + name.Substring(1);
            return Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;
        }

        private static string Display(IOpenApiAny value) => value switch
        {
            OpenApiString s => s.Value,
            OpenApiInteger i => i.Value.ToString(CultureInfo.InvariantCulture),
            OpenApiBoolean b => b.Value ? "true" : "false",
            _ => value.AnyType.ToString(),
        };

        private string[] SchemaPointer(string name) => _swagger2 ? new[] { "definitions", name } : new[] { "components", "schemas", name };

        private void Report(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
            _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, arguments));

        /// <summary>A JSON pointer (<c>#/paths/~1v2~1token/post</c>, or <c>#line=N</c> from YAML errors) → the span of its key.</summary>
        private LocationInfo? Locate(string? pointer)
        {
            if (string.IsNullOrEmpty(pointer))
            {
                return null;
            }

            if (pointer!.StartsWith("#line=", StringComparison.Ordinal) && int.TryParse(pointer.Substring(6), NumberStyles.Integer, CultureInfo.InvariantCulture, out var line))
            {
                return LineAt(line - 1);
            }

            var segments = pointer.TrimStart('#').Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries)
                .Select(s => s.Replace("~1", "/").Replace("~0", "~"))
                .ToArray();
            return Locate(segments);
        }

        /// <summary>The value node at a path, or null when the path does not exist.</summary>
        private YamlNode? Node(string[] segments) => Walk(segments) is { Complete: true } walk ? walk.Value : null;

        /// <summary>The deepest node of the path that exists: the key of a mapping entry, or a sequence item.</summary>
        private LocationInfo? Locate(string[] segments) => Walk(segments).Found is { } found ? At(found.Start, found.End) : null;

        /// <summary>Follows a path from the root as far as it exists: the last key (or item) found, its value, and whether every segment was.</summary>
        private (YamlNode? Found, YamlNode? Value, bool Complete) Walk(string[] segments)
        {
            var node = _root;
            YamlNode? found = _root;
            foreach (var segment in segments)
            {
                switch (node)
                {
                    case YamlMappingNode mapping when Find(mapping, segment) is { } entry:
                        found = entry.Key;
                        node = entry.Value;
                        continue;
                    case YamlSequenceNode sequence when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < sequence.Children.Count:
                        found = node = sequence.Children[index];
                        continue;
                }

                return (found, null, false);
            }

            return (found, node, true);
        }

        private static KeyValuePair<YamlNode, YamlNode>? Find(YamlNode node, string key) =>
            node is YamlMappingNode mapping
                ? mapping.Children.Where(c => c.Key is YamlScalarNode scalar && scalar.Value == key).Select(c => (KeyValuePair<YamlNode, YamlNode>?)c).FirstOrDefault()
                : null;

        private LocationInfo At(Mark start, Mark end)
        {
            var from = Math.Max(0, Math.Min(start.Index, _text.Length));
            var to = Math.Max(from, Math.Min(end.Index, _text.Length));
            if (to == from && start.Line < _text.Lines.Count)
            {
                return LineAt(start.Line);
            }

            return LocationInfo.From(_path, _text, TextSpan.FromBounds(from, to));
        }

        private LocationInfo LineAt(int line)
        {
            var lines = _text.Lines;
            var span = lines[Math.Max(0, Math.Min(line, lines.Count - 1))].Span;
            return LocationInfo.From(_path, _text, span);
        }
    }
}
