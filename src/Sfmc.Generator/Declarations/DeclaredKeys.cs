using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Sfmc.Generator.Common;
using Sfmc.Generator.Declarations.Model;

namespace Sfmc.Generator.Declarations;

/// <summary>
/// Every key a project declares, by kind: DE keys from its DE files; journey, send and MobileConnect keys and the
/// synchronized (read-only) DEs from its sfmc.json. The generator writes them as
/// <c>[assembly: SfmcDeclaredKeys(…)]</c> (<see cref="Emit"/>) and the key analyzer reads them back from referenced
/// assemblies (<see cref="FromReferences"/>), so DE files in a class library are known in the app that uses it.
/// </summary>
internal sealed record DeclaredKeys(
    EquatableArray<string> DataExtensions,
    EquatableArray<string> Journeys,
    EquatableArray<string> TriggeredSends,
    EquatableArray<string> Transactional,
    EquatableArray<string> MobileConnect,
    EquatableArray<string> ReadOnly)
{
    public const string HintName = "Sfmc.DeclaredKeys.g.cs";

    private const string AttributeName = "Sfmc.Client.SfmcDeclaredKeysAttribute";

    public static DeclaredKeys Empty { get; } = From(Enumerable.Empty<string>(), null);

    public bool IsEmpty => DataExtensions.Count + Journeys.Count + TriggeredSends.Count + Transactional.Count + MobileConnect.Count + ReadOnly.Count == 0;

    public static DeclaredKeys From(IEnumerable<string> dataExtensionKeys, DeclarationsModel? declarations)
    {
        var messages = declarations?.Messages ?? EquatableArray<MessageModel>.Empty;
        return new DeclaredKeys(
            Keys(dataExtensionKeys),
            Keys(declarations?.Journeys.Select(j => j.EventDefinitionKey) ?? Enumerable.Empty<string>()),
            Keys(messages.Where(m => m.Kind == MessageKind.TriggeredSend).Select(m => m.DefinitionKey)),
            Keys(messages.Where(m => m.Kind != MessageKind.TriggeredSend).Select(m => m.DefinitionKey)),
            Keys(declarations?.MobileConnect.Select(m => m.MessageId) ?? Enumerable.Empty<string>()),
            Keys(declarations?.Synchronized.Select(s => s.Key) ?? Enumerable.Empty<string>()));
    }

    /// <summary>These keys and <paramref name="other"/>'s.</summary>
    public DeclaredKeys Merge(DeclaredKeys other) => new(
        Keys(DataExtensions.Concat(other.DataExtensions)),
        Keys(Journeys.Concat(other.Journeys)),
        Keys(TriggeredSends.Concat(other.TriggeredSends)),
        Keys(Transactional.Concat(other.Transactional)),
        Keys(MobileConnect.Concat(other.MobileConnect)),
        Keys(ReadOnly.Concat(other.ReadOnly)));

    /// <summary>The assembly attributes; null when the project declares nothing.</summary>
    public string? Emit()
    {
        if (IsEmpty)
        {
            return null;
        }

        var w = new SourceWriter();
        Line(w, Sfmc.Client.SfmcKeyKind.DataExtension, DataExtensions);
        Line(w, Sfmc.Client.SfmcKeyKind.DataExtension, ReadOnly, ", ReadOnly = true");
        Line(w, Sfmc.Client.SfmcKeyKind.Journey, Journeys);
        Line(w, Sfmc.Client.SfmcKeyKind.TriggeredSend, TriggeredSends);
        Line(w, Sfmc.Client.SfmcKeyKind.TransactionalMessage, Transactional);
        Line(w, Sfmc.Client.SfmcKeyKind.MobileConnectMessage, MobileConnect);
        return w.ToString();

        static void Line(SourceWriter w, Sfmc.Client.SfmcKeyKind kind, EquatableArray<string> keys, string named = "")
        {
            if (keys.Count > 0)
            {
                w.Line($"[assembly: global::{AttributeName}(global::Sfmc.Client.SfmcKeyKind.{kind}, {string.Join(", ", keys.Select(SourceWriter.Literal))}{named})]");
            }
        }
    }

    /// <summary>Whether a referenced assembly declares keys: the project uses an Sfmc library (the large-project pattern).</summary>
    public static bool ReferencesDeclaringAssembly(Compilation compilation) =>
        SfmcAssemblies(compilation).Any(assembly => assembly.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == AttributeName));

    /// <summary>
    /// The keys that referenced assemblies declare. Only assemblies that reference Sfmc.Client are looked at, so the
    /// framework's hundreds of references cost a name comparison each.
    /// </summary>
    public static DeclaredKeys FromReferences(Compilation compilation)
    {
        var found = new Dictionary<(int Kind, bool ReadOnly), List<string>>();
        foreach (var assembly in SfmcAssemblies(compilation))
        {
            foreach (var attribute in assembly.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() != AttributeName
                    || attribute.ConstructorArguments.Length != 2
                    || attribute.ConstructorArguments[0].Value is not int kind)
                {
                    continue;
                }

                var readOnly = attribute.NamedArguments.Any(a => a.Key == "ReadOnly" && a.Value.Value is true);
                if (!found.TryGetValue((kind, readOnly), out var keys))
                {
                    found[(kind, readOnly)] = keys = new List<string>();
                }

                keys.AddRange(attribute.ConstructorArguments[1].Values.Select(v => v.Value).OfType<string>());
            }
        }

        IEnumerable<string> Of(Sfmc.Client.SfmcKeyKind kind, bool readOnly = false) =>
            found.TryGetValue(((int)kind, readOnly), out var keys) ? keys : Enumerable.Empty<string>();
        return new DeclaredKeys(
            Keys(Of(Sfmc.Client.SfmcKeyKind.DataExtension).Concat(Of(Sfmc.Client.SfmcKeyKind.DataExtension, readOnly: true))),
            Keys(Of(Sfmc.Client.SfmcKeyKind.Journey)),
            Keys(Of(Sfmc.Client.SfmcKeyKind.TriggeredSend)),
            Keys(Of(Sfmc.Client.SfmcKeyKind.TransactionalMessage)),
            Keys(Of(Sfmc.Client.SfmcKeyKind.MobileConnectMessage)),
            Keys(Of(Sfmc.Client.SfmcKeyKind.DataExtension, readOnly: true)));
    }

    /// <summary>Referenced assemblies that reference Sfmc.Client: a name comparison each for the framework's hundreds.</summary>
    private static IEnumerable<IAssemblySymbol> SfmcAssemblies(Compilation compilation) =>
        compilation.SourceModule.ReferencedAssemblySymbols.Where(a => a.Modules.Any(m => m.ReferencedAssemblies.Any(r => r.Name == "Sfmc.Client")));

    private static EquatableArray<string> Keys(IEnumerable<string> keys) =>
        keys.Distinct(StringComparer.Ordinal).OrderBy(k => k, StringComparer.Ordinal).ToEquatableArray();
}
