using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using CsvHelper;
using CsvHelper.Configuration;
using Sfmc.Client;

namespace Sfmc.Emulator;

/// <content>
/// File-drop imports: SOAP Create/Update of an <c>ImportDefinition</c> (a DE by CustomerKey, FileSpec, UpdateType,
/// AllowErrors, Delimiter, HeaderLines), Perform <c>start</c> reading <c>Import/&lt;FileSpec&gt;</c> under the
/// configured SFTP root, and the <c>ImportResultsSummary</c> a Retrieve by TaskResultID reads. The import follows
/// SFMC's rules: columns matched to fields by exact name (others skipped), required fields, types and lengths checked
/// per row (a bad row is an error),
/// duplicates within the file counted (the first kept), UpdateType honoured, a DE without a primary key only
/// Overwrite, nothing imported on an error unless AllowErrors.
/// </content>
internal sealed partial class EmulatorSoap
{
    private static readonly string[] UpdateTypes = ["AddAndUpdate", "AddAndDoNotUpdate", "UpdateButDoNotAdd", "Overwrite"];

    private async Task<SoapWriteResult> WriteImportDefinitionAsync(string action, bool upsert, XElement item, CancellationToken cancellationToken)
    {
        string? Value(string name) => NonEmpty(item.Element(Api + name)?.Value);
        var key = Value("CustomerKey");
        if (key is null)
        {
            return SoapWriteResult.Error("An ImportDefinition needs a CustomerKey.", 2);
        }

        var existing = (await store.ReadSoapObjectsAsync("ImportDefinition", cancellationToken, key)).FirstOrDefault();
        if (action == "Create" && existing is not null)
        {
            return SoapWriteResult.Error($"An ImportDefinition with CustomerKey '{key}' already exists.", 2);
        }

        if (action == "Update" && existing is null && !upsert)
        {
            return SoapWriteResult.Error($"Unable to find an ImportDefinition with CustomerKey '{key}'. Keys are case-sensitive.", 2);
        }

        var bag = existing ?? new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["ObjectID"] = StableId("import:" + key),
            ["CustomerKey"] = key,
            ["FieldMappingType"] = "InferFromColumnHeadings",
            ["FileType"] = "CSV",
            ["UpdateType"] = "AddAndUpdate",
            ["AllowErrors"] = "false",
            ["Delimiter"] = ",",
            ["HeaderLines"] = "1",
        };
        foreach (var name in new[] { "Name", "Description", "FieldMappingType", "FileSpec", "FileType", "UpdateType", "AllowErrors", "Delimiter", "HeaderLines" })
        {
            if (Value(name) is { } value)
            {
                bag[name] = value;
            }
        }

        if (item.Element(Api + "DestinationObject")?.Element(Api + "CustomerKey")?.Value is { Length: > 0 } destination)
        {
            bag["DestinationObject.CustomerKey"] = destination;
        }

        if (bag.GetValueOrDefault("DestinationObject.CustomerKey") is not { } deKey || !store.TryGet(deKey, out var dataExtension))
        {
            return SoapWriteResult.Error($"The DestinationObject must be an existing DataExtension by CustomerKey (keys are case-sensitive); '{bag.GetValueOrDefault("DestinationObject.CustomerKey")}' is not one.", 2);
        }

        if (!UpdateTypes.Contains(bag["UpdateType"], StringComparer.Ordinal))
        {
            return SoapWriteResult.Error($"The emulator imports with UpdateType {string.Join(", ", UpdateTypes)}; not '{bag["UpdateType"]}'.", 2);
        }

        if (dataExtension.PrimaryKey.Count == 0 && bag["UpdateType"] != "Overwrite")
        {
            return SoapWriteResult.Error($"'{dataExtension.CustomerKey}' has no primary key: an import into it can only Overwrite.", 2);
        }

        if (bag.GetValueOrDefault("FieldMappingType") != "InferFromColumnHeadings" || bag.GetValueOrDefault("FileType") != "CSV")
        {
            return SoapWriteResult.Error("The emulator imports CSV files with FieldMappingType InferFromColumnHeadings.", 2);
        }

        await store.SaveSoapObjectsAsync("ImportDefinition", [(key, bag)], cancellationToken);
        return SoapWriteResult.Ok(existing is null ? "ImportDefinition created." : "ImportDefinition updated.");
    }

    /// <summary>Perform start: imports the file now and records its ImportResultsSummary under a new TaskResultID.</summary>
    private async Task<(SoapWriteResult Outcome, string? ObjectId, int? TaskId)> PerformImportAsync(string action, XElement definition, CancellationToken cancellationToken)
    {
        if (action != "start")
        {
            return (SoapWriteResult.Error($"Invalid action '{action}' for ImportDefinition: start (actions are case-sensitive).", 2), null, null);
        }

        var (matches, name) = NamedBy(definition);
        var bag = (await store.ReadSoapObjectsAsync("ImportDefinition", cancellationToken)).FirstOrDefault(matches);
        if (bag is null || !store.TryGet(bag.GetValueOrDefault("DestinationObject.CustomerKey") ?? "", out var dataExtension))
        {
            return (SoapWriteResult.Error($"ImportDefinition '{name}' was not found. Keys are case-sensitive.", 2), null, null);
        }

        var taskId = Interlocked.Increment(ref _nextId);
        var started = ServerTime();
        var counts = await ImportFileAsync(dataExtension, bag, cancellationToken);
        await store.SaveSoapObjectsAsync("ImportResultsSummary", [(taskId.ToString(CultureInfo.InvariantCulture), new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ImportDefinitionCustomerKey"] = bag["CustomerKey"],
            ["TaskResultID"] = taskId.ToString(CultureInfo.InvariantCulture),
            ["ImportStatus"] = tenant.ImportDelay > TimeSpan.Zero ? "Processing" : counts.Error is null ? "Completed" : "Error",
            ["FinalStatus"] = counts.Error is null ? "Completed" : "Error",
            ["CompletesAt"] = time.GetUtcNow().Add(tenant.ImportDelay).UtcTicks.ToString(CultureInfo.InvariantCulture),
            ["StartDate"] = started,
            ["EndDate"] = ServerTime(),
            ["DestinationID"] = StableId(dataExtension.CustomerKey),
            ["NumberSuccessful"] = counts.Successful.ToString(CultureInfo.InvariantCulture),
            ["NumberDuplicated"] = counts.Duplicated.ToString(CultureInfo.InvariantCulture),
            ["NumberErrors"] = counts.Errors.ToString(CultureInfo.InvariantCulture),
            ["TotalRows"] = counts.Total.ToString(CultureInfo.InvariantCulture),
            ["ImportType"] = "DataExtension",
        })], cancellationToken);
        return (SoapWriteResult.Ok("ImportDefinition perform called successfully"), bag.GetValueOrDefault("ObjectID"), taskId);
    }

    /// <summary>Import summaries as a Retrieve sees them now: Processing until the import's delay has passed, then its final status.</summary>
    private async Task<List<Dictionary<string, string?>>> ImportSummariesAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcTicks;
        var summaries = await store.ReadSoapObjectsAsync("ImportResultsSummary", cancellationToken);
        foreach (var summary in summaries)
        {
            if (long.TryParse(summary.GetValueOrDefault("CompletesAt"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var completes) && now >= completes)
            {
                summary["ImportStatus"] = summary.GetValueOrDefault("FinalStatus");
            }
        }

        return summaries;
    }

    /// <summary>Automations as a Retrieve sees them now: Running (3) while the import of their last run is still Processing.</summary>
    private async Task<List<Dictionary<string, string?>>> AutomationsAsync(CancellationToken cancellationToken)
    {
        var processing = (await ImportSummariesAsync(cancellationToken))
            .Where(s => s.GetValueOrDefault("ImportStatus") == "Processing")
            .Select(s => s.GetValueOrDefault("TaskResultID"))
            .ToHashSet(StringComparer.Ordinal);
        var automations = await store.ReadSoapObjectsAsync("Automation", cancellationToken);
        foreach (var automation in automations.Where(a => a.GetValueOrDefault("LastRunInstanceID") is { } run && processing.Contains(run)))
        {
            automation["Status"] = "3";
        }

        return automations;
    }

    /// <summary>The ObjectID the emulator gives an automation (stable across restarts).</summary>
    internal static string AutomationObjectId(string customerKey) => StableId("automation:" + customerKey);

    /// <summary>
    /// Perform start on an Automation (by ObjectID, as sfmc-devtools starts them, or CustomerKey): runs its import step
    /// now; it reads as Running (3) while the import is Processing (<c>AsyncProcessingDelay</c>), then Ready (2), or Error
    /// (-1) when the import failed, with LastRunTime set. The Perform itself fails only
    /// when the step cannot start (no such ImportDefinition). The task ID is the import's TaskResultID.
    /// </summary>
    private async Task<(SoapWriteResult Outcome, string? ObjectId, int? TaskId)> PerformAutomationAsync(string action, XElement definition, CancellationToken cancellationToken)
    {
        if (action != "start")
        {
            return (SoapWriteResult.Error($"The emulator starts automations (action start), not '{action}'.", 2), null, null);
        }

        var (matches, name) = NamedBy(definition);
        var automation = (await store.ReadSoapObjectsAsync("Automation", cancellationToken)).FirstOrDefault(matches);
        if (automation is null)
        {
            return (SoapWriteResult.Error($"Automation '{name}' was not found.", 2), null, null);
        }

        var import = new XElement(Api + "Definition", new XElement(Api + "CustomerKey", automation.GetValueOrDefault("ImportDefinitionKey")));
        var (outcome, _, taskId) = await PerformImportAsync("start", import, cancellationToken);
        var summary = taskId is { } id ? (await store.ReadSoapObjectsAsync("ImportResultsSummary", cancellationToken, id.ToString(CultureInfo.InvariantCulture))).FirstOrDefault() : null;
        var failed = outcome.Status != "OK" || summary?.GetValueOrDefault("FinalStatus") == "Error";
        await store.UpdateSoapObjectAsync("Automation", a => a.GetValueOrDefault("CustomerKey") == automation.GetValueOrDefault("CustomerKey"), a =>
        {
            a["Status"] = failed ? "-1" : "2";
            a["LastRunTime"] = ServerTime();
            a["LastRunInstanceID"] = taskId?.ToString(CultureInfo.InvariantCulture);
        }, cancellationToken);
        return outcome.Status == "OK"
            ? (SoapWriteResult.Ok("Automation perform called successfully"), automation.GetValueOrDefault("ObjectID"), taskId)
            : (SoapWriteResult.Error($"The automation's import step failed: {outcome.Message}", outcome.ErrorCode ?? 2), automation.GetValueOrDefault("ObjectID"), null);
    }

    /// <summary>What an import did: rows in the file, imported, duplicates, bad rows; an error when it failed as a whole.</summary>
    private sealed record ImportCounts(int Total, int Successful, int Duplicated, int Errors, string? Error);

    private async Task<ImportCounts> ImportFileAsync(DataExtensionInfo dataExtension, Dictionary<string, string?> definition, CancellationToken cancellationToken)
    {
        var fileSpec = definition.GetValueOrDefault("FileSpec") ?? "";
        var path = tenant.FileTransferRoot is { } root ? Path.GetFullPath(Path.Combine(root, "Import", fileSpec)) : null;
        if (path is null || tenant.FileTransferRoot is not { } folder || !path.StartsWith(Path.GetFullPath(Path.Combine(folder, "Import")), StringComparison.Ordinal) || !File.Exists(path))
        {
            return new ImportCounts(0, 0, 0, 0, $"No file Import/{fileSpec} on the SFTP root.");
        }

        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            Delimiter = definition.GetValueOrDefault("Delimiter") is { Length: > 0 } delimiter ? delimiter : ",",
            HasHeaderRecord = true,
            BadDataFound = null,
            MissingFieldFound = null,
        };
        var rows = new List<Dictionary<DataExtensionFieldInfo, string?>>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var required = dataExtension.Fields.Where(f => f.IsRequired && f.DefaultValue is null).ToArray();
        int total = 0, duplicated = 0, errors = 0;
        using (var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true))
        using (var csv = new CsvReader(reader, configuration))
        {
            if (!await csv.ReadAsync() || !csv.ReadHeader() || csv.HeaderRecord is not { } header)
            {
                return new ImportCounts(0, 0, 0, 0, "The file has no header line.");
            }

            // Columns are matched to fields by exact name; the others are skipped, as an Import Activity does.
            var columns = header.Select(name => dataExtension.Fields.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal))).ToArray();
            while (await csv.ReadAsync())
            {
                cancellationToken.ThrowIfCancellationRequested();
                total++;
                var row = new Dictionary<DataExtensionFieldInfo, string?>(columns.Length);
                var bad = false;
                for (var i = 0; i < columns.Length && !bad; i++)
                {
                    if (columns[i] is { } field && csv.TryGetField<string>(i, out var value) && !string.IsNullOrEmpty(value))
                    {
                        // A value of the wrong type (or too long) makes the row an error, as a missing required value does.
                        bad = EmulatorStore.NormalizeText(field, value, out var text) is not null;
                        row[field] = text;
                    }
                }

                if (bad || required.Any(f => !row.TryGetValue(f, out var v) || v is null))
                {
                    errors++;
                    continue;
                }

                var identity = string.Join("\u001f", dataExtension.PrimaryKey.Select(f => row.GetValueOrDefault(f)));
                if (dataExtension.PrimaryKey.Count > 0 && !seen.Add(identity))
                {
                    duplicated++;
                    continue;
                }

                rows.Add(row);
            }
        }

        var updateType = definition.GetValueOrDefault("UpdateType");
        var allowErrors = IsTrue(definition.GetValueOrDefault("AllowErrors"));
        var valid = new List<Dictionary<DataExtensionFieldInfo, string?>>();
        foreach (var row in rows)
        {
            var exists = dataExtension.PrimaryKey.Count > 0 && updateType is "AddAndDoNotUpdate" or "UpdateButDoNotAdd" && await store.RowExistsAsync(dataExtension, row, cancellationToken);
            if ((updateType == "AddAndDoNotUpdate" && exists) || (updateType == "UpdateButDoNotAdd" && !exists))
            {
                continue; // left alone by this UpdateType: neither imported nor an error
            }

            valid.Add(row);
        }

        if (errors > 0 && !allowErrors)
        {
            return new ImportCounts(total, 0, duplicated, errors, "Rows with errors and AllowErrors false: nothing was imported.");
        }

        if (updateType == "Overwrite")
        {
            await store.DeleteAllRowsAsync(dataExtension, cancellationToken);
        }

        await store.WriteImportedAsync(dataExtension, valid, cancellationToken);
        return new ImportCounts(total, valid.Count, duplicated, errors, null);
    }
}
