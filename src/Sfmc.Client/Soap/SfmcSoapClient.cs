using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using System.Xml;

namespace Sfmc.Client.Soap;

/// <summary>
/// SFMC's SOAP API (<c>POST {soap_instance_url}/Service.asmx</c>) over the same authentication, resilience, rate
/// limiter and telemetry as REST. Objects are the types generated from the WSDL (<c>Sfmc.Soap.Subscriber</c>, …).
/// Get it from <see cref="SfmcClient.Soap"/>.
/// </summary>
public sealed partial class SfmcSoapClient
{
    private readonly SfmcClient _client;

    internal SfmcSoapClient(SfmcClient client) => _client = client;

    /// <summary>
    /// Retrieves objects of type <typeparamref name="T"/>, following <c>ContinueRequest</c> while SFMC answers
    /// <c>MoreDataAvailable</c> (2,500 objects a page). Pages are requested as the caller enumerates.
    /// </summary>
    /// <param name="filter">A filter built from the type's typed properties, e.g. <c>Subscriber.Property.Status.IsEqualTo(SubscriberStatus.Active)</c>; null for all.</param>
    /// <param name="properties">The properties to retrieve; null for the type's retrievable defaults.</param>
    /// <param name="options">QueryAllAccounts, ClientIDs.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    public IAsyncEnumerable<T> RetrieveAsync<T>(SoapFilter? filter = null, IEnumerable<string>? properties = null, SoapRetrieveOptions? options = null, CancellationToken cancellationToken = default)
        where T : SoapObject, ISoapObject<T>
    {
        var list = (properties ?? T.DefaultRetrieveProperties).Concat(options?.ExtraProperties ?? []).Distinct(StringComparer.Ordinal).ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException($"SFMC needs at least one property to retrieve {T.SoapObjectType}; the WSDL does not say which are retrievable, so pass them.", nameof(properties));
        }

        return RetrieveCoreAsync(T.SoapObjectType, list, filter, options, static reader => reader.ReadObject<T>(), cancellationToken);
    }

    /// <summary>
    /// Retrieves rows of a Data Extension over SOAP (<c>DataExtensionObject[key]</c>) as generated row types: every
    /// declared field is requested, and each object's Name/Value properties become the row's fields.
    /// </summary>
    public IAsyncEnumerable<TRow> RetrieveRowsAsync<TRow>(SoapFilter? filter = null, CancellationToken cancellationToken = default)
        where TRow : IReadOnlyDataExtensionRow<TRow>
    {
        var schema = TRow.Schema;
        var properties = schema.Fields.Select(f => f.Name).ToArray();
        return RetrieveCoreAsync($"DataExtensionObject[{schema.CustomerKey}]", properties, filter, null, static reader => ReadRow<TRow>(reader), cancellationToken);
    }

    /// <summary>
    /// Retrieves objects of any SOAP type by name, the WSDL's or not (<c>Program</c>, <c>AccountUserAccount</c>), as
    /// <see cref="SoapUntypedObject"/>s, following <c>ContinueRequest</c> like the typed call. <paramref name="properties"/>
    /// are required (SFMC retrieves only what is named).
    /// </summary>
    public IAsyncEnumerable<SoapUntypedObject> RetrieveAsync(string objectType, IEnumerable<string> properties, SoapFilter? filter = null, SoapRetrieveOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(objectType);
        ArgumentNullException.ThrowIfNull(properties);
        var list = properties.Concat(options?.ExtraProperties ?? []).Distinct(StringComparer.Ordinal).ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException($"SFMC needs at least one property to retrieve {objectType}.", nameof(properties));
        }

        return RetrieveCoreAsync(objectType, list, filter, options, reader => reader.ReadUntypedObject(objectType), cancellationToken);
    }

    /// <summary>Creates untyped objects (all of one type), <see cref="SoapWriteOptions.BatchSize"/> per call.</summary>
    public Task<SoapWriteResult<SoapUntypedObject>> CreateAsync(IEnumerable<SoapUntypedObject> objects, SoapWriteOptions? options = null, CancellationToken cancellationToken = default) =>
        WriteUntypedAsync("Create", null, objects, options, cancellationToken);

    /// <summary>Updates untyped objects (all of one type), identified by the keys their elements carry.</summary>
    public Task<SoapWriteResult<SoapUntypedObject>> UpdateAsync(IEnumerable<SoapUntypedObject> objects, SoapWriteOptions? options = null, CancellationToken cancellationToken = default) =>
        WriteUntypedAsync("Update", null, objects, options, cancellationToken);

    /// <summary>Creates or updates untyped objects (Update with SaveOption * = UpdateAdd).</summary>
    public Task<SoapWriteResult<SoapUntypedObject>> UpsertAsync(IEnumerable<SoapUntypedObject> objects, SoapWriteOptions? options = null, CancellationToken cancellationToken = default) =>
        WriteUntypedAsync("Update", "UpdateAdd", objects, options, cancellationToken);

    /// <summary>Deletes untyped objects (all of one type), identified by the keys their elements carry.</summary>
    public Task<SoapWriteResult<SoapUntypedObject>> DeleteAsync(IEnumerable<SoapUntypedObject> objects, SoapWriteOptions? options = null, CancellationToken cancellationToken = default) =>
        WriteUntypedAsync("Delete", null, objects, options, cancellationToken);

    /// <summary>Creates objects, <see cref="SoapWriteOptions.BatchSize"/> per call; results map back to the caller's objects.</summary>
    public Task<SoapWriteResult<T>> CreateAsync<T>(IEnumerable<T> objects, SoapWriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : SoapObject, ISoapObject<T> => WriteAsync("Create", null, objects, options, cancellationToken);

    /// <summary>Updates objects (identified by their keys: CustomerKey, ID or ObjectID as the type requires).</summary>
    public Task<SoapWriteResult<T>> UpdateAsync<T>(IEnumerable<T> objects, SoapWriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : SoapObject, ISoapObject<T> => WriteAsync("Update", null, objects, options, cancellationToken);

    /// <summary>Creates or updates objects: an Update with SaveOptions <c>* = UpdateAdd</c>.</summary>
    public Task<SoapWriteResult<T>> UpsertAsync<T>(IEnumerable<T> objects, SoapWriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : SoapObject, ISoapObject<T> => WriteAsync("Update", "UpdateAdd", objects, options, cancellationToken);

    /// <summary>Deletes objects (identified by their keys).</summary>
    public Task<SoapWriteResult<T>> DeleteAsync<T>(IEnumerable<T> objects, SoapWriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : SoapObject, ISoapObject<T> => WriteAsync("Delete", null, objects, options, cancellationToken);

    private async IAsyncEnumerable<T> RetrieveCoreAsync<T>(
        string objectType, string[] properties, SoapFilter? filter, SoapRetrieveOptions? options, Func<SoapReader, T?> readResult, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var activity = SfmcTelemetry.ActivitySource.StartActivity("Sfmc.Soap.Retrieve");
        activity?.SetTag("sfmc.soap.object_type", objectType);
        string? continueId = null;
        var pages = 0;
        while (true)
        {
            var body = RetrieveBody(objectType, properties, continueId is null ? filter : null, options, continueId);
            var bytes = await SendAsync("Retrieve", body, replayable: true, cancellationToken);
            var (status, requestId, page) = ParsePage("Retrieve", bytes, readResult, _client.Options.MaxSoapDepth, cancellationToken);
            pages++;

            if (status is not null && status.StartsWith("Error", StringComparison.OrdinalIgnoreCase))
            {
                throw new SfmcSoapException($"SFMC Retrieve {objectType} failed: {status} (RequestID {requestId})", status, requestId);
            }

            foreach (var item in page)
            {
                yield return item;
            }

            if (!string.Equals(status, "MoreDataAvailable", StringComparison.OrdinalIgnoreCase))
            {
                activity?.SetTag("sfmc.soap.pages", pages);
                yield break;
            }

            continueId = requestId ?? throw new SfmcSoapException($"SFMC answered MoreDataAvailable for {objectType} without a RequestID to continue from", status ?? "", null);
            if (page.Count == 0)
            {
                // Following it would ask for the same nothing forever.
                throw new SfmcSoapException($"SFMC answered MoreDataAvailable for {objectType} with an empty page (RequestID {requestId}); not following it", status ?? "", requestId);
            }
        }
    }

    private static Action<SoapWriter> RetrieveBody(string objectType, string[] properties, SoapFilter? filter, SoapRetrieveOptions? options, string? continueId) => writer =>
    {
        writer.WriteStartElement("RetrieveRequestMsg"u8);
        writer.WriteStartElement("RetrieveRequest"u8);
        foreach (var id in options?.ClientIds ?? [])
        {
            writer.WriteStartElement("ClientIDs"u8);
            writer.WriteElement("ID"u8, id);
            writer.WriteEndElement("ClientIDs"u8);
        }

        writer.WriteElement("ObjectType"u8, objectType);
        foreach (var property in properties)
        {
            writer.WriteElement("Properties"u8, property);
        }

        filter?.Write(writer, "Filter"u8);
        writer.WriteElement("ContinueRequest"u8, continueId);
        if (options?.QueryAllAccounts == true)
        {
            writer.WriteElement("QueryAllAccounts"u8, true);
        }

        writer.WriteEndElement("RetrieveRequest"u8);
        writer.WriteEndElement("RetrieveRequestMsg"u8);
    };

    private Task<SoapWriteResult<SoapUntypedObject>> WriteUntypedAsync(string action, string? saveAction, IEnumerable<SoapUntypedObject> objects, SoapWriteOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var all = objects.ToList();
        var types = all.Select(o => o?.TypeName).Distinct(StringComparer.Ordinal).ToList();
        if (types.Count > 1)
        {
            throw new ArgumentException($"One call writes one SOAP type; these objects are {string.Join(", ", types)}.", nameof(objects));
        }

        return WriteCoreAsync<SoapUntypedObject, SoapUntypedObject>(
            action, saveAction, types.SingleOrDefault() ?? "APIObject", all, static (writer, item) => SoapObjectAccess.WriteElements(item, writer), options, cancellationToken);
    }

    private Task<SoapWriteResult<T>> WriteAsync<T>(string action, string? saveAction, IEnumerable<T> objects, SoapWriteOptions? options, CancellationToken cancellationToken)
        where T : SoapObject, ISoapObject<T> =>
        WriteCoreAsync<T, T>(action, saveAction, T.SoapObjectType, objects, static (writer, item) => SoapObjectAccess.WriteElements(item, writer), options, cancellationToken);

    /// <summary>
    /// Create/Update/Delete in batches; <typeparamref name="TItem"/> is what the caller passed (an object, a DE key…),
    /// <typeparamref name="TReturned"/> the type SFMC's echoed Object is read as.
    /// </summary>
    internal Task<SoapWriteResult<TItem>> WriteCoreAsync<TItem, TReturned>(
        string action, string? saveAction, string xsiType, IEnumerable<TItem> objects, Action<SoapWriter, TItem> writeItem, SoapWriteOptions? options, CancellationToken cancellationToken)
        where TReturned : SoapObject, ISoapObject<TReturned> =>
        BatchCoreAsync<TItem, TReturned>(
            action, saveAction is null ? action : "Upsert", xsiType, objects, batch => WriteBody(action, saveAction, xsiType, batch, writeItem),
            replayable: saveAction is not null || action == "Delete", resultItem: null, options, cancellationToken);

    /// <summary>
    /// One request message per batch of <typeparamref name="TItem"/>s (objects, definitions, execute or extract
    /// requests), each answer read into per-item results in the caller's order. <paramref name="resultItem"/> names the
    /// element inside <c>Results</c> that holds one result (Perform's <c>Results/Result</c>), or null when each
    /// <c>Results</c> element is one (Create's).
    /// </summary>
    private async Task<SoapWriteResult<TItem>> BatchCoreAsync<TItem, TReturned>(
        string action, string activityName, string objectType, IEnumerable<TItem> items, Func<List<TItem>, Action<SoapWriter>> body, bool replayable, byte[]? resultItem,
        SoapWriteOptions? options, CancellationToken cancellationToken)
        where TReturned : SoapObject, ISoapObject<TReturned>
    {
        ArgumentNullException.ThrowIfNull(items);
        var all = items.ToList();
        var batchSize = options?.BatchSize ?? SoapWriteOptions.DefaultBatchSize;
        if (batchSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), batchSize, "BatchSize must be positive.");
        }

        using var activity = SfmcTelemetry.ActivitySource.StartActivity("Sfmc.Soap." + activityName);
        activity?.SetTag("sfmc.soap.object_type", objectType);
        var results = new SoapObjectResult<TItem>?[all.Count];
        var requestIds = new List<string>();
        var statuses = new List<string>();
        for (var start = 0; start < all.Count; start += batchSize)
        {
            var batch = all.GetRange(start, Math.Min(batchSize, all.Count - start));
            var offset = start;
            var bytes = await SendAsync(action, body(batch), replayable, cancellationToken);
            var (status, statusMessage, requestId, batchResults) = ParseMessage(action, bytes, static r => ReadResult<TReturned>(r), _client.Options.MaxSoapDepth, resultItem, cancellationToken);
            if (requestId is not null)
            {
                requestIds.Add(requestId);
            }

            statuses.Add(status ?? "");
            for (var i = 0; i < batchResults.Count; i++)
            {
                var raw = batchResults[i];

                // OrdinalID is the object's index within the call; without one, results come in request order.
                var index = raw.OrdinalId is { } ordinal && ordinal >= 0 && ordinal < batch.Count ? ordinal : i;
                if (index < batch.Count && results[offset + index] is null)
                {
                    results[offset + index] = raw.ToResult(offset + index, batch[index]);
                }
            }

            // An Error OverallStatus with no per-object results applies to every object of the batch.
            var missing = statusMessage is { Length: > 0 } ? $"{status}: {statusMessage}" : status is { Length: > 0 } ? status : "SFMC returned no result for this object";
            for (var i = 0; i < batch.Count; i++)
            {
                results[offset + i] ??= new SoapObjectResult<TItem>(offset + i, batch[i], "Error", missing, null, null, null, default);
            }
        }

        return new SoapWriteResult<TItem>(results.Select(r => r!).ToArray(), requestIds, statuses);
    }

    internal static Action<SoapWriter> WriteBody<T>(string action, string? saveAction, string xsiType, List<T> batch, Action<SoapWriter, T> writeItem) => writer =>
    {
        var request = action switch
        {
            "Create" => "CreateRequest"u8,
            "Update" => "UpdateRequest"u8,
            "Delete" => "DeleteRequest"u8,
            _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Create, Update or Delete."),
        };
        writer.WriteStartElement(request);
        writer.WriteStartElement("Options"u8);
        if (saveAction is not null)
        {
            writer.WriteStartElement("SaveOptions"u8);
            writer.WriteStartElement("SaveOption"u8);
            writer.WriteElement("PropertyName"u8, "*");
            writer.WriteElement("SaveAction"u8, saveAction);
            writer.WriteEndElement("SaveOption"u8);
            writer.WriteEndElement("SaveOptions"u8);
        }

        writer.WriteEndElement("Options"u8);
        foreach (var item in batch)
        {
            ArgumentNullException.ThrowIfNull(item);
            writer.WriteStartElement("Objects"u8);
            writer.WriteAttribute("xsi:type"u8, xsiType);
            writeItem(writer, item);
            writer.WriteEndElement("Objects"u8);
        }

        writer.WriteEndElement(request);
    };

    /// <summary>Reads a response message: OverallStatus, RequestID and each Results element.</summary>
    internal static void ReadResponse<T>(SoapReader reader, Action<T> onResult, Func<SoapReader, T?> readResult, out string? status, out string? requestId) =>
        ReadResponse(reader, onResult, readResult, null, out status, out _, out requestId);

    /// <summary>
    /// Reads a response message: OverallStatus, OverallStatusMessage, RequestID and each result: a <c>Results</c>
    /// element, or each <paramref name="resultItem"/> element inside one.
    /// </summary>
    internal static void ReadResponse<T>(SoapReader reader, Action<T> onResult, Func<SoapReader, T?> readResult, byte[]? resultItem, out string? status, out string? statusMessage, out string? requestId)
    {
        status = null;
        statusMessage = null;
        requestId = null;
        if (!reader.ReadStartElement())
        {
            return;
        }

        while (reader.MoveToElement())
        {
            var name = reader.LocalName;
            if (name.SequenceEqual("Results"u8) && resultItem is not null)
            {
                if (reader.ReadStartElement())
                {
                    while (reader.MoveToElement())
                    {
                        if (!reader.LocalName.SequenceEqual(resultItem))
                        {
                            reader.Skip();
                        }
                        else if (readResult(reader) is { } result)
                        {
                            onResult(result);
                        }
                    }

                    reader.ReadEndElement();
                }
            }
            else if (name.SequenceEqual("Results"u8))
            {
                if (readResult(reader) is { } result)
                {
                    onResult(result);
                }
            }
            else if (name.SequenceEqual("OverallStatus"u8))
            {
                status = reader.ReadString();
            }
            else if (name.SequenceEqual("OverallStatusMessage"u8))
            {
                statusMessage = reader.ReadString();
            }
            else if (name.SequenceEqual("RequestID"u8))
            {
                requestId = reader.ReadString();
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private static RawResult? ReadResult<T>(SoapReader reader)
        where T : SoapObject, ISoapObject<T>
    {
        var result = new RawResult();
        if (!reader.ReadStartElement())
        {
            return result;
        }

        while (reader.MoveToElement())
        {
            var name = reader.LocalName;
            if (name.SequenceEqual("StatusCode"u8))
            {
                result.StatusCode = reader.ReadString() ?? "";
            }
            else if (name.SequenceEqual("StatusMessage"u8))
            {
                result.StatusMessage = reader.ReadString();
            }
            else if (name.SequenceEqual("OrdinalID"u8))
            {
                result.OrdinalId = reader.ReadInt32();
            }
            else if (name.SequenceEqual("ErrorCode"u8))
            {
                result.ErrorCode = reader.ReadInt32();
            }
            else if (name.SequenceEqual("NewID"u8))
            {
                result.NewId = reader.ReadInt32();
            }
            else if (name.SequenceEqual("NewObjectID"u8))
            {
                result.NewObjectId = reader.ReadString();
            }
            else if (name.SequenceEqual("Object"u8))
            {
                result.Returned = reader.ReadObject<T>();
            }
            else if (name.SequenceEqual("Task"u8))
            {
                result.Task = ReadTask(reader);
            }
            else if (name.SequenceEqual("Results"u8))
            {
                // An ExecuteResponse's output: APIProperty elements, repeated in place.
                (result.Properties ??= []).Add(ReadApiProperty(reader));
            }
            else
            {
                reader.Skip();
            }
        }

        reader.ReadEndElement();
        return result;
    }

    /// <summary>A TaskResult: the asynchronous task a Perform or Schedule started (its ID tracks an import, a query…).</summary>
    private static SoapTaskResult ReadTask(SoapReader reader)
    {
        string? statusCode = null, statusMessage = null, id = null, interactionObjectId = null;
        int? errorCode = null, asyncId = null;
        if (reader.ReadStartElement())
        {
            while (reader.MoveToElement())
            {
                var name = reader.LocalName;
                if (name.SequenceEqual("StatusCode"u8))
                {
                    statusCode = reader.ReadString();
                }
                else if (name.SequenceEqual("StatusMessage"u8))
                {
                    statusMessage = reader.ReadString();
                }
                else if (name.SequenceEqual("ErrorCode"u8))
                {
                    errorCode = reader.ReadInt32();
                }
                else if (name.SequenceEqual("ID"u8))
                {
                    id = reader.ReadString();
                }
                else if (name.SequenceEqual("TblAsyncID"u8))
                {
                    asyncId = reader.ReadInt32();
                }
                else if (name.SequenceEqual("InteractionObjectID"u8))
                {
                    interactionObjectId = reader.ReadString();
                }
                else
                {
                    reader.Skip();
                }
            }

            reader.ReadEndElement();
        }

        return new SoapTaskResult(statusCode, statusMessage, errorCode, id, asyncId, interactionObjectId);
    }

    /// <summary>An APIProperty (Name, Value) element.</summary>
    internal static SoapApiProperty ReadApiProperty(SoapReader reader)
    {
        string? name = null, value = null;
        if (reader.ReadStartElement())
        {
            while (reader.MoveToElement())
            {
                if (reader.LocalName.SequenceEqual("Name"u8))
                {
                    name = reader.ReadString();
                }
                else if (reader.LocalName.SequenceEqual("Value"u8))
                {
                    value = reader.ReadString();
                }
                else
                {
                    reader.Skip();
                }
            }

            reader.ReadEndElement();
        }

        return new SoapApiProperty(name ?? "", value);
    }

    /// <summary>A DataExtensionObject's Properties (Name/Value pairs) → a flat JSON object → the generated row reader.</summary>
    private static TRow? ReadRow<TRow>(SoapReader reader)
        where TRow : IReadOnlyDataExtensionRow<TRow>
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            var depth = reader.Depth;
            if (reader.ReadStartElement())
            {
                while (reader.Depth > depth)
                {
                    if (reader.IsStartElement && reader.LocalName.SequenceEqual("Property"u8))
                    {
                        ReadProperty(reader, json);
                    }
                    else if (reader.IsStartElement && !reader.LocalName.SequenceEqual("Properties"u8))
                    {
                        reader.Skip();
                    }
                    else
                    {
                        reader.Read();
                    }
                }

                reader.Read();
            }

            json.WriteEndObject();
        }

        var jsonReader = new Utf8JsonReader(buffer.WrittenSpan);
        jsonReader.Read();
        return TRow.Read(ref jsonReader);
    }

    private static void ReadProperty(SoapReader reader, Utf8JsonWriter json)
    {
        var property = ReadApiProperty(reader);
        if (property.Name.Length > 0)
        {
            json.WriteString(property.Name, property.Value);
        }
    }

    private async Task<byte[]> SendAsync(string action, Action<SoapWriter> body, bool replayable, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "Service.asmx") { Content = new SoapEnvelopeContent(action, body) };
        request.Headers.TryAddWithoutValidation("SOAPAction", action);
        var context = new SfmcRequestContext { Replayable = replayable };
        return await _client.SendAsync(request, context, null, cancellationToken);
    }

    /// <summary>Parses a response envelope: OverallStatus, RequestID and the Results (a fault throws).</summary>
    internal static (string? Status, string? RequestId, List<TResult> Results) ParsePage<TResult>(string action, byte[] bytes, Func<SoapReader, TResult?> readResult, int maxDepth = SoapReader.DefaultMaxDepth, CancellationToken cancellationToken = default)
    {
        var (status, _, requestId, results) = ParseMessage(action, bytes, readResult, maxDepth, null, cancellationToken);
        return (status, requestId, results);
    }

    /// <summary>Parses a response envelope: OverallStatus, OverallStatusMessage, RequestID and the results (a fault throws).</summary>
    internal static (string? Status, string? StatusMessage, string? RequestId, List<TResult> Results) ParseMessage<TResult>(
        string action, byte[] bytes, Func<SoapReader, TResult?> readResult, int maxDepth, byte[]? resultItem, CancellationToken cancellationToken)
    {
        // Sized from the response (a page holds at most 2,500 objects); a low guess only means the list grows as usual.
        var results = new List<TResult>(Math.Clamp(bytes.Length / 512, 4, 2500));
        try
        {
            var reader = OpenResponse(action, bytes, maxDepth, cancellationToken);
            ReadResponse(reader, results.Add, readResult, resultItem, out var status, out var statusMessage, out var requestId);
            return (status, statusMessage, requestId, results);
        }
        catch (XmlException ex)
        {
            throw new SfmcException($"SFMC SOAP {action} answered XML that could not be read: {ex.Message}", null, null, ex);
        }
    }

    /// <summary>A reader on the Body's message element; a fault throws <see cref="SfmcSoapFaultException"/>.</summary>
    private static SoapReader OpenResponse(string action, byte[] bytes, int maxDepth, CancellationToken cancellationToken)
    {
        var reader = SoapEnvelope.OpenBody(bytes, maxDepth, cancellationToken);
        if (SoapEnvelope.TryReadFault(reader) is { } fault)
        {
            throw new SfmcSoapFaultException($"SFMC SOAP {action} answered a fault: {SfmcException.Clip(fault.FaultString)}", fault, null);
        }

        return reader;
    }

    /// <summary>
    /// Parses the response of a batched call (Create/Update/Delete: <paramref name="resultItem"/> null; Perform,
    /// Configure, Schedule: <c>Result</c>; Extract: <c>ExtractResult</c>) into per-item results, as the calls do (tests
    /// use it on recorded responses). The items are null.
    /// </summary>
    internal static (string? Status, string? StatusMessage, string? RequestId, List<SoapObjectResult<T>> Results) ParseResults<T>(string action, byte[] bytes, string? resultItem = null)
        where T : SoapObject, ISoapObject<T>
    {
        var (status, statusMessage, requestId, raw) = ParseMessage(action, bytes, static r => ReadResult<T>(r), SoapReader.DefaultMaxDepth, resultItem is null ? null : System.Text.Encoding.UTF8.GetBytes(resultItem), default);
        return (status, statusMessage, requestId, raw.Select((r, i) => r.ToResult<T>(r.OrdinalId ?? i, null!)).ToList());
    }

    /// <summary>Parses a Create/Update/Delete response into per-object results (tests use it on recorded responses).</summary>
    internal static (string? Status, string? RequestId, List<SoapObjectResult<T>> Results) ParseWriteResponse<T>(string action, byte[] bytes)
        where T : SoapObject, ISoapObject<T>
    {
        var (status, _, requestId, results) = ParseResults<T>(action, bytes);
        return (status, requestId, results);
    }

    /// <summary>
    /// Creates a Data Extension from its declared schema (a generated row's <c>Schema</c>, or a loaded DE file):
    /// a SOAP Create of a DataExtension with its Fields. Afterwards it is usable over REST.
    /// </summary>
    public async Task<SoapObjectResult<DataExtensionInfo>> CreateDataExtensionAsync(DataExtensionInfo schema, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schema);
        using var activity = SfmcTelemetry.ActivitySource.StartActivity("Sfmc.Soap.CreateDataExtension");
        var bytes = await SendAsync("Create", WriteBody("Create", null, "DataExtension", [schema], WriteDataExtension), replayable: false, cancellationToken);
        var (status, requestId, results) = ParsePage("Create", bytes, static r => ReadResult<NoObject>(r), _client.Options.MaxSoapDepth, cancellationToken);
        var result = results.FirstOrDefault();
        return new SoapObjectResult<DataExtensionInfo>(0, schema, result?.StatusCode ?? "Error", result?.StatusMessage ?? status ?? $"No result (RequestID {requestId})", result?.ErrorCode, result?.NewId, result?.NewObjectId, null);
    }

    /// <summary>A DataExtension object's content: key, name, flags, its Fields and the sendable relationship.</summary>
    private static void WriteDataExtension(SoapWriter writer, DataExtensionInfo schema)
    {
        writer.WriteElement("CustomerKey"u8, schema.CustomerKey);
        writer.WriteElement("Name"u8, schema.Name);
        writer.WriteElement("Description"u8, schema.Description);
        writer.WriteElement("IsSendable"u8, schema.IsSendable);
        writer.WriteStartElement("Fields"u8);
        foreach (var field in schema.Fields)
        {
            writer.WriteStartElement("Field"u8);
            writer.WriteElement("CustomerKey"u8, $"[{schema.CustomerKey}].[{field.Name}]");
            writer.WriteElement("Name"u8, field.Name);
            writer.WriteElement("DefaultValue"u8, field.DefaultValue);
            writer.WriteElement("MaxLength"u8, field.MaxLength);
            writer.WriteElement("IsRequired"u8, field.IsRequired);
            writer.WriteElement("IsPrimaryKey"u8, field.IsPrimaryKey);
            writer.WriteElement("FieldType"u8, field.FieldType.ToString());
            writer.WriteElement("Scale"u8, field.Scale);
            writer.WriteEndElement("Field"u8);
        }

        writer.WriteEndElement("Fields"u8);
        if (schema.IsSendable && schema.SendableDataExtensionField is { } sendableField && schema.SendableSubscriberField is { } subscriberField)
        {
            writer.WriteStartElement("SendableDataExtensionField"u8);
            writer.WriteElement("Name"u8, sendableField);
            writer.WriteEndElement("SendableDataExtensionField"u8);
            writer.WriteStartElement("SendableSubscriberField"u8);
            writer.WriteElement("Name"u8, subscriberField);
            writer.WriteEndElement("SendableSubscriberField"u8);
        }
    }

    /// <summary>A placeholder for results whose echoed Object is not read.</summary>
    internal sealed class NoObject : SoapObject, ISoapObject<NoObject>
    {
        public static string SoapObjectType => "APIObject";

        public static IReadOnlyList<string> DefaultRetrieveProperties => [];

        protected override string SoapTypeName => SoapObjectType;

        public static NoObject? CreateForXsiType(string? xsiType) => null;
    }

    private sealed class RawResult
    {
        public string StatusCode { get; set; } = "";

        public string? StatusMessage { get; set; }

        public int? OrdinalId { get; set; }

        public int? ErrorCode { get; set; }

        public int? NewId { get; set; }

        public string? NewObjectId { get; set; }

        public SoapObject? Returned { get; set; }

        public SoapTaskResult? Task { get; set; }

        public List<SoapApiProperty>? Properties { get; set; }

        public SoapObjectResult<TItem> ToResult<TItem>(int index, TItem item) =>
            new(index, item, StatusCode, StatusMessage, ErrorCode, NewId, NewObjectId, Returned is TItem returned ? returned : default)
            {
                Task = Task,
                Properties = Properties ?? [],
            };
    }
}

/// <summary>Calls the protected-internal serializer members from the runtime.</summary>
internal static class SoapObjectAccess
{
    public static void WriteElements(SoapObject value, SoapWriter writer) => value.WriteSoapElementsCore(writer);
}

/// <summary>Options of a SOAP Retrieve.</summary>
public sealed class SoapRetrieveOptions
{
    /// <summary>Retrieve across all business units the user can see (<c>QueryAllAccounts</c>).</summary>
    public bool QueryAllAccounts { get; init; }

    /// <summary>Business units (MIDs) to retrieve from (<c>ClientIDs</c>).</summary>
    public IReadOnlyList<int>? ClientIds { get; init; }

    /// <summary>
    /// Properties retrieved in addition to the default (or given) ones, by name: those the WSDL lacks (for example
    /// <c>IsPlatformObject</c>; their values arrive in <see cref="SoapObject.ExtensionData"/>) or those the defaults
    /// leave out. Prefer the generated <c>T.Property.X</c> names where the type has the property; filter on the others
    /// with <see cref="SoapProperty.Named{T}(string)"/>.
    /// </summary>
    public IReadOnlyList<string>? ExtraProperties { get; init; }
}

/// <summary>Options of SOAP Create/Update/Delete.</summary>
public sealed class SoapWriteOptions
{
    /// <summary>Salesforce's soft limit for synchronous calls: 50 objects.</summary>
    public const int DefaultBatchSize = 50;

    /// <summary>Objects per call.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;
}

/// <summary>The outcome of one object of a Create/Update/Delete.</summary>
/// <typeparam name="T">The object type.</typeparam>
public sealed record SoapObjectResult<T>(int Index, T Object, string StatusCode, string? StatusMessage, int? ErrorCode, int? NewId, string? NewObjectId, T? Returned)
{
    /// <summary>The asynchronous task a Perform or Schedule started (<c>Task.ID</c> tracks an import, a query…); null for other calls.</summary>
    public SoapTaskResult? Task { get; init; }

    /// <summary>What an Execute returned (the ExecuteResponse's <c>Results</c>: name/value pairs); empty for other calls.</summary>
    public IReadOnlyList<SoapApiProperty> Properties { get; init; } = [];

    /// <summary>StatusCode is OK.</summary>
    public bool IsSuccess => string.Equals(StatusCode, "OK", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Per-object outcomes of a Create/Update/Delete, in the caller's order.</summary>
/// <typeparam name="T">The object type.</typeparam>
public sealed class SoapWriteResult<T>
{
    internal SoapWriteResult(IReadOnlyList<SoapObjectResult<T>> results, IReadOnlyList<string> requestIds, IReadOnlyList<string> overallStatuses)
    {
        Results = results;
        RequestIds = requestIds;
        OverallStatuses = overallStatuses;
    }

    /// <summary>One result per object, in the order given.</summary>
    public IReadOnlyList<SoapObjectResult<T>> Results { get; }

    /// <summary>SFMC's RequestID of each call.</summary>
    public IReadOnlyList<string> RequestIds { get; }

    /// <summary>The OverallStatus of each call (OK, Error, Has Errors).</summary>
    public IReadOnlyList<string> OverallStatuses { get; }

    /// <summary>Objects SFMC accepted.</summary>
    public int Succeeded => Results.Count(r => r.IsSuccess);

    /// <summary>Objects SFMC refused.</summary>
    public IReadOnlyList<SoapObjectResult<T>> Failed => Results.Where(r => !r.IsSuccess).ToList();

    /// <summary>Throws <see cref="SfmcException"/> listing the refused objects, if any.</summary>
    public void EnsureSuccess()
    {
        var failed = Failed;
        if (failed.Count > 0)
        {
            throw new SfmcException($"SFMC refused {failed.Count} of {Results.Count} objects: " +
                string.Join("; ", failed.Take(5).Select(f => $"#{f.Index}: {f.StatusMessage} (ErrorCode {f.ErrorCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"})")),
                null, failed[0].ErrorCode);
        }
    }
}
