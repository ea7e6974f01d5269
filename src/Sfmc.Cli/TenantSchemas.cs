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
        ["CustomerKey", "Name", "Description", "IsSendable", "SendableDataExtensionField.Name", "SendableSubscriberField.Name"];

    private static readonly string[] FieldProperties =
        ["Name", "FieldType", "MaxLength", "Scale", "IsPrimaryKey", "IsRequired", "DefaultValue", "Ordinal", "DataExtension.CustomerKey"];

    /// <summary>The DataExtension objects with these keys (keys are case-sensitive on the tenant), or all of them (<paramref name="keys"/> null).</summary>
    public static async Task<List<SoapUntypedObject>> DataExtensionsAsync(SfmcSoapClient soap, IReadOnlyCollection<string>? keys, CancellationToken cancellationToken)
    {
        var filter = keys is null ? null : KeyFilter("CustomerKey", keys);
        var found = await soap.RetrieveAsync("DataExtension", DataExtensionProperties, filter, null, cancellationToken).ToListAsync(cancellationToken);
        return keys is null ? found : found.Where(d => keys.Contains(d["CustomerKey"] ?? "", StringComparer.Ordinal)).ToList();
    }

    /// <summary>One DE's definition with its fields (a retrieve of its DataExtensionFields, paged past 2,500).</summary>
    public static async Task<DataExtensionInfo> DefinitionAsync(SfmcSoapClient soap, SoapUntypedObject dataExtension, CancellationToken cancellationToken)
    {
        var key = dataExtension["CustomerKey"] ?? throw new SfmcException("SFMC returned a DataExtension without a CustomerKey.", null, null);
        var fields = await soap.RetrieveAsync("DataExtensionField", FieldProperties, SoapProperty.Named<string>("DataExtension.CustomerKey").IsEqualTo(key), null, cancellationToken)
            .ToListAsync(cancellationToken);
        return new DataExtensionInfo(
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
                .ToList());
    }

    /// <summary>The TriggeredSendStatus of each of these definitions found on the tenant, by CustomerKey.</summary>
    public static async Task<Dictionary<string, string?>> TriggeredSendStatusesAsync(SfmcSoapClient soap, IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        var found = await soap.RetrieveAsync("TriggeredSendDefinition", ["CustomerKey", "TriggeredSendStatus"], KeyFilter("CustomerKey", keys), null, cancellationToken).ToListAsync(cancellationToken);
        return found.Where(d => d["CustomerKey"] is not null).GroupBy(d => d["CustomerKey"]!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First()["TriggeredSendStatus"], StringComparer.Ordinal);
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

/// <summary>One difference between the repository and the tenant.</summary>
/// <param name="Kind">What differs: missing on tenant, missing in repo, field added, field removed, type changed, length changed, primary key changed, nullable changed, not Active.</param>
/// <param name="Key">The DE's (or definition's) CustomerKey.</param>
/// <param name="Field">The field, for field changes.</param>
/// <param name="Declared">What the repository says.</param>
/// <param name="Tenant">What the tenant has.</param>
internal sealed record Drift(string Kind, string Key, string? Field, string? Declared, string? Tenant);
