using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace Sfmc.Emulator;

/// <summary>One request the emulator answered.</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">Path and query.</param>
/// <param name="StatusCode">The status answered (0 when the connection was dropped).</param>
/// <param name="RequestBytes">Size of the request body.</param>
/// <param name="At">When it arrived (emulator's TimeProvider).</param>
public sealed record EmulatorRequest(string Method, string Path, int StatusCode, long RequestBytes, DateTimeOffset At)
{
    /// <summary>Its number in the log, from 1: the key of <see cref="SfmcEmulator.GetRequestDetail"/>.</summary>
    public long Id { get; init; }

    /// <summary>From arrival to the end of the answer (injected latency included).</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Size of the response body.</summary>
    public long ResponseBytes { get; init; }

    /// <summary>
    /// 1 for a first attempt; 2, 3… when the same method, path and body came again right after a failed answer (429,
    /// 5xx, 401 or a dropped connection): the client's retries as the emulator saw them.
    /// </summary>
    public int Attempt { get; init; } = 1;

    /// <summary>
    /// What the emulator did besides its normal work: <c>throttled</c> (its rate limit or an injected 429/block),
    /// <c>faulted</c> (an injected fault), <c>dropped</c> (an injected connection drop); null otherwise.
    /// </summary>
    public string? Outcome { get; init; }
}

/// <summary>
/// A logged request with its headers and bodies, secrets redacted: <c>Authorization</c> and cookies, <c>client_secret</c>,
/// tokens (<c>access_token</c>, <c>refresh_token</c>, SOAP's <c>fueloauth</c>), passwords, and any issued token or the
/// client secret wherever else they appear. Bodies are kept up to <see cref="EmulatorRequestLog.MaxBodyChars"/> each.
/// </summary>
/// <param name="Request">The log entry.</param>
/// <param name="RequestHeaders">Request headers, redacted.</param>
/// <param name="RequestBody">Request body as text, redacted (empty when there was none).</param>
/// <param name="ResponseHeaders">Response headers.</param>
/// <param name="ResponseBody">Response body as text, redacted.</param>
/// <param name="Truncated">Whether a body was longer than what is kept.</param>
public sealed record EmulatorRequestDetail(
    EmulatorRequest Request,
    IReadOnlyList<KeyValuePair<string, string>> RequestHeaders,
    string RequestBody,
    IReadOnlyList<KeyValuePair<string, string>> ResponseHeaders,
    string ResponseBody,
    bool Truncated);

/// <summary>
/// The request log: every request in order (<see cref="Requests"/>), and the headers and first bodies' bytes of the
/// most recent <see cref="KeptDetails"/> (kept raw, redacted when read, so logging costs no more than a copy).
/// </summary>
internal sealed partial class EmulatorRequestLog(Func<IEnumerable<string>> secrets)
{
    /// <summary>Characters of each body kept for the detail view.</summary>
    public const int MaxBodyChars = 16 * 1024;

    /// <summary>How many recent requests keep their headers and bodies (the log itself keeps every request).</summary>
    public const int KeptDetails = 1000;

    private const string Redacted = "***";
    private static readonly TimeSpan RetryWindow = TimeSpan.FromMinutes(5);

    private readonly ConcurrentQueue<EmulatorRequest> _requests = new();
    private readonly ConcurrentDictionary<long, Capture> _details = new();
    private readonly ConcurrentDictionary<string, (int Attempt, DateTimeOffset At)> _failed = new(StringComparer.Ordinal);
    private long _lastId;

    /// <summary>Every request answered so far, in arrival order.</summary>
    public IReadOnlyList<EmulatorRequest> Requests => _requests.ToArray();

    /// <summary>How many requests were logged: a cheap change counter for the web page.</summary>
    public long Count => Interlocked.Read(ref _lastId);

    /// <summary>Starts capturing a request: its body is copied as the endpoint reads it, its answer as it is written.</summary>
    public Capture Begin(HttpContext context)
    {
        var capture = new Capture(
            context.Request.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString())).ToList(),
            new CaptureStream(context.Request.Body, read: true),
            new CaptureStream(context.Response.Body, read: false));
        context.Request.Body = capture.RequestBody;
        context.Response.Body = capture.ResponseBody;
        return capture;
    }

    /// <summary>Logs an answered request with what was captured of it.</summary>
    public EmulatorRequest Add(EmulatorRequest request, Capture capture, HttpResponse response)
    {
        capture.ResponseHeaders = response.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString())).ToList();
        var key = request.Method + " " + request.Path + "\n" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(RedactShapes(capture.RequestBody.Text()))));
        var failed = request.StatusCode is 0 or 401 or 429 or >= 500;
        var attempt = _failed.TryRemove(key, out var previous) && request.At - previous.At < RetryWindow ? previous.Attempt + 1 : 1;
        if (failed)
        {
            if (_failed.Count >= 10_000)
            {
                _failed.Clear(); // failures that were never retried: forgetting them only restarts a count at 1
            }

            _failed[key] = (attempt, request.At);
        }

        var id = Interlocked.Increment(ref _lastId);
        var logged = request with { Id = id, Attempt = attempt, ResponseBytes = capture.ResponseBody.Total };
        capture.Request = logged;
        _details[id] = capture;
        _details.TryRemove(id - KeptDetails, out _);
        _requests.Enqueue(logged);
        return logged;
    }

    /// <summary>A logged request with headers and bodies, redacted; null when unknown or no longer kept.</summary>
    public EmulatorRequestDetail? Detail(long id)
    {
        if (!_details.TryGetValue(id, out var capture) || capture.Request is null)
        {
            return null;
        }

        var known = secrets().Where(s => s.Length >= 8).ToList();
        return new EmulatorRequestDetail(
            capture.Request,
            capture.RequestHeaders.Select(h => KeyValuePair.Create(h.Key, RedactHeader(h.Key, h.Value, known))).ToList(),
            Redact(capture.RequestBody.Text(), known),
            (capture.ResponseHeaders ?? []).Select(h => KeyValuePair.Create(h.Key, RedactHeader(h.Key, h.Value, known))).ToList(),
            Redact(capture.ResponseBody.Text(), known),
            capture.RequestBody.Truncated || capture.ResponseBody.Truncated);
    }

    /// <summary>Secrets out of a text: by their shape (JSON and form fields, SOAP elements), then any known secret left.</summary>
    internal static string Redact(string text, IReadOnlyCollection<string> known)
    {
        text = RedactShapes(text);
        foreach (var secret in known)
        {
            text = text.Replace(secret, Redacted, StringComparison.Ordinal);
        }

        return text;
    }

    private static string RedactHeader(string name, string value, IReadOnlyCollection<string> known)
    {
        if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || name.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase))
        {
            // The scheme tells what kind of credential came; the credential itself never shows.
            var space = value.IndexOf(' ', StringComparison.Ordinal);
            return space > 0 ? value[..space] + " " + Redacted : Redacted;
        }

        return name.Equals("Cookie", StringComparison.OrdinalIgnoreCase) || name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase)
            ? Redacted
            : Redact(value, known);
    }

    private static string RedactShapes(string text)
    {
        if (text.Length == 0)
        {
            return text;
        }

        text = JsonSecret().Replace(text, "$1\"" + Redacted + "\"");
        text = FormSecret().Replace(text, "$1" + Redacted);
        return XmlSecret().Replace(text, "$1" + Redacted + "$2");
    }

    [GeneratedRegex("(\"(?:client_secret|clientSecret|access_token|accessToken|refresh_token|refreshToken|password|token)\"\\s*:\\s*)\"(?:[^\"\\\\]|\\\\.)*\"?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex JsonSecret();

    [GeneratedRegex("((?:^|&)(?:client_secret|access_token|refresh_token|password)=)[^&\\s]*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FormSecret();

    [GeneratedRegex("(<(?:[\\w.-]+:)?(?:fueloauth|oAuthToken|Password|client_secret|access_token)\\b[^>]*>)[^<]*(</|$)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex XmlSecret();

    /// <summary>What is captured of one request while it is answered.</summary>
    internal sealed class Capture(IReadOnlyList<KeyValuePair<string, string>> requestHeaders, CaptureStream requestBody, CaptureStream responseBody)
    {
        public IReadOnlyList<KeyValuePair<string, string>> RequestHeaders { get; } = requestHeaders;

        public CaptureStream RequestBody { get; } = requestBody;

        public CaptureStream ResponseBody { get; } = responseBody;

        public IReadOnlyList<KeyValuePair<string, string>>? ResponseHeaders { get; set; }

        public EmulatorRequest? Request { get; set; }
    }

    /// <summary>
    /// Passes a body through (read for a request, written for a response) and keeps a copy of its first
    /// <see cref="MaxBodyChars"/> bytes and its length.
    /// </summary>
    internal sealed class CaptureStream(Stream inner, bool read) : Stream
    {
        private readonly MemoryStream _copy = new();

        /// <summary>How many bytes passed.</summary>
        public long Total => _length;

        public bool Truncated { get; private set; }

        public override bool CanRead => read;

        public override bool CanSeek => false;

        public override bool CanWrite => !read;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        private long _length;

        public string Text()
        {
            lock (_copy)
            {
                return Encoding.UTF8.GetString(_copy.GetBuffer(), 0, (int)_copy.Length);
            }
        }

        private void Keep(ReadOnlySpan<byte> bytes)
        {
            _length += bytes.Length;
            lock (_copy)
            {
                var room = MaxBodyChars - (int)_copy.Length;
                if (bytes.Length > room)
                {
                    Truncated = true;
                }

                _copy.Write(bytes[..Math.Min(room, bytes.Length)]);
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            Keep(buffer[..n]);
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            Keep(buffer.Span[..n]);
            return n;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Keep(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            Keep(buffer.Span);
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
