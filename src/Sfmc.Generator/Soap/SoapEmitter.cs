using System.Collections.Generic;
using System.Linq;
using Sfmc.Generator.Common;

namespace Sfmc.Generator.Soap;

/// <summary>
/// Emits one partial class per selected SOAP type (properties, SoapWriter/SoapReader code over UTF-8 names, static
/// facts, a nested class of typed filter properties) and one enum per enumeration. Pure functions of their inputs.
/// </summary>
internal static class SoapEmitter
{
    private const string SequenceEqual = "global::System.MemoryExtensions.SequenceEqual";
    private const string ListType = "global::System.Collections.Generic.List";

    public static string HintName(SoapTypeToEmit type) => "Soap." + type.Type.ClrName + ".g.cs";

    public static string HintName(SoapEnumToEmit model) => "Soap." + model.Enum.ClrName + ".g.cs";

    public static string Emit(SoapTypeToEmit model)
    {
        var type = model.Type;
        var ns = model.Options.Namespace;
        var self = $"global::{ns}.{type.ClrName}";
        var access = model.Options.Public ? "public" : "internal";
        var inherited = new HashSet<string>(model.InheritedMembers);
        var w = new SourceWriter();
        w.Line("#pragma warning disable CS0612, CS0618 // Deprecated WSDL members are [Obsolete] for callers, not for the serializer.");
        w.Line("namespace " + ns + ";");
        w.Line();
        w.Line("/// <summary>");
        w.Line($"/// The SFMC SOAP type <c>{type.Name}</c>." + (type.Documentation is { } doc ? " " + SourceWriter.Xml(doc) : ""));
        w.Line("/// </summary>");
        w.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"Sfmc.Generator\", \"1.0.0\")]");
        var modifiers = type.IsAbstract ? "abstract " : model.IsSealed ? "sealed " : "";
        var baseType = type.BaseName is { } b ? $"global::{ns}.{b}" : "global::Sfmc.Client.Soap.SoapObject";
        w.Open($"{access} {modifiers}partial class {type.ClrName} : {baseType}, global::Sfmc.Client.Soap.ISoapObject<{self}>");

        EmitStatics(w, model, self);
        foreach (var member in type.Members)
        {
            EmitProperty(w, member, ns, inherited.Contains(member.ClrName));
        }

        EmitWrite(w, model, ns);
        EmitRead(w, model, ns);
        EmitPropertyClass(w, model, ns, inherited);
        w.Close();
        return w.ToString();
    }

    public static string Emit(SoapEnumToEmit model)
    {
        var e = model.Enum;
        var ns = model.Options.Namespace;
        var access = model.Options.Public ? "public" : "internal";
        var w = new SourceWriter();
        w.Line("namespace " + ns + ";");
        w.Line();
        w.Line($"/// <summary>The SFMC SOAP enumeration <c>{e.Name}</c>." + (e.Documentation is { } doc ? " " + SourceWriter.Xml(doc) : "") + "</summary>");
        w.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"Sfmc.Generator\", \"1.0.0\")]");
        w.Open($"{access} enum {e.ClrName}");
        foreach (var value in e.Values)
        {
            w.Line($"/// <summary><c>{SourceWriter.Xml(value.XmlValue)}</c></summary>");
            w.Line(EnumMember(e, value) + ",");
        }

        w.Close();
        w.Line();
        w.Line("/// <summary>Wire text of SOAP enumerations.</summary>");
        w.Open("internal static partial class SoapEnums");
        w.Line($"/// <summary>The wire text of a <see cref=\"{e.ClrName}\"/>.</summary>");
        w.Open($"public static string Format(global::{ns}.{e.ClrName} value) => value switch");
        foreach (var value in e.Values)
        {
            w.Line($"global::{ns}.{e.ClrName}.{EnumMember(e, value)} => {SourceWriter.Literal(value.XmlValue)},");
        }

        w.Line("_ => throw new global::System.ArgumentOutOfRangeException(nameof(value)),");
        w.Close(";");
        w.Line();
        w.Line($"/// <summary>The <see cref=\"{e.ClrName}\"/> for wire text; null for a value this WSDL does not know.</summary>");
        w.Open($"public static global::{ns}.{e.ClrName}? Parse{e.ClrName}(string value) => value switch");
        foreach (var value in e.Values)
        {
            w.Line($"{SourceWriter.Literal(value.XmlValue)} => global::{ns}.{e.ClrName}.{EnumMember(e, value)},");
        }

        w.Line("_ => null,");
        w.Close(";");
        w.Line();
        w.Line($"/// <summary>The <see cref=\"{e.ClrName}\"/> for UTF-8 wire text; null for a value this WSDL does not know.</summary>");
        w.Open($"public static global::{ns}.{e.ClrName}? Parse{e.ClrName}(global::System.ReadOnlySpan<byte> value)");
        foreach (var group in e.Values.GroupBy(v => System.Text.Encoding.UTF8.GetByteCount(v.XmlValue)).OrderBy(g => g.Key))
        {
            w.Open($"if (value.Length == {group.Key})");
            foreach (var value in group)
            {
                w.Open($"if ({SequenceEqual}(value, {Utf8(value.XmlValue)}))");
                w.Line($"return global::{ns}.{e.ClrName}.{EnumMember(e, value)};");
                w.Close();
            }

            w.Close();
        }

        w.Line("return null;");
        w.Close();
        w.Close();
        return w.ToString();
    }

    private static string EnumMember(SoapEnumModel e, SoapEnumValue value) => value.ClrName == e.ClrName ? value.ClrName + "Value" : value.ClrName;

    private static void EmitStatics(SourceWriter w, SoapTypeToEmit model, string self)
    {
        var type = model.Type;
        var contract = $"global::Sfmc.Client.Soap.ISoapObject<{self}>";
        w.Line("private static readonly string[] __sfmcDefaultRetrieveProperties = [" + string.Join(", ", model.DefaultProperties.Select(SourceWriter.Literal)) + "];");
        w.Line();
        w.Line($"static string {contract}.SoapObjectType => {SourceWriter.Literal(type.Name)};");
        w.Line();
        w.Line($"static global::System.Collections.Generic.IReadOnlyList<string> {contract}.DefaultRetrieveProperties => __sfmcDefaultRetrieveProperties;");
        w.Line();
        w.Open($"static {self}? {contract}.CreateForXsiType(string? xsiType) => xsiType switch");
        foreach (var derived in model.CreatableDerived)
        {
            w.Line($"{SourceWriter.Literal(derived)} => new global::{model.Options.Namespace}.{derived}(),");
        }

        w.Line(type.IsAbstract ? "_ => null," : $"_ => new {self}(),");
        w.Close(";");
        w.Line();
        w.Line("/// <inheritdoc />");
        w.Line($"protected override string SoapTypeName => {SourceWriter.Literal(type.Name)};");
    }

    private static void EmitProperty(SourceWriter w, SoapMemberModel member, string ns, bool hides)
    {
        w.Line();
        w.Line("/// <summary>" + (member.Documentation is { } doc ? SourceWriter.Xml(doc) : $"The <c>{member.XmlName}</c> element.") + "</summary>");
        if (member.Obsolete is { } obsolete)
        {
            w.Line($"[global::System.Obsolete({SourceWriter.Literal(obsolete)})]");
        }

        var modifier = hides ? "public new " : "public ";
        if (member.IsList)
        {
            var field = Field(member);
            var listType = $"{ListType}<{ItemType(member, ns)}>";
            w.Line($"{modifier}{listType} {member.ClrName} {{ get => {field} ??= new(); set => {field} = value; }}");
            w.Line();
            w.Line($"private {listType}? {field};");
        }
        else
        {
            w.Line($"{modifier}{ItemType(member, ns)}? {member.ClrName} {{ get; set; }}");
        }
    }

    private static string Field(SoapMemberModel member) => "__" + member.ClrName.TrimStart('@');

    private static string ItemType(SoapMemberModel member, string ns) => member.Kind switch
    {
        SoapMemberKind.Scalar => member.TypeName,
        _ => $"global::{ns}.{member.TypeName}",
    };

    private static void EmitWrite(SourceWriter w, SoapTypeToEmit model, string ns)
    {
        w.Line();
        w.Line("/// <inheritdoc />");
        w.Open("protected override void WriteSoapElements(global::Sfmc.Client.Soap.SoapWriter writer)");
        if (model.Type.BaseName is not null)
        {
            w.Line("base.WriteSoapElements(writer);");
        }

        foreach (var member in model.Type.Members)
        {
            var name = Utf8(member.XmlName);
            if (!member.IsList)
            {
                w.Line(WriteValue(member, ns, name, "this." + member.ClrName));
                continue;
            }

            var field = "this." + Field(member);
            if (member.ItemName is { } itemName)
            {
                w.Open($"if ({field} is {{ Count: > 0 }})");
                w.Line($"writer.WriteStartElement({name});");
                w.Open($"foreach (var item in {field})");
                w.Line(WriteValue(member, ns, Utf8(itemName), "item"));
                w.Close();
                w.Line($"writer.WriteEndElement({name});");
                w.Close();
            }
            else
            {
                w.Open($"if ({field} is not null)");
                w.Open($"foreach (var item in {field})");
                w.Line(WriteValue(member, ns, name, "item"));
                w.Close();
                w.Close();
            }
        }

        w.Close();
    }

    private static string WriteValue(SoapMemberModel member, string ns, string name, string value) => member.Kind switch
    {
        SoapMemberKind.Object => $"writer.WriteObject({name}, {value}, {SourceWriter.Literal(member.TypeName)});",
        SoapMemberKind.Enum => $"writer.WriteElement({name}, {value} is {{ }} __{member.ClrName}Value ? global::{ns}.SoapEnums.Format(__{member.ClrName}Value) : null);",
        _ => $"writer.WriteElement({name}, {value});",
    };

    /// <summary>
    /// Element names are compared as UTF-8 (<c>"Name"u8</c>), grouped by length so most candidates are ruled out by one
    /// comparison; a name this type does not have goes to the base type.
    /// </summary>
    private static void EmitRead(SourceWriter w, SoapTypeToEmit model, string ns)
    {
        w.Line();
        w.Line("/// <inheritdoc />");
        w.Open("protected override bool ReadSoapElement(global::Sfmc.Client.Soap.SoapReader reader)");
        var seen = new HashSet<string>();
        var members = model.Type.Members.Where(m => seen.Add(m.XmlName)).ToList();
        if (members.Count > 0)
        {
            w.Line("var __name = reader.LocalName;");
            w.Open("switch (__name.Length)");
            foreach (var group in members.GroupBy(m => System.Text.Encoding.UTF8.GetByteCount(m.XmlName)).OrderBy(g => g.Key))
            {
                w.Line($"case {group.Key}:");
                w.Indent();
                foreach (var member in group)
                {
                    w.Open($"if ({SequenceEqual}(__name, {Utf8(member.XmlName)}))");
                    var read = ReadValue(member, ns, "reader");
                    if (!member.IsList)
                    {
                        w.Line($"this.{member.ClrName} = {read};");
                    }
                    else if (member.ItemName is { } itemName)
                    {
                        var helper = member.Kind == SoapMemberKind.Object || member.TypeName == "string" ? "ReadWrapped" : "ReadWrappedValues";
                        w.Line($"reader.{helper}({Utf8(itemName)}, this.{member.ClrName}, static r => {ReadValue(member, ns, "r")});");
                    }
                    else
                    {
                        w.Line($"if ({read} is {{ }} __{member.ClrName}Item) this.{member.ClrName}.Add(__{member.ClrName}Item);");
                    }

                    w.Line("return true;");
                    w.Close();
                    w.Line();
                }

                w.Line("break;");
                w.Outdent();
            }

            w.Close();
        }

        w.Line(model.Type.BaseName is not null ? "return base.ReadSoapElement(reader);" : "return false;");
        w.Close();
    }

    private static string ReadValue(SoapMemberModel member, string ns, string reader) => member.Kind switch
    {
        SoapMemberKind.Object => $"{reader}.ReadObject<global::{ns}.{member.TypeName}>()",
        SoapMemberKind.Enum => $"({reader}.ReadValue(out var __{member.ClrName}Text) ? global::{ns}.SoapEnums.Parse{member.TypeName}(__{member.ClrName}Text) : null)",
        _ => member.TypeName switch
        {
            "string" => $"{reader}.ReadString()",
            "int" => $"{reader}.ReadInt32()",
            "long" => $"{reader}.ReadInt64()",
            "short" => $"{reader}.ReadInt16()",
            "sbyte" => $"{reader}.ReadSByte()",
            "byte" => $"{reader}.ReadByte()",
            "bool" => $"{reader}.ReadBoolean()",
            "double" => $"{reader}.ReadDouble()",
            "float" => $"{reader}.ReadSingle()",
            "decimal" => $"{reader}.ReadDecimal()",
            _ => $"{reader}.ReadDateTime()",
        },
    };

    /// <summary>A UTF-8 string literal (<c>"Name"u8</c>).</summary>
    private static string Utf8(string text) => SourceWriter.Literal(text) + "u8";

    private static void EmitPropertyClass(SourceWriter w, SoapTypeToEmit model, string ns, HashSet<string> inherited)
    {
        var type = model.Type;
        var name = model.PropertyClassName;
        var hides = inherited.Contains(name) ? "new " : "";
        var baseClass = model.BasePropertyClassName is { } b ? $" : global::{ns}.{type.BaseName}.{b}" : "";
        var inheritedFilters = new HashSet<string>(model.InheritedFilterNames);
        w.Line();
        w.Line($"/// <summary>Typed properties of <c>{type.Name}</c> for Retrieve filters and property lists (a misspelled name does not compile).</summary>");
        w.Open($"public {hides}abstract class {name}{baseClass}");
        w.Line("/// <summary>Not instantiated: a holder of static properties that derived types extend.</summary>");
        w.Line($"protected {name}()");
        w.Line("{");
        w.Line("}");
        foreach (var member in type.Members.Where(SoapSelection.IsFilterable))
        {
            if (member.ClrName == name)
            {
                continue;
            }

            var valueType = ItemType(member, ns);
            var format = member.Kind == SoapMemberKind.Enum ? $", static value => global::{ns}.SoapEnums.Format(value)" : "";
            var memberHides = inheritedFilters.Contains(member.ClrName) ? "new " : "";
            w.Line();
            w.Line($"/// <summary><c>{member.XmlName}</c></summary>");
            if (member.Obsolete is { } obsolete)
            {
                w.Line($"[global::System.Obsolete({SourceWriter.Literal(obsolete)})]");
            }

            w.Line($"public static {memberHides}global::Sfmc.Client.Soap.SoapProperty<{valueType}> {member.ClrName} {{ get; }} = new({SourceWriter.Literal(member.XmlName)}{format});");
        }

        w.Close();
    }
}
