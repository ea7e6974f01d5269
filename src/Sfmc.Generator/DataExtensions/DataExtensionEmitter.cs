using System;
using System.Globalization;
using System.Text;
using System.Linq;
using Sfmc.Generator.Common;
using Sfmc.Generator.DataExtensions.Model;

namespace Sfmc.Generator.DataExtensions;

/// <summary>Emits one <c>sealed partial record …Row</c> per Data Extension. Pure function of the model: deterministic.</summary>
internal static class DataExtensionEmitter
{
    private const string Client = KnownTypes.Client;

    public static string HintName(DataExtensionModel model) => "DataExtensions." + model.TypeName + ".g.cs";

    /// <summary>The row type; a read-only DE (synchronized, declared in sfmc.json) gets no validation and no writers.</summary>
    public static string Emit(DataExtensionModel model, string @namespace, bool readOnly = false)
    {
        var w = new SourceWriter();
        var self = model.TypeName;
        var readContract = $"{Client}.IReadOnlyDataExtensionRow<{self}>";
        w.Line("namespace " + @namespace + ";");
        w.Line();
        w.Line("/// <summary>");
        w.Line($"/// A row of the Data Extension <c>{SourceWriter.Xml(model.Name)}</c> (customer key <c>{SourceWriter.Xml(model.CustomerKey)}</c>).");
        if (!string.IsNullOrWhiteSpace(model.Description))
        {
            w.Line($"/// {SourceWriter.Xml(model.Description!)}");
        }

        w.Line("/// </summary>");
        w.Line(readOnly
            ? "/// <remarks>Generated from <c>" + SourceWriter.Xml(System.IO.Path.GetFileName(model.FilePath)) + "</c>. Read-only: sfmc.json declares it synchronized, so it has no writers (use <c>client.ReadOnlyDataExtension&lt;" + self + "&gt;()</c>).</remarks>"
            : "/// <remarks>Generated from <c>" + SourceWriter.Xml(System.IO.Path.GetFileName(model.FilePath)) + "</c>.</remarks>");
        w.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"Sfmc.Generator\", \"1.0.0\")]");
        w.Open($"public sealed partial record {self} : {(readOnly ? readContract : $"{Client}.IDataExtensionRow<{self}>")}");
        EmitConstants(w, model);
        EmitProperties(w, model);
        EmitSchema(w, model);
        EmitVisit(w, model, readContract);
        EmitCreate(w, model, readContract);
        w.Close();
        return w.ToString();
    }

    /// <summary>A constant's value is its documentation (IntelliSense shows it); a doc comment per constant would double the class.</summary>
    private const string NoDocs = "#pragma warning disable CS1591 // Missing XML comment: the value says it";

    private static void EmitConstants(SourceWriter w, DataExtensionModel model)
    {
        w.Line("/// <summary>The Data Extension's customer key (external key). SFMC matches it case-sensitively.</summary>");
        w.Line("public const string CustomerKey = " + SourceWriter.Literal(model.CustomerKey) + ";");
        w.Line();
        w.Line("/// <summary>The exact SFMC field names, by property.</summary>");
        w.Open("public static class Fields");
        w.Line(NoDocs);
        foreach (var field in model.Fields)
        {
            w.Line($"public const string {field.PropertyName} = {SourceWriter.Literal(field.Name)};");
        }

        w.Line("#pragma warning restore CS1591");
        w.Close();
        var withLength = model.Fields.Where(f => f.MaxLength is not null && FieldTypes.Of(f.Type).Length == LengthRule.Characters).ToList();
        if (withLength.Count > 0)
        {
            w.Line();
            w.Line("/// <summary>The declared MaxLength of each text field, by property.</summary>");
            w.Open("public static class MaxLengths");
            w.Line(NoDocs);
            foreach (var field in withLength)
            {
                w.Line($"public const int {field.PropertyName} = {Int(field.MaxLength!.Value)};");
            }

            w.Line("#pragma warning restore CS1591");
            w.Close();
        }
    }

    private static void EmitProperties(SourceWriter w, DataExtensionModel model)
    {
        foreach (var field in model.Fields)
        {
            w.Line();
            var summary = $"{field.Type}{Lengths(field)} field <c>{SourceWriter.Xml(field.Name)}</c>"
                + (field.IsPrimaryKey ? ", primary key" : field.IsRequired ? ", required" : "")
                + (field.DefaultValue is not null ? $", default <c>{SourceWriter.Xml(field.DefaultValue)}</c> (null sends no value, so SFMC applies it)" : "")
                + ".";
            w.Line($"/// <summary>{summary}{(string.IsNullOrWhiteSpace(field.Description) ? "" : " " + SourceWriter.Xml(field.Description!))}</summary>");
            w.Line($"public {(field.IsRequiredMember ? "required " : "")}{TypeOf(field)} {field.PropertyName} {{ get; init; }}");
        }
    }

    /// <summary>
    /// The schema is the one place a field's facts live: the runtime derives JSON names, limits and checks from it once
    /// per type, so they are not repeated per DE in generated code.
    /// </summary>
    private static void EmitSchema(SourceWriter w, DataExtensionModel model)
    {
        w.Line();
        w.Line("/// <summary>The Data Extension as declared: key, name and fields.</summary>");
        w.Line($"public static {Client}.DataExtensionInfo Schema {{ get; }} = new("
            + $"{SourceWriter.Literal(model.CustomerKey)}, {SourceWriter.Literal(model.Name)}, {SourceWriter.Literal(model.Description)}, "
            + $"{Bool(model.IsSendable)}, {SourceWriter.Literal(model.SendableDataExtensionField)}, {SourceWriter.Literal(model.SendableSubscriberField)}, new {Client}.DataExtensionFieldInfo[]");
        w.Line("{");
        w.Indent();
        foreach (var field in model.Fields)
        {
            var info = new StringBuilder("new(")
                .Append(SourceWriter.Literal(field.Name)).Append(", ")
                .Append(SourceWriter.Literal(field.PropertyName.TrimStart('@'))).Append(", ")
                .Append(Client).Append(".DataExtensionFieldType.").Append(field.Type);
            if (field.MaxLength is { } max)
            {
                info.Append(", ").Append(Int(max));
            }

            if (field.Scale is { } scale)
            {
                info.Append(", Scale: ").Append(Int(scale));
            }

            if (field.IsPrimaryKey)
            {
                info.Append(", IsPrimaryKey: true");
            }

            if (field.IsRequired)
            {
                info.Append(", IsRequired: true");
            }

            if (field.DefaultValue is not null)
            {
                info.Append(", DefaultValue: ").Append(SourceWriter.Literal(field.DefaultValue));
            }

            w.Line(info.Append("),").ToString());
        }

        w.Outdent();
        w.Line("});");
    }

    /// <summary>Each value with its field index: what the runtime's writers and checks visit.</summary>
    private static void EmitVisit(SourceWriter w, DataExtensionModel model, string contract)
    {
        w.Line();
        w.Open($"static void {contract}.VisitFields({model.TypeName} row, ref {Client}.DataExtensionFieldVisitor v)");
        for (var i = 0; i < model.Fields.Count; i++)
        {
            w.Line($"v.{Kind(model.Fields[i])}({Int(i)}, row.{model.Fields[i].PropertyName});");
        }

        w.Close();
    }

    /// <summary>The row from values the runtime read: one getter per property, <c>Required…</c> for required members.</summary>
    private static void EmitCreate(SourceWriter w, DataExtensionModel model, string contract)
    {
        w.Line();
        w.Line($"static {model.TypeName} {contract}.Create(ref {Client}.DataExtensionRowValues v) => new()");
        w.Line("{");
        w.Indent();
        for (var i = 0; i < model.Fields.Count; i++)
        {
            var field = model.Fields[i];
            w.Line($"{field.PropertyName} = v.{(field.IsRequiredMember ? "Required" : "")}{Kind(field)}({Int(i)}),");
        }

        w.Outdent();
        w.Line("};");
    }

    /// <summary>The visitor and getter name for a field's C# type.</summary>
    private static string Kind(FieldModel field) => ValueType(field) switch
    {
        "string" => "Text",
        "int" => "Int",
        "decimal" => "Decimal",
        "bool" => "Boolean",
        _ => "Date",
    };

    internal static string TypeOf(FieldModel field) => ValueType(field) + (field.IsRequiredMember ? "" : "?");

    private static string ValueType(FieldModel field) => FieldTypes.Of(field.Type).ClrType;



    private static string Lengths(FieldModel field) => field switch
    {
        { MaxLength: { } p, Scale: { } s } when FieldTypes.Of(field.Type).Length == LengthRule.Precision => $"({Int(p)},{Int(s)})",
        { MaxLength: { } max } => $"({Int(max)})",
        _ => "",
    };

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);


    private static string Bool(bool value) => value ? "true" : "false";
}
