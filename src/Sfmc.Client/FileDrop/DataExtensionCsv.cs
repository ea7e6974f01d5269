using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using nietras.SeparatedValues;

namespace Sfmc.Client;

/// <summary>How generated rows are written as an import file.</summary>
public sealed record DataExtensionCsvOptions
{
    /// <summary>The column delimiter (default <c>,</c>; also <c>;</c>, <c>|</c>, tab…, but not a letter, digit, <c>. - + : ' "</c> or space, which values contain); the ImportDefinition names the same one.</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>
    /// Prefix text cells that begin with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, tab or carriage return with an apostrophe,
    /// so a spreadsheet that opens the file does not run them as formulas (CSV injection). Off by default: it changes the
    /// data SFMC stores (the apostrophe is imported too), so turn it on only for files people will open.
    /// </summary>
    public bool NeutralizeFormulas { get; init; }
}

/// <summary>
/// One CSV record being written for a generated row: the row's <c>WriteCsv</c> sets each field by its index
/// in the schema, in formats an Import Activity reads the same whatever the account's locale (see
/// <see cref="DataExtensionCsv"/>). A null value is an empty cell.
/// </summary>
public ref struct DataExtensionCsvRecord
{
    private static readonly TimeSpan ServerOffset = TimeSpan.FromHours(-6);
    private SepWriter.Row _row;
    private readonly bool _neutralize;
    private readonly System.Buffers.SearchValues<char> _quoteWhen;

    internal DataExtensionCsvRecord(SepWriter.Row row, bool neutralize, System.Buffers.SearchValues<char> quoteWhen)
    {
        _row = row;
        _neutralize = neutralize;
        _quoteWhen = quoteWhen;
    }

    /// <summary>A text field (Text, EmailAddress, Phone, Locale): as is, quoted when it holds the delimiter, a quote or a line break.</summary>
    public void Text(int field, string? value)
    {
        if (value is null)
        {
            Empty(field);
            return;
        }

        var neutralize = _neutralize && value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r';
        if (value.AsSpan().IndexOfAny(_quoteWhen) >= 0)
        {
            SetQuoted(field, value, neutralize);
        }
        else if (neutralize)
        {
            _row[field].Set($"'{value}");
        }
        else
        {
            _row[field].Set(value);
        }
    }

    /// <summary>A Number field: invariant digits, leading <c>-</c>.</summary>
    public void Int(int field, int? value)
    {
        if (value is { } number)
        {
            _row[field].Format(number);
        }
        else
        {
            Empty(field);
        }
    }

    /// <summary>A Decimal field: invariant, <c>.</c> as the decimal separator, no grouping, no exponent.</summary>
    public void Decimal(int field, decimal? value)
    {
        if (value is { } number)
        {
            _row[field].Format(number);
        }
        else
        {
            Empty(field);
        }
    }

    /// <summary>A Boolean field: <c>true</c> or <c>false</c>.</summary>
    public void Boolean(int field, bool? value)
    {
        if (value is { } flag)
        {
            _row[field].Set(flag ? "true"u8 : "false"u8);
        }
        else
        {
            Empty(field);
        }
    }

    /// <summary>
    /// A Date field: ISO 8601 <c>yyyy-MM-ddTHH:mm:ss[.fff]</c> without offset, in SFMC's server time (CST, UTC−6, no
    /// daylight saving). UTC and local values are converted to it; unspecified values are taken as server time, as the
    /// REST writer does. Year first with a <c>T</c> is read one way under every DateFormattingLocale.
    /// </summary>
    public void Date(int field, DateTime? value)
    {
        if (value is not { } date)
        {
            Empty(field);
            return;
        }

        if (date.Kind != DateTimeKind.Unspecified)
        {
            date = DateTime.SpecifyKind(date.ToUniversalTime() + ServerOffset, DateTimeKind.Unspecified);
        }

        Span<byte> buffer = stackalloc byte[32];
        _row[field].Set(buffer[..DataExtensionJson.FormatDate(date, buffer)]);
    }

    internal readonly SepWriter.Row Row => _row;

    /// <summary>RFC 4180: in double quotes, quotes doubled; built in a stack (or pooled) buffer, no allocation.</summary>
    private void SetQuoted(int field, string value, bool neutralize)
    {
        var length = value.Length + value.AsSpan().Count('"') + 2 + (neutralize ? 1 : 0);
        char[]? rented = null;
        var buffer = length <= 512 ? stackalloc char[length] : (rented = System.Buffers.ArrayPool<char>.Shared.Rent(length)).AsSpan(0, length);
        var at = 0;
        buffer[at++] = '"';
        if (neutralize)
        {
            buffer[at++] = '\'';
        }

        foreach (var c in value)
        {
            if (c == '"')
            {
                buffer[at++] = '"';
            }

            buffer[at++] = c;
        }

        buffer[at] = '"';
        _row[field].Set(buffer);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>Null: an empty cell (every column is set, so a record always has the header's column count).</summary>
    private void Empty(int field) => _row[field].Set(ReadOnlySpan<char>.Empty);
}

/// <summary>
/// Writes generated rows as the UTF-8 CSV file an Import Activity loads: a header of the exact SFMC field names in
/// declared order (import headers are matched by name; a wrong one is silently skipped), one record per row, RFC 4180
/// quoting, no byte-order mark. Each row is validated first, as for the REST API. No reflection: the generated
/// <c>WriteCsv</c> sets the cells; trim- and AOT-safe. Memory stays flat: rows stream in, bytes stream out.
/// </summary>
public static class DataExtensionCsv
{
    private const int ChunkBytes = 1 << 16;
    private static readonly System.Text.UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>The header line's names, in declared order.</summary>
    public static IReadOnlyList<string> Header<TRow>() where TRow : IDataExtensionRow<TRow> => Names<TRow>();

    private static string[] Names<TRow>() where TRow : IDataExtensionRow<TRow>
    {
        var fields = TRow.Schema.Fields;
        var names = new string[fields.Count];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = fields[i].Name;
        }

        return names;
    }

    /// <summary>Writes the header and every row to <paramref name="destination"/> (left open) and returns the row count.</summary>
    /// <exception cref="DataExtensionValidationException">A row breaks its schema (the DE, the field and the row's primary key are named); what was written before it stays written.</exception>
    public static async Task<long> WriteAsync<TRow>(IAsyncEnumerable<TRow> rows, Stream destination, DataExtensionCsvOptions? options = null, CancellationToken cancellationToken = default)
        where TRow : IDataExtensionRow<TRow>
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(destination);
        options ??= new DataExtensionCsvOptions();
        if (char.IsLetterOrDigit(options.Delimiter) || options.Delimiter is '.' or '-' or '+' or ':' or '"' or '\r' or '\n' or '\'' or ' ')
        {
            throw new ArgumentException($"'{options.Delimiter}' cannot be a CSV delimiter here: values (numbers, dates, booleans) may contain it. Use , ; | or tab.", nameof(options));
        }

        // Rows are formatted synchronously into an in-memory chunk (Sep → UTF-8 text → a pooled buffer), and each full
        // chunk is written to the destination asynchronously: per-row async I/O would cost more than the row itself.
        using var chunk = new MemoryStream(ChunkBytes + (ChunkBytes / 4));
        var text = new StreamWriter(chunk, Utf8, 1 << 14, leaveOpen: true) { NewLine = "\r\n" };
        using var writer = Sep.New(options.Delimiter)
            .Writer(o => o with { Escape = false, CultureInfo = CultureInfo.InvariantCulture })
            .To(text, leaveOpen: false);
        var quoteWhen = System.Buffers.SearchValues.Create([options.Delimiter, '"', '\r', '\n']);
        writer.Header.Add(Array.ConvertAll(Names<TRow>(), name => name.AsSpan().IndexOfAny(quoteWhen) >= 0 ? Quote(name) : name));
        long count = 0;
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            TRow.Validate(row);
            WriteRow(writer, row, options.NeutralizeFormulas, quoteWhen);
            if ((++count & 255) == 0 && chunk.Length + (1 << 14) >= ChunkBytes)
            {
                await WriteChunkAsync();
            }
        }

        if (count == 0)
        {
            writer.Header.Write();
        }

        await WriteChunkAsync();
        await destination.FlushAsync(cancellationToken);
        return count;

        // Sep's buffer → the UTF-8 text writer → the chunk → the destination; the chunk starts over.
        async Task WriteChunkAsync()
        {
            writer.Flush();
            text.Flush();
            await destination.WriteAsync(chunk.GetBuffer().AsMemory(0, (int)chunk.Length), cancellationToken);
            chunk.SetLength(0);
        }
    }

    /// <summary>Writes the rows to a file (created or replaced) and returns the row count.</summary>
    public static async Task<long> WriteFileAsync<TRow>(IAsyncEnumerable<TRow> rows, string path, DataExtensionCsvOptions? options = null, CancellationToken cancellationToken = default)
        where TRow : IDataExtensionRow<TRow>
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        return await WriteAsync(rows, file, options, cancellationToken);
    }

    /// <summary>
    /// RFC 4180 quoting (header names; values use the record's allocation-free copy): the value in double quotes, its
    /// quotes doubled. Sep's own escaping is off because it scans every cell; only text can hold a delimiter, a quote or
    /// a line break (numbers, dates and booleans cannot, given the delimiters allowed), so only text is checked (see
    /// docs/decisions.md).
    /// </summary>
    internal static string Quote(string value) => "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static void WriteRow<TRow>(SepWriter writer, TRow row, bool neutralize, System.Buffers.SearchValues<char> quoteWhen)
        where TRow : IDataExtensionRow<TRow>
    {
        var record = new DataExtensionCsvRecord(writer.NewRow(), neutralize, quoteWhen);
        TRow.WriteCsv(ref record, row);
        record.Row.Dispose();
    }
}
