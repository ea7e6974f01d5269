using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;

namespace Sfmc.Emulator;

/// <summary>
/// Fault injection and limits for tests and the web page: fail the next N requests with a status, add latency, drop
/// connections, expire every issued token, change the rate limit. Thread-safe; each injected fault is consumed by
/// exactly one request; a change applies to the next requests.
/// </summary>
public sealed class EmulatorFaults
{
    private readonly List<InjectedFault> _pending = new();
    private readonly Lock _lock = new();
    private long _latencyTicks;
    private long _version;
    private (int? PerWindow, TimeSpan Window) _rateLimit = (null, TimeSpan.FromMinutes(1));

    /// <summary>
    /// The rate limit: requests allowed per window (null: none) and the window. Starts as
    /// <see cref="SfmcEmulatorOptions.RateLimitPerWindow"/> and <see cref="SfmcEmulatorOptions.RateLimitWindow"/>.
    /// </summary>
    public (int? PerWindow, TimeSpan Window) RateLimit
    {
        get
        {
            lock (_lock)
            {
                return _rateLimit;
            }
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value.PerWindow ?? 1, 0, nameof(value));
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value.Window, TimeSpan.Zero, nameof(value));
            lock (_lock)
            {
                _rateLimit = value;
            }

            Interlocked.Increment(ref _version);
        }
    }

    /// <summary>Faults queued and not yet used, in order, consecutive equal ones counted together.</summary>
    public IReadOnlyList<EmulatorPendingFault> Pending
    {
        get
        {
            lock (_lock)
            {
                var groups = new List<EmulatorPendingFault>();
                foreach (var fault in _pending)
                {
                    var kind = fault.Pass ? "pass" : fault.Drop ? "drop" : fault.Blocked ? "block" : fault.AfterProcessing ? "fail-after-processing" : "fail";
                    var status = fault.Pass || fault.Drop ? 0 : (int)fault.Status;
                    if (groups.Count > 0 && groups[^1] is var last && last.Kind == kind && last.StatusCode == status && last.PathPrefix == fault.PathPrefix)
                    {
                        groups[^1] = last with { Count = last.Count + 1 };
                    }
                    else
                    {
                        groups.Add(new EmulatorPendingFault(kind, status, fault.PathPrefix, 1));
                    }
                }

                return groups;
            }
        }
    }

    /// <summary>Changes with every fault queued or used and every setting changed (the web page's refresh signal).</summary>
    internal long Version => Interlocked.Read(ref _version);

    /// <summary>Drops every queued fault.</summary>
    public void ClearPending()
    {
        lock (_lock)
        {
            _pending.Clear();
        }

        Interlocked.Increment(ref _version);
    }

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
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            Interlocked.Exchange(ref _latencyTicks, value.Ticks);
            Interlocked.Increment(ref _version);
        }
    }

    /// <summary>Raised to make every token issued so far invalid ("expired"): the next API call gets 401.</summary>
    public event Action? TokensExpired;

    /// <summary>Expires every token issued so far, as if their lifetime had run out.</summary>
    public void ExpireTokens()
    {
        TokensExpired?.Invoke();
        Interlocked.Increment(ref _version);
    }

    private void Add(int count, InjectedFault fault)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Interlocked.Increment(ref _version);
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
            Interlocked.Increment(ref _version);
            return fault.Pass ? null : fault;
        }
    }

    /// <summary>One queued fault; <see cref="Pass"/> lets its request through untouched (the skipped ones before a failure).</summary>
    internal sealed record InjectedFault(HttpStatusCode Status, string? PathPrefix, bool Drop, bool Blocked = false, bool AfterProcessing = false, bool Pass = false);
}

/// <summary>Queued faults of one kind (see <see cref="EmulatorFaults.Pending"/>).</summary>
/// <param name="Kind"><c>fail</c>, <c>fail-after-processing</c>, <c>block</c>, <c>drop</c>, or <c>pass</c> (requests let through before a failure).</param>
/// <param name="StatusCode">The status answered (0 for drop and pass).</param>
/// <param name="PathPrefix">Only requests under this path; null for any.</param>
/// <param name="Count">How many requests it still applies to.</param>
public sealed record EmulatorPendingFault(string Kind, int StatusCode, string? PathPrefix, int Count);
