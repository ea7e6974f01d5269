using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Sfmc.Generator.Common;
using Sfmc.Generator.DataExtensions.Model;
using Sfmc.Generator.Declarations.Model;
using Sfmc.Generator.Diagnostics;

namespace Sfmc.Generator.Declarations;

/// <summary>
/// sfmc.json's items against the project's DEs: the DE each names (unknown → SFMC0302, a synchronized one written into
/// → SFMC0305), their data fields and attributes (SFMC0303), and from that how each item's data is typed. The emitter
/// (<see cref="DeclarationEmitter"/>) only writes what this decided.
/// </summary>
internal static class DeclarationResolver
{
    internal const string DictionaryType = "global::System.Collections.Generic.IReadOnlyDictionary<string, object?>?";

    /// <summary>The journeys' namespace: <c>X.Journeys</c> beside <c>X.DataExtensions</c>, else the DE namespace itself.</summary>
    public static string JourneysNamespaceFor(string dataExtensionNamespace) => SfmcGenerator.Sibling(dataExtensionNamespace, "Journeys");

    /// <summary>The sends' namespace: <c>X.Messaging</c> beside <c>X.DataExtensions</c>, else the DE namespace itself.</summary>
    public static string MessagingNamespaceFor(string dataExtensionNamespace) => SfmcGenerator.Sibling(dataExtensionNamespace, "Messaging");

    /// <summary>Entry DEs and data fields against the declared DEs (SFMC0302, SFMC0303, SFMC0305); deterministic.</summary>
    public static JourneyResolution ResolveJourneys(DeclarationsModel? declarations, ImmutableArray<DataExtensionModel> dataExtensions, string dataExtensionNamespace)
    {
        if (declarations is null)
        {
            return new JourneyResolution(EquatableArray<JourneyToEmit>.Empty, EquatableArray<DiagnosticInfo>.Empty);
        }

        var byKey = ByKey(dataExtensions);
        var @namespace = JourneysNamespaceFor(dataExtensionNamespace);
        var diagnostics = new List<DiagnosticInfo>();
        var journeys = new List<JourneyToEmit>();
        foreach (var journey in declarations.Journeys)
        {
            var what = "Journey '" + journey.Name + "'";
            var entry = FindDataExtension(declarations, byKey, journey.EntryDataExtension, journey.EntryLocation, what, diagnostics);
            if (!journey.DeclaresDataFields)
            {
                journeys.Add(entry is null
                    ? new JourneyToEmit(journey, @namespace, DeclaredDataKind.Dictionary, DictionaryType, null, EquatableArray<FieldModel>.Empty)
                    : new JourneyToEmit(journey, @namespace, DeclaredDataKind.Row, $"global::{dataExtensionNamespace}.{entry.TypeName}", entry.Name, EquatableArray<FieldModel>.Empty));
                continue;
            }

            var fields = ResolveFields(journey.DataFields, entry, what + " data field", "Data", diagnostics);
            journeys.Add(new JourneyToEmit(journey, @namespace, DeclaredDataKind.Record, $"global::{@namespace}.{journey.ClassName}.Data", entry?.Name, fields));
        }

        return new JourneyResolution(journeys.ToEquatableArray(), diagnostics.ToEquatableArray());
    }

    /// <summary>The project's DEs by customer key; the first file (ordinal path order) wins a duplicate key.</summary>
    internal static Dictionary<string, DataExtensionModel> ByKey(ImmutableArray<DataExtensionModel> dataExtensions)
    {
        var byKey = new Dictionary<string, DataExtensionModel>(StringComparer.Ordinal);
        foreach (var model in dataExtensions.OrderBy(d => d.FilePath, StringComparer.Ordinal))
        {
            if (!byKey.ContainsKey(model.CustomerKey))
            {
                byKey.Add(model.CustomerKey, model);
            }
        }

        return byKey;
    }

    /// <summary>
    /// The DE a declaration names, or null: unknown (SFMC0302), or synchronized, hence read-only, when the declaration
    /// writes into it (SFMC0305). Either way the declaration is then typed as if it named no DE, so its code still compiles.
    /// </summary>
    internal static DataExtensionModel? FindDataExtension(DeclarationsModel declarations, Dictionary<string, DataExtensionModel> byKey, string? key, LocationInfo? location, string what, List<DiagnosticInfo> diagnostics, bool writes = true)
    {
        if (key is null)
        {
            return null;
        }

        if (!byKey.TryGetValue(key, out var model))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEntryDataExtension, location, what, key, Naming.DidYouMean(key, byKey.Keys)));
            return null;
        }

        if (writes && declarations.IsSynchronized(key))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ReadOnlyDataExtensionWritten, location, what, key));
            return null;
        }

        return model;
    }

    /// <summary>
    /// A declared field list → the fields of a generated record: typed by the DE when there is one (a name not in it is
    /// SFMC0303), else by their own fieldType. Property names never repeat nor equal the record's own name.
    /// </summary>
    internal static EquatableArray<FieldModel> ResolveFields(EquatableArray<DeclaredFieldModel> declared, DataExtensionModel? dataExtension, string what, string recordName, List<DiagnosticInfo> diagnostics)
    {
        var fields = new List<FieldModel>();
        var properties = new HashSet<string>(StringComparer.Ordinal) { "EqualityContract", recordName };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in declared)
        {
            if (dataExtension is not null)
            {
                var match = dataExtension.Fields.FirstOrDefault(f => string.Equals(f.Name, field.Name, StringComparison.OrdinalIgnoreCase));
                if (match is null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownJourneyDataField, field.Location, what, field.Name, dataExtension.CustomerKey, Naming.DidYouMean(field.Name, dataExtension.Fields.Select(f => f.Name))));
                    continue;
                }

                if (!seen.Add(match.Name))
                {
                    continue;
                }

                var property = Unique(match.PropertyName, properties);
                fields.Add(match with { PropertyName = property, IsRequiredMember = false, IsPrimaryKey = false, IsRequired = false, DefaultValue = null });
                continue;
            }

            var name = Unique(Naming.ToPascalCase(field.Name) ?? "Field", properties);
            fields.Add(new FieldModel(field.Name, name, field.Type ?? FieldType.Text, null, field.Scale, false, false, false, null, null));
        }

        return fields.ToEquatableArray();
    }

    private static string Unique(string name, HashSet<string> taken)
    {
        var candidate = name;
        for (var i = 2; !taken.Add(candidate.TrimStart('@')); i++)
        {
            candidate = name.TrimStart('@') + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return candidate;
    }

    /// <summary>Sends' DEs and attributes against the declared DEs, and synchronized DEs that no DE file declares; deterministic.</summary>
    public static MessagingResolution ResolveMessaging(DeclarationsModel? declarations, ImmutableArray<DataExtensionModel> dataExtensions, string dataExtensionNamespace)
    {
        if (declarations is null)
        {
            return new MessagingResolution(EquatableArray<MessageToEmit>.Empty, EquatableArray<MobileConnectModel>.Empty, EquatableArray<DiagnosticInfo>.Empty);
        }

        var byKey = ByKey(dataExtensions);
        var @namespace = MessagingNamespaceFor(dataExtensionNamespace);
        var diagnostics = new List<DiagnosticInfo>();
        foreach (var synchronized in declarations.Synchronized)
        {
            if (!byKey.ContainsKey(synchronized.Key))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEntryDataExtension, synchronized.Location, "synchronizedDataExtensions", synchronized.Key, Naming.DidYouMean(synchronized.Key, byKey.Keys)));
            }
        }

        var messages = new List<MessageToEmit>();
        foreach (var message in declarations.Messages)
        {
            var what = Describe(message.Kind) + " '" + message.Name + "'";
            // A triggered send writes its attributes into its DE; a transactional definition only takes their names and
            // types from it, so a synchronized DE is fine there (typed by all its fields: its row has no JSON writer).
            var writes = message.Kind == MessageKind.TriggeredSend;
            var dataExtension = FindDataExtension(declarations, byKey, message.DataExtension, message.DataExtensionLocation, what, diagnostics, writes);
            var readOnly = dataExtension is not null && declarations.IsSynchronized(dataExtension.CustomerKey);
            if (!message.DeclaresAttributes && !readOnly)
            {
                messages.Add(dataExtension is null
                    ? new MessageToEmit(message, @namespace, DeclaredDataKind.Dictionary, DictionaryType, null, EquatableArray<FieldModel>.Empty)
                    : new MessageToEmit(message, @namespace, DeclaredDataKind.Row, $"global::{dataExtensionNamespace}.{dataExtension.TypeName}", dataExtension.Name, EquatableArray<FieldModel>.Empty));
                continue;
            }

            var declared = message.DeclaresAttributes
                ? message.Attributes
                : dataExtension!.Fields.Select(f => new DeclaredFieldModel(f.Name, message.DataExtensionLocation!.Value, null, null)).ToEquatableArray();
            var fields = ResolveFields(declared, dataExtension, what + " attribute", "Attributes", diagnostics);
            messages.Add(new MessageToEmit(message, @namespace, DeclaredDataKind.Record, $"global::{@namespace}.{message.ClassName}.Attributes", dataExtension?.Name, fields));
        }

        return new MessagingResolution(messages.ToEquatableArray(), declarations.MobileConnect, diagnostics.ToEquatableArray());
    }

    internal static string Describe(MessageKind kind) => kind switch
    {
        MessageKind.TriggeredSend => "Triggered send",
        MessageKind.TransactionalEmail => "Transactional email",
        _ => "Transactional SMS",
    };
}
