using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Sfmc.Emulator;

/// <summary>
/// SFMC's folder tree (SOAP <c>DataFolder</c>) per business unit: each MID has a root folder per content type
/// (<c>ParentFolder.ID</c> 0, <c>Client.ID</c> the MID), made the first time that content type is asked for, and the
/// folders created under them with SOAP Create. Stored with the SOAP objects (type DataFolder, keyed by ID), so a
/// file-backed emulator keeps them.
/// </summary>
internal sealed class EmulatorFolders(EmulatorStore store, Func<string> now)
{
    private const string Type = "DataFolder";

    /// <summary>Root folder names as a tenant shows them; other content types get their own name as the root's.</summary>
    private static readonly Dictionary<string, string> RootNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["dataextension"] = "Data Extensions",
        ["shared_dataextension"] = "Shared Data Extensions",
        ["salesforcedataextension"] = "Salesforce Data Extensions",
        ["shared_salesforcedataextension"] = "Shared Salesforce Data Extensions",
        ["synchronizeddataextension"] = "Synchronized Data Extensions",
        ["shared_data"] = "Shared Data",
        ["hidden"] = "Hidden",
        ["email"] = "my emails",
        ["asset"] = "Content Builder",
        ["list"] = "my lists",
        ["triggered_send"] = "my triggered sends",
        ["automations"] = "my automations",
        ["queryactivity"] = "Query",
    };

    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The folders of a business unit, after making sure each named content type has its root.</summary>
    public async Task<List<Dictionary<string, string?>>> ListAsync(string accountId, IEnumerable<string> contentTypes, CancellationToken cancellationToken) =>
        (await EnsureRootsAsync(accountId, contentTypes, cancellationToken))
            .Where(f => f.GetValueOrDefault("Client.ID") == accountId)
            .ToList();

    /// <summary>The ID of a business unit's root folder of a content type (made if missing).</summary>
    public async Task<string> RootIdAsync(string accountId, string contentType, CancellationToken cancellationToken) =>
        RootId(await ListAsync(accountId, [contentType], cancellationToken), accountId, contentType);

    /// <summary>The ID of the root folder of a content type among a business unit's folders (from <see cref="ListAsync"/> with that content type).</summary>
    public static string RootId(IEnumerable<Dictionary<string, string?>> folders, string accountId, string contentType) =>
        folders.First(f => IsRoot(f, accountId, contentType))["ID"]!;

    /// <summary>The folder with this ID in this business unit, or null.</summary>
    public async Task<Dictionary<string, string?>?> FindAsync(string accountId, string id, CancellationToken cancellationToken) =>
        (await store.ReadSoapObjectsAsync(Type, cancellationToken, id)).FirstOrDefault(f => f.GetValueOrDefault("Client.ID") == accountId);

    /// <summary>SOAP Create DataFolder: under an existing folder of the same business unit; the ID is the new folder's.</summary>
    public async Task<(string? Error, int Id)> CreateAsync(string accountId, string? name, string? customerKey, string? description, string? contentType, string? parentId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return ("A DataFolder needs a Name.", 0);
        }

        if (parentId is null || await FindAsync(accountId, parentId, cancellationToken) is not { } parent)
        {
            return ($"The parent folder '{parentId}' does not exist in business unit {accountId}.", 0);
        }

        if (contentType is not null && !string.Equals(contentType, parent.GetValueOrDefault("ContentType"), StringComparison.OrdinalIgnoreCase))
        {
            return ($"A '{contentType}' folder cannot be created in a '{parent.GetValueOrDefault("ContentType")}' folder.", 0);
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var folders = await store.ReadSoapObjectsAsync(Type, cancellationToken);
            if (folders.Any(f => f.GetValueOrDefault("ParentFolder.ID") == parentId && string.Equals(f.GetValueOrDefault("Name"), name, StringComparison.OrdinalIgnoreCase)))
            {
                return ($"A folder named '{name}' already exists in this folder.", 0);
            }

            var id = NextId(folders);
            await SaveAsync(id, accountId, name, customerKey ?? Guid.NewGuid().ToString(), description, parent.GetValueOrDefault("ContentType")!, parent, editable: true, cancellationToken);
            return (null, id);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Makes the missing roots; returns every folder (all business units), those just made included.</summary>
    private async Task<List<Dictionary<string, string?>>> EnsureRootsAsync(string accountId, IEnumerable<string> contentTypes, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var folders = await store.ReadSoapObjectsAsync(Type, cancellationToken);
            foreach (var contentType in contentTypes.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (!folders.Any(f => IsRoot(f, accountId, contentType)))
                {
                    var name = RootNames.GetValueOrDefault(contentType) ?? contentType;
                    folders.Add(await SaveAsync(NextId(folders), accountId, name, $"{contentType.ToLowerInvariant()}_default", name, contentType.ToLowerInvariant(), parent: null, editable: false, cancellationToken));
                }
            }

            return folders;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static int NextId(List<Dictionary<string, string?>> folders) =>
        folders.Select(f => int.Parse(f["ID"]!, CultureInfo.InvariantCulture)).DefaultIfEmpty(100).Max() + 1;

    private async Task<Dictionary<string, string?>> SaveAsync(int id, string accountId, string name, string customerKey, string? description, string contentType, Dictionary<string, string?>? parent, bool editable, CancellationToken cancellationToken)
    {
        var key = id.ToString(CultureInfo.InvariantCulture);
        var stamp = now();
        var folder = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["ID"] = key,
            ["ObjectID"] = new Guid(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes("folder/" + key))).ToString(),
            ["CustomerKey"] = customerKey,
            ["Name"] = name,
            ["Description"] = description ?? "",
            ["ContentType"] = contentType,
            ["IsActive"] = "true",
            ["IsEditable"] = editable ? "true" : "false",
            ["AllowChildren"] = "true",
            ["CreatedDate"] = stamp,
            ["ModifiedDate"] = stamp,
            ["Client.ID"] = accountId,
            ["ParentFolder.ID"] = parent?.GetValueOrDefault("ID") ?? "0",
            ["ParentFolder.CustomerKey"] = parent?.GetValueOrDefault("CustomerKey"),
            ["ParentFolder.Name"] = parent?.GetValueOrDefault("Name"),
            ["ParentFolder.ObjectID"] = parent?.GetValueOrDefault("ObjectID"),
        };
        await store.SaveSoapObjectsAsync(Type, [(key, folder)], cancellationToken);
        return folder;
    }

    private static bool IsRoot(Dictionary<string, string?> folder, string accountId, string contentType) =>
        folder.GetValueOrDefault("Client.ID") == accountId
        && folder.GetValueOrDefault("ParentFolder.ID") == "0"
        && string.Equals(folder.GetValueOrDefault("ContentType"), contentType, StringComparison.OrdinalIgnoreCase);
}
