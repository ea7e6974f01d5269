using System;
using System.Collections.Frozen;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace Sfmc.Emulator;

/// <summary>
/// What the emulated tenant has, built once at start from <see cref="SfmcEmulatorOptions"/> and the declaration files
/// (<c>sfmc.json</c>) and never changed after: journeys' event definition keys, definitions with their status,
/// MobileConnect messages, synchronized (read-only) DEs, inactive contacts, undeliverable addresses. The caller's
/// options are read, not edited. Where the options name a status for a declared definition, the options win.
/// </summary>
internal sealed class EmulatorTenant
{
    private EmulatorTenant(SfmcEmulatorOptions options, EmulatorDeclarations declared)
    {
        JourneyKeys = options.JourneyEventDefinitionKeys.Concat(declared.JourneyKeys).ToFrozenSet(StringComparer.Ordinal);
        InactiveContactKeys = options.InactiveContactKeys.ToFrozenSet(StringComparer.Ordinal);
        TriggeredSendDefinitions = WithDeclared(options.TriggeredSendDefinitions, declared.TriggeredSendKeys);
        MessageDefinitions = WithDeclared(options.MessageDefinitions, declared.TransactionalEmailKeys.Concat(declared.TransactionalSmsKeys));
        MobileConnectMessages = options.MobileConnectMessages.Concat(declared.MobileConnectMessageIds).ToFrozenSet(StringComparer.Ordinal);
        ReadOnlyDataExtensions = options.ReadOnlyDataExtensions.Concat(declared.SynchronizedDataExtensions).ToFrozenSet(StringComparer.Ordinal);
        UndeliverableAddresses = options.UndeliverableAddresses.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>EventDefinitionKeys of the tenant's API entry events.</summary>
    public FrozenSet<string> JourneyKeys { get; }

    /// <summary>The SFTP root the emulator reads imports from (<see cref="SfmcEmulatorOptions.FileTransferRoot"/>).</summary>
    public string? FileTransferRoot { get; private init; }

    /// <summary>How long an import stays Processing (<see cref="SfmcEmulatorOptions.AsyncProcessingDelay"/>).</summary>
    public TimeSpan ImportDelay { get; private init; }

    /// <summary>Contacts whose journey entries are refused.</summary>
    public FrozenSet<string> InactiveContactKeys { get; }

    /// <summary>Triggered send definitions (key → status); empty: any key is accepted.</summary>
    public FrozenDictionary<string, string> TriggeredSendDefinitions { get; }

    /// <summary>Transactional email/SMS definitions (key → status); empty: any key is accepted.</summary>
    public FrozenDictionary<string, string> MessageDefinitions { get; }

    /// <summary>MobileConnect message ids; empty: any id is accepted.</summary>
    public FrozenSet<string> MobileConnectMessages { get; }

    /// <summary>Keys of synchronized (Marketing Cloud Connect) DEs: read-only.</summary>
    public FrozenSet<string> ReadOnlyDataExtensions { get; }

    /// <summary>Addresses (email or mobile) whose messages end NotSent.</summary>
    public FrozenSet<string> UndeliverableAddresses { get; }

    /// <summary>The tenant of <paramref name="options"/>; a broken declaration file is an <see cref="InvalidDataException"/> naming it.</summary>
    public static EmulatorTenant Build(SfmcEmulatorOptions options) => new(options, EmulatorDeclarations.Load(options.DeclarationFiles)) { FileTransferRoot = options.FileTransferRoot, ImportDelay = options.AsyncProcessingDelay };

    /// <summary>Declared definitions are Active unless <paramref name="explicitStatus"/> says otherwise.</summary>
    private static FrozenDictionary<string, string> WithDeclared(IDictionary<string, string> explicitStatus, IEnumerable<string> declared)
    {
        var all = new Dictionary<string, string>(explicitStatus, StringComparer.Ordinal);
        foreach (var key in declared)
        {
            all.TryAdd(key, "Active");
        }

        return all.ToFrozenDictionary(StringComparer.Ordinal);
    }
}

/// <summary>
/// What the tenant has according to <c>sfmc.json</c> files (the same files the generator reads): journeys'
/// eventDefinitionKeys, triggered send and transactional definition keys (declared, hence Active), MobileConnect
/// message ids and synchronized (read-only) DE keys.
/// </summary>
internal sealed record EmulatorDeclarations(
    IReadOnlyList<string> JourneyKeys,
    IReadOnlyList<string> TriggeredSendKeys,
    IReadOnlyList<string> TransactionalEmailKeys,
    IReadOnlyList<string> TransactionalSmsKeys,
    IReadOnlyList<string> MobileConnectMessageIds,
    IReadOnlyList<string> SynchronizedDataExtensions)
{
    public static EmulatorDeclarations Load(IEnumerable<string> paths)
    {
        var documents = new List<JsonDocument>();
        try
        {
            foreach (var path in paths)
            {
                documents.Add(Parse(path));
            }

            List<string> Values(string section, string? property) => documents
                .SelectMany(d => d.RootElement.ValueKind == JsonValueKind.Object && d.RootElement.TryGetProperty(section, out var items) && items.ValueKind == JsonValueKind.Array ? items.EnumerateArray() : Enumerable.Empty<JsonElement>())
                .Select(item => property is null ? item : item.ValueKind == JsonValueKind.Object && item.TryGetProperty(property, out var value) ? value : default)
                .Where(value => value.ValueKind == JsonValueKind.String)
                .Select(value => value.GetString()!)
                .ToList();

            return new EmulatorDeclarations(
                Values("journeys", "eventDefinitionKey"),
                Values("triggeredSends", "definitionKey"),
                Values("transactionalEmails", "definitionKey"),
                Values("transactionalSms", "definitionKey"),
                Values("mobileConnectMessages", "messageId"),
                Values("synchronizedDataExtensions", null));
        }
        finally
        {
            documents.ForEach(d => d.Dispose());
        }
    }

    /// <summary>A declarations file, or an <see cref="InvalidDataException"/> naming the file and the position of the error.</summary>
    private static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            var position = ex.LineNumber is { } line ? $"({line + 1},{(ex.BytePositionInLine ?? 0) + 1})" : "";
            throw new InvalidDataException($"{path}{position}: the declarations file is not valid JSON. {ex.Message}", ex);
        }
    }
}
