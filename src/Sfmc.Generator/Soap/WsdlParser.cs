using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Xml;
using System.Xml.Schema;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Sfmc.Generator.Common;
using Sfmc.Generator.Diagnostics;

namespace Sfmc.Generator.Soap;

/// <summary>
/// Reads the <c>xsd:schema</c> of a WSDL with System.Xml.Schema (DTDs prohibited, no resolver: nothing is fetched)
/// into an equatable <see cref="SoapSchemaModel"/>. Bad input gives located diagnostics, never an exception.
/// </summary>
internal static class WsdlParser
{
    private const string WsdlNamespace = "http://schemas.xmlsoap.org/wsdl/";
    private const string XsdNamespace = "http://www.w3.org/2001/XMLSchema";

    /// <summary>Member names the generated code or <c>object</c> already uses.</summary>
    internal static readonly HashSet<string> ReservedMemberNames = new(StringComparer.Ordinal)
    {
        "SoapTypeName", "WriteSoapElements", "ReadSoapElement", "SoapTypeNameCore", "WriteSoapElementsCore", "ReadSoapElementCore", "SoapObjectType", "DefaultRetrieveProperties", "CreateForXsiType",
        "Equals", "GetHashCode", "GetType", "ToString", "MemberwiseClone", "Finalize",
    };

    public static bool IsWsdlFile(string path) => path.EndsWith(".wsdl", StringComparison.OrdinalIgnoreCase);

    public static ParseResult Parse(AdditionalText file, CancellationToken cancellationToken)
    {
        var (model, diagnostics) = SpecReader.Guarded(file, cancellationToken, Parse);
        return new ParseResult(model, diagnostics);
    }

    private static SoapSchemaModel? Parse(string path, SourceText text, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
        };

        var schemas = new XmlSchemaSet { XmlResolver = null };
        var errors = new List<(string Message, int Line, int Column)>();
        schemas.ValidationEventHandler += (_, e) =>
        {
            if (e.Severity == XmlSeverityType.Error)
            {
                errors.Add((e.Message, e.Exception?.LineNumber ?? 0, e.Exception?.LinePosition ?? 0));
            }
        };

        var foundDefinitions = false;
        var schemaCount = 0;
        try
        {
            using var reader = XmlReader.Create(new StringReader(text.ToString()), settings);
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (reader.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                if (reader.Depth == 0)
                {
                    foundDefinitions = reader.LocalName == "definitions" && reader.NamespaceURI == WsdlNamespace;
                    if (!foundDefinitions)
                    {
                        break;
                    }
                }
                else if (reader.LocalName == "schema" && reader.NamespaceURI == XsdNamespace)
                {
                    // Read in place so prefixes declared on wsdl:definitions (xsd:, tns:) stay in scope.
                    var schema = XmlSchema.Read(reader, (_, e) => errors.Add((e.Message, e.Exception?.LineNumber ?? 0, e.Exception?.LinePosition ?? 0)));
                    if (schema is not null)
                    {
                        schemas.Add(schema);
                        schemaCount++;
                    }
                }
            }
        }
        catch (XmlException ex)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidWsdlXml, Locate(path, text, ex.LineNumber, ex.LinePosition), FileName(path), ex.Message));
            return null;
        }

        if (!foundDefinitions || schemaCount == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WsdlWithoutSchema, Locate(path, text, 1, 1), FileName(path)));
            return null;
        }

        if (errors.Count == 0)
        {
            schemas.Compile();
        }

        if (errors.Count > 0)
        {
            foreach (var (message, line, column) in errors.Distinct().Take(20))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WsdlSchemaError, Locate(path, text, line, column), FileName(path), message));
            }

            return null;
        }

        var context = new Context(path, text, diagnostics);
        foreach (XmlSchemaType type in schemas.GlobalTypes.Values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (type.QualifiedName.Namespace == XsdNamespace)
            {
                continue;
            }

            switch (type)
            {
                case XmlSchemaComplexType complex:
                    context.AddComplexType(complex, complex.QualifiedName.Name);
                    break;
                case XmlSchemaSimpleType simple when EnumerationValues(simple) is { Count: > 0 } values:
                    context.AddEnum(simple, values);
                    break;
            }
        }

        return new SoapSchemaModel(
            path,
            context.Types.OrderBy(t => t.Name, StringComparer.Ordinal).ToEquatableArray(),
            context.Enums.OrderBy(e => e.Name, StringComparer.Ordinal).ToEquatableArray());
    }

    private static List<string>? EnumerationValues(XmlSchemaSimpleType type) =>
        type.Content is XmlSchemaSimpleTypeRestriction restriction
            ? restriction.Facets.OfType<XmlSchemaEnumerationFacet>().Select(f => f.Value ?? "").ToList()
            : null;

    private sealed class Context(string path, SourceText text, List<DiagnosticInfo> diagnostics)
    {
        public List<SoapTypeModel> Types { get; } = [];

        public List<SoapEnumModel> Enums { get; } = [];

        public void AddEnum(XmlSchemaSimpleType type, List<string> values)
        {
            var used = new HashSet<string>(StringComparer.Ordinal);
            var members = new List<SoapEnumValue>();
            foreach (var value in values.Distinct(StringComparer.Ordinal))
            {
                var name = Naming.ToPascalCase(value)?.TrimStart('@') ?? "Value";
                name = Unique(name, used);
                members.Add(new SoapEnumValue(value, name));
            }

            var clrName = TypeClrName(type.QualifiedName.Name);
            Enums.Add(new SoapEnumModel(type.QualifiedName.Name, clrName, Documentation(type.Annotation), members.ToEquatableArray()));
        }

        public void AddComplexType(XmlSchemaComplexType type, string name)
        {
            string? baseName = null;
            XmlSchemaParticle? particle = type.Particle;
            switch (type.ContentModel)
            {
                case XmlSchemaComplexContent { Content: XmlSchemaComplexContentExtension extension }:
                    baseName = extension.BaseTypeName.Namespace == XsdNamespace ? null : extension.BaseTypeName.Name;
                    particle = extension.Particle;
                    break;
                case XmlSchemaComplexContent { Content: XmlSchemaComplexContentRestriction restriction }:
                    baseName = restriction.BaseTypeName.Namespace == XsdNamespace ? null : restriction.BaseTypeName.Name;
                    particle = null; // A restriction restates base members; it adds none.
                    break;
                case XmlSchemaSimpleContent:
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedSchemaConstruct, Locate(type), name, "simpleContent"));
                    break;
            }

            var clrName = TypeClrName(name);
            var used = new HashSet<string>(StringComparer.Ordinal);
            var members = new List<SoapMemberModel>();
            foreach (var element in Elements(particle))
            {
                if (Member(element, name, clrName, used) is { } member)
                {
                    members.Add(member);
                }
            }

            Types.Add(new SoapTypeModel(name, clrName, baseName, type.IsAbstract, Documentation(type.Annotation), members.ToEquatableArray()));
        }

        private SoapMemberModel? Member(XmlSchemaElement element, string ownerName, string ownerClrName, HashSet<string> used)
        {
            var xmlName = element.QualifiedName.IsEmpty ? element.Name : element.QualifiedName.Name;
            if (string.IsNullOrEmpty(xmlName))
            {
                return null;
            }

            var isList = element.MaxOccurs > 1;
            string? itemName = null;
            var type = element.ElementSchemaType;
            if (type is XmlSchemaComplexType { QualifiedName.IsEmpty: true } anonymous)
            {
                var children = Elements(anonymous.ContentTypeParticle).ToList();
                if (children.Count == 1)
                {
                    // Wrapper: <Lists><List/>…</Lists> → a list of the child's type.
                    isList = true;
                    itemName = children[0].QualifiedName.IsEmpty ? children[0].Name : children[0].QualifiedName.Name;
                    type = children[0].ElementSchemaType;
                }
                else
                {
                    var synthesized = ownerName + xmlName;
                    AddComplexType(anonymous, synthesized);
                    return Create(element, xmlName, ownerClrName, used, SoapMemberKind.Object, synthesized, isList, null);
                }
            }

            return type switch
            {
                XmlSchemaComplexType { QualifiedName.Namespace: XsdNamespace } => null, // anyType: skipped on read.
                XmlSchemaComplexType complex when !complex.QualifiedName.IsEmpty =>
                    Create(element, xmlName, ownerClrName, used, SoapMemberKind.Object, complex.QualifiedName.Name, isList, itemName),
                XmlSchemaSimpleType simple when !simple.QualifiedName.IsEmpty && simple.QualifiedName.Namespace != XsdNamespace && EnumerationValues(simple) is { Count: > 0 } =>
                    Create(element, xmlName, ownerClrName, used, SoapMemberKind.Enum, simple.QualifiedName.Name, isList, itemName),
                XmlSchemaSimpleType simple =>
                    Create(element, xmlName, ownerClrName, used, SoapMemberKind.Scalar, ScalarType(simple.Datatype?.TypeCode ?? XmlTypeCode.String), isList, itemName),
                _ => null,
            };
        }

        private SoapMemberModel Create(XmlSchemaElement element, string xmlName, string ownerClrName, HashSet<string> used, SoapMemberKind kind, string typeName, bool isList, string? itemName)
        {
            var clrName = SyntaxIdentifier(xmlName);
            if (clrName == ownerClrName || ReservedMemberNames.Contains(clrName))
            {
                clrName += "Value";
            }

            clrName = Unique(clrName, used);
            var (obsolete, documentation) = Annotations(element.Annotation);
            return new SoapMemberModel(xmlName, clrName, kind, typeName, isList, itemName, obsolete, documentation);
        }

        private LocationInfo? Locate(XmlSchemaObject item) => WsdlParser.Locate(path, text, item.LineNumber, item.LinePosition);
    }

    private static IEnumerable<XmlSchemaElement> Elements(XmlSchemaParticle? particle)
    {
        switch (particle)
        {
            case XmlSchemaElement element:
                yield return element;
                break;
            case XmlSchemaGroupBase group:
                foreach (var item in group.Items)
                {
                    foreach (var element in Elements(item as XmlSchemaParticle))
                    {
                        yield return element;
                    }
                }

                break;
            case XmlSchemaGroupRef groupRef:
                foreach (var element in Elements(groupRef.Particle))
                {
                    yield return element;
                }

                break;
        }
    }

    private static string ScalarType(XmlTypeCode code) => code switch
    {
        XmlTypeCode.Boolean => "bool",
        XmlTypeCode.Int => "int",
        XmlTypeCode.UnsignedShort => "int",
        XmlTypeCode.Long or XmlTypeCode.Integer or XmlTypeCode.UnsignedInt or XmlTypeCode.NonNegativeInteger or XmlTypeCode.PositiveInteger
            or XmlTypeCode.NegativeInteger or XmlTypeCode.NonPositiveInteger => "long",
        XmlTypeCode.Short => "short",
        XmlTypeCode.Byte => "sbyte",
        XmlTypeCode.UnsignedByte => "byte",
        XmlTypeCode.Double => "double",
        XmlTypeCode.Float => "float",
        XmlTypeCode.Decimal => "decimal",
        XmlTypeCode.DateTime or XmlTypeCode.Date => "global::System.DateTime",

        // xsd:time and everything else textual stays a string: SFMC's formats there are not documented.
        _ => "string",
    };

    private static string TypeClrName(string name) => SyntaxIdentifier(name).TrimStart('@');

    private static string SyntaxIdentifier(string name) =>
        Microsoft.CodeAnalysis.CSharp.SyntaxFacts.IsValidIdentifier(name) && Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) == Microsoft.CodeAnalysis.CSharp.SyntaxKind.None
            ? name
            : Naming.ToPascalCase(name)?.TrimStart('@') ?? "Member";

    private static string Unique(string name, HashSet<string> used)
    {
        var candidate = name;
        for (var i = 2; !used.Add(candidate); i++)
        {
            candidate = name + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return candidate;
    }

    private static (string? Obsolete, string? Documentation) Annotations(XmlSchemaAnnotation? annotation)
    {
        var documentation = Documentation(annotation);
        var deprecated = annotation?.Items.OfType<XmlSchemaAppInfo>()
            .Any(info => string.Equals(Text(info.Markup).Trim(), "deprecated", StringComparison.OrdinalIgnoreCase)) == true;
        return (deprecated ? documentation ?? "Deprecated in the SFMC WSDL." : null, documentation);
    }

    private static string? Documentation(XmlSchemaAnnotation? annotation)
    {
        var text = annotation is null ? "" : string.Join(" ", annotation.Items.OfType<XmlSchemaDocumentation>().Select(d => Text(d.Markup).Trim()));
        text = string.Join(" ", text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return text.Length == 0 ? null : text;
    }

    private static string Text(XmlNode?[]? nodes)
    {
        var builder = new StringBuilder();
        foreach (var node in nodes ?? [])
        {
            builder.Append(node?.InnerText);
        }

        return builder.ToString();
    }

    internal static LocationInfo? Locate(string path, SourceText text, int line, int column)
    {
        if (line <= 0 || line > text.Lines.Count)
        {
            return LocationInfo.From(path, text, new TextSpan(0, 0));
        }

        var textLine = text.Lines[line - 1];
        var start = Math.Min(textLine.Start + Math.Max(column - 1, 0), textLine.End);
        var end = start;
        while (end < textLine.End && text[end] != '>')
        {
            end++;
        }

        return LocationInfo.From(path, text, TextSpan.FromBounds(start, Math.Min(end + 1, textLine.End)));
    }

    private static string FileName(string path) => Path.GetFileName(path);

    internal sealed record ParseResult(SoapSchemaModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
}
