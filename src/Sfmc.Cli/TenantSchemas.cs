using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Sfmc.Client;
using Sfmc.Client.Soap;

namespace Sfmc.Cli;

/// <summary>
/// What the tenant has, read over SOAP as the declared files describe it: DataExtension + DataExtensionField into
/// <see cref="DataExtensionInfo"/> (fields in Ordinal order), and triggered send definitions' status; and the drift
/// between declared and tenant definitions.
/// </summary>
internal static class TenantSchemas
{
    private static readonly string[] DataExtensionProperties =
        ["CustomerKey", "Name", "Description", "IsSendable", "SendableDataExtensionField.Name", "SendableSubscriberField.Name", "CategoryID"];

    private static readonly string[] FieldProperties =
        ["ObjectID", "Name", "FieldType", "MaxLength", "Scale", "IsPrimaryKey", "IsRequired", "DefaultValue", "Ordinal", "DataExtension.CustomerKey"];

    /// <summary>The DataExtension objects with these keys (keys are case-sensitive on the tenant), or all of them (<paramref name="keys"/> null).</summary>
    public static async Task<List<SoapUntypedObject>> DataExtensionsAsync(SfmcSoapClient soap, IReadOnlyCollection<string>? keys, CancellationToken cancellationToken)
    {
        var filter = keys is null ? null : KeyFilter("CustomerKey", keys);
        var found = await soap.RetrieveAsync("DataExtension", DataExtensionProperties, filter, null, cancellationToken).ToListAsync(cancellationToken);
        return keys is null ? found : found.Where(d => keys.Contains(d["CustomerKey"] ?? "", StringComparer.Ordinal)).ToList();
    }

    /// <summary>One DE's definition with its fields (a retrieve of its DataExtensionFields, paged past 2,500).</summary>
    public static async Task<DataExtensionInfo> DefinitionAsync(SfmcSoapClient soap, SoapUntypedObject dataExtension, CancellationToken cancellationToken) =>
        (await DefinitionWithFieldIdsAsync(soap, dataExtension, cancellationToken)).Definition;

    /// <summary>One DE's definition, and its fields' ObjectIDs by name (an Update names a field to change by its ObjectID).</summary>
    public static async Task<(DataExtensionInfo Definition, Dictionary<string, string> FieldIds)> DefinitionWithFieldIdsAsync(SfmcSoapClient soap, SoapUntypedObject dataExtension, CancellationToken cancellationToken)
    {
        var key = dataExtension["CustomerKey"] ?? throw new SfmcException("SFMC returned a DataExtension without a CustomerKey.", null, null);
        var fields = await soap.RetrieveAsync("DataExtensionField", FieldProperties, SoapProperty.Named<string>("DataExtension.CustomerKey").IsEqualTo(key), null, cancellationToken)
            .ToListAsync(cancellationToken);
        var ids = fields.Where(f => f["Name"] is not null && f["ObjectID"] is { Length: > 0 })
            .GroupBy(f => f["Name"]!, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First()["ObjectID"]!, StringComparer.OrdinalIgnoreCase);
        return (new DataExtensionInfo(
            key,
            dataExtension["Name"] is { Length: > 0 } name ? name : key,
            dataExtension["Description"] is { Length: > 0 } description ? description : null,
            IsTrue(dataExtension["IsSendable"]),
            dataExtension["SendableDataExtensionField.Name"] is { Length: > 0 } sendable ? sendable : null,
            dataExtension["SendableSubscriberField.Name"] is { Length: > 0 } subscriber ? subscriber : null,
            fields
                .Where(f => string.Equals(f["DataExtension.CustomerKey"] ?? key, key, StringComparison.Ordinal))
                .OrderBy(f => Int(f["Ordinal"]) ?? int.MaxValue)
                .ThenBy(f => f["Name"], StringComparer.Ordinal)
                .Select(Field)
                .ToList()), ids);
    }

    /// <summary>Whether the DE has at least one row (one page of one field is asked for).</summary>
    public static async Task<bool> HasRowsAsync(SfmcSoapClient soap, DataExtensionInfo dataExtension, CancellationToken cancellationToken)
    {
        await foreach (var _ in soap.RetrieveAsync($"DataExtensionObject[{dataExtension.CustomerKey}]", [dataExtension.Fields[0].Name], null, null, cancellationToken))
        {
            return true;
        }

        return false;
    }

    /// <summary>
    /// What <c>sfmc push</c> does to one existing DE to make it as declared: the changes SFMC allows (add a nullable
    /// field or one with a default, increase a MaxLength, make a field nullable, make one required while there are no
    /// rows) and, with their reasons, the ones it refuses or that would lose data.
    /// </summary>
    public static PushPlan Plan(DataExtensionInfo declared, DataExtensionInfo tenant, bool hasRows)
    {
        var changes = new List<FieldChange>();
        var refused = new List<string>();
        foreach (var field in declared.Fields)
        {
            var current = tenant.FindField(field.Name);
            if (current is null)
            {
                if (field.IsPrimaryKey && hasRows)
                {
                    refused.Add($"adding the primary key field '{field.Name}': the DE has rows");
                }
                else if (field.IsRequired && field.DefaultValue is null && hasRows)
                {
                    refused.Add($"adding the required field '{field.Name}' without a default value: the DE has rows");
                }
                else
                {
                    changes.Add(new FieldChange(field, null, $"add field '{field.Name}' ({Describe(field)})"));
                }

                continue;
            }

            if (current.FieldType != field.FieldType)
            {
                refused.Add($"changing the type of '{field.Name}' from {current.FieldType} to {field.FieldType}: SFMC does not change a field's type");
                continue;
            }

            if (current.IsPrimaryKey != field.IsPrimaryKey)
            {
                refused.Add($"{(field.IsPrimaryKey ? "adding" : "removing")} '{field.Name}' {(field.IsPrimaryKey ? "to" : "from")} the primary key: SFMC does not change the key of an existing DE");
                continue;
            }

            if (current.Scale != field.Scale || (field.FieldType == DataExtensionFieldType.Decimal && current.MaxLength != field.MaxLength))
            {
                refused.Add($"changing the precision or scale of '{field.Name}' from {Length(current)} to {Length(field)}: SFMC does not change it");
                continue;
            }

            if (field.MaxLength < current.MaxLength || (field.MaxLength is not null && current.MaxLength is null))
            {
                refused.Add($"shrinking '{field.Name}' from {Length(current)} to {Length(field)}: longer values would be cut");
                continue;
            }

            if (field.IsRequired && !current.IsRequired && hasRows)
            {
                refused.Add($"making '{field.Name}' required: the DE has rows, some may have no value");
                continue;
            }

            var parts = new List<string>();
            if (field.MaxLength != current.MaxLength)
            {
                parts.Add($"MaxLength {current.MaxLength?.ToString(CultureInfo.InvariantCulture) ?? "default"} → {field.MaxLength?.ToString(CultureInfo.InvariantCulture) ?? "default"}");
            }

            if (field.IsRequired != current.IsRequired)
            {
                parts.Add(field.IsRequired ? "required" : "nullable");
            }

            if (field.DefaultValue != current.DefaultValue)
            {
                parts.Add($"default {field.DefaultValue ?? "none"}");
            }

            if (parts.Count > 0)
            {
                changes.Add(new FieldChange(field, current, $"change field '{field.Name}': {string.Join(", ", parts)}"));
            }
        }

        refused.AddRange(tenant.Fields.Where(f => declared.FindField(f.Name) is null)
            .Select(f => $"removing the field '{f.Name}': its data would be lost (delete it in Contact Builder if you mean it)"));
        return new PushPlan(declared.CustomerKey, tenant.Fields.Count == 0 ? null : tenant, changes, refused);
    }

    /// <summary>One SOAP Update of the DE: new fields (no ObjectID) and changed ones (by ObjectID).</summary>
    public static async Task<string?> ApplyAsync(SfmcSoapClient soap, PushPlan plan, IReadOnlyDictionary<string, string> fieldIds, CancellationToken cancellationToken)
    {
        var fields = plan.Changes.Select(change =>
        {
            var field = change.Field;
            var children = new List<SoapExtensionElement>();
            if (change.Current is not null)
            {
                children.Add(new SoapExtensionElement("ObjectID", fieldIds.GetValueOrDefault(field.Name)));
            }
            else
            {
                children.Add(new SoapExtensionElement("CustomerKey", $"[{plan.Key}].[{field.Name}]"));
            }

            children.Add(new SoapExtensionElement("Name", field.Name));
            if (field.Scale is { } scale)
            {
                children.Add(new SoapExtensionElement("Scale", scale.ToString(CultureInfo.InvariantCulture)));
            }

            children.Add(new SoapExtensionElement("DefaultValue", field.DefaultValue ?? ""));
            if (field.MaxLength is { } maxLength)
            {
                children.Add(new SoapExtensionElement("MaxLength", maxLength.ToString(CultureInfo.InvariantCulture)));
            }

            children.Add(new SoapExtensionElement("IsRequired", field.IsRequired ? "true" : "false"));
            children.Add(new SoapExtensionElement("IsPrimaryKey", field.IsPrimaryKey ? "true" : "false"));
            children.Add(new SoapExtensionElement("FieldType", field.FieldType.ToString()));
            return new SoapExtensionElement("Field", children);
        }).ToList();
        var update = new SoapUntypedObject("DataExtension").Set("CustomerKey", plan.Key);
        update.Elements.Add(new SoapExtensionElement("Fields", fields));
        var written = await soap.UpdateAsync([update], null, cancellationToken);
        return written.Results.FirstOrDefault(r => !r.IsSuccess) is { } failed
            ? $"{failed.StatusMessage} (ErrorCode {failed.ErrorCode?.ToString(CultureInfo.InvariantCulture) ?? "none"})"
            : null;
    }

    /// <summary>
    /// The IDs of the business unit's Synchronized Data Extensions folders (ContentType <c>synchronizeddataextension</c>):
    /// a DE whose CategoryID is one of them is synchronized by Marketing Cloud Connect, read-only over the API.
    /// </summary>
    public static async Task<HashSet<string>> SynchronizedFoldersAsync(SfmcSoapClient soap, CancellationToken cancellationToken)
    {
        var folders = await soap.RetrieveAsync("DataFolder", ["ID", "ContentType"], SoapProperty.Named<string>("ContentType").IsEqualTo("synchronizeddataextension"), null, cancellationToken).ToListAsync(cancellationToken);
        return folders.Where(f => string.Equals(f["ContentType"], "synchronizeddataextension", StringComparison.OrdinalIgnoreCase) && f["ID"] is not null).Select(f => f["ID"]!).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The TriggeredSendStatus of each of these definitions found on the tenant, by CustomerKey.</summary>
    public static async Task<Dictionary<string, string?>> TriggeredSendStatusesAsync(SfmcSoapClient soap, IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        var found = await soap.RetrieveAsync("TriggeredSendDefinition", ["CustomerKey", "TriggeredSendStatus"], KeyFilter("CustomerKey", keys), null, cancellationToken).ToListAsync(cancellationToken);
        return found.Where(d => d["CustomerKey"] is not null).GroupBy(d => d["CustomerKey"]!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First()["TriggeredSendStatus"], StringComparer.Ordinal);
    }

    /// <summary>Whether the tenant has the journey entry event (<c>GET /interaction/v1/eventDefinitions/key:{key}</c>).</summary>
    public static async Task<bool> EventDefinitionExistsAsync(Sfmc.Client.Rest.SfmcRestClient rest, string key, CancellationToken cancellationToken)
    {
        try
        {
            await rest.SendAsync(System.Net.Http.HttpMethod.Get, "interaction/v1/eventDefinitions/key:" + Uri.EscapeDataString(key), null, replayable: true, "GetEventDefinitionByKey", cancellationToken);
            return true;
        }
        catch (SfmcNotFoundException)
        {
            return false;
        }
    }

    /// <summary>A transactional send definition's status (Active, Inactive…; <c>GET /messaging/v1/{email|sms}/definitions/{key}</c>), null when the tenant has none.</summary>
    public static async Task<string?> TransactionalStatusAsync(Sfmc.Client.Rest.SfmcRestClient rest, string channel, string key, CancellationToken cancellationToken)
    {
        try
        {
            return await rest.SendAsync(System.Net.Http.HttpMethod.Get, $"messaging/v1/{channel}/definitions/{Uri.EscapeDataString(key)}", null, static (ref System.Text.Json.Utf8JsonReader reader) =>
            {
                using var document = System.Text.Json.JsonDocument.ParseValue(ref reader);
                return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && document.RootElement.TryGetProperty("status", out var status) ? status.GetString() ?? "" : "";
            }, replayable: true, $"Get{(channel == "sms" ? "Sms" : "Email")}Definition", cancellationToken);
        }
        catch (SfmcNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// What differs between the declared DEs and the tenant's: each declared DE missing on the tenant, each field
    /// added, removed or changed (type, length or precision, primary key, nullable); with <paramref name="tenantOnly"/>,
    /// each tenant DE that is not declared.
    /// </summary>
    public static List<Drift> Compare(IReadOnlyList<DataExtensionInfo> declared, IReadOnlyDictionary<string, DataExtensionInfo> tenant, IEnumerable<string> tenantOnly)
    {
        var drift = new List<Drift>();
        foreach (var mine in declared)
        {
            if (!tenant.TryGetValue(mine.CustomerKey, out var theirs))
            {
                drift.Add(new Drift("missing on tenant", mine.CustomerKey, null, $"{mine.Fields.Count} fields declared", null));
                continue;
            }

            foreach (var field in mine.Fields)
            {
                var other = theirs.FindField(field.Name);
                if (other is null)
                {
                    drift.Add(new Drift("field removed", mine.CustomerKey, field.Name, Describe(field), null));
                    continue;
                }

                if (other.FieldType != field.FieldType)
                {
                    drift.Add(new Drift("type changed", mine.CustomerKey, field.Name, field.FieldType.ToString(), other.FieldType.ToString()));
                }
                else if (other.MaxLength != field.MaxLength || other.Scale != field.Scale)
                {
                    drift.Add(new Drift("length changed", mine.CustomerKey, field.Name, Length(field), Length(other)));
                }

                if (other.IsPrimaryKey != field.IsPrimaryKey)
                {
                    drift.Add(new Drift("primary key changed", mine.CustomerKey, field.Name, field.IsPrimaryKey ? "primary key" : "not a key", other.IsPrimaryKey ? "primary key" : "not a key"));
                }

                if (other.IsRequired != field.IsRequired)
                {
                    drift.Add(new Drift("nullable changed", mine.CustomerKey, field.Name, field.IsRequired ? "required" : "nullable", other.IsRequired ? "required" : "nullable"));
                }
            }

            foreach (var field in theirs.Fields.Where(f => mine.FindField(f.Name) is null))
            {
                drift.Add(new Drift("field added", mine.CustomerKey, field.Name, null, Describe(field)));
            }
        }

        drift.AddRange(tenantOnly.Order(StringComparer.Ordinal).Select(key => new Drift("missing in repo", key, null, null, $"{tenant.GetValueOrDefault(key)?.Fields.Count.ToString(CultureInfo.InvariantCulture) ?? "?"} fields on the tenant")));
        return drift;
    }

    private static string Describe(DataExtensionFieldInfo field) =>
        string.Join(", ", new[] { Length(field), field.IsPrimaryKey ? "primary key" : null, field.IsRequired ? "required" : "nullable" }.Where(p => p is not null));

    private static string Length(DataExtensionFieldInfo field) => field.FieldType switch
    {
        DataExtensionFieldType.Decimal => $"Decimal({field.MaxLength?.ToString(CultureInfo.InvariantCulture) ?? "?"},{field.Scale?.ToString(CultureInfo.InvariantCulture) ?? "0"})",
        _ when field.MaxLength is { } length => $"{field.FieldType}({length.ToString(CultureInfo.InvariantCulture)})",
        _ => field.FieldType.ToString(),
    };

    private static DataExtensionFieldInfo Field(SoapUntypedObject field)
    {
        var name = field["Name"] ?? throw new SfmcException("SFMC returned a DataExtensionField without a Name.", null, null);
        if (!Enum.TryParse<DataExtensionFieldType>(field["FieldType"], ignoreCase: false, out var type))
        {
            throw new SfmcException($"Field '{name}' has the type '{field["FieldType"]}', which the DE file format does not know.", null, null);
        }

        var isPrimaryKey = IsTrue(field["IsPrimaryKey"]);
        return new DataExtensionFieldInfo(
            name,
            name,
            type,
            Int(field["MaxLength"]) is { } length and > 0 ? length : null,
            type == DataExtensionFieldType.Decimal ? Int(field["Scale"]) : null,
            isPrimaryKey,
            isPrimaryKey || IsTrue(field["IsRequired"]),
            field["DefaultValue"] is { Length: > 0 } value ? value : null);
    }

    /// <summary>equals for one key, IN for several (SFMC's IN takes a list of Value elements).</summary>
    private static SoapFilter KeyFilter(string property, IReadOnlyCollection<string> keys) =>
        keys.Count == 1 ? SoapProperty.Named<string>(property).IsEqualTo(keys.First()) : SoapProperty.Named<string>(property).IsIn(keys);

    private static bool IsTrue(string? value) => value?.Trim() is "true" or "True" or "1";

    private static int? Int(string? value) => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : null;
}

/// <summary>What <c>sfmc push</c> will do to one DE: create it (<see cref="Tenant"/> null), change fields, and what it refuses.</summary>
internal sealed record PushPlan(string Key, DataExtensionInfo? Tenant, IReadOnlyList<FieldChange> Changes, IReadOnlyList<string> Refused);

/// <summary>A field to add (<see cref="Current"/> null) or change.</summary>
internal sealed record FieldChange(DataExtensionFieldInfo Field, DataExtensionFieldInfo? Current, string Description);

/// <summary>One difference between the repository and the tenant.</summary>
/// <param name="Kind">What differs: missing on tenant, missing in repo, field added, field removed, type changed, length changed, primary key changed, nullable changed, not Active.</param>
/// <param name="Key">The DE's (or definition's) CustomerKey.</param>
/// <param name="Field">The field, for field changes.</param>
/// <param name="Declared">What the repository says.</param>
/// <param name="Tenant">What the tenant has.</param>
internal sealed record Drift(string Kind, string Key, string? Field, string? Declared, string? Tenant);
