using System;
using System.ComponentModel;
using System.Globalization;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Sfmc.Client.Rest;

/// <summary>
/// SFMC REST operations generated from the OpenAPI spec (<c>specs/sfmc-rest.openapi.yaml</c>, plus any spec a project
/// adds with the <c>SfmcOpenApi</c> item) appear on this class as extension methods:
/// <c>client.Rest.SendEmailToSingleRecipientAsync(…)</c>. They share the client's authentication, resilience, rate
/// limiting and telemetry.
/// </summary>
public sealed class SfmcRestClient
{
    private readonly SfmcClient _client;

    internal SfmcRestClient(SfmcClient client) => _client = client;

    /// <summary>Reads one JSON value (the reader is on its first token) into a <typeparamref name="T"/>.</summary>
    public delegate T JsonRead<T>(ref Utf8JsonReader reader);

    /// <summary>Used by generated operations: sends a request and reads its JSON answer.</summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="path">The path relative to the REST instance URL, escaped, with its query.</param>
    /// <param name="writeBody">Writes the JSON body; null for none.</param>
    /// <param name="readResponse">Reads the answer.</param>
    /// <param name="replayable">Whether a request that may have reached SFMC can be sent again (GET, PUT, DELETE, deduplicated POSTs).</param>
    /// <param name="operationId">The spec's operationId, for telemetry and errors.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public async Task<TResponse> SendAsync<TResponse>(HttpMethod method, string path, Action<Utf8JsonWriter>? writeBody, JsonRead<TResponse> readResponse, bool replayable, string operationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(readResponse);
        var body = await SendCoreAsync(method, path, writeBody, replayable, operationId, cancellationToken);
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read())
            {
                throw new SfmcResponseFormatException($"SFMC {method} /{path} ({operationId}) answered with no JSON body.");
            }

            return readResponse(ref reader);
        }
        catch (Exception ex) when (SfmcClient.IsUnreadable(ex))
        {
            throw new SfmcResponseFormatException($"SFMC's answer to {method} /{path} ({operationId}) could not be read: {SfmcException.Clip(ex.Message)}", ex);
        }
    }

    /// <summary>Used by generated operations that have no JSON answer.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public Task SendAsync(HttpMethod method, string path, Action<Utf8JsonWriter>? writeBody, bool replayable, string operationId, CancellationToken cancellationToken) =>
        SendCoreAsync(method, path, writeBody, replayable, operationId, cancellationToken);

    /// <summary>Appends <c>name=value</c> to a path's query when the value is not null.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static string Query(string path, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (value is null)
        {
            return path;
        }

        var text = value switch
        {
            bool b => b ? "true" : "false",
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        return path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + Uri.EscapeDataString(name) + "=" + Uri.EscapeDataString(text);
    }

    private async Task<byte[]> SendCoreAsync(HttpMethod method, string path, Action<Utf8JsonWriter>? writeBody, bool replayable, string operationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var activity = SfmcTelemetry.ActivitySource.StartActivity("Sfmc.Rest " + operationId);
        activity?.SetTag("sfmc.rest.operation", operationId);
        using var request = new HttpRequestMessage(method, path);
        if (writeBody is not null)
        {
            request.Content = SfmcClient.JsonContent(SfmcClient.Json(writeBody));
        }

        return await _client.SendAsync(request, new SfmcRequestContext { Replayable = replayable }, null, cancellationToken);
    }
}
