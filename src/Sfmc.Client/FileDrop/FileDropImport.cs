using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using nietras.SeparatedValues;

namespace Sfmc.Client;

/// <summary>How <c>ImportAsync</c> drops a file and imports it.</summary>
public sealed record FileDropOptions
{
    /// <summary>The file's name in the import folder; default <c>{DE key}_{UTC yyyyMMdd_HHmmss}.csv</c>. Written under this name directly (a File Drop automation fires on an upload, not a rename).</summary>
    public string? FileName { get; init; }

    /// <summary>The ImportDefinition's CustomerKey; default <c>sfmc-import-{DE key}</c> (a hash when longer than 36 characters). Created or updated on each call.</summary>
    public string? ImportDefinitionKey { get; init; }

    /// <summary>What happens to existing rows (default AddAndUpdate; a DE without a primary key only allows Overwrite).</summary>
    public SfmcImportUpdateType UpdateType { get; init; } = SfmcImportUpdateType.AddAndUpdate;

    /// <summary>Import the good rows when some are bad (default false: a bad row fails the import).</summary>
    public bool AllowErrors { get; init; }

    /// <summary>The CSV's delimiter and formula neutralising.</summary>
    public DataExtensionCsvOptions Csv { get; init; } = new();

    /// <summary>
    /// For a file written elsewhere (<c>ImportFileAsync</c>): import even when header names match no field exactly.
    /// SFMC skips such a column without an error; by default the call refuses the file before uploading it, naming the
    /// columns (and the field a column would match ignoring case). When true, they are listed in
    /// <see cref="SfmcImportResult.UnmatchedColumns"/>.
    /// </summary>
    public bool AllowUnmatchedColumns { get; init; }

    /// <summary>Delete the file from the SFTP after a completed import (default false; SFMC keeps files 21 days).</summary>
    public bool DeleteFileAfterImport { get; init; }

    /// <summary>How long to wait for the import (default 1 hour). Imports take minutes, not seconds.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The first status poll's delay (default 5 s); later polls grow 1.5× up to a minute.</summary>
    public TimeSpan FirstPoll { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bytes uploaded so far.</summary>
    public IProgress<long>? UploadProgress { get; init; }
}

/// <summary>The file drop's steps behind <see cref="DataExtensionClient{TRow}.ImportAsync(IAsyncEnumerable{TRow}, FileDropOptions?, CancellationToken)"/>.</summary>
internal static class FileDropImport
{
    public static async Task<SfmcImportResult> RunAsync<TRow>(SfmcClient client, Func<Stream, CancellationToken, Task<long>>? writeRows, Stream? file, FileDropOptions options, CancellationToken cancellationToken)
        where TRow : IDataExtensionRow<TRow>
    {
        var schema = TRow.Schema;
        if (schema.PrimaryKey.Count == 0 && options.UpdateType != SfmcImportUpdateType.Overwrite)
        {
            throw new InvalidOperationException($"Data extension '{schema.CustomerKey}' has no primary key: SFMC imports into it only with UpdateType Overwrite.");
        }

        var now = client.Time.GetUtcNow();
        var fileName = options.FileName ?? $"{schema.CustomerKey}_{now:yyyyMMdd_HHmmss}.csv";
        if (fileName.IndexOfAny(['\\', '/', ':', '*', '<', '>', '|', '?', '"']) >= 0)
        {
            throw new ArgumentException($"SFMC file names cannot contain \\ / : * < > | ? \" ('{fileName}'); use FileDropOptions.FileName.", nameof(options));
        }

        var definitionKey = options.ImportDefinitionKey ?? DefaultDefinitionKey(schema.CustomerKey);
        using var activity = SfmcTelemetry.ActivitySource.StartActivity("Sfmc.DataExtension.Import");
        activity?.SetTag("sfmc.data_extension.key", schema.CustomerKey);

        // The header of a file written elsewhere is checked before anything is uploaded.
        var prefix = ReadOnlyMemory<byte>.Empty;
        IReadOnlyList<string> unmatched = [];
        if (file is not null)
        {
            (prefix, unmatched) = await CheckHeaderAsync(file, schema, options, cancellationToken);
        }

        // One import into a DE at a time in this process (SFMC: imports into one target must not overlap).
        var gate = client.ImportGate(schema.CustomerKey);
        await gate.WaitAsync(cancellationToken);
        try
        {
            await client.Imports.EnsureDefinitionAsync(new SfmcImportDefinition(definitionKey, schema.CustomerKey, fileName)
            {
                UpdateType = options.UpdateType,
                AllowErrors = options.AllowErrors,
                Delimiter = options.Csv.Delimiter.ToString(),
            }, cancellationToken);

            var remotePath = client.FileTransfer.ImportPath(fileName);
            long? rowsWritten = null;
            if (writeRows is not null)
            {
                rowsWritten = await UploadRowsAsync(client, writeRows, remotePath, options.UploadProgress, cancellationToken);
            }
            else
            {
                await client.FileTransfer.UploadAsync(prefix, file!, remotePath, options.UploadProgress, cancellationToken);
            }

            var taskId = await client.Imports.StartAsync(definitionKey, cancellationToken);
            var result = await client.Imports.WaitAsync(taskId, options.FirstPoll, options.Timeout, cancellationToken) with
            {
                RowsWritten = rowsWritten,
                UnmatchedColumns = unmatched,
                FileName = fileName,
            };
            activity?.SetTag("sfmc.import.status", result.Status);
            client.Logger.LogInformation("Import {TaskId} of {File} into {Key}: {Status}, {Successful} of {Total} rows imported, {Errors} errors, {Duplicated} duplicates.",
                taskId, fileName, schema.CustomerKey, result.Status, result.Successful, result.TotalRows, result.Errors, result.Duplicated);
            if (options.DeleteFileAfterImport && result.IsSuccess)
            {
                await client.FileTransfer.DeleteAsync(remotePath, cancellationToken);
            }

            return result;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Writes the rows as CSV into a pipe that the upload reads as it goes (no temporary file) and returns the row
    /// count. A failure of the rows (one that broke its schema) deletes the partial file and is what is thrown.
    /// </summary>
    private static async Task<long> UploadRowsAsync(SfmcClient client, Func<Stream, CancellationToken, Task<long>> writeRows, string remotePath, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(async () =>
        {
            // The pipe is completed here, not by disposing its stream: a disposed stream would end the file normally,
            // and a row that broke its schema must fail the upload, not truncate it.
            var output = pipe.Writer.AsStream(leaveOpen: true);
            try
            {
                var count = await writeRows(output, stop.Token);
                await output.FlushAsync(stop.Token);
                await pipe.Writer.CompleteAsync();
                return count;
            }
            catch (Exception ex)
            {
                await pipe.Writer.CompleteAsync(ex);
                throw;
            }
        }, CancellationToken.None);

        Exception? uploadError = null;
        try
        {
            await using var input = pipe.Reader.AsStream();
            await client.FileTransfer.UploadAsync(ReadOnlyMemory<byte>.Empty, input, remotePath, progress, stop.Token);
        }
        catch (Exception ex)
        {
            uploadError = ex;
            await stop.CancelAsync();
        }

        long rows = 0;
        try
        {
            rows = await producer;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || uploadError is null)
        {
            // A row that broke its schema (or the rows' own source failing) is the cause: the partial file goes, and
            // that error is thrown, not the upload's.
            await DeletePartialAsync(client, remotePath);
            throw;
        }
        catch (OperationCanceledException) when (uploadError is not null)
        {
        }

        if (uploadError is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(uploadError);
        }

        return rows;
    }

    /// <summary><c>sfmc-import-{key}</c>, or a stable hash of the key when that is longer than SFMC's 36 characters.</summary>
    internal static string DefaultDefinitionKey(string dataExtensionKey)
    {
        var key = "sfmc-import-" + dataExtensionKey;
        return key.Length <= 36 ? key : "sfmc-import-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataExtensionKey)))[..24];
    }

    private static async Task DeletePartialAsync(SfmcClient client, string remotePath)
    {
        try
        {
            await client.FileTransfer.DeleteAsync(remotePath, CancellationToken.None);
        }
        catch (Exception ex) when (ex is SfmcException or IOException or InvalidOperationException or Renci.SshNet.Common.SshException)
        {
            client.Logger.LogWarning("The partial file {Path} could not be deleted ({Error}); delete it before a File Drop automation picks it up.", remotePath, ex.GetType().Name);
        }
    }

    /// <summary>
    /// Reads the file's header line (returned as bytes to upload first) and compares its names with the DE's fields:
    /// SFMC matches them by exact name and silently skips the others.
    /// </summary>
    private static async Task<(ReadOnlyMemory<byte> Prefix, IReadOnlyList<string> Unmatched)> CheckHeaderAsync(Stream file, DataExtensionInfo schema, FileDropOptions options, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var one = new byte[1];
        while (buffer.Length < 1 << 20 && await file.ReadAsync(one, cancellationToken) == 1)
        {
            buffer.WriteByte(one[0]);
            if (one[0] == (byte)'\n')
            {
                break;
            }
        }

        var line = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length).TrimStart('\uFEFF').TrimEnd('\r', '\n');
        using var header = Sep.Reader(o => o with { Sep = new Sep(options.Csv.Delimiter), Unescape = true }).FromText(line + "\n");
        var names = header.Header.ColNames;
        var unmatched = names.Where(n => !schema.Fields.Any(f => string.Equals(f.Name, n, StringComparison.Ordinal))).ToArray();
        if (unmatched.Length > 0 && !options.AllowUnmatchedColumns)
        {
            var described = unmatched.Select(n => schema.FindField(n) is { } near ? $"'{n}' (did you mean '{near.Name}'? names are case-sensitive)" : $"'{n}'");
            throw new InvalidDataException($"The file's header has columns that match no field of '{schema.CustomerKey}', which SFMC would skip without an error: {string.Join(", ", described)}. Nothing was uploaded. Fix the header, or set FileDropOptions.AllowUnmatchedColumns.");
        }

        return (buffer.ToArray(), unmatched);
    }
}
