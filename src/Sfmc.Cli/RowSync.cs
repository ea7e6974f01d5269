using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CsvHelper;
using CsvHelper.Configuration;
using Sfmc.Client;

namespace Sfmc.Cli;

/// <summary>
/// <c>sfmc sync</c>: rows from a CSV or JSON Lines file into a DE, typed by its definition, in chunks of
/// <see cref="ChunkSize"/> rows. After each chunk SFMC acknowledged, a checkpoint next to the input records how many
/// input rows are done, so <c>--resume</c> skips exactly those. Memory holds one chunk, whatever the file size.
/// </summary>
internal sealed class RowSync(DataExtensionInfo dataExtension, string path)
{
    /// <summary>Rows per chunk: the unit of acknowledgement and resumption (the writer batches and parallelises inside it).</summary>
    public const int ChunkSize = 5000;

    private static readonly JsonSerializerOptions CheckpointJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string CheckpointPath => path + ".sfmc-sync.json";

    public string FailedPath => path + ".failed.csv";

    /// <summary>
    /// Reads the whole file once without sending anything: the columns are fields of the DE (exact names: import
    /// headers are case-sensitive), required ones are there, every line parses. Returns the row count.
    /// </summary>
    /// <exception cref="InvalidDataException">The first problem, with the file and line.</exception>
    public long Validate(CancellationToken cancellationToken)
    {
        long count = 0;
        foreach (var _ in Read(0, cancellationToken))
        {
            count++;
        }

        return count;
    }

    /// <summary>The input rows from number <paramref name="skip"/> on (0-based), each with its line and values by field name.</summary>
    public IEnumerable<InputRow> Read(long skip, CancellationToken cancellationToken) =>
        path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? ReadCsv(skip, cancellationToken) : ReadJsonLines(skip, cancellationToken);

    public Checkpoint? LoadCheckpoint()
    {
        if (!File.Exists(CheckpointPath))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<Checkpoint>(File.ReadAllText(CheckpointPath), CheckpointJson);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{CheckpointPath}: not a checkpoint sfmc sync wrote ({ex.Message}); delete it or pass --restart.", ex);
        }
    }

    /// <summary>Written after each acknowledged chunk: to a temporary file, then moved over the old one, so a kill never leaves half a checkpoint.</summary>
    public void SaveCheckpoint(Checkpoint checkpoint)
    {
        var temporary = CheckpointPath + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(checkpoint, CheckpointJson));
        File.Move(temporary, CheckpointPath, overwrite: true);
    }

    /// <summary>
    /// A chunk as rows for the writer: values typed by the field (Number, Decimal, Boolean parsed; Date checked; text
    /// lengths checked). A row that does not fit its DE is returned as failed instead of being sent.
    /// </summary>
    public (List<DataExtensionRow> Rows, Dictionary<string, InputRow> ByKey, List<(InputRow Row, string Message)> Invalid) Prepare(IReadOnlyList<InputRow> chunk)
    {
        var rows = new List<DataExtensionRow>(chunk.Count);
        var byKey = new Dictionary<string, InputRow>(StringComparer.OrdinalIgnoreCase);
        var invalid = new List<(InputRow, string)>();
        foreach (var input in chunk)
        {
            var keys = new Dictionary<string, object?>(StringComparer.Ordinal);
            var values = new Dictionary<string, object?>(StringComparer.Ordinal);
            string? error = null;
            foreach (var field in dataExtension.Fields)
            {
                var present = input.Values.TryGetValue(field.Name, out var text);
                if (string.IsNullOrEmpty(text))
                {
                    if (field.IsRequired && field.DefaultValue is null)
                    {
                        error = $"'{field.Name}' is required";
                        break;
                    }

                    if (present)
                    {
                        (field.IsPrimaryKey ? keys : values)[field.Name] = null;
                    }

                    continue;
                }

                var (converted, problem) = Convert(field, text);
                if (problem is not null)
                {
                    error = $"'{field.Name}': {problem}";
                    break;
                }

                (field.IsPrimaryKey ? keys : values)[field.Name] = converted;
            }

            if (error is not null)
            {
                invalid.Add((input, error));
                continue;
            }

            rows.Add(new DataExtensionRow(keys, values));
            byKey[KeyText(keys.Select(k => (k.Key, Text(k.Value))))] = input;
        }

        return (rows, byKey, invalid);
    }

    /// <summary>A key value as text, culture-invariant.</summary>
    public static string? Text(object? value) => value is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : value?.ToString();

    /// <summary>
    /// Sends the rows after the checkpoint's, chunk by chunk, saving the checkpoint after each; failed rows go to
    /// <see cref="FailedPath"/>. <paramref name="report"/> gets the running totals after each request. A cancellation
    /// stops after the request in flight; what was acknowledged stays in the checkpoint.
    /// </summary>
    public async Task<SyncTotals> RunAsync(DataExtensionRowsClient rows, bool insert, DataExtensionApi api, Checkpoint start, Action<SyncTotals> report, CancellationToken cancellationToken)
    {
        var totals = new SyncTotals { Acknowledged = start.Acknowledged, Written = start.Written, Failed = start.Failed };
        var clock = Stopwatch.StartNew();
        var chunk = new List<InputRow>(ChunkSize);
        foreach (var input in Read(start.Acknowledged, cancellationToken))
        {
            chunk.Add(input);
            if (chunk.Count == ChunkSize)
            {
                await SendAsync();
                chunk.Clear();
            }
        }

        if (chunk.Count > 0)
        {
            await SendAsync();
        }

        return totals;

        async Task SendAsync()
        {
            var (prepared, byKey, invalid) = Prepare(chunk);
            var before = totals with { };
            var progress = new Progress(p =>
            {
                report(totals with
                {
                    Written = before.Written + p.RowsSucceeded,
                    Failed = before.Failed + invalid.Count + p.RowsFailed,
                    Requests = before.Requests + p.Requests,
                    Retries = before.Retries + p.Retries,
                    Throttles = before.Throttles + p.Throttles,
                    Elapsed = clock.Elapsed,
                });
            });
            var options = new DataExtensionWriteOptions { Api = api, Progress = progress };
            var result = prepared.Count == 0
                ? null
                : insert ? await rows.InsertAsync(prepared, options, cancellationToken) : await rows.UpsertAsync(prepared, options, cancellationToken);
            var failed = invalid.Select(i => ((InputRow?)i.Row, i.Message)).ToList();
            foreach (var error in result?.FailedRows ?? [])
            {
                var row = byKey.GetValueOrDefault(KeyText(error.PrimaryKey.Values.Select(v => (v.Key, Text(v.Value)))));
                failed.Add((row, error.ErrorCode is { } code ? $"{error.Message} (errorcode {code.ToString(CultureInfo.InvariantCulture)})" : error.Message));
            }

            AppendFailed(failed);
            totals = totals with
            {
                Acknowledged = totals.Acknowledged + chunk.Count,
                Written = totals.Written + (result?.RowsSucceeded ?? 0),
                Failed = totals.Failed + invalid.Count + (result?.FailedRows.Count ?? 0),
                Requests = totals.Requests + (result?.Requests ?? 0),
                Retries = totals.Retries + (result?.Retries ?? 0),
                Throttles = totals.Throttles + (result?.Throttles ?? 0),
                Elapsed = clock.Elapsed,
            };
            SaveCheckpoint(start with { Acknowledged = totals.Acknowledged, Written = totals.Written, Failed = totals.Failed });
            report(totals);
        }
    }

    /// <summary>Synchronous progress: the writer reports from its own threads; totals are folded there, not posted to a context.</summary>
    private sealed class Progress(Action<DataExtensionProgress> report) : IProgress<DataExtensionProgress>
    {
        public void Report(DataExtensionProgress value) => report(value);
    }

    /// <summary>The text that identifies a row by its primary key, the same for an input row and an error SFMC reports.</summary>
    public static string KeyText(IEnumerable<(string Name, string? Value)> key) =>
        string.Join("\u001f", key.OrderBy(k => k.Name, StringComparer.OrdinalIgnoreCase).Select(k => k.Name.ToUpperInvariant() + "=" + k.Value));

    /// <summary>
    /// Appends failed rows to <c>&lt;file&gt;.failed.csv</c>: the input line, the DE's fields, then SFMC's (or the
    /// check's) message on one line. A row SFMC's async results do not identify has its message and empty fields.
    /// </summary>
    public void AppendFailed(IEnumerable<(InputRow? Row, string Message)> failed)
    {
        var list = failed.ToList();
        if (list.Count == 0)
        {
            return;
        }

        var exists = File.Exists(FailedPath);
        using var writer = new StreamWriter(FailedPath, append: true, new UTF8Encoding(false));
        using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
        if (!exists)
        {
            csv.WriteField("line");
            foreach (var field in dataExtension.Fields)
            {
                csv.WriteField(field.Name);
            }

            csv.WriteField("error");
            csv.NextRecord();
        }

        foreach (var (row, message) in list)
        {
            csv.WriteField(row?.Line.ToString(CultureInfo.InvariantCulture) ?? "");
            foreach (var field in dataExtension.Fields)
            {
                csv.WriteField(row is not null && row.Values.TryGetValue(field.Name, out var value) ? value : "");
            }

            csv.WriteField(string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim())));
            csv.NextRecord();
        }
    }

    private (object? Value, string? Error) Convert(DataExtensionFieldInfo field, string text)
    {
        switch (field.FieldType)
        {
            case DataExtensionFieldType.Number:
                return long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) ? (number, null) : (null, $"'{text}' is not a Number");
            case DataExtensionFieldType.Decimal:
                return decimal.TryParse(text.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var value) ? (value, null) : (null, $"'{text}' is not a Decimal");
            case DataExtensionFieldType.Boolean:
                return text.Trim().ToUpperInvariant() switch
                {
                    "TRUE" or "1" or "Y" or "YES" => (true, null),
                    "FALSE" or "0" or "N" or "NO" => (false, null),
                    _ => (null, $"'{text}' is not a Boolean"),
                };
            case DataExtensionFieldType.Date:
                return DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out _) ? (text.Trim(), null) : (null, $"'{text}' is not a Date");
            default:
                var limit = field.MaxLength ?? (field.FieldType == DataExtensionFieldType.EmailAddress ? 254 : 4000);
                return text.Length > limit ? (null, $"{text.Length} characters, longer than its MaxLength {limit}") : (text, null);
        }
    }

    private IEnumerable<InputRow> ReadCsv(long skip, CancellationToken cancellationToken)
    {
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            BadDataFound = args => throw new InvalidDataException($"{path}({args.Context.Parser?.RawRow.ToString(CultureInfo.InvariantCulture)}): a quote in the middle of a field; quote the whole field and double inner quotes."),
        };
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        using var csv = new CsvReader(reader, configuration);
        string[] header;
        try
        {
            if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { Length: > 0 } names)
            {
                throw new InvalidDataException($"{path}: no header line (the first line names the DE's fields).");
            }

            header = names;
        }
        catch (CsvHelperException ex)
        {
            throw new InvalidDataException($"{path}(1): {FirstLine(ex.Message)}", ex);
        }

        CheckColumns(header, 1);
        long number = 0;
        var previousEnd = csv.Parser.RawRow;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string[] fields;
            long line;
            try
            {
                if (!csv.Read())
                {
                    yield break;
                }

                // A record starts on the line after the previous one ended (a quoted field may span lines).
                line = previousEnd + 1;
                var end = csv.Parser.RawRow;
                previousEnd = end;
                if (csv.Parser.Count != header.Length)
                {
                    var span = end > line ? $" (the record runs to line {end.ToString(CultureInfo.InvariantCulture)}: a quote not closed?)" : "";
                    throw new InvalidDataException($"{path}({line.ToString(CultureInfo.InvariantCulture)}): {csv.Parser.Count} fields where the header has {header.Length}{span}.");
                }

                fields = csv.Parser.Record ?? [];
            }
            catch (CsvHelperException ex)
            {
                throw new InvalidDataException($"{path}({csv.Parser.RawRow.ToString(CultureInfo.InvariantCulture)}): {FirstLine(ex.Message)}", ex);
            }

            if (number++ < skip)
            {
                continue;
            }

            var values = new Dictionary<string, string?>(header.Length, StringComparer.Ordinal);
            for (var i = 0; i < header.Length; i++)
            {
                values[header[i]] = fields[i];
            }

            yield return new InputRow(number - 1, line, values);
        }
    }

    private IEnumerable<InputRow> ReadJsonLines(long skip, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        long line = 0, number = 0;
        while (reader.ReadLine() is { } text)
        {
            cancellationToken.ThrowIfCancellationRequested();
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            if (number++ < skip)
            {
                continue;
            }

            Dictionary<string, string?> values;
            try
            {
                using var document = JsonDocument.Parse(text);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidDataException($"{path}({line.ToString(CultureInfo.InvariantCulture)}): each line must be one JSON object of field names and values.");
                }

                values = document.RootElement.EnumerateObject().ToDictionary(
                    p => p.Name,
                    p => p.Value.ValueKind switch
                    {
                        JsonValueKind.Null => null,
                        JsonValueKind.String => p.Value.GetString(),
                        JsonValueKind.True => "true",
                        JsonValueKind.False => "false",
                        JsonValueKind.Number => p.Value.GetRawText(),
                        _ => throw new InvalidDataException($"{path}({line.ToString(CultureInfo.InvariantCulture)}): '{p.Name}' is an {p.Value.ValueKind.ToString().ToLowerInvariant()}; a field's value is a string, number, boolean or null."),
                    },
                    StringComparer.Ordinal);
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{path}({line.ToString(CultureInfo.InvariantCulture)}): not JSON: {ex.Message}", ex);
            }
            catch (ArgumentException ex)
            {
                throw new InvalidDataException($"{path}({line.ToString(CultureInfo.InvariantCulture)}): {ex.Message}", ex);
            }

            CheckColumns(values.Keys, line);
            yield return new InputRow(number - 1, line, values);
        }
    }

    /// <summary>Every column is a field (exact name) and every required field without a default is there.</summary>
    private void CheckColumns(IEnumerable<string> columns, long line)
    {
        var set = columns.ToHashSet(StringComparer.Ordinal);
        foreach (var column in set)
        {
            if (dataExtension.Fields.Any(f => string.Equals(f.Name, column, StringComparison.Ordinal)))
            {
                continue;
            }

            var near = dataExtension.Fields.FirstOrDefault(f => string.Equals(f.Name, column, StringComparison.OrdinalIgnoreCase));
            throw new InvalidDataException(near is not null
                ? $"{path}({line.ToString(CultureInfo.InvariantCulture)}): the column '{column}' is the field '{near.Name}' of '{dataExtension.CustomerKey}' in another case; import headers are case-sensitive."
                : $"{path}({line.ToString(CultureInfo.InvariantCulture)}): '{column}' is not a field of '{dataExtension.CustomerKey}' (its fields: {string.Join(", ", dataExtension.Fields.Select(f => f.Name))}).");
        }

        if (dataExtension.Fields.FirstOrDefault(f => (f.IsPrimaryKey || (f.IsRequired && f.DefaultValue is null)) && !set.Contains(f.Name)) is { } missing)
        {
            throw new InvalidDataException($"{path}({line.ToString(CultureInfo.InvariantCulture)}): the {(missing.IsPrimaryKey ? "primary-key" : "required")} field '{missing.Name}' has no column.");
        }
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}

/// <summary>Running totals of a sync (this run and the ones it resumes).</summary>
internal sealed record SyncTotals
{
    /// <summary>Input rows done: written, or failed and in the failed-rows file.</summary>
    public long Acknowledged { get; init; }

    public long Written { get; init; }

    public long Failed { get; init; }

    public int Requests { get; init; }

    public int Retries { get; init; }

    public int Throttles { get; init; }

    /// <summary>Time of this run.</summary>
    public TimeSpan Elapsed { get; init; }
}

/// <summary>One input row: its number (0-based, what a checkpoint counts), its line in the file, its values by field name.</summary>
internal sealed record InputRow(long Number, long Line, IReadOnlyDictionary<string, string?> Values);

/// <summary>What <c>sfmc sync</c> keeps next to the input: how many input rows SFMC acknowledged, for <c>--resume</c>.</summary>
/// <param name="Key">The DE.</param>
/// <param name="Mode">upsert or insert.</param>
/// <param name="InputLength">The input's size when the run started: a changed file is not resumed.</param>
/// <param name="Acknowledged">Input rows done (written or reported failed), counted from the first.</param>
/// <param name="Written">Rows SFMC wrote.</param>
/// <param name="Failed">Rows that failed (in the failed-rows file).</param>
internal sealed record Checkpoint(string Key, string Mode, long InputLength, long Acknowledged, long Written, long Failed);
