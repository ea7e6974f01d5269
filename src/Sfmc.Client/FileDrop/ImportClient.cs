using System;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Sfmc.Client.Soap;

namespace Sfmc.Client;

/// <summary>How an import treats rows whose primary key exists (an ImportDefinition's UpdateType).</summary>
public enum SfmcImportUpdateType
{
    /// <summary>Add new rows, update existing ones.</summary>
    AddAndUpdate,

    /// <summary>Add new rows only.</summary>
    AddAndDoNotUpdate,

    /// <summary>Update existing rows only.</summary>
    UpdateButDoNotAdd,

    /// <summary>Replace every row (the only choice for a DE without a primary key).</summary>
    Overwrite,
}

/// <summary>An ImportDefinition: a CSV file dropped on the account's SFTP <c>Import</c> folder, loaded into a DE.</summary>
/// <param name="CustomerKey">The definition's key.</param>
/// <param name="DataExtensionKey">The DE it loads (CustomerKey, case-sensitive).</param>
/// <param name="FileSpec">The file name under <c>Import/</c> (SFMC's <c>%%Year%%</c>… substitutions allowed).</param>
public sealed record SfmcImportDefinition(string CustomerKey, string DataExtensionKey, string FileSpec)
{
    /// <summary>What happens to existing rows (default AddAndUpdate).</summary>
    public SfmcImportUpdateType UpdateType { get; init; } = SfmcImportUpdateType.AddAndUpdate;

    /// <summary>Import the good rows when some are bad (default false: a bad row fails the import).</summary>
    public bool AllowErrors { get; init; }

    /// <summary>The column delimiter (default <c>,</c>).</summary>
    public string Delimiter { get; init; } = ",";
}

/// <summary>How an import ended, from its ImportResultsSummary.</summary>
/// <param name="TaskId">The TaskResultID the start returned.</param>
/// <param name="Status">ImportStatus: Completed or Error (or the last one seen when the wait timed out).</param>
/// <param name="TotalRows">Rows in the file.</param>
/// <param name="Successful">Rows imported.</param>
/// <param name="Duplicated">Rows skipped as duplicate keys within the file.</param>
/// <param name="Errors">Rows refused.</param>
public sealed record SfmcImportResult(string TaskId, string Status, int? TotalRows, int? Successful, int? Duplicated, int? Errors)
{
    /// <summary>The import completed with no refused rows.</summary>
    public bool IsSuccess => string.Equals(Status, "Completed", StringComparison.OrdinalIgnoreCase) && Errors is null or 0;

    /// <summary>The file's name in the import folder (set by <c>ImportAsync</c>/<c>ImportFileAsync</c>).</summary>
    public string? FileName { get; init; }

    /// <summary>Rows <c>ImportAsync</c> wrote into the file; compare with <see cref="Successful"/> (null for a file written elsewhere).</summary>
    public long? RowsWritten { get; init; }

    /// <summary>Every row written was imported: <see cref="IsSuccess"/>, and <see cref="Successful"/> equals <see cref="RowsWritten"/>.</summary>
    public bool AllRowsImported => IsSuccess && RowsWritten is { } written && Successful == written;

    /// <summary>Header columns that match no field by exact name: SFMC skipped them (<see cref="FileDropOptions.AllowUnmatchedColumns"/>).</summary>
    public System.Collections.Generic.IReadOnlyList<string> UnmatchedColumns { get; init; } = [];
}

/// <summary>
/// File-drop imports over SOAP: create or update an ImportDefinition, start it (Perform), and wait for its
/// ImportResultsSummary. Imports take minutes, not seconds; the wait polls with a growing interval. Get it from
/// <see cref="SfmcClient.Imports"/>.
/// </summary>
public sealed class ImportClient
{
    private static readonly string[] SummaryProperties = ["TaskResultID", "ImportStatus", "TotalRows", "NumberSuccessful", "NumberDuplicated", "NumberErrors"];
    private readonly SfmcClient _client;

    internal ImportClient(SfmcClient client) => _client = client;

    /// <summary>Creates the ImportDefinition, or updates it to this (an upsert by CustomerKey): CSV, columns matched to fields by name.</summary>
    /// <exception cref="SfmcException">SFMC refused it (its message: an unknown DE, a keyless DE without Overwrite…).</exception>
    public async Task EnsureDefinitionAsync(SfmcImportDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var import = new SoapUntypedObject("ImportDefinition")
            .Set("CustomerKey", definition.CustomerKey)
            .Set("Name", definition.CustomerKey)
            .Set("AllowErrors", definition.AllowErrors ? "true" : "false");
        import.Elements.Add(new SoapExtensionElement("DestinationObject", [new SoapExtensionElement("CustomerKey", definition.DataExtensionKey)], xsiType: "DataExtension"));
        import.Set("FieldMappingType", "InferFromColumnHeadings")
            .Set("FileSpec", definition.FileSpec)
            .Set("FileType", "CSV");
        import.Elements.Add(new SoapExtensionElement("RetrieveFileTransferLocation", [new SoapExtensionElement("CustomerKey", "ExactTarget Enhanced FTP")]));
        import.Set("UpdateType", definition.UpdateType.ToString())
            .Set("Delimiter", definition.Delimiter)
            .Set("HeaderLines", "1");
        (await _client.Soap.UpsertAsync([import], null, cancellationToken)).EnsureSuccess();
    }

    /// <summary>Starts the import (Perform <c>start</c>) and returns its TaskResultID. Not retried: a second start would import twice.</summary>
    /// <exception cref="SfmcException">SFMC did not start it.</exception>
    public async Task<string> StartAsync(string importDefinitionKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(importDefinitionKey);
        var result = (await _client.Soap.PerformAsync(SoapPerformActions.Start, [new SoapUntypedObject("ImportDefinition").Set("CustomerKey", importDefinitionKey)], null, cancellationToken)).Results.Single();
        return result is { IsSuccess: true, Task.Id: { Length: > 0 } id }
            ? id
            : throw new SfmcException($"SFMC did not start import '{importDefinitionKey}': {result.StatusMessage}", null, result.ErrorCode);
    }

    /// <summary>
    /// Polls the import's ImportResultsSummary until it is Completed or Error: first after <paramref name="firstPoll"/>
    /// (default 5 s), then at 1.5× the last interval up to 1 minute, for at most <paramref name="timeout"/> (default 1 hour).
    /// </summary>
    /// <exception cref="TimeoutException">Still not finished after <paramref name="timeout"/>.</exception>
    public async Task<SfmcImportResult> WaitAsync(string taskId, TimeSpan? firstPoll = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        var time = _client.Time;
        var deadline = time.GetUtcNow() + (timeout ?? TimeSpan.FromHours(1));
        var interval = firstPoll ?? TimeSpan.FromSeconds(5);
        SfmcImportResult? last = null;
        while (true)
        {
            var summary = await _client.Soap.RetrieveAsync("ImportResultsSummary", SummaryProperties, SoapProperty.Named<string>("TaskResultID").IsEqualTo(taskId), null, cancellationToken)
                .FirstOrDefaultAsync(cancellationToken);
            if (summary is not null)
            {
                last = new SfmcImportResult(taskId, summary["ImportStatus"] ?? "", Int(summary["TotalRows"]), Int(summary["NumberSuccessful"]), Int(summary["NumberDuplicated"]), Int(summary["NumberErrors"]));
                if (last.Status is "Completed" or "Error")
                {
                    return last;
                }
            }

            if (time.GetUtcNow() + interval > deadline)
            {
                throw new TimeoutException($"Import task {taskId} was still {last?.Status ?? "not reported"} after {timeout ?? TimeSpan.FromHours(1)}.");
            }

            await Task.Delay(interval, time, cancellationToken);
            interval = TimeSpan.FromTicks(Math.Min((long)(interval.Ticks * 1.5), TimeSpan.FromMinutes(1).Ticks));
        }
    }

    /// <summary>Starts the import and waits for its result.</summary>
    public async Task<SfmcImportResult> RunAsync(string importDefinitionKey, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        await WaitAsync(await StartAsync(importDefinitionKey, cancellationToken), null, timeout, cancellationToken);

    private static int? Int(string? value) => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : null;
}
