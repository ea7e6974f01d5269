using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.RateLimiting;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sfmc.Client;
using StackExchange.Redis;

namespace Sfmc.Redis;

/// <summary>Shares a client's <see cref="SfmcClientOptions.RequestsPerMinute"/> with every process of the tenant through Redis.</summary>
public static class SfmcRedisRateBudget
{
    /// <summary>
    /// Makes <see cref="SfmcClientOptions.RequestsPerMinute"/> a budget for the tenant's business unit as a whole: every
    /// process that uses the same Redis and the same <see cref="SfmcClientOptions.AuthBaseUri"/> host and
    /// <see cref="SfmcClientOptions.AccountId"/> takes its requests from one paced schedule, so together they stay
    /// under the budget. Each attempt (retries included) takes the next free slot; callers wait for it rather than
    /// fail. When Redis cannot be reached, requests are paced by this process alone (at the full budget) and a warning
    /// is logged.
    /// </summary>
    /// <param name="options">The client's options; <see cref="SfmcClientOptions.RequestsPerMinute"/> must be set.</param>
    /// <param name="redis">The connection; by default the <see cref="IConnectionMultiplexer"/> registered in DI.</param>
    /// <returns>The options.</returns>
    public static SfmcClientOptions UseRedisRateBudget(this SfmcClientOptions options, Func<IServiceProvider, IConnectionMultiplexer>? redis = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RateLimiterFactory = (services, o) => new SfmcRedisRateLimiter(
            (redis ?? (sp => sp.GetRequiredService<IConnectionMultiplexer>()))(services),
            KeyFor(o),
            o.RequestsPerMinute ?? throw new InvalidOperationException("UseRedisRateBudget needs RequestsPerMinute: the budget the processes share."),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetService<ILoggerFactory>()?.CreateLogger("Sfmc.Redis") ?? NullLogger.Instance);
        return options;
    }

    /// <summary>The Redis key of a tenant's budget: <c>sfmc:rate:{auth host}:{MID}</c> (the host names the tenant).</summary>
    public static string KeyFor(SfmcClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return $"sfmc:rate:{options.AuthBaseUri?.Host.ToLowerInvariant()}:{options.AccountId ?? "default"}";
    }
}

/// <summary>
/// A paced rate limiter whose schedule lives in Redis: one atomic script reserves the next free slot (one request
/// every 60 s / budget) for whichever process asks, using Redis's clock, and the caller waits until its slot. Paced,
/// not bursty, like the in-process limiter: a burst could land inside one of the tenant's counting windows and overrun
/// it.
/// </summary>
internal sealed class SfmcRedisRateLimiter : RateLimiter
{
    // KEYS[1]: the schedule. ARGV[1]: the interval in µs. Returns the wait in µs before the reserved slot.
    private const string ReserveScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local nextSlot = tonumber(redis.call('GET', KEYS[1]) or '0')
        if nextSlot < now then nextSlot = now end
        local interval = tonumber(ARGV[1])
        redis.call('SET', KEYS[1], nextSlot + interval, 'PX', math.floor((nextSlot + interval - now) / 1000) + 60000)
        return nextSlot - now
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKey _key;
    private readonly long _intervalMicroseconds;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TokenBucketRateLimiter _fallback;
    private long _lastWarning = long.MinValue;
    private long _acquired;

    public SfmcRedisRateLimiter(IConnectionMultiplexer redis, string key, int requestsPerMinute, TimeProvider time, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(requestsPerMinute, 1);
        _redis = redis;
        _key = key;
        _intervalMicroseconds = 60_000_000L / requestsPerMinute;
        _time = time;
        _logger = logger;
        _fallback = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = 1,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromTicks(_intervalMicroseconds * 10),
            QueueLimit = int.MaxValue,
            AutoReplenishment = true,
        });
    }

    public override TimeSpan? IdleDuration => null;

    public override RateLimiterStatistics? GetStatistics() => new() { TotalSuccessfulLeases = Interlocked.Read(ref _acquired) };

    /// <summary>Without waiting nothing can be promised: a slot is always in the future or now, and reserving it is a round trip.</summary>
    protected override RateLimitLease AttemptAcquireCore(int permitCount) => Lease.Refused;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        var interval = _intervalMicroseconds * Math.Max(permitCount, 1);
        while (true)
        {
            long waitMicroseconds;
            var asked = _time.GetTimestamp();
            try
            {
                waitMicroseconds = (long)await _redis.GetDatabase().ScriptEvaluateAsync(ReserveScript, [_key], [interval]).WaitAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                WarnAtMostOncePerMinute(ex);
                return await _fallback.AcquireAsync(permitCount, cancellationToken);
            }

            if (waitMicroseconds > 0)
            {
                await Task.Delay(TimeSpan.FromTicks(waitMicroseconds * 10), _time, cancellationToken);
            }

            // A slot is a moment, not a right to send later: when this process woke up more than an interval after its
            // slot (a stalled or starved process), sending now would land together with the slots after it, a burst the
            // tenant counts. The slot is given up and a new one taken.
            var late = _time.GetElapsedTime(asked).Ticks / 10 - waitMicroseconds;
            if (late <= _intervalMicroseconds)
            {
                Interlocked.Increment(ref _acquired);
                return Lease.Granted;
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _fallback.Dispose();
        }

        base.Dispose(disposing);
    }

    private void WarnAtMostOncePerMinute(Exception ex)
    {
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastWarning);
        if (last == long.MinValue || _time.GetElapsedTime(last, now) > TimeSpan.FromMinutes(1))
        {
            Interlocked.Exchange(ref _lastWarning, now);
            _logger.LogWarning("The shared SFMC rate budget in Redis ({Key}) is unreachable ({Error}); pacing this process alone at the full budget until it is back.", _key.ToString(), ex.GetType().Name);
        }
    }

    private sealed class Lease(bool acquired) : RateLimitLease
    {
        public static readonly Lease Granted = new(true);
        public static readonly Lease Refused = new(false);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
