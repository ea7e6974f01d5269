using System;
using System.ComponentModel;
using System.Text.Json;

namespace Sfmc.Client;

/// <summary>
/// What every generated Data Extension row has, including rows of read-only DEs (declared in <c>sfmc.json</c> as
/// <c>synchronizedDataExtensions</c>): its schema, its primary key and a reader. The runtime reaches every member
/// through a generic constraint: no reflection, trim- and AOT-safe. Rows of writable DEs implement
/// <see cref="IDataExtensionRow{TSelf}"/>, which adds the writers; the write APIs take only those, so writing to a
/// read-only DE does not compile.
/// </summary>
/// <remarks>
/// A generated row implements only <see cref="Schema"/>, <see cref="VisitFields"/> and <see cref="Create"/>; the
/// readers, writers and checks are written once here, driven by the schema, so each DE costs the compiler its
/// properties and little else.
/// </remarks>
/// <typeparam name="TSelf">The generated row type.</typeparam>
public interface IReadOnlyDataExtensionRow<TSelf> where TSelf : IReadOnlyDataExtensionRow<TSelf>
{
    /// <summary>The Data Extension this row belongs to: key, name and fields, as declared in the DE file.</summary>
    static abstract DataExtensionInfo Schema { get; }

    /// <summary>
    /// Hands each field's value to <paramref name="visitor"/> with its index in <see cref="Schema"/>, in declared
    /// order (generated: one call per property). The visitor is what the runtime's writers and checks run on.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    static abstract void VisitFields(TSelf row, ref DataExtensionFieldVisitor visitor);

    /// <summary>Builds a row from values read by the runtime (generated: one getter call per property).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    static abstract TSelf Create(ref DataExtensionRowValues values);

    /// <summary>The row's primary-key values, in field order.</summary>
    static virtual DataExtensionPrimaryKey GetPrimaryKey(TSelf row)
    {
        var visitor = DataExtensionFieldVisitor.ForPrimaryKey(TSelf.Schema);
        TSelf.VisitFields(row, ref visitor);
        return new DataExtensionPrimaryKey(visitor.Keys!);
    }

    /// <summary>
    /// Reads a row from the reader positioned on a <c>StartObject</c>: either a flat object or SFMC's
    /// <c>{"keys":{…},"values":{…}}</c> shape. Field names match case-insensitively (SFMC returns them lower-cased)
    /// and values may be JSON strings (as SFMC returns them) or native JSON numbers and booleans.
    /// </summary>
    static virtual TSelf Read(ref Utf8JsonReader reader) => DataExtensionJson.ReadRow<TSelf>(ref reader);
}

/// <summary>
/// The contract a generated row of a writable Data Extension implements: the read-only contract plus validation and
/// the writers that <see cref="DataExtensionClient{TRow}"/> uses (<c>where TRow : IDataExtensionRow&lt;TRow&gt;</c>).
/// </summary>
/// <typeparam name="TSelf">The generated row type.</typeparam>
public interface IDataExtensionRow<TSelf> : IReadOnlyDataExtensionRow<TSelf> where TSelf : IDataExtensionRow<TSelf>
{
    /// <summary>
    /// Checks the row against its schema (required values present, strings within MaxLength, decimals within
    /// precision, dates from 1753) and throws <see cref="DataExtensionValidationException"/> naming the DE, the field
    /// and the row.
    /// </summary>
    static virtual void Validate(TSelf row)
    {
        var visitor = DataExtensionFieldVisitor.ForChecks(TSelf.Schema);
        TSelf.VisitFields(row, ref visitor);
        if (visitor.Failed)
        {
            visitor.Throw(row);
        }
    }

    /// <summary>
    /// Validates the row while writing it as one element of a REST rowset payload:
    /// <c>{"keys":{…},"values":{…}}</c> (<c>POST /hub/v1/dataevents/key:{key}/rowset</c>). Nothing reaches
    /// <paramref name="writer"/> when the row is invalid.
    /// </summary>
    static virtual void WriteRowsetItem(Utf8JsonWriter writer, TSelf row) => DataExtensionJson.WriteRow(writer, row, rowset: true);

    /// <summary>
    /// Validates the row while writing it as a flat object <c>{"field":value,…}</c>
    /// (the <c>items</c> of <c>/data/v1/async/dataextensions/key:{key}/rows</c>); null values are not written.
    /// Nothing reaches <paramref name="writer"/> when the row is invalid.
    /// </summary>
    static virtual void WriteObject(Utf8JsonWriter writer, TSelf row) => DataExtensionJson.WriteRow(writer, row, rowset: false);

    /// <summary>
    /// Sets the row's values on a CSV record, field by field in declared order (not validated here:
    /// <see cref="DataExtensionCsv"/> validates each row first).
    /// </summary>
    static virtual void WriteCsv(ref DataExtensionCsvRecord record, TSelf row)
    {
        var visitor = DataExtensionFieldVisitor.ForCsv(TSelf.Schema, record);
        TSelf.VisitFields(row, ref visitor);
    }
}
