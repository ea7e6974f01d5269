using System.Text.Json;

namespace Sfmc.Client;

/// <summary>
/// What every generated Data Extension row has, including rows of read-only DEs (declared in <c>sfmc.json</c> as
/// <c>synchronizedDataExtensions</c>): its schema, its primary key and a reader. The runtime reaches every member
/// through a generic constraint: no reflection, trim- and AOT-safe. Rows of writable DEs implement
/// <see cref="IDataExtensionRow{TSelf}"/>, which adds the writers; the write APIs take only those, so writing to a
/// read-only DE does not compile.
/// </summary>
/// <typeparam name="TSelf">The generated row type.</typeparam>
public interface IReadOnlyDataExtensionRow<TSelf> where TSelf : IReadOnlyDataExtensionRow<TSelf>
{
    /// <summary>The Data Extension this row belongs to: key, name and fields, as declared in the DE file.</summary>
    static abstract DataExtensionInfo Schema { get; }

    /// <summary>The row's primary-key values, in field order.</summary>
    static abstract DataExtensionPrimaryKey GetPrimaryKey(TSelf row);

    /// <summary>
    /// Reads a row from the reader positioned on a <c>StartObject</c>: either a flat object or SFMC's
    /// <c>{"keys":{…},"values":{…}}</c> shape. Field names match case-insensitively (SFMC returns them lower-cased)
    /// and values may be JSON strings (as SFMC returns them) or native JSON numbers and booleans.
    /// </summary>
    static abstract TSelf Read(ref Utf8JsonReader reader);
}

/// <summary>
/// The contract a generated row of a writable Data Extension implements: the read-only contract plus validation and
/// the JSON writers that <see cref="DataExtensionClient{TRow}"/> uses (<c>where TRow : IDataExtensionRow&lt;TRow&gt;</c>).
/// </summary>
/// <typeparam name="TSelf">The generated row type.</typeparam>
public interface IDataExtensionRow<TSelf> : IReadOnlyDataExtensionRow<TSelf> where TSelf : IDataExtensionRow<TSelf>
{
    /// <summary>
    /// Checks the row against its schema (required values present, strings within MaxLength, decimals within
    /// precision) and throws <see cref="DataExtensionValidationException"/> naming the DE, the field and the row.
    /// </summary>
    static abstract void Validate(TSelf row);

    /// <summary>
    /// Validates the row, then writes it as one element of a REST rowset payload:
    /// <c>{"keys":{…},"values":{…}}</c> (<c>POST /hub/v1/dataevents/key:{key}/rowset</c>).
    /// </summary>
    static abstract void WriteRowsetItem(Utf8JsonWriter writer, TSelf row);

    /// <summary>
    /// Validates the row, then writes it as a flat object <c>{"field":value,…}</c>
    /// (the <c>items</c> of <c>/data/v1/async/dataextensions/key:{key}/rows</c>).
    /// </summary>
    static abstract void WriteObject(Utf8JsonWriter writer, TSelf row);

    /// <summary>
    /// Sets the row's values on a CSV record, field by field in declared order (not validated here:
    /// <see cref="DataExtensionCsv"/> validates each row first).
    /// </summary>
    static abstract void WriteCsv(ref DataExtensionCsvRecord record, TSelf row);
}
