using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Sfmc.Generator.Common;
using Sfmc.Generator.DataExtensions;
using Sfmc.Generator.DataExtensions.Model;
using Sfmc.Generator.Diagnostics;

namespace Sfmc.Generator.Declarations;

/// <summary>How a journey's entry event data is typed.</summary>
internal enum JourneyDataKind
{
    /// <summary>No entry DE, no data fields: field name → value.</summary>
    Dictionary,

    /// <summary>An entry DE without a field list: the DE's generated row type.</summary>
    Row,

    /// <summary>A field list: a generated <c>Data</c> record (typed by the entry DE when there is one).</summary>
    Record,
}

/// <summary>A journey with its data type resolved against the project's DEs: everything its source needs.</summary>
internal sealed record JourneyToEmit(JourneyModel Journey, string Namespace, JourneyDataKind Kind, string DataType, string? EntryName, EquatableArray<FieldModel> Fields);

/// <summary>The journeys to emit and what the cross-checks found.</summary>
internal sealed record JourneyResolution(EquatableArray<JourneyToEmit> Journeys, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>
/// Journeys of sfmc.json → one class per journey (<c>WelcomeJourney : Journey&lt;TData&gt;</c>) and one file of C# 14
/// extension properties on <c>JourneyClient</c>, so <c>client.Journeys.Welcome.EnterAsync(…)</c> reads as declared.
/// </summary>
internal static class JourneyEmitter
{
    private const string Client = KnownTypes.Client;
    private const string DictionaryType = "global::System.Collections.Generic.IReadOnlyDictionary<string, object?>?";

    public const string AccessorsHintName = "Journeys.g.cs";

    public static string HintName(JourneyToEmit journey) => "Journeys." + journey.Journey.ClassName + ".g.cs";

    /// <summary>The journeys' namespace: <c>X.Journeys</c> beside <c>X.DataExtensions</c>, else the DE namespace itself.</summary>
    public static string NamespaceFor(string dataExtensionNamespace) => SfmcGenerator.Sibling(dataExtensionNamespace, "Journeys");

    /// <summary>Entry DEs and data fields against the declared DEs (SFMC0302, SFMC0303, SFMC0305); deterministic.</summary>
    public static JourneyResolution Resolve(DeclarationsModel? declarations, ImmutableArray<DataExtensionModel> dataExtensions, string dataExtensionNamespace)
    {
        if (declarations is null)
        {
            return new JourneyResolution(EquatableArray<JourneyToEmit>.Empty, EquatableArray<DiagnosticInfo>.Empty);
        }

        var byKey = ByKey(dataExtensions);
        var @namespace = NamespaceFor(dataExtensionNamespace);
        var diagnostics = new List<DiagnosticInfo>();
        var journeys = new List<JourneyToEmit>();
        foreach (var journey in declarations.Journeys)
        {
            var what = "Journey '" + journey.Name + "'";
            var entry = FindDataExtension(declarations, byKey, journey.EntryDataExtension, journey.EntryLocation, what, diagnostics);
            if (!journey.DeclaresDataFields)
            {
                journeys.Add(entry is null
                    ? new JourneyToEmit(journey, @namespace, JourneyDataKind.Dictionary, DictionaryType, null, EquatableArray<FieldModel>.Empty)
                    : new JourneyToEmit(journey, @namespace, JourneyDataKind.Row, $"global::{dataExtensionNamespace}.{entry.TypeName}", entry.Name, EquatableArray<FieldModel>.Empty));
                continue;
            }

            var fields = ResolveFields(journey.DataFields, entry, what + " data field", "Data", diagnostics);
            journeys.Add(new JourneyToEmit(journey, @namespace, JourneyDataKind.Record, $"global::{@namespace}.{journey.ClassName}.Data", entry?.Name, fields));
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

    public static string Emit(JourneyToEmit item)
    {
        var journey = item.Journey;
        return EmitClass(new DeclaredClass(
            item.Namespace,
            $"Journey <c>{SourceWriter.Xml(journey.Name)}</c>, entered through the API event <c>{SourceWriter.Xml(journey.EventDefinitionKey)}</c>.",
            journey.Description,
            item.EntryName is null ? "" : "; entry DE <c>" + SourceWriter.Xml(item.EntryName) + "</c>",
            "client.Journeys." + journey.PropertyName,
            journey.ClassName,
            $"{Client}.Journey<{item.DataType}>",
            "The entry event's EventDefinitionKey, as declared.",
            "EventDefinitionKey",
            journey.EventDefinitionKey,
            "the journey",
            $"{Client}.JourneyClient",
            "journeys",
            "journeys",
            "WriteData",
            "data",
            item.Kind,
            item.DataType,
            item.Fields,
            "Data",
            $"The entry event data of journey <c>{SourceWriter.Xml(journey.Name)}</c>. A null value is not sent.",
            "field"));
    }

    /// <summary>What a declared item's class is made of (journeys here; triggered sends and transactional definitions in <see cref="MessagingEmitter"/>).</summary>
    internal sealed record DeclaredClass(
        string Namespace,
        string Summary,
        string? Description,
        string RemarksDetail,
        string Accessor,
        string ClassName,
        string BaseType,
        string KeySummary,
        string KeyConstant,
        string Key,
        string What,
        string ClientType,
        string ConstructorParameter,
        string BaseArgument,
        string WriterName,
        string WriterParameter,
        JourneyDataKind Kind,
        string DataType,
        EquatableArray<FieldModel> Fields,
        string RecordName,
        string RecordSummary,
        string FieldNoun);

    /// <summary>
    /// The class of a declared item: its key constant, a constructor binding it to a client, and the writer of its data
    /// as a name → value map, the DE's row or a generated record.
    /// </summary>
    internal static string EmitClass(DeclaredClass c)
    {
        var w = new SourceWriter();
        w.Line("namespace " + c.Namespace + ";");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// " + c.Summary);
        if (!string.IsNullOrWhiteSpace(c.Description))
        {
            w.Line("/// " + SourceWriter.Xml(c.Description!));
        }

        w.Line("/// </summary>");
        w.Line("/// <remarks>Declared in <c>sfmc.json</c>" + c.RemarksDetail + ". Also <c>" + c.Accessor + "</c>.</remarks>");
        w.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"Sfmc.Generator\", \"1.0.0\")]");
        w.Open($"public sealed class {c.ClassName} : {c.BaseType}");
        w.Line($"/// <summary>{c.KeySummary}</summary>");
        w.Line($"public const string {c.KeyConstant} = {SourceWriter.Literal(c.Key)};");
        w.Line();
        w.Line($"/// <summary>Binds {c.What} to a client's <see cref=\"{c.ClientType}\"/>.</summary>");
        w.Line($"public {c.ClassName}({c.ClientType} {c.ConstructorParameter})");
        w.Indent().Line($": base({c.BaseArgument}, {c.KeyConstant})").Outdent();
        w.Line("{");
        w.Line("}");
        w.Line();
        w.Line("/// <inheritdoc />");
        var signature = $"protected override void {c.WriterName}(global::System.Text.Json.Utf8JsonWriter writer, {c.DataType} {c.WriterParameter})";
        switch (c.Kind)
        {
            case JourneyDataKind.Dictionary:
                w.Line($"{signature} => {Client}.JourneyClient.WriteDictionary(writer, {c.WriterParameter});");
                break;
            case JourneyDataKind.Row:
                w.Line($"{signature} => {Client}.DataExtensionJson.WriteObject(writer, {c.WriterParameter});");
                break;
            default:
                EmitRecord(w, c, signature);
                break;
        }

        w.Close();
        return w.ToString();
    }

    private static void EmitRecord(SourceWriter w, DeclaredClass c, string signature)
    {
        DataExtensionEmitter.OpenRowJson(w, signature, $"global::System.ArgumentNullException.ThrowIfNull({c.WriterParameter});", c.Fields);
        w.Line("json.StartObject();");
        foreach (var field in c.Fields)
        {
            w.Line(DataExtensionEmitter.WriteField(field, c.WriterParameter));
        }

        w.Line("json.EndObject();");
        DataExtensionEmitter.CloseRowJson(w);
        w.Line();
        w.Line($"/// <summary>{c.RecordSummary}</summary>");
        w.Open("public sealed record " + c.RecordName);
        var first = true;
        foreach (var field in c.Fields)
        {
            if (!first)
            {
                w.Line();
            }

            first = false;
            w.Line($"/// <summary>{field.Type} {c.FieldNoun} <c>{SourceWriter.Xml(field.Name)}</c>.</summary>");
            w.Line($"public {DataExtensionEmitter.TypeOf(field)} {field.PropertyName} {{ get; init; }}");
        }

        w.Close();
    }

    /// <summary>C# 14 extension properties: <c>client.Journeys.Welcome</c> for every declared journey.</summary>
    public static string EmitAccessors(EquatableArray<JourneyToEmit> journeys)
    {
        var w = new SourceWriter();
        w.Line("namespace Sfmc.Client;");
        w.Line();
        w.Line("/// <summary>The journeys declared in <c>sfmc.json</c>, as members of <see cref=\"global::Sfmc.Client.JourneyClient\"/>.</summary>");
        w.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"Sfmc.Generator\", \"1.0.0\")]");
        w.Open("internal static class DeclaredJourneys");
        w.Open("extension(global::Sfmc.Client.JourneyClient journeys)");
        var first = true;
        foreach (var item in journeys)
        {
            if (!first)
            {
                w.Line();
            }

            first = false;
            w.Line($"/// <summary>Journey <c>{SourceWriter.Xml(item.Journey.Name)}</c> (see <see cref=\"global::{item.Namespace}.{item.Journey.ClassName}\"/>).</summary>");
            w.Line($"public global::{item.Namespace}.{item.Journey.ClassName} {item.Journey.PropertyName} => new(journeys);");
        }

        w.Close();
        w.Close();
        return w.ToString();
    }
}
