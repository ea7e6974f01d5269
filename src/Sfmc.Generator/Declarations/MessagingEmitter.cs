using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Sfmc.Generator.Common;
using Sfmc.Generator.DataExtensions;
using Sfmc.Generator.DataExtensions.Model;
using Sfmc.Generator.Diagnostics;

namespace Sfmc.Generator.Declarations;

/// <summary>A triggered send or transactional definition with its attributes resolved against the project's DEs.</summary>
internal sealed record MessageToEmit(MessageModel Message, string Namespace, JourneyDataKind Kind, string DataType, string? DataExtensionName, EquatableArray<FieldModel> Fields);

/// <summary>The sends to emit, the MobileConnect messages, and what the cross-checks found.</summary>
internal sealed record MessagingResolution(EquatableArray<MessageToEmit> Messages, EquatableArray<MobileConnectModel> MobileConnect, EquatableArray<DiagnosticInfo> Diagnostics)
{
    public bool IsEmpty => Messages.Count == 0 && MobileConnect.Count == 0;
}

/// <summary>
/// Triggered sends, transactional email/SMS definitions and MobileConnect messages of sfmc.json → one class per send
/// definition (<c>OrderConfirmationTriggeredSend : TriggeredSend&lt;TAttributes&gt;</c>, <c>ReceiptEmail :
/// TransactionalDefinition&lt;TAttributes&gt;</c>) and one file of C# 14 extension properties, so that
/// <c>client.TriggeredSends.OrderConfirmation</c>, <c>client.Transactional.Receipt</c> and
/// <c>client.MobileConnect.Promo</c> read as declared. Also checks synchronized DEs against the project's DEs.
/// </summary>
internal static class MessagingEmitter
{
    private const string Client = KnownTypes.Client;
    private const string DictionaryType = "global::System.Collections.Generic.IReadOnlyDictionary<string, object?>?";

    public const string AccessorsHintName = "Messaging.g.cs";

    public static string HintName(MessageToEmit item) => "Messaging." + item.Message.ClassName + ".g.cs";

    /// <summary>Sends' DEs and attributes against the declared DEs, and synchronized DEs that no DE file declares; deterministic.</summary>
    public static MessagingResolution Resolve(DeclarationsModel? declarations, ImmutableArray<DataExtensionModel> dataExtensions, string dataExtensionNamespace)
    {
        if (declarations is null)
        {
            return new MessagingResolution(EquatableArray<MessageToEmit>.Empty, EquatableArray<MobileConnectModel>.Empty, EquatableArray<DiagnosticInfo>.Empty);
        }

        var byKey = JourneyEmitter.ByKey(dataExtensions);
        var @namespace = SfmcGenerator.Sibling(dataExtensionNamespace, "Messaging");
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
            var dataExtension = JourneyEmitter.FindDataExtension(declarations, byKey, message.DataExtension, message.DataExtensionLocation, what, diagnostics, writes);
            var readOnly = dataExtension is not null && declarations.IsSynchronized(dataExtension.CustomerKey);
            if (!message.DeclaresAttributes && !readOnly)
            {
                messages.Add(dataExtension is null
                    ? new MessageToEmit(message, @namespace, JourneyDataKind.Dictionary, DictionaryType, null, EquatableArray<FieldModel>.Empty)
                    : new MessageToEmit(message, @namespace, JourneyDataKind.Row, $"global::{dataExtensionNamespace}.{dataExtension.TypeName}", dataExtension.Name, EquatableArray<FieldModel>.Empty));
                continue;
            }

            var declared = message.DeclaresAttributes
                ? message.Attributes
                : dataExtension!.Fields.Select(f => new DeclaredFieldModel(f.Name, message.DataExtensionLocation!.Value, null, null)).ToEquatableArray();
            var fields = JourneyEmitter.ResolveFields(declared, dataExtension, what + " attribute", "Attributes", diagnostics);
            messages.Add(new MessageToEmit(message, @namespace, JourneyDataKind.Record, $"global::{@namespace}.{message.ClassName}.Attributes", dataExtension?.Name, fields));
        }

        return new MessagingResolution(messages.ToEquatableArray(), declarations.MobileConnect, diagnostics.ToEquatableArray());
    }

    private static string Describe(MessageKind kind) => kind switch
    {
        MessageKind.TriggeredSend => "Triggered send",
        MessageKind.TransactionalEmail => "Transactional email",
        _ => "Transactional SMS",
    };

    public static string Emit(MessageToEmit item)
    {
        var message = item.Message;
        var triggered = message.Kind == MessageKind.TriggeredSend;
        return JourneyEmitter.EmitClass(new JourneyEmitter.DeclaredClass(
            item.Namespace,
            $"{Describe(message.Kind)} <c>{SourceWriter.Xml(message.Name)}</c> (definition <c>{SourceWriter.Xml(message.DefinitionKey)}</c>).",
            message.Description,
            item.DataExtensionName is null ? "" : "; attributes of DE <c>" + SourceWriter.Xml(item.DataExtensionName) + "</c>",
            (triggered ? "client.TriggeredSends." : "client.Transactional.") + message.PropertyName,
            message.ClassName,
            triggered ? $"{Client}.TriggeredSend<{item.DataType}>" : $"{Client}.TransactionalDefinition<{item.DataType}>",
            "The definition's key, as declared.",
            "DefinitionKey",
            message.DefinitionKey,
            "the definition",
            triggered ? $"{Client}.TriggeredSendClient" : $"{Client}.TransactionalClient",
            triggered ? "sends" : "transactional",
            message.Kind switch { MessageKind.TriggeredSend => "sends", MessageKind.TransactionalEmail => "transactional.Email", _ => "transactional.Sms" },
            "WriteAttributes",
            "attributes",
            item.Kind,
            item.DataType,
            item.Fields,
            "Attributes",
            $"The attributes of <c>{SourceWriter.Xml(message.Name)}</c>. A null value is not sent.",
            "attribute"));
    }

    /// <summary>C# 14 extension properties: <c>client.TriggeredSends.X</c>, <c>client.Transactional.X</c>, <c>client.MobileConnect.X</c>.</summary>
    public static string EmitAccessors(MessagingResolution resolution)
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
            $"/// <summary>{Describe(item.Message.Kind)} <c>{SourceWriter.Xml(item.Message.Name)}</c> (see <see cref=\"global::{item.Namespace}.{item.Message.ClassName}\"/>).</summary>",
            $"public global::{item.Namespace}.{item.Message.ClassName} {item.Message.PropertyName} => new({parameter});",
        };
    }
}
