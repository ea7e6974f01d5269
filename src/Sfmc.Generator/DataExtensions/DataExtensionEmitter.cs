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
    private const string Json = "global::System.Text.Json";
    private const string Helpers = Client + ".DataExtensionJson";

    public static string HintName(DataExtensionModel model) => "DataExtensions." + model.TypeName + ".g.cs";

    /// <summary>The row type; a read-only DE (synchronized, declared in sfmc.json) gets no validation and no writers.</summary>
    public static string Emit(DataExtensionModel model, string @namespace, bool readOnly = false)
    {
        var w = new SourceWriter();
        var self = model.TypeName;
        var contract = $"{Client}.IDataExtensionRow<{self}>";
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
        w.Open($"public sealed partial record {self} : {(readOnly ? readContract : contract)}");
        EmitConstants(w, model);
        EmitProperties(w, model);
        EmitSchema(w, model);
        if (!readOnly)
        {
            EmitValidate(w, model, contract);
        }

        EmitPrimaryKey(w, model, readContract);
        if (!readOnly)
        {
            EmitWriters(w, model, contract);
        }

        EmitReader(w, model, readContract);
        w.Close();
        return w.ToString();
    }

    private static void EmitConstants(SourceWriter w, DataExtensionModel model)
    {
        w.Line("/// <summary>The Data Extension's customer key (external key). SFMC matches it case-sensitively.</summary>");
        w.Line("public const string CustomerKey = " + SourceWriter.Literal(model.CustomerKey) + ";");
        w.Line();
        w.Line("/// <summary>The exact SFMC field names, by property.</summary>");
        w.Open("public static class Fields");
        foreach (var field in model.Fields)
        {
            w.Line($"/// <summary>SFMC field <c>{SourceWriter.Xml(field.Name)}</c>.</summary>");
            w.Line($"public const string {field.PropertyName} = {SourceWriter.Literal(field.Name)};");
        }

        w.Close();
        var withLength = model.Fields.Where(f => f.MaxLength is not null && FieldTypes.Of(f.Type).Length == LengthRule.Characters).ToList();
        if (withLength.Count > 0)
        {
            w.Line();
            w.Line("/// <summary>The declared MaxLength of each text field, by property.</summary>");
            w.Open("public static class MaxLengths");
            foreach (var field in withLength)
            {
                w.Line($"/// <summary>MaxLength of <c>{SourceWriter.Xml(field.Name)}</c>.</summary>");
                w.Line($"public const int {field.PropertyName} = {Int(field.MaxLength!.Value)};");
            }

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
            var attribute = $"[{Client}.DataExtensionField({SourceWriter.Literal(field.Name)}, {Client}.DataExtensionFieldType.{field.Type}";
            if (field.MaxLength is { } max)
            {
                attribute += ", MaxLength = " + Int(max);
            }

            if (field.Scale is { } scale)
            {
                attribute += ", Scale = " + Int(scale);
            }

            if (field.IsPrimaryKey)
            {
                attribute += ", IsPrimaryKey = true";
            }

            if (field.IsRequired)
            {
                attribute += ", IsRequired = true";
            }

            w.Line(attribute + ")]");
            w.Line($"public {(field.IsRequiredMember ? "required " : "")}{TypeOf(field)} {field.PropertyName} {{ get; init; }}");
        }
    }

    private static void EmitSchema(SourceWriter w, DataExtensionModel model)
    {
        w.Line();
        w.Line("/// <summary>The Data Extension as declared: key, name and fields.</summary>");
        w.Line($"public static {Client}.DataExtensionInfo Schema {{ get; }} = new {Client}.DataExtensionInfo(");
        w.Indent();
        w.Line(SourceWriter.Literal(model.CustomerKey) + ",");
        w.Line(SourceWriter.Literal(model.Name) + ",");
        w.Line(SourceWriter.Literal(model.Description) + ",");
        w.Line((model.IsSendable ? "true" : "false") + ",");
        w.Line(SourceWriter.Literal(model.SendableDataExtensionField) + ",");
        w.Line(SourceWriter.Literal(model.SendableSubscriberField) + ",");
        w.Open($"new {Client}.DataExtensionFieldInfo[]");
        foreach (var field in model.Fields)
        {
            w.Line($"new {Client}.DataExtensionFieldInfo({SourceWriter.Literal(field.Name)}, {SourceWriter.Literal(field.PropertyName.TrimStart('@'))}, "
                + $"{Client}.DataExtensionFieldType.{field.Type}, {NullableInt(field.MaxLength)}, {NullableInt(field.Scale)}, "
                + $"{Bool(field.IsPrimaryKey)}, {Bool(field.IsRequired)}, {SourceWriter.Literal(field.DefaultValue)}),");
        }

        w.Close(");");
        w.Outdent();
    }

    /// <summary>Checks with the schema's limits as constants: no lookups on the hot path, one call per failure.</summary>
    private static void EmitValidate(SourceWriter w, DataExtensionModel model, string contract)
    {
        w.Line();
        w.Open($"static void {contract}.Validate({model.TypeName} row)");
        for (var i = 0; i < model.Fields.Count; i++)
        {
            var field = model.Fields[i];
            var value = "row." + field.PropertyName;
            var index = Int(i);
            switch (FieldTypes.Of(field.Type).Check)
            {
                case ValueCheck.Digits when field.MaxLength is { } precision && precision - (field.Scale ?? 0) <= 28:
                    var limit = "1" + new string('0', precision - (field.Scale ?? 0)) + "m";
                    w.Line(field.IsRequiredMember
                        ? $"if ({value} >= {limit} || {value} <= -{limit}) throw {Helpers}.TooManyDigits(row, {index}, {value});"
                        : $"if ({value} is {{ }} d{index} && (d{index} >= {limit} || d{index} <= -{limit})) throw {Helpers}.TooManyDigits(row, {index}, d{index});");
                    break;
                case ValueCheck.Year1753:
                    w.Line(field.IsRequiredMember
                        ? $"if ({value}.Year < 1753) throw {Helpers}.DateOutOfRange(row, {index});"
                        : $"if ({value} is {{ }} d{index} && d{index}.Year < 1753) throw {Helpers}.DateOutOfRange(row, {index});");
                    break;
                case ValueCheck.None:
                case ValueCheck.Digits:
                    break;
                case ValueCheck.Text:
                    if (field.IsRequiredMember)
                    {
                        w.Line($"if ({value} is null) throw {Helpers}.RequiredValue(row, {index});");
                    }

                    if (field.MaxLength is { } max)
                    {
                        w.Line($"if ({value} is {{ Length: > {Int(max)} }}) throw {Helpers}.TooLong(row, {index}, {value}.Length);");
                    }

                    break;
            }
        }

        w.Close();
    }

    private static void EmitPrimaryKey(SourceWriter w, DataExtensionModel model, string contract)
    {
        w.Line();
        w.Line($"static {Client}.DataExtensionPrimaryKey {contract}.GetPrimaryKey({model.TypeName} row) => new {Client}.DataExtensionPrimaryKey(");
        var keys = model.Fields.Where(f => f.IsPrimaryKey).ToList();
        w.Indent();
        for (var i = 0; i < keys.Count; i++)
        {
            var separator = i == keys.Count - 1 ? "" : ",";
            w.Line($"new global::System.Collections.Generic.KeyValuePair<string, object?>({SourceWriter.Literal(keys[i].Name)}, row.{keys[i].PropertyName}){separator}");
        }

        w.Outdent();
        w.Line(");");
    }

    /// <summary>
    /// The writers build each row's JSON in a stack buffer through <c>DataExtensionRowJson</c>, with every property name
    /// escaped here at compile time (<c>"name":</c> as a UTF-8 literal), and hand it to the Utf8JsonWriter as one raw value.
    /// </summary>
    private static void EmitWriters(SourceWriter w, DataExtensionModel model, string contract)
    {
        var hasKeys = model.Fields.Any(f => f.IsPrimaryKey);
        w.Line();
        OpenRowJson(w, $"static void {contract}.WriteRowsetItem({Json}.Utf8JsonWriter writer, {model.TypeName} row)", $"{Helpers}.Validate(row);", model.Fields);
        w.Line("json.StartObject();");
        if (hasKeys)
        {
            w.Line("json.StartObject(" + Utf8Name("keys") + ");");
            EmitValues(w, model, primaryKey: true);
            w.Line("json.EndObject();");
        }

        w.Line("json.StartObject(" + Utf8Name("values") + ");");
        EmitValues(w, model, primaryKey: false);
        w.Line("json.EndObject();");
        w.Line("json.EndObject();");
        CloseRowJson(w);
        w.Line();
        OpenRowJson(w, $"static void {contract}.WriteObject({Json}.Utf8JsonWriter writer, {model.TypeName} row)", $"{Helpers}.Validate(row);", model.Fields);
        w.Line("json.StartObject();");
        EmitValues(w, model, primaryKey: null);
        w.Line("json.EndObject();");
        CloseRowJson(w);
        w.Line();
        w.Open($"static void {contract}.WriteCsv(ref {Client}.DataExtensionCsvRecord csv, {model.TypeName} row)");
        for (var i = 0; i < model.Fields.Count; i++)
        {
            w.Line($"csv.{CsvWrite(model.Fields[i])}({Int(i)}, row.{model.Fields[i].PropertyName});");
        }

        w.Close();
    }

    /// <summary>The <c>DataExtensionCsvRecord</c> setter for a field's C# type.</summary>
    private static string CsvWrite(FieldModel field) => ValueType(field) switch
    {
        "string" => "Text",
        "int" => "Int",
        "decimal" => "Decimal",
        "bool" => "Boolean",
        _ => "Date",
    };

    /// <summary>Opens a writer method: its first statement, then a row JSON buffer sized for the fields, then <c>try</c>.</summary>
    internal static void OpenRowJson(SourceWriter w, string signature, string firstStatement, System.Collections.Generic.IEnumerable<FieldModel> fields)
    {
        w.Open(signature);
        w.Line(firstStatement);
        w.Line($"var json = new {Client}.DataExtensionRowJson(stackalloc byte[{Int(StackBytes(fields))}]);");
        w.Open("try");
    }

    /// <summary>Hands the row to the writer and returns the buffer, closing what <see cref="OpenRowJson"/> opened.</summary>
    internal static void CloseRowJson(SourceWriter w)
    {
        w.Line("json.WriteTo(writer);");
        w.Close();
        w.Open("finally");
        w.Line("json.Dispose();");
        w.Close();
        w.Close();
    }

    /// <summary>A stack buffer that holds a typical row (texts at their MaxLength, ASCII); longer rows rent from the pool.</summary>
    internal static int StackBytes(System.Collections.Generic.IEnumerable<FieldModel> fields)
    {
        var bytes = 32;
        foreach (var field in fields)
        {
            bytes += JsonName(field.Name).Length + (FieldTypes.Of(field.Type).JsonBytes ?? (field.MaxLength ?? 100) + 3);
        }

        return Math.Min(Math.Max(bytes, 128), 1024);
    }

    private static void EmitValues(SourceWriter w, DataExtensionModel model, bool? primaryKey)
    {
        foreach (var field in model.Fields)
        {
            if (primaryKey is { } pk && field.IsPrimaryKey != pk)
            {
                continue;
            }

            w.Line(WriteField(field, "row"));
        }
    }

    /// <summary>One field's <c>json.Name(…); json.Value(…);</c>, skipped when the value is null.</summary>
    internal static string WriteField(FieldModel field, string owner)
    {
        var nullable = !field.IsRequiredMember;
        var value = owner + "." + field.PropertyName + (nullable && !IsReference(field) ? ".Value" : "");
        var write = $"json.{FieldTypes.Of(field.Type).JsonWrite}({value});";

        write = $"json.Name({Utf8Name(field.Name)}); {write}";

        // Null means "no value": it is not sent, so an upsert keeps the stored value and an insert gets the default.
        return nullable ? $"if ({owner}.{field.PropertyName} is not null) {{ {write} }}" : write;
    }

    /// <summary>
    /// <c>"name":</c> as a C# UTF-8 literal, escaped as System.Text.Json's default encoder does (printable ASCII except
    /// <c>" &amp; ' + &lt; &gt; \ `</c> as is, everything else as <c>\uXXXX</c>), so it can be copied verbatim.
    /// </summary>
    internal static string Utf8Name(string name) => SourceWriter.Literal(JsonName(name)) + "u8";

    private static string JsonName(string name)
    {
        var json = new StringBuilder("\"");
        foreach (var c in name)
        {
            if (c >= ' ' && c <= '~' && "\"&'+<>\\`".IndexOf(c) < 0)
            {
                json.Append(c);
            }
            else if (c == '\\')
            {
                json.Append("\\\\");
            }
            else
            {
                json.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
        }

        return json.Append("\":").ToString();
    }

    private static void EmitReader(SourceWriter w, DataExtensionModel model, string contract)
    {
        w.Line();
        w.Open($"static {model.TypeName} {contract}.Read(ref {Json}.Utf8JsonReader reader)");
        w.Open($"if (reader.TokenType != {Json}.JsonTokenType.StartObject)");
        w.Line($"throw new {Json}.JsonException(\"A row of data extension '\" + CustomerKey + \"' must be a JSON object, not \" + reader.TokenType + \".\");");
        w.Close();
        w.Line();
        for (var i = 0; i < model.Fields.Count; i++)
        {
            w.Line($"{ValueType(model.Fields[i])}? v{Int(i)} = default;");
        }

        w.Line("var depth = 0;");
        w.Line("int field;");
        w.Open($"while ((field = {Helpers}.ReadNextField(ref reader, Schema, ref depth)) >= 0)");
        w.Open("switch (field)");
        for (var i = 0; i < model.Fields.Count; i++)
        {
            var read = ReadMethod(model.Fields[i]);
            if (read == "ReadString" && !model.Fields[i].IsRequiredMember)
            {
                read = "ReadOptionalString"; // SFMC answers "" for "no value"
            }

            w.Line($"case {Int(i)}: v{Int(i)} = {Helpers}.{read}(ref reader, Schema, {Int(i)}); break;");
        }

        w.Close();
        w.Close();
        w.Line();
        for (var i = 0; i < model.Fields.Count; i++)
        {
            if (model.Fields[i].IsRequiredMember)
            {
                w.Line($"if (v{Int(i)} is null) throw {Helpers}.Missing(Schema, {Int(i)});");
            }
        }

        w.Open($"return new {model.TypeName}");
        for (var i = 0; i < model.Fields.Count; i++)
        {
            var field = model.Fields[i];
            var value = "v" + Int(i) + (field.IsRequiredMember && !IsReference(field) ? ".Value" : "");
            w.Line($"{field.PropertyName} = {value},");
        }

        w.Close(";");
        w.Close();
    }

    internal static string TypeOf(FieldModel field) => ValueType(field) + (field.IsRequiredMember ? "" : "?");

    private static string ValueType(FieldModel field) => FieldTypes.Of(field.Type).ClrType;

    private static bool IsReference(FieldModel field) => FieldTypes.Of(field.Type).IsReference;

    private static string ReadMethod(FieldModel field) => FieldTypes.Of(field.Type).ReadMethod;

    private static string Lengths(FieldModel field) => field switch
    {
        { MaxLength: { } p, Scale: { } s } when FieldTypes.Of(field.Type).Length == LengthRule.Precision => $"({Int(p)},{Int(s)})",
        { MaxLength: { } max } => $"({Int(max)})",
        _ => "",
    };

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string NullableInt(int? value) => value is { } v ? Int(v) : "null";

    private static string Bool(bool value) => value ? "true" : "false";
}
