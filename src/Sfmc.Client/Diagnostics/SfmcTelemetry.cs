using System;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Sfmc.Client;

/// <summary>The <c>Sfmc</c> ActivitySource and Meter: requests, retries, throttles, rows, token refreshes, durations.</summary>
public sealed class SfmcTelemetry
{
    /// <summary>The name of the ActivitySource and the Meter.</summary>
    public const string Name = "Sfmc";

    internal static readonly ActivitySource ActivitySource = new(Name);

    /// <summary>Creates the instruments from the app's meter factory.</summary>
    public SfmcTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        Requests = meter.CreateCounter<long>("sfmc.requests", description: "HTTP requests sent to SFMC, by status.");
        Retries = meter.CreateCounter<long>("sfmc.retries", description: "Retries scheduled.");
        Throttles = meter.CreateCounter<long>("sfmc.throttles", description: "Answers that were HTTP 429.");
        Rows = meter.CreateCounter<long>("sfmc.rows", description: "Data Extension rows written, by outcome.");
        TokenRefreshes = meter.CreateCounter<long>("sfmc.token.refreshes", description: "Access tokens requested.");
        FileTransferBytes = meter.CreateCounter<long>("sfmc.file_transfer.bytes", unit: "By", description: "Bytes uploaded to the SFTP.");
        FileTransferResumes = meter.CreateCounter<long>("sfmc.file_transfer.resumes", description: "SFTP uploads resumed after a dropped connection.");
        RequestDuration = meter.CreateHistogram<double>("sfmc.request.duration", unit: "s", description: "Duration of one HTTP attempt.");
    }

    internal Counter<long> Requests { get; }

    internal Counter<long> Retries { get; }

    internal Counter<long> Throttles { get; }

    internal Counter<long> Rows { get; }

    internal Counter<long> TokenRefreshes { get; }

    internal Histogram<double> RequestDuration { get; }

    internal Counter<long> FileTransferBytes { get; }

    internal Counter<long> FileTransferResumes { get; }
}

/// <summary>
/// Measures each HTTP exchange with SFMC (every attempt, and the replay after a 401): <c>sfmc.requests</c> by method
/// and status, <c>sfmc.request.duration</c>, throttles (the meter and the request's count; a SOAP throttling fault
/// counts as one) and a Debug log line. Sits below the authentication handler, above the buffered read.
/// </summary>
internal sealed class SfmcTelemetryHandler(SfmcTelemetry telemetry, TimeProvider time, ILogger logger) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            var elapsed = time.GetElapsedTime(started);
            var status = (int)response.StatusCode;
            telemetry.Requests.Add(1, new TagList { { "http.request.method", request.Method.Method }, { "http.response.status_code", status } });
            telemetry.RequestDuration.Record(elapsed.TotalSeconds);
            if (SfmcAnswer.IsThrottled(request, response))
            {
                telemetry.Throttles.Add(1);
                if (request.Options.TryGetValue(SfmcRequestContext.Key, out var context))
                {
                    context.AddThrottle();
                }
            }

            Log.RequestCompleted(logger, request.Method.Method, request.RequestUri?.PathAndQuery ?? "?", status, (long)elapsed.TotalMilliseconds);
            return response;
        }
        catch (HttpRequestException)
        {
            telemetry.Requests.Add(1, new TagList { { "http.request.method", request.Method.Method }, { "error.type", "connection" } });
            throw;
        }
    }
}

/// <summary>Log events. Paths, statuses and durations only: never a secret, a token or a row value.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "SFMC {Method} {Path} answered {Status} in {DurationMs} ms")]
    public static partial void RequestCompleted(ILogger logger, string method, string path, int status, long durationMs);

    [LoggerMessage(2, LogLevel.Information, "SFMC access token obtained for client '{ClientName}', expires in {ExpiresIn} s")]
    public static partial void TokenObtained(ILogger logger, string clientName, int expiresIn);

    [LoggerMessage(3, LogLevel.Warning, "SFMC {Method} {Path}: attempt {Attempt} failed ({Outcome}); retrying in {DelayMs} ms")]
    public static partial void RetryScheduled(ILogger logger, string method, string path, int attempt, string outcome, long delayMs);

    [LoggerMessage(4, LogLevel.Information, "SFMC {Method} {Path} answered 401; refreshing the token and replaying once")]
    public static partial void Unauthorized(ILogger logger, string method, string path);

    [LoggerMessage(5, LogLevel.Warning, "SFMC rejected a batch of {Rows} rows for '{Key}' ({Message}); splitting it to isolate the bad rows")]
    public static partial void SplittingBatch(ILogger logger, int rows, string key, string message);
}
