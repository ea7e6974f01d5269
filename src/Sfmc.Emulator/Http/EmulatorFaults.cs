using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;

namespace Sfmc.Emulator;

/// <summary>
/// Fault injection for tests: fail the next N requests with a status, add latency, drop connections, expire every
/// issued token. Thread-safe; each injected fault is consumed by exactly one request.
/// </summary>
public sealed class EmulatorFaults
{
    private readonly List<InjectedFault> _pending = new();
    private readonly Lock _lock = new();
    private long _latencyTicks;

    /// <summary>Fails the next <paramref name="count"/> requests whose path starts with <paramref name="pathPrefix"/> (any path when null).</summary>
    /// <param name="count">How many requests to fail.</param>
    /// <param name="status">The HTTP status to answer with (429 also sends Retry-After and SFMC's errorcode 50100).</param>
    /// <param name="pathPrefix">Only requests under this path, e.g. <c>/hub/</c>; null for any.</param>
    public void FailNext(int count, HttpStatusCode status, string? pathPrefix = null)
    {
        Add(count, new InjectedFault(status, pathPrefix, Drop: false));
    }

    /// <summary>
    /// Lets the next <paramref name="skip"/> matching requests through, then fails <paramref name="count"/>: a failure in
    /// the middle of a sequence of calls (the third SOAP request, say) that a test cannot time from outside.
    /// </summary>
    public void FailNext(int count, HttpStatusCode status, string? pathPrefix, int skip)
    {
        Add(skip, new InjectedFault(0, pathPrefix, Drop: false, Pass: true));
        Add(count, new InjectedFault(status, pathPrefix, Drop: false));
    }

    /// <summary>
    /// Answers the next <paramref name="count"/> matching requests with SFMC's "temporarily blocked" throttle: HTTP 429,
    /// errorcode 50200 and no Retry-After (the client must back off on its own).
    /// </summary>
    public void BlockNext(int count, string? pathPrefix = null) => Add(count, new InjectedFault(HttpStatusCode.TooManyRequests, pathPrefix, Drop: false, Blocked: true));

    /// <summary>
    /// Lets the next <paramref name="count"/> matching requests do their work, then answers them with
    /// <paramref name="status"/> instead: the request reached SFMC but the client cannot know it. Replaying such a request
    /// is only safe when it is idempotent. The emulator's own checks (rate limit, token, scope, payload size) still apply
    /// first; a request they refuse uses the fault up without doing any work.
    /// </summary>
    public void FailAfterProcessingNext(int count, HttpStatusCode status, string? pathPrefix = null) =>
        Add(count, new InjectedFault(status, pathPrefix, Drop: false, AfterProcessing: true));

    /// <summary>Drops the connection of the next <paramref name="count"/> matching requests after reading them (the client sees a connection failure).</summary>
    public void DropNext(int count, string? pathPrefix = null)
    {
        Add(count, new InjectedFault(0, pathPrefix, Drop: true));
    }

    /// <summary>Latency added to every request until set back to zero.</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set => Interlocked.Exchange(ref _latencyTicks, value.Ticks);
    }

    /// <summary>Raised to make every token issued so far invalid ("expired"): the next API call gets 401.</summary>
    public event Action? TokensExpired;

    /// <summary>Expires every token issued so far, as if their lifetime had run out.</summary>
    public void ExpireTokens() => TokensExpired?.Invoke();

    private void Add(int count, InjectedFault fault)
    {
        lock (_lock)
        {
            for (var i = 0; i < count; i++)
            {
                _pending.Add(fault);
            }
        }
    }

    /// <summary>Takes the first pending fault that matches the path; faults for other paths stay queued in order.</summary>
    internal InjectedFault? Take(string path)
    {
        lock (_lock)
        {
            var index = _pending.FindIndex(f => f.PathPrefix is null || path.StartsWith(f.PathPrefix, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                return null;
            }

            var fault = _pending[index];
            _pending.RemoveAt(index);
            return fault.Pass ? null : fault;
        }
    }

    /// <summary>One queued fault; <see cref="Pass"/> lets its request through untouched (the skipped ones before a failure).</summary>
    internal sealed record InjectedFault(HttpStatusCode Status, string? PathPrefix, bool Drop, bool Blocked = false, bool AfterProcessing = false, bool Pass = false);
}
