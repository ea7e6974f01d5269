using System;
using System.Collections.Generic;
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

    /// <summary>The assembly attribute; null when the project declares nothing.</summary>
    public string? Emit()
    {
        if (IsEmpty)
        {
            return null;
        }

        var named = new[]
        {
            ("DataExtensions", DataExtensions),
            ("ReadOnlyDataExtensions", ReadOnly),
            ("Journeys", Journeys),
            ("TriggeredSends", TriggeredSends),
            ("TransactionalMessages", Transactional),
            ("MobileConnectMessages", MobileConnect),
        }.Where(p => p.Item2.Count > 0).Select(p => $"{p.Item1} = new string[] {{ {string.Join(", ", p.Item2.Select(SourceWriter.Literal))} }}");
        return new SourceWriter().Line($"[assembly: global::{AttributeName}({string.Join(", ", named)})]").ToString();
    }

    /// <summary>Whether a referenced assembly declares keys: the project uses an Sfmc library (the large-project pattern).</summary>
    public static bool ReferencesDeclaringAssembly(Compilation compilation) =>
        SfmcAssemblies(compilation).Any(assembly => assembly.GetAttributes().Any(IsDeclaredKeys));

    /// <summary>The keys that referenced assemblies declare (<c>[assembly: SfmcDeclaredKeys(…)]</c>).</summary>
    public static DeclaredKeys FromReferences(Compilation compilation)
    {
        var keys = Empty;
        foreach (var attribute in SfmcAssemblies(compilation).SelectMany(a => a.GetAttributes()).Where(IsDeclaredKeys))
        {
            EquatableArray<string> Named(string name) => Keys(attribute.NamedArguments
                .Where(a => a.Key == name && a.Value.Kind == TypedConstantKind.Array)
                .SelectMany(a => a.Value.Values.Select(v => v.Value).OfType<string>()));
            keys = keys.Merge(new DeclaredKeys(
                Keys(Named("DataExtensions").Concat(Named("ReadOnlyDataExtensions"))),
                Named("Journeys"),
                Named("TriggeredSends"),
                Named("TransactionalMessages"),
                Named("MobileConnectMessages"),
                Named("ReadOnlyDataExtensions")));
        }

        return keys;
    }

    private static bool IsDeclaredKeys(AttributeData attribute) => attribute.AttributeClass?.ToDisplayString() == AttributeName;

    /// <summary>Referenced assemblies that reference Sfmc.Client: a name comparison each for the framework's hundreds.</summary>
    private static IEnumerable<IAssemblySymbol> SfmcAssemblies(Compilation compilation) =>
        compilation.SourceModule.ReferencedAssemblySymbols.Where(a => a.Modules.Any(m => m.ReferencedAssemblies.Any(r => r.Name == "Sfmc.Client")));

    private static EquatableArray<string> Keys(IEnumerable<string> keys) =>
        keys.Distinct(StringComparer.Ordinal).OrderBy(k => k, StringComparer.Ordinal).ToEquatableArray();
}
