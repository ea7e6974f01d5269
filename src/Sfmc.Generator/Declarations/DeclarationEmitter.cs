using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Sfmc.Generator.Common;
using Sfmc.Generator.DataExtensions;
using Sfmc.Generator.DataExtensions.Model;
using Sfmc.Generator.Declarations.Model;

namespace Sfmc.Generator.Declarations;

/// <summary>
/// Declared items → source: one class per journey (<c>WelcomeJourney : Journey&lt;TData&gt;</c>), per triggered send
/// and per transactional definition, all written by <see cref="EmitClass"/> from a <see cref="DeclaredClassSpec"/>;
/// and two files of C# 14 extension properties (<c>client.Journeys.Welcome</c>, <c>client.TriggeredSends.X</c>,
/// <c>client.Transactional.X</c>, <c>client.MobileConnect.X</c>).
/// </summary>
internal static class DeclarationEmitter
{
    private const string Client = KnownTypes.Client;

    public const string JourneyAccessorsHintName = "Journeys.g.cs";

    public const string MessagingAccessorsHintName = "Messaging.g.cs";

    public static string HintName(JourneyToEmit journey) => "Journeys." + journey.Journey.ClassName + ".g.cs";

    public static string HintName(MessageToEmit item) => "Messaging." + item.Message.ClassName + ".g.cs";

    public static string EmitJourney(JourneyToEmit item)
    {
        var journey = item.Journey;
        return EmitClass(new DeclaredClassSpec
        {
            Namespace = item.Namespace,
            Summary = $"Journey <c>{SourceWriter.Xml(journey.Name)}</c>, entered through the API event <c>{SourceWriter.Xml(journey.EventDefinitionKey)}</c>.",
            Description = journey.Description,
            RemarksDetail = item.EntryName is null ? "" : "; entry DE <c>" + SourceWriter.Xml(item.EntryName) + "</c>",
            Accessor = "client.Journeys." + journey.PropertyName,
            ClassName = journey.ClassName,
            BaseType = $"{Client}.Journey<{item.DataType}>",
            KeySummary = "The entry event's EventDefinitionKey, as declared.",
            KeyConstant = "EventDefinitionKey",
            Key = journey.EventDefinitionKey,
            What = "the journey",
            ClientType = $"{Client}.JourneyClient",
            ConstructorParameter = "journeys",
            BaseArgument = "journeys",
            WriterName = "WriteData",
            WriterParameter = "data",
            Kind = item.Kind,
            DataType = item.DataType,
            Fields = item.Fields,
            RecordName = "Data",
            RecordSummary = $"The entry event data of journey <c>{SourceWriter.Xml(journey.Name)}</c>. A null value is not sent.",
            FieldNoun = "field",
        });
    }

    public static string EmitMessage(MessageToEmit item)
    {
        var message = item.Message;
        var triggered = message.Kind == MessageKind.TriggeredSend;
        return EmitClass(new DeclaredClassSpec
        {
            Namespace = item.Namespace,
            Summary = $"{DeclarationResolver.Describe(message.Kind)} <c>{SourceWriter.Xml(message.Name)}</c> (definition <c>{SourceWriter.Xml(message.DefinitionKey)}</c>).",
            Description = message.Description,
            RemarksDetail = item.DataExtensionName is null ? "" : "; attributes of DE <c>" + SourceWriter.Xml(item.DataExtensionName) + "</c>",
            Accessor = (triggered ? "client.TriggeredSends." : "client.Transactional.") + message.PropertyName,
            ClassName = message.ClassName,
            BaseType = triggered ? $"{Client}.TriggeredSend<{item.DataType}>" : $"{Client}.TransactionalDefinition<{item.DataType}>",
            KeySummary = "The definition's key, as declared.",
            KeyConstant = "DefinitionKey",
            Key = message.DefinitionKey,
            What = "the definition",
            ClientType = triggered ? $"{Client}.TriggeredSendClient" : $"{Client}.TransactionalClient",
            ConstructorParameter = triggered ? "sends" : "transactional",
            BaseArgument = message.Kind switch { MessageKind.TriggeredSend => "sends", MessageKind.TransactionalEmail => "transactional.Email", _ => "transactional.Sms" },
            WriterName = "WriteAttributes",
            WriterParameter = "attributes",
            Kind = item.Kind,
            DataType = item.DataType,
            Fields = item.Fields,
            RecordName = "Attributes",
            RecordSummary = $"The attributes of <c>{SourceWriter.Xml(message.Name)}</c>. A null value is not sent.",
            FieldNoun = "attribute",
        });
    }

    /// <summary>C# 14 extension properties: <c>client.TriggeredSends.X</c>, <c>client.Transactional.X</c>, <c>client.MobileConnect.X</c>.</summary>
    public static string EmitMessagingAccessors(MessagingResolution resolution)
    {
        var w = new SourceWriter();
        w.Line("namespace Sfmc.Client;");
        w.Line();
        w.Line("/// <summary>The sends and messages declared in <c>sfmc.json</c>, as members of their clients.</summary>");
        w.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"Sfmc.Generator\", \"1.0.0\")]");
        w.Open("internal static class DeclaredMessages");
        var first = true;
        void Block(string receiver, IEnumerable<string[]> members)
        {
            var list = members.ToList();
            if (list.Count == 0)
            {
                return;
            }

            if (!first)
            {
                w.Line();
            }

            first = false;
            w.Open($"extension({receiver})");
            for (var i = 0; i < list.Count; i++)
            {
                if (i > 0)
                {
                    w.Line();
                }

                w.Line(list[i][0]);
                w.Line(list[i][1]);
            }

            w.Close();
        }

        Block($"{Client}.TriggeredSendClient sends", resolution.Messages.Where(m => m.Message.Kind == MessageKind.TriggeredSend).Select(Member));
        Block($"{Client}.TransactionalClient transactional", resolution.Messages.Where(m => m.Message.Kind != MessageKind.TriggeredSend).Select(Member));
        Block($"{Client}.MobileConnectClient mobileConnect", resolution.MobileConnect.Select(m => new[]
        {
            $"/// <summary>MobileConnect message <c>{SourceWriter.Xml(m.Name)}</c> (id <c>{SourceWriter.Xml(m.MessageId)}</c>, keyword <c>{SourceWriter.Xml(m.Keyword)}</c>).</summary>",
            $"public {Client}.MobileConnectMessage {m.PropertyName} => new(mobileConnect, {SourceWriter.Literal(m.MessageId)}, {SourceWriter.Literal(m.Keyword)});",
        }));
        w.Close();
        return w.ToString();
    }

    private static string[] Member(MessageToEmit item)
    {
        var parameter = item.Message.Kind == MessageKind.TriggeredSend ? "sends" : "transactional";
        return new[]
        {
            $"/// <summary>{DeclarationResolver.Describe(item.Message.Kind)} <c>{SourceWriter.Xml(item.Message.Name)}</c> (see <see cref=\"global::{item.Namespace}.{item.Message.ClassName}\"/>).</summary>",
            $"public global::{item.Namespace}.{item.Message.ClassName} {item.Message.PropertyName} => new({parameter});",
        };
    }

    /// <summary>
    /// The class of a declared item: its key constant, a constructor binding it to a client, and the writer of its data
    /// as a name → value map, the DE's row or a generated record.
    /// </summary>
    internal static string EmitClass(DeclaredClassSpec c)
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
            case DeclaredDataKind.Dictionary:
                w.Line($"{signature} => {Client}.JourneyClient.WriteDictionary(writer, {c.WriterParameter});");
                break;
            case DeclaredDataKind.Row:
                w.Line($"{signature} => {Client}.DataExtensionJson.WriteObject(writer, {c.WriterParameter});");
                break;
            default:
                EmitRecord(w, c, signature);
                break;
        }

        w.Close();
        return w.ToString();
    }

    private static void EmitRecord(SourceWriter w, DeclaredClassSpec c, string signature)
    {
        OpenRowJson(w, signature, $"global::System.ArgumentNullException.ThrowIfNull({c.WriterParameter});", c.Fields);
        w.Line("json.StartObject();");
        foreach (var field in c.Fields)
        {
            w.Line(WriteField(field, c.WriterParameter));
        }

        w.Line("json.EndObject();");
        CloseRowJson(w);
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
    public static string EmitJourneyAccessors(EquatableArray<JourneyToEmit> journeys)
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

    /// <summary>Opens a writer method: its first statement, then a row JSON buffer sized for the fields, then <c>try</c>.</summary>
    private static void OpenRowJson(SourceWriter w, string signature, string firstStatement, IEnumerable<FieldModel> fields)
    {
        w.Open(signature);
        w.Line(firstStatement);
        w.Line($"var json = new {Client}.DataExtensionRowJson(stackalloc byte[{Int(StackBytes(fields))}]);");
        w.Open("try");
    }

    /// <summary>Hands the row to the writer and returns the buffer, closing what <see cref="OpenRowJson"/> opened.</summary>
    private static void CloseRowJson(SourceWriter w)
    {
        w.Line("json.WriteTo(writer);");
        w.Close();
        w.Open("finally");
        w.Line("json.Dispose();");
        w.Close();
        w.Close();
    }

    /// <summary>A stack buffer that holds a typical row (texts at their MaxLength, ASCII); longer rows rent from the pool.</summary>
    private static int StackBytes(IEnumerable<FieldModel> fields)
    {
        var bytes = 32;
        foreach (var field in fields)
        {
            bytes += JsonName(field.Name).Length + (FieldTypes.Of(field.Type).JsonBytes ?? (field.MaxLength ?? 100) + 3);
        }

        return Math.Min(Math.Max(bytes, 128), 1024);
    }

    /// <summary>One field's <c>json.Name(…); json.Value(…);</c>, skipped when the value is null.</summary>
    private static string WriteField(FieldModel field, string owner)
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
    private static string Utf8Name(string name) => SourceWriter.Literal(JsonName(name)) + "u8";

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

    private static bool IsReference(FieldModel field) => FieldTypes.Of(field.Type).IsReference;

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
