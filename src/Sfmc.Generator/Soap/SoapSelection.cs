using System;
using System.Collections.Generic;
using System.Linq;
using Sfmc.Generator.Common;
using Sfmc.Generator.Declarations.Model;
using Sfmc.Generator.Diagnostics;

namespace Sfmc.Generator.Soap;

/// <summary>
/// Picks the SOAP types a project generates (the requested objects, their bases and everything their members use)
/// and computes what each type's code needs from its neighbours.
/// </summary>
internal static class SoapSelection
{
    /// <summary>The objects the runtime and samples use; the default of <c>SfmcSoapObjects</c>.</summary>
    internal static readonly string[] DefaultObjects =
    [
        "Subscriber", "List", "DataExtension", "DataExtensionField", "DataExtensionObject", "TriggeredSend",
        "TriggeredSendDefinition", "EmailSendDefinition", "SentEvent", "OpenEvent", "ClickEvent", "BounceEvent", "UnsubEvent",
    ];

    public static SoapOptions ReadOptions(Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions options)
    {
        // The out value is only defined when TryGetValue returns true.
        var objects = options.TryGetValue("build_property.SfmcSoapObjects", out var o) ? o : null;
        var visibility = options.TryGetValue("build_property.SfmcSoapVisibility", out var v) ? v : null;
        var requested = string.IsNullOrWhiteSpace(objects)
            ? EquatableArray<string>.Empty
            : objects!.Split([';', ',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(o => o.Trim()).Distinct(StringComparer.Ordinal).ToEquatableArray();
        visibility = visibility?.Trim();
        var isPublic = string.Equals(visibility, "public", StringComparison.OrdinalIgnoreCase);
        var diagnostic = string.IsNullOrEmpty(visibility) || isPublic || string.Equals(visibility, "internal", StringComparison.OrdinalIgnoreCase)
            ? null
            : DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSoapVisibility, null, visibility!);
        return new SoapOptions(requested, new SoapOutputOptions("Sfmc.Soap", isPublic), diagnostic);
    }

    /// <summary>
    /// The closure of the requested objects: those of <c>SfmcSoapObjects</c> and of sfmc.json's <c>soapObjects</c>
    /// together, or <see cref="DefaultObjects"/> when neither names any. <c>*</c> in either selects every type.
    /// </summary>
    public static SelectionResult Select(SoapSchemaModel schema, SoapOptions options, EquatableArray<SoapObjectModel> declared)
    {
        var types = schema.Types.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var enums = schema.Enums.ToDictionary(e => e.Name, StringComparer.Ordinal);
        var diagnostics = new List<DiagnosticInfo>();
        var queue = new Queue<string>();
        var requested = options.Objects.Select(name => (Name: name, Location: (LocationInfo?)null))
            .Concat(declared.Select(d => (d.Name, (LocationInfo?)d.Location)))
            .ToList();
        if (requested.Count == 0)
        {
            requested = DefaultObjects.Select(name => (name, (LocationInfo?)null)).ToList();
        }

        if (requested.Any(r => r.Name == "*"))
        {
            foreach (var type in schema.Types)
            {
                queue.Enqueue(type.Name);
            }
        }
        else
        {
            foreach (var (name, location) in requested)
            {
                if (types.ContainsKey(name))
                {
                    queue.Enqueue(name);
                }
                else
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownSoapObject, location, location is null ? "SfmcSoapObjects" : "sfmc.json", name, System.IO.Path.GetFileName(schema.FilePath), Naming.DidYouMean(name, types.Keys)));
                }
            }
        }

        var selected = new SortedSet<string>(StringComparer.Ordinal);
        var selectedEnums = new SortedSet<string>(StringComparer.Ordinal);
        while (queue.Count > 0)
        {
            var name = queue.Dequeue();
            if (!types.TryGetValue(name, out var type) || !selected.Add(name))
            {
                continue;
            }

            if (type.BaseName is { } baseName)
            {
                queue.Enqueue(baseName);
            }

            foreach (var member in type.Members)
            {
                if (member.Kind == SoapMemberKind.Object)
                {
                    queue.Enqueue(member.TypeName);
                }
                else if (member.Kind == SoapMemberKind.Enum && enums.ContainsKey(member.TypeName))
                {
                    selectedEnums.Add(member.TypeName);
                }
            }
        }

        var hasDerived = new HashSet<string>(schema.Types.Where(t => t.BaseName is not null).Select(t => t.BaseName!), StringComparer.Ordinal);
        var propertyClassNames = new Dictionary<string, string>(StringComparer.Ordinal);
        string PropertyClassName(SoapTypeModel type)
        {
            if (!propertyClassNames.TryGetValue(type.Name, out var name))
            {
                var taken = Chain(type, types).SelectMany(t => t.Members).Any(m => m.ClrName == "Property");
                name = taken ? "PropertyNames" : "Property";
                propertyClassNames[type.Name] = name;
            }

            return name;
        }

        var output = new List<SoapTypeToEmit>();
        foreach (var name in selected)
        {
            var type = types[name];
            var bases = Chain(type, types).Skip(1).ToList();
            var inherited = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var baseType in bases)
            {
                inherited.UnionWith(baseType.Members.Select(m => m.ClrName));
                inherited.Add(PropertyClassName(baseType));
            }

            var derived = selected
                .Where(other => other != name && !types[other].IsAbstract && Chain(types[other], types).Any(t => t.Name == name))
                .ToEquatableArray();
            var defaults = SoapDefaults.For(name) ?? Chain(type, types)
                .Reverse()
                .SelectMany(t => t.Members)
                .Where(m => !m.IsList && m.Kind != SoapMemberKind.Object && m.Obsolete is null)
                .Select(m => m.XmlName)
                .Distinct(StringComparer.Ordinal)
                .ToArray();
            var inheritedFilters = new SortedSet<string>(bases.SelectMany(b => b.Members).Where(IsFilterable).Select(m => m.ClrName), StringComparer.Ordinal);
            output.Add(new SoapTypeToEmit(
                type,
                inherited.ToEquatableArray(),
                derived,
                defaults.ToEquatableArray(),
                !hasDerived.Contains(name),
                PropertyClassName(type),
                bases.Count > 0 ? PropertyClassName(bases[0]) : null,
                inheritedFilters.ToEquatableArray(),
                options.Output));
        }

        return new SelectionResult(
            output.ToEquatableArray(),
            selectedEnums.Select(e => new SoapEnumToEmit(enums[e], options.Output)).ToEquatableArray(),
            diagnostics.ToEquatableArray());
    }

    internal static bool IsFilterable(SoapMemberModel member) => !member.IsList && member.Kind != SoapMemberKind.Object;

    /// <summary>The type, then its base, then its base's base…</summary>
    private static IEnumerable<SoapTypeModel> Chain(SoapTypeModel type, Dictionary<string, SoapTypeModel> types)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (SoapTypeModel? current = type; current is not null && seen.Add(current.Name); current = current.BaseName is { } b && types.TryGetValue(b, out var next) ? next : null)
        {
            yield return current;
        }
    }

    internal sealed record SoapOptions(EquatableArray<string> Objects, SoapOutputOptions Output, DiagnosticInfo? Diagnostic);

    internal sealed record SelectionResult(EquatableArray<SoapTypeToEmit> Types, EquatableArray<SoapEnumToEmit> Enums, EquatableArray<DiagnosticInfo> Diagnostics);
}
