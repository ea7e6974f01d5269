using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Sfmc.Client;

/// <summary>
/// What a generated row's <c>VisitFields</c> hands its values to, one call per field with the field's index in the
/// schema. One visitor does each of the runtime's jobs (write JSON and check as it goes, set CSV cells, check only,
/// collect the primary key), chosen when it is created: a concrete type, so generated code needs no generic
/// constraint that a project on C# 12 cannot compile, and each call is direct. Not for direct use.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public ref struct DataExtensionFieldVisitor
{
    /// <summary>SQL Server's <c>datetime</c> starts at 1753-01-01; SFMC stores dates in it.</summary>
    private static readonly long FirstDateTicks = new DateTime(1753, 1, 1).Ticks;

    private readonly FieldRule[] _rules;
    private readonly DataExtensionInfo _schema;
    private Job _job;
    private DataExtensionCsvRecord _csv;
    private int _nextKey;
    private int _failedField;
    private Failure _failure;
    private long _failedLength;
    private decimal _failedValue;

    /// <summary>The row's JSON, when writing JSON.</summary>
    internal DataExtensionRowJson Json;

    private DataExtensionFieldVisitor(DataExtensionInfo schema, Job job)
    {
        _schema = schema;
        _rules = schema.Rules;
        _job = job;
    }

    private enum Job : byte
    {
        JsonAll,
        JsonKeys,
        JsonValues,
        Check,
        Csv,
        Key,
        Failed,
    }

    private enum Failure : byte
    {
        None,
        Required,
        TooLong,
        TooManyDigits,
        DateOutOfRange,
    }

    /// <summary>The primary-key values, when collecting them.</summary>
    internal KeyValuePair<string, object?>[]? Keys { get; private set; }

    internal static DataExtensionFieldVisitor ForJson(DataExtensionInfo schema, DataExtensionRowJson json) => new(schema, Job.JsonAll) { Json = json };

    internal static DataExtensionFieldVisitor ForCsv(DataExtensionInfo schema, DataExtensionCsvRecord record) => new(schema, Job.Csv) { _csv = record };

    internal static DataExtensionFieldVisitor ForChecks(DataExtensionInfo schema) => new(schema, Job.Check);

    internal static DataExtensionFieldVisitor ForPrimaryKey(DataExtensionInfo schema) =>
        new(schema, Job.Key) { Keys = new KeyValuePair<string, object?>[schema.PrimaryKey.Count] };

    /// <summary>Writing a rowset item: the next visit writes only the primary key (true) or only the other fields (false).</summary>
    internal void OnlyKeys(bool keys)
    {
        if (_job != Job.Failed)
        {
            _job = keys ? Job.JsonKeys : Job.JsonValues;
        }
    }

    /// <summary>Whether a check failed (the rest of the row was then skipped): <see cref="Throw"/> says which.</summary>
    internal readonly bool Failed => _job == Job.Failed;

    /// <summary>Throws the first failed check as a <see cref="DataExtensionValidationException"/> naming the field and the row.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    internal readonly void Throw<TRow>(TRow row)
        where TRow : IReadOnlyDataExtensionRow<TRow>
    {
        var info = _schema.Fields[_failedField];
        var scale = info.Scale ?? 0;
        var reason = _failure switch
        {
            Failure.Required => "a value is required.",
            Failure.TooLong => $"the value has {_failedLength} characters; MaxLength is {info.MaxLength}.",
            Failure.TooManyDigits => $"the value has {decimal.Truncate(Math.Abs(_failedValue)).ToString(CultureInfo.InvariantCulture).Length} digits before the decimal point; Decimal({info.MaxLength},{scale}) allows {info.MaxLength - scale}.",
            _ => "SFMC dates start at 1753-01-01 (was the value left unset?).",
        };
        throw new DataExtensionValidationException(_schema.CustomerKey, info.Name, TRow.GetPrimaryKey(row), reason);
    }

    // Each call has a small inlined fast path for writing JSON (the hot path of every upsert); the rest, checks that fail
    // included, goes through one general method per type. Int and Boolean test JsonAll before the rowset passes: folding
    // the two branches into one measured 2.03× System.Text.Json instead of 2.07× (three paired runs each).

    /// <summary>A Text, EmailAddress, Phone or Locale field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Text(int field, string? value)
    {
        if (_job < Job.Check && value is not null)
        {
            ref readonly var rule = ref _rules[field];
            if (value.Length <= rule.MaxChars && !Skips(rule))
            {
                Json.Name(rule.JsonName, rule.JsonNameLength);
                Json.String(value);
                return;
            }
        }

        TextOther(field, value);
    }

    /// <summary>A required Number field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Int(int field, int value)
    {
        if (_job == Job.JsonAll)
        {
            ref readonly var rule = ref _rules[field];
            Json.Name(rule.JsonName, rule.JsonNameLength);
            Json.Number(value);
        }
        else if (_job < Job.Check)
        {
            ref readonly var rule = ref _rules[field];
            if (!Skips(rule))
            {
                Json.Name(rule.JsonName, rule.JsonNameLength);
                Json.Number(value);
            }
        }
        else
        {
            Other(field, value);
        }
    }

    /// <summary>An optional Number field (null: no value).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Int(int field, int? value)
    {
        if (value.HasValue)
        {
            Int(field, value.GetValueOrDefault());
        }
        else if (_job == Job.Csv)
        {
            _csv.Int(field, null);
        }
    }

    /// <summary>A required Decimal field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Decimal(int field, decimal value)
    {
        if (_job < Job.Check)
        {
            ref readonly var rule = ref _rules[field];
            if (!rule.TooManyDigits(value) && !Skips(rule))
            {
                Json.Name(rule.JsonName, rule.JsonNameLength);
                Json.Number(value);
                return;
            }
        }

        DecimalOther(field, value);
    }

    /// <summary>An optional Decimal field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Decimal(int field, decimal? value)
    {
        if (value.HasValue)
        {
            Decimal(field, value.GetValueOrDefault());
        }
        else if (_job == Job.Csv)
        {
            _csv.Decimal(field, null);
        }
    }

    /// <summary>A required Date field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Date(int field, DateTime value)
    {
        if (_job < Job.Check && value.Ticks >= FirstDateTicks)
        {
            ref readonly var rule = ref _rules[field];
            if (!Skips(rule))
            {
                Json.Name(rule.JsonName, rule.JsonNameLength);
                Json.Date(value);
            }

            return;
        }

        DateOther(field, value);
    }

    /// <summary>An optional Date field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Date(int field, DateTime? value)
    {
        if (value.HasValue)
        {
            Date(field, value.GetValueOrDefault());
        }
        else if (_job == Job.Csv)
        {
            _csv.Date(field, null);
        }
    }

    /// <summary>A required Boolean field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Boolean(int field, bool value)
    {
        if (_job == Job.JsonAll)
        {
            ref readonly var rule = ref _rules[field];
            Json.Name(rule.JsonName, rule.JsonNameLength);
            Json.Boolean(value);
        }
        else if (_job < Job.Check)
        {
            ref readonly var rule = ref _rules[field];
            if (!Skips(rule))
            {
                Json.Name(rule.JsonName, rule.JsonNameLength);
                Json.Boolean(value);
            }
        }
        else
        {
            Other(field, value);
        }
    }

    /// <summary>An optional Boolean field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Boolean(int field, bool? value)
    {
        if (value.HasValue)
        {
            Boolean(field, value.GetValueOrDefault());
        }
        else if (_job == Job.Csv)
        {
            _csv.Boolean(field, null);
        }
    }

    private void TextOther(int field, string? value)
    {
        switch (_job)
        {
            case Job.Csv:
                _csv.Text(field, value);
                return;
            case Job.Key:
                AddKey(field, value);
                return;
            case Job.Failed:
                return;
        }

        ref readonly var rule = ref _rules[field];
        if (Skips(rule))
        {
            return;
        }

        if (value is null)
        {
            if (rule.RequiresValue)
            {
                Fail(field, Failure.Required);
            }
        }
        else if (value.Length > rule.MaxChars)
        {
            Fail(field, Failure.TooLong, value.Length);
        }
    }

    private void DecimalOther(int field, decimal value)
    {
        switch (_job)
        {
            case Job.Csv:
                _csv.Decimal(field, value);
                return;
            case Job.Key:
                AddKey(field, value);
                return;
            case Job.Failed:
                return;
        }

        ref readonly var rule = ref _rules[field];
        if (!Skips(rule) && rule.TooManyDigits(value))
        {
            Fail(field, Failure.TooManyDigits, value: value);
        }
    }

    private void DateOther(int field, DateTime value)
    {
        switch (_job)
        {
            case Job.Csv:
                _csv.Date(field, value);
                return;
            case Job.Key:
                AddKey(field, value);
                return;
            case Job.Failed:
                return;
        }

        if (value.Ticks < FirstDateTicks && !Skips(_rules[field]))
        {
            Fail(field, Failure.DateOutOfRange);
        }
    }

    private void Other(int field, int value)
    {
        if (_job == Job.Csv)
        {
            _csv.Int(field, value);
        }
        else if (_job == Job.Key)
        {
            AddKey(field, value);
        }
    }

    private void Other(int field, bool value)
    {
        if (_job == Job.Csv)
        {
            _csv.Boolean(field, value);
        }
        else if (_job == Job.Key)
        {
            AddKey(field, value);
        }
    }

    /// <summary>Whether a rowset pass leaves this field to the other pass (keys vs values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly bool Skips(in FieldRule rule) =>
        (_job == Job.JsonKeys && !rule.IsPrimaryKey) || (_job == Job.JsonValues && rule.IsPrimaryKey);

    private void Fail(int field, Failure failure, long length = 0, decimal value = 0m)
    {
        _job = Job.Failed;
        _failedField = field;
        _failure = failure;
        _failedLength = length;
        _failedValue = value;
    }

    private void AddKey<T>(int field, T value)
    {
        if (_rules[field].IsPrimaryKey)
        {
            Keys![_nextKey++] = new(_schema.Fields[field].Name, value);
        }
    }
}

/// <summary>
/// One row's values as the runtime read them from JSON, by field index; the generated <c>Create</c> takes each with
/// the getter for its property's type. A required value that is missing throws a <see cref="JsonException"/> naming
/// the field. Not for direct use.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct DataExtensionRowValues
{
    private readonly DataExtensionInfo _schema;
    private readonly Span<ValueSlot> _slots;
    private readonly string?[] _texts;

    internal DataExtensionRowValues(DataExtensionInfo schema, Span<ValueSlot> slots, string?[] texts)
    {
        _schema = schema;
        _slots = slots;
        _texts = texts;
    }

    /// <summary>An optional text value; SFMC answers <c>""</c> for "no value", so that is null.</summary>
    public string? Text(int field) => _texts[field] is { Length: > 0 } text ? text : null;

    /// <summary>A required text value.</summary>
    public string RequiredText(int field) => _texts[field] ?? throw Missing(field);

    /// <summary>An optional Number value.</summary>
    public int? Int(int field) => _slots[field].Present ? _slots[field].Int : null;

    /// <summary>A required Number value.</summary>
    public int RequiredInt(int field) => _slots[field].Present ? _slots[field].Int : throw Missing(field);

    /// <summary>An optional Decimal value.</summary>
    public decimal? Decimal(int field) => _slots[field].Present ? _slots[field].Decimal : null;

    /// <summary>A required Decimal value.</summary>
    public decimal RequiredDecimal(int field) => _slots[field].Present ? _slots[field].Decimal : throw Missing(field);

    /// <summary>An optional Date value.</summary>
    public DateTime? Date(int field) => _slots[field].Present ? _slots[field].Date : null;

    /// <summary>A required Date value.</summary>
    public DateTime RequiredDate(int field) => _slots[field].Present ? _slots[field].Date : throw Missing(field);

    /// <summary>An optional Boolean value.</summary>
    public bool? Boolean(int field) => _slots[field].Present ? _slots[field].Boolean : null;

    /// <summary>A required Boolean value.</summary>
    public bool RequiredBoolean(int field) => _slots[field].Present ? _slots[field].Boolean : throw Missing(field);

    private JsonException Missing(int field) => DataExtensionJson.Missing(_schema, field);
}

/// <summary>One non-text value read from JSON; <see cref="Present"/> is false for null or absent.</summary>
internal struct ValueSlot
{
    public decimal Decimal;
    public DateTime Date;
    public int Int;
    public bool Boolean;
    public bool Present;
}
