using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using Sfmc.Client;

namespace Sfmc.Emulator;

/// <summary>
/// DataExtension definitions over SOAP: Retrieve with the properties sfmc-devtools (mcdev) asks for (CategoryID,
/// dates, retention, Template.CustomerKey), Create (with its folder, sendable relation and defaults) and Update (new
/// fields, MaxLength increases, name and description; refusing what SFMC refuses). What the runtime's
/// <see cref="DataExtensionInfo"/> does not carry (the folder, the dates) is kept beside it with the SOAP objects.
/// </summary>
internal sealed partial class EmulatorSoap
{
    private const string DataExtensionMeta = "_DataExtensionMeta";
    private const string DataExtensionContentType = "dataextension";
    private const string SynchronizedContentType = "synchronizeddataextension";
    private static readonly string[] DefaultFolderContentTypes = ["dataextension", "shared_dataextension", "salesforcedataextension", "synchronizeddataextension", "shared_data", "hidden"];
    private readonly string _started = ServerTime(time);

    /// <summary>The content types a DataFolder filter names (ContentType equals/IN), or the DE ones when it names none.</summary>
    private static IEnumerable<string> ContentTypes(XElement? filter)
    {
        var named = filter?.DescendantsAndSelf()
            .Where(f => f.Element(Api + "Property")?.Value == "ContentType" && f.Element(Api + "SimpleOperator")?.Value is "equals" or "IN")
            .SelectMany(f => f.Elements(Api + "Value").Select(v => v.Value.Trim()))
            .Where(v => v.Length > 0)
            .ToList();
        return named is { Count: > 0 } ? named : DefaultFolderContentTypes;
    }

    private async Task<List<Dictionary<string, string?>>> DataExtensionBagsAsync(string account, CancellationToken cancellationToken)
    {
        var metas = (await store.ReadSoapObjectsAsync(DataExtensionMeta, cancellationToken))
            .ToDictionary(m => m.GetValueOrDefault("CustomerKey") ?? "", StringComparer.Ordinal);
        var folderList = await _folders.ListAsync(account, [DataExtensionContentType, SynchronizedContentType], cancellationToken);
        var folders = folderList.Where(f => f.GetValueOrDefault("ContentType") == DataExtensionContentType).Select(f => f["ID"]).ToHashSet(StringComparer.Ordinal);
        var root = EmulatorFolders.RootId(folderList, account, DataExtensionContentType);
        var synchronizedRoot = EmulatorFolders.RootId(folderList, account, SynchronizedContentType);
        return store.DataExtensions.Select(dataExtension =>
        {
            var meta = metas.GetValueOrDefault(dataExtension.CustomerKey);
            // A DE lives in one folder of one business unit; the emulator's DEs are every BU's, so another BU sees it
            // in its own root folder. A synchronized (MC Connect) DE lives in the Synchronized Data Extensions folder.
            var category = tenant.ReadOnlyDataExtensions.Contains(dataExtension.CustomerKey) ? synchronizedRoot
                : meta?.GetValueOrDefault("CategoryID") is { } id && folders.Contains(id) ? id : root;
            return new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
            {
                ["CustomerKey"] = dataExtension.CustomerKey,
                ["Name"] = dataExtension.Name,
                ["Description"] = dataExtension.Description,
                ["IsSendable"] = dataExtension.IsSendable ? "true" : "false",
                ["IsTestable"] = "false",
                ["ObjectID"] = StableId(dataExtension.CustomerKey),
                ["SendableDataExtensionField.Name"] = dataExtension.SendableDataExtensionField,
                ["SendableSubscriberField.Name"] = dataExtension.SendableSubscriberField,
                ["CategoryID"] = category,
                ["CreatedDate"] = meta?.GetValueOrDefault("CreatedDate") ?? _started,
                ["ModifiedDate"] = meta?.GetValueOrDefault("ModifiedDate") ?? _started,
                // No retention unless set (the emulator sets none): flags false, the date empty, as a tenant answers.
                ["RowBasedRetention"] = "false",
                ["ResetRetentionPeriodOnImport"] = "false",
                ["DeleteAtEndOfRetentionPeriod"] = "false",
                ["RetainUntil"] = "",
            };
        }).ToList();
    }

    private static IEnumerable<Dictionary<string, string?>> FieldBags(DataExtensionInfo dataExtension) => dataExtension.Fields.Select((f, i) => new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
    {
        ["Name"] = f.Name,
        ["CustomerKey"] = $"[{dataExtension.CustomerKey}].[{f.Name}]",
        ["ObjectID"] = FieldId(dataExtension, f),
        ["DataExtension.CustomerKey"] = dataExtension.CustomerKey,
        ["FieldType"] = f.FieldType.ToString(),
        ["MaxLength"] = f.MaxLength?.ToString(CultureInfo.InvariantCulture),
        ["Scale"] = f.Scale?.ToString(CultureInfo.InvariantCulture),
        ["IsPrimaryKey"] = f.IsPrimaryKey ? "true" : "false",
        ["IsRequired"] = f.IsRequired ? "true" : "false",
        ["DefaultValue"] = f.DefaultValue,
        ["Ordinal"] = i.ToString(CultureInfo.InvariantCulture),
    });

    private static string FieldId(DataExtensionInfo dataExtension, DataExtensionFieldInfo field) => StableId(dataExtension.CustomerKey + "/" + field.Name);

    private async Task<SoapWriteResult> CreateDataExtensionAsync(string account, XElement item, CancellationToken cancellationToken)
    {
        var key = item.Element(Api + "CustomerKey")?.Value ?? item.Element(Api + "Name")?.Value;
        var name = item.Element(Api + "Name")?.Value ?? key;
        if (string.IsNullOrEmpty(key) || string.IsNullOrEmpty(name))
        {
            return SoapWriteResult.Error("A DataExtension needs a Name.", 310002);
        }

        if (store.TryGet(key, out _))
        {
            return SoapWriteResult.Error($"A data extension with CustomerKey '{key}' already exists.", 310003);
        }

        var (category, categoryError) = await CategoryAsync(account, item, cancellationToken);
        if (categoryError is not null)
        {
            return SoapWriteResult.Error(categoryError, 310007);
        }

        var fields = new List<DataExtensionFieldInfo>();
        foreach (var field in item.Element(Api + "Fields")?.Elements(Api + "Field") ?? [])
        {
            var (parsed, error) = NewField(field, fields);
            if (error is not null)
            {
                return SoapWriteResult.Error(error, 310007);
            }

            fields.Add(parsed!);
        }

        if (fields.Count == 0)
        {
            return SoapWriteResult.Error("A DataExtension needs at least one field.", 310002);
        }

        DataExtensionInfo dataExtension;
        try
        {
            dataExtension = new DataExtensionInfo(key, name, item.Element(Api + "Description")?.Value, IsTrue(item.Element(Api + "IsSendable")?.Value),
                NonEmpty(item.Element(Api + "SendableDataExtensionField")?.Element(Api + "Name")?.Value),
                NonEmpty(item.Element(Api + "SendableSubscriberField")?.Element(Api + "Name")?.Value), fields);
        }
        catch (ArgumentException ex)
        {
            return SoapWriteResult.Error(ex.Message, 310007);
        }

        await store.AddDataExtensionAsync(dataExtension, cancellationToken);
        await SaveMetaAsync(key, category, created: ServerTime(), cancellationToken);
        return SoapWriteResult.Ok("Data Extension created.", Interlocked.Increment(ref _nextId));
    }

    /// <summary>
    /// SOAP Update DataExtension, found by CustomerKey or ObjectID: Name, Description, folder and sendable relation
    /// change; fields without an ObjectID are added, fields with one are changed. Refused as SFMC refuses them: a field
    /// type change, a shorter MaxLength, another scale, a field made required or a primary key added while the DE has
    /// rows, a required field without a default added to a DE with rows.
    /// </summary>
    private async Task<SoapWriteResult> UpdateDataExtensionAsync(string account, XElement item, CancellationToken cancellationToken)
    {
        var key = NonEmpty(item.Element(Api + "CustomerKey")?.Value);
        var objectId = NonEmpty(item.Element(Api + "ObjectID")?.Value);
        var existing = key is not null
            ? store.TryGet(key, out var byKey) ? byKey : null
            : store.DataExtensions.FirstOrDefault(d => string.Equals(StableId(d.CustomerKey), objectId, StringComparison.OrdinalIgnoreCase));
        if (existing is null)
        {
            return SoapWriteResult.Error($"Unable to find a data extension with {(key is not null ? $"CustomerKey '{key}'" : $"ObjectID '{objectId}'")}. External keys are case-sensitive.", 310001);
        }

        if (tenant.ReadOnlyDataExtensions.Contains(existing.CustomerKey))
        {
            return SoapWriteResult.Error(SfmcResponses.ReadOnlyMessage(existing.CustomerKey), 30005);
        }

        var (category, categoryError) = await CategoryAsync(account, item, cancellationToken);
        if (categoryError is not null)
        {
            return SoapWriteResult.Error(categoryError, 310007);
        }

        var (rows, _) = await store.ReadAsync(existing, 1, 1, cancellationToken);
        var fields = existing.Fields.ToList();
        var added = new List<DataExtensionFieldInfo>();
        foreach (var field in item.Element(Api + "Fields")?.Elements(Api + "Field") ?? [])
        {
            var error = NonEmpty(field.Element(Api + "ObjectID")?.Value) is { } fieldId
                ? ChangeField(existing, fields, fieldId, field, rows)
                : AddField(fields, added, field, rows);
            if (error is not null)
            {
                return SoapWriteResult.Error(error, 310007);
            }
        }

        string? Changed(string name, string? current) => item.Element(Api + name) is { } element ? element.Value : current;
        DataExtensionInfo updated;
        try
        {
            var sendable = item.Element(Api + "IsSendable") is { } flag ? IsTrue(flag.Value) : existing.IsSendable;
            updated = new DataExtensionInfo(existing.CustomerKey, NonEmpty(Changed("Name", existing.Name)) ?? existing.Name, Changed("Description", existing.Description), sendable,
                sendable ? NonEmpty(item.Element(Api + "SendableDataExtensionField")?.Element(Api + "Name")?.Value) ?? existing.SendableDataExtensionField : null,
                sendable ? NonEmpty(item.Element(Api + "SendableSubscriberField")?.Element(Api + "Name")?.Value) ?? existing.SendableSubscriberField : null,
                fields);
        }
        catch (ArgumentException ex)
        {
            return SoapWriteResult.Error(ex.Message, 310007);
        }

        await store.UpdateDataExtensionAsync(updated, added, cancellationToken);
        var meta = (await store.ReadSoapObjectsAsync(DataExtensionMeta, cancellationToken, existing.CustomerKey)).FirstOrDefault();
        await SaveMetaAsync(existing.CustomerKey, item.Element(Api + "CategoryID") is null ? meta?.GetValueOrDefault("CategoryID") : category, meta?.GetValueOrDefault("CreatedDate") ?? _started, cancellationToken);
        return SoapWriteResult.Ok("Data Extension updated.");
    }

    private static string? ChangeField(DataExtensionInfo dataExtension, List<DataExtensionFieldInfo> fields, string fieldId, XElement field, long rows)
    {
        var index = fields.FindIndex(f => string.Equals(FieldId(dataExtension, f), fieldId, StringComparison.OrdinalIgnoreCase));
        if (index < 0)
        {
            return $"No field of '{dataExtension.CustomerKey}' has the ObjectID '{fieldId}'.";
        }

        var current = fields[index];
        string? F(string n) => NonEmpty(field.Element(Api + n)?.Value);
        if (F("Name") is { } name && !string.Equals(name, current.Name, StringComparison.Ordinal))
        {
            return $"The field '{current.Name}' cannot be renamed to '{name}' by the emulator.";
        }

        if (F("FieldType") is { } type && type != current.FieldType.ToString())
        {
            return $"The field type of '{current.Name}' cannot be changed from {current.FieldType} to {type}.";
        }

        var maxLength = Int(F("MaxLength")) ?? current.MaxLength;
        if (maxLength < current.MaxLength)
        {
            return $"The MaxLength of '{current.Name}' cannot be decreased from {current.MaxLength} to {maxLength}.";
        }

        var scale = Int(F("Scale")) ?? current.Scale;
        if (scale != current.Scale)
        {
            return $"The Scale of '{current.Name}' cannot be changed.";
        }

        var primary = F("IsPrimaryKey") is { } p ? IsTrue(p) : current.IsPrimaryKey;
        if (primary != current.IsPrimaryKey)
        {
            return $"'{current.Name}' cannot be {(primary ? "added to" : "removed from")} the primary key of an existing data extension.";
        }

        var required = primary || (F("IsRequired") is { } r ? IsTrue(r) : current.IsRequired);
        if (required && !current.IsRequired && rows > 0)
        {
            return $"The field '{current.Name}' cannot be made required: the data extension has rows.";
        }

        // An empty DefaultValue is no default (mcdev sends one for every field).
        var defaultValue = field.Element(Api + "DefaultValue") is { } d ? NonEmpty(d.Value) : current.DefaultValue;
        fields[index] = current with { MaxLength = maxLength, IsRequired = required, DefaultValue = defaultValue };
        return null;
    }

    private static string? AddField(List<DataExtensionFieldInfo> fields, List<DataExtensionFieldInfo> added, XElement field, long rows)
    {
        var (parsed, error) = NewField(field, fields);
        if (error is not null)
        {
            return error;
        }

        if (rows > 0 && parsed!.IsPrimaryKey)
        {
            return $"The primary key field '{parsed.Name}' cannot be added: the data extension has rows.";
        }

        if (rows > 0 && parsed!.IsRequired && parsed.DefaultValue is null)
        {
            return $"The required field '{parsed.Name}' needs a default value to be added: the data extension has rows.";
        }

        fields.Add(parsed!);
        added.Add(parsed!);
        return null;
    }

    /// <summary>A field of a Create or a new field of an Update; an empty DefaultValue is none, as in a DE file.</summary>
    private static (DataExtensionFieldInfo? Field, string? Error) NewField(XElement field, List<DataExtensionFieldInfo> existing)
    {
        string? F(string n) => field.Element(Api + n)?.Value;
        if (!Enum.TryParse<DataExtensionFieldType>(F("FieldType") ?? "Text", ignoreCase: false, out var fieldType) || F("Name") is not { Length: > 0 } fieldName)
        {
            return (null, $"Invalid field '{F("Name")}' (FieldType '{F("FieldType")}').");
        }

        if (existing.Any(f => string.Equals(f.Name, fieldName, StringComparison.OrdinalIgnoreCase)))
        {
            return (null, $"The field name '{fieldName}' is used more than once (field names are not case-sensitive).");
        }

        var primary = IsTrue(F("IsPrimaryKey"));
        return (new DataExtensionFieldInfo(fieldName, fieldName, fieldType, Int(F("MaxLength")), Int(F("Scale")), primary, primary || IsTrue(F("IsRequired")), NonEmpty(F("DefaultValue"))), null);
    }

    /// <summary>The folder a Create or Update names (CategoryID), which must be a DE folder of the business unit; else its root DE folder.</summary>
    private async Task<(string Category, string? Error)> CategoryAsync(string account, XElement item, CancellationToken cancellationToken)
    {
        if (NonEmpty(item.Element(Api + "CategoryID")?.Value) is not { } id)
        {
            return (await _folders.RootIdAsync(account, DataExtensionContentType, cancellationToken), null);
        }

        var folder = await _folders.FindAsync(account, id, cancellationToken);
        return folder is not null && folder.GetValueOrDefault("ContentType")?.EndsWith(DataExtensionContentType, StringComparison.OrdinalIgnoreCase) == true
            ? (id, null)
            : ("", $"CategoryID {id} is not a data extension folder of business unit {account}.");
    }

    private Task SaveMetaAsync(string key, string? category, string created, CancellationToken cancellationToken) =>
        store.SaveSoapObjectsAsync(DataExtensionMeta, [(key, new Dictionary<string, string?>
        {
            ["CustomerKey"] = key,
            ["CategoryID"] = category,
            ["CreatedDate"] = created,
            ["ModifiedDate"] = ServerTime(),
        })], cancellationToken);

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
