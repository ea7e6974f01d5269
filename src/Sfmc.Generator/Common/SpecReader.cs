using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Sfmc.Generator.Diagnostics;

namespace Sfmc.Generator.Common;

/// <summary>Typed access to a spec file's JSON (DE files, sfmc.json): each reader reports its own errors with a location.</summary>
internal static class SpecReader
{
    /// <summary>
    /// Reads a spec file whose root is a JSON object and hands the root to <paramref name="parse"/>. Invalid JSON
    /// (SFMC0001), a root that is not an object (SFMC0101) and any exception (SFMC0003: bad input must never crash the
    /// compiler) become diagnostics and a null model.
    /// </summary>
    internal static (TModel? Model, EquatableArray<DiagnosticInfo> Diagnostics) ReadObject<TModel>(
        string path, SourceText text, System.Threading.CancellationToken cancellationToken, Func<SpecContext, JsonNode, System.Threading.CancellationToken, TModel?> parse)
        where TModel : class
    {
        var context = new SpecContext(path, text);
        try
        {
            JsonNode root;
            try
            {
                root = JsonNode.Parse(text.ToString());
            }
            catch (JsonSyntaxException ex)
            {
                context.Report(DiagnosticDescriptors.InvalidJson, ex.Span, System.IO.Path.GetFileName(path), ex.Message);
                return (null, context.Diagnostics.ToEquatableArray());
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (root.Kind != JsonKind.Object)
            {
                context.Report(DiagnosticDescriptors.WrongJsonType, root.Span, "(root)", "an object", Describe(root));
                return (null, context.Diagnostics.ToEquatableArray());
            }

            var model = parse(context, root, cancellationToken);
            return (model, context.Diagnostics.ToEquatableArray());
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex)
        {
            context.Report(DiagnosticDescriptors.InternalError, new TextSpan(0, 0), System.IO.Path.GetFileName(path), ex.GetType().Name + ": " + ex.Message);
            return (null, context.Diagnostics.ToEquatableArray());
        }
    }

    /// <summary>
    /// Runs a parser over a spec file that is not read as JSON (the WSDL, OpenAPI files) so that bad input never
    /// throws: any exception becomes SFMC0003 and a null model; cancellation still propagates.
    /// </summary>
    internal static (TModel? Model, EquatableArray<DiagnosticInfo> Diagnostics) Guarded<TModel>(
        AdditionalText file, System.Threading.CancellationToken cancellationToken, Func<string, SourceText, List<DiagnosticInfo>, System.Threading.CancellationToken, TModel?> parse)
        where TModel : class
    {
        var text = file.GetText(cancellationToken);
        if (text is null)
        {
            return (null, EquatableArray<DiagnosticInfo>.Empty);
        }

        var diagnostics = new List<DiagnosticInfo>();
        try
        {
            var model = parse(file.Path, text, diagnostics, cancellationToken);
            return (model, diagnostics.ToEquatableArray());
        }
        catch (OperationCanceledException)
        {
            throw;
        }
#pragma warning disable CA1031 // The generator must never throw on input: anything unforeseen becomes SFMC0003.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, null, file.Path, ex.GetType().Name + ": " + ex.Message));
            return (null, diagnostics.ToEquatableArray());
        }
    }

    internal static void ReportUnknownProperties(SpecContext context, JsonNode node, string[] known)
    {
        foreach (var property in node.Properties!)
        {
            if (!known.Any(k => string.Equals(k, property.Name, StringComparison.OrdinalIgnoreCase)))
            {
                context.Report(DiagnosticDescriptors.UnknownProperty, property.NameSpan, property.Name, Naming.DidYouMean(property.Name, known));
            }
        }
    }

    // ---- Typed property access (each reports its own errors) ----

    internal readonly record struct NameReference(string Text, TextSpan Span);

    internal static NameReference? RequiredString(SpecContext context, JsonNode node, string name, string owner)
    {
        var property = node.Find(name);
        if (property is null)
        {
            context.Report(DiagnosticDescriptors.MissingProperty, Opening(node), owner, name, "string");
            return null;
        }

        if (!property.Value.IsString || string.IsNullOrWhiteSpace(property.Value.Text))
        {
            if (property.Value.IsString)
            {
                context.Report(DiagnosticDescriptors.MissingProperty, property.Value.Span, owner, name, "string");
            }
            else
            {
                context.Report(DiagnosticDescriptors.WrongJsonType, property.Value.Span, name, "a string", Describe(property.Value));
            }

            return null;
        }

        return new NameReference(property.Value.Text!, property.Value.Span);
    }

    internal static string? OptionalString(SpecContext context, JsonNode node, string name)
    {
        var property = node.Find(name);
        if (property is null || property.Value.Kind == JsonKind.Null)
        {
            return null;
        }

        if (!property.Value.IsString)
        {
            context.Report(DiagnosticDescriptors.WrongJsonType, property.Value.Span, name, "a string", Describe(property.Value));
            return null;
        }

        return property.Value.Text;
    }

    /// <summary>A string, or mcdev's <c>{ "Name": "…" }</c> object.</summary>
    internal static NameReference? OptionalNameReference(SpecContext context, JsonNode node, string name)
    {
        var property = node.Find(name);
        if (property is null || property.Value.Kind == JsonKind.Null)
        {
            return null;
        }

        var value = property.Value;
        if (value.Kind == JsonKind.Object && value.Find("name") is { } inner)
        {
            value = inner.Value;
        }

        if (!value.IsString || string.IsNullOrWhiteSpace(value.Text))
        {
            context.Report(DiagnosticDescriptors.WrongJsonType, value.Span, name, "a field name (string, or an object with 'name')", Describe(value));
            return null;
        }

        return new NameReference(value.Text!, value.Span);
    }

    internal static string? OptionalScalarText(SpecContext context, JsonNode node, string name, out JsonNode? valueNode)
    {
        var property = node.Find(name);
        valueNode = property?.Value;
        switch (valueNode?.Kind)
        {
            case null:
            case JsonKind.Null:
                return null;
            case JsonKind.String:
            case JsonKind.Number:
                return valueNode.Text;
            case JsonKind.True:
                return "true";
            case JsonKind.False:
                return "false";
            default:
                context.Report(DiagnosticDescriptors.WrongJsonType, valueNode.Span, name, "a string, number or boolean", Describe(valueNode));
                return null;
        }
    }

    internal static bool? OptionalBool(SpecContext context, JsonNode node, string name)
    {
        var property = node.Find(name);
        if (property is null || property.Value.Kind == JsonKind.Null)
        {
            return null;
        }

        if (!property.Value.IsBoolean)
        {
            context.Report(DiagnosticDescriptors.WrongJsonType, property.Value.Span, name, "true or false", Describe(property.Value));
            return null;
        }

        return property.Value.Kind == JsonKind.True;
    }

    internal static int? OptionalInt(SpecContext context, JsonNode node, string name, out JsonNode? valueNode)
    {
        var property = node.Find(name);
        valueNode = property?.Value;
        if (valueNode is null || valueNode.Kind == JsonKind.Null)
        {
            return null;
        }

        // SOAP-derived files sometimes carry numbers as strings ("50"); accept those too.
        if (valueNode.Kind is JsonKind.Number or JsonKind.String && valueNode.TryGetInt32(out var value))
        {
            return value;
        }

        if (valueNode.Kind == JsonKind.String && string.IsNullOrWhiteSpace(valueNode.Text))
        {
            return null;
        }

        context.Report(DiagnosticDescriptors.WrongJsonType, valueNode.Span, name, "an integer", Describe(valueNode));
        return null;
    }

    internal static string Describe(JsonNode node) => node.Kind switch
    {
        JsonKind.Object => "an object",
        JsonKind.Array => "an array",
        JsonKind.String => "the string " + node,
        JsonKind.Number => "the number " + node.Text,
        _ => node.ToString(),
    };

    internal static TextSpan Opening(JsonNode node) => new(node.Span.Start, node.Span.Length > 0 ? 1 : 0);
}

/// <summary>One spec file being read: its path and text, and the diagnostics found so far.</summary>
internal sealed class SpecContext
{
    public SpecContext(string path, SourceText text)
    {
        Path = path;
        Text = text;
    }

    public string Path { get; }

    public SourceText Text { get; }

    public List<DiagnosticInfo> Diagnostics { get; } = new();

    public void Report(DiagnosticDescriptor descriptor, TextSpan span, params string[] arguments) =>
        Diagnostics.Add(DiagnosticInfo.Create(descriptor, LocationInfo.From(Path, Text, span), arguments));
}
