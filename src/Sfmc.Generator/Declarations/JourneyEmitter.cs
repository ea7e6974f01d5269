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
    private const string Client = "global::Sfmc.Client";
    private const string DictionaryType = "global::System.Collections.Generic.IReadOnlyDictionary<string, object?>?";

    public const string AccessorsHintName = "Journeys.g.cs";

    public static string HintName(JourneyToEmit journey) => "Journeys." + journey.Journey.ClassName + ".g.cs";

    /// <summary>The journeys' namespace: <c>X.Journeys</c> beside <c>X.DataExtensions</c>, else the DE namespace itself.</summary>
    public static string NamespaceFor(string dataExtensionNamespace) => SfmcGenerator.Sibling(dataExtensionNamespace, "Journeys");

    /// <summary>Entry DEs and data fields against the declared DEs (SFMC0302, SFMC0303); deterministic.</summary>
    public static JourneyResolution Resolve(DeclarationsModel? declarations, ImmutableArray<DataExtensionModel> dataExtensions, string dataExtensionNamespace)
    {
        if (declarations is null)
        {
            return new JourneyResolution(EquatableArray<JourneyToEmit>.Empty, EquatableArray<DiagnosticInfo>.Empty);
        }

        var byKey = new Dictionary<string, DataExtensionModel>(StringComparer.Ordinal);
        foreach (var model in dataExtensions.OrderBy(d => d.FilePath, StringComparer.Ordinal))
        {
            if (!byKey.ContainsKey(model.CustomerKey))
            {
                byKey.Add(model.CustomerKey, model);
            }
        }

        var @namespace = NamespaceFor(dataExtensionNamespace);
        var diagnostics = new List<DiagnosticInfo>();
        var journeys = new List<JourneyToEmit>();
        foreach (var journey in declarations.Journeys)
        {
            DataExtensionModel? entry = null;
            if (journey.EntryDataExtension is { } entryKey && !byKey.TryGetValue(entryKey, out entry))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEntryDataExtension, journey.EntryLocation, journey.Name, entryKey, Naming.DidYouMean(entryKey, byKey.Keys)));
            }

            if (!journey.DeclaresDataFields)
            {
                journeys.Add(entry is null
                    ? new JourneyToEmit(journey, @namespace, JourneyDataKind.Dictionary, DictionaryType, null, EquatableArray<FieldModel>.Empty)
                    : new JourneyToEmit(journey, @namespace, JourneyDataKind.Row, $"global::{dataExtensionNamespace}.{entry.TypeName}", entry.Name, EquatableArray<FieldModel>.Empty));
                continue;
            }

            var fields = new List<FieldModel>();
            var properties = new HashSet<string>(StringComparer.Ordinal) { "EqualityContract" };
            foreach (var field in journey.DataFields)
            {
                if (entry is not null)
                {
                    var match = entry.Fields.FirstOrDefault(f => string.Equals(f.Name, field.Name, StringComparison.OrdinalIgnoreCase));
                    if (match is null)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownJourneyDataField, field.Location, journey.Name, field.Name, entry.CustomerKey, Naming.DidYouMean(field.Name, entry.Fields.Select(f => f.Name))));
                        continue;
                    }

                    if (properties.Add(match.PropertyName))
                    {
                        fields.Add(match with { IsRequiredMember = false, IsPrimaryKey = false, IsRequired = false, DefaultValue = null });
                    }

                    continue;
                }

                var property = Unique(Naming.ToPascalCase(field.Name) ?? "Field", properties);
                fields.Add(new FieldModel(field.Name, property, field.Type ?? FieldType.Text, null, field.Scale, false, false, false, null, null));
            }

            journeys.Add(new JourneyToEmit(journey, @namespace, JourneyDataKind.Record, $"global::{@namespace}.{journey.ClassName}.Data", entry?.Name, fields.ToEquatableArray()));
        }

        return new JourneyResolution(journeys.ToEquatableArray(), diagnostics.ToEquatableArray());
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
        var w = new SourceWriter();
        w.Line("namespace " + item.Namespace + ";");
        w.Line();
        w.Line("/// <summary>");
        w.Line($"/// Journey <c>{SourceWriter.Xml(journey.Name)}</c>, entered through the API event <c>{SourceWriter.Xml(journey.EventDefinitionKey)}</c>.");
        if (!string.IsNullOrWhiteSpace(journey.Description))
        {
            w.Line("/// " + SourceWriter.Xml(journey.Description!));
        }

        w.Line("/// </summary>");
        w.Line(item.EntryName is null
            ? "/// <remarks>Declared in <c>sfmc.json</c>. Also <c>client.Journeys." + journey.PropertyName + "</c>.</remarks>"
            : "/// <remarks>Declared in <c>sfmc.json</c>; entry DE <c>" + SourceWriter.Xml(item.EntryName) + "</c>. Also <c>client.Journeys." + journey.PropertyName + "</c>.</remarks>");
        w.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"Sfmc.Generator\", \"1.0.0\")]");
        w.Open($"public sealed class {journey.ClassName} : {Client}.Journey<{item.DataType}>");
        w.Line("/// <summary>The entry event's EventDefinitionKey, as declared.</summary>");
        w.Line("public const string EventDefinitionKey = " + SourceWriter.Literal(journey.EventDefinitionKey) + ";");
        w.Line();
        w.Line("/// <summary>Binds the journey to a client's <see cref=\"" + Client + ".JourneyClient\"/>.</summary>");
        w.Line($"public {journey.ClassName}({Client}.JourneyClient journeys)");
        w.Line("    : base(journeys, EventDefinitionKey)");
        w.Line("{");
        w.Line("}");
        w.Line();
        w.Line("/// <inheritdoc />");
        switch (item.Kind)
        {
            case JourneyDataKind.Dictionary:
                w.Line($"protected override void WriteData(global::System.Text.Json.Utf8JsonWriter writer, {item.DataType} data) => {Client}.JourneyClient.WriteDictionary(writer, data);");
                break;
            case JourneyDataKind.Row:
                w.Line($"protected override void WriteData(global::System.Text.Json.Utf8JsonWriter writer, {item.DataType} data) => {Client}.DataExtensionJson.WriteObject(writer, data);");
                break;
            default:
                EmitRecord(w, item);
                break;
        }

        w.Close();
        return w.ToString();
    }

    private static void EmitRecord(SourceWriter w, JourneyToEmit item)
    {
        DataExtensionEmitter.OpenRowJson(w, $"protected override void WriteData(global::System.Text.Json.Utf8JsonWriter writer, {item.DataType} data)", "global::System.ArgumentNullException.ThrowIfNull(data);", item.Fields);
        w.Line("json.StartObject();");
        foreach (var field in item.Fields)
        {
            w.Line(DataExtensionEmitter.WriteField(field, "data"));
        }

        w.Line("json.EndObject();");
        DataExtensionEmitter.CloseRowJson(w);
        w.Line();
        w.Line($"/// <summary>The entry event data of journey <c>{SourceWriter.Xml(item.Journey.Name)}</c>. A null value is not sent.</summary>");
        w.Open("public sealed record Data");
        var first = true;
        foreach (var field in item.Fields)
        {
            if (!first)
            {
                w.Line();
            }

            first = false;
            w.Line($"/// <summary>{field.Type} field <c>{SourceWriter.Xml(field.Name)}</c>.</summary>");
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
