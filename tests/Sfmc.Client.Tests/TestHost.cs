using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Sfmc.Emulator;

namespace Sfmc.Client.Tests;

/// <summary>
/// An emulator and a DI container with an SFMC client pointed at it, sharing one fake clock; every log line is
/// captured. Real HTTP on 127.0.0.1.
/// </summary>
internal sealed class TestHost : IAsyncDisposable
{
    private readonly CancellationTokenSource _pump = new();
    private Task? _pumping;

    private TestHost(SfmcEmulator emulator, ServiceProvider services, FakeTimeProvider time, TimerClock clock)
    {
        Emulator = emulator;
        Services = services;
        Time = time;
        Clock = clock;
    }

    public SfmcEmulator Emulator { get; }

    public ServiceProvider Services { get; }

    /// <summary>The fake clock; advancing it moves the client's and the emulator's time.</summary>
    public FakeTimeProvider Time { get; }

    /// <summary>The <see cref="TimeProvider"/> the client uses: <see cref="Time"/>, with its timers known to <see cref="PumpTime"/>.</summary>
    public TimerClock Clock { get; }

    public SfmcClient Client => Services.GetRequiredService<SfmcClient>();

    public FakeLogCollector Logs => Services.GetRequiredService<FakeLogCollector>();

    public static async Task<TestHost> StartAsync(
        Action<SfmcEmulatorOptions>? emulator = null,
        Action<SfmcClientOptions>? client = null,
        Action<IServiceCollection, SfmcEmulator>? services = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        var clock = new TimerClock(time);
        var emu = await SfmcEmulator.StartAsync(o =>
        {
            // The emulator's timers (latency, async processing) are not the pump's to jump to: they fire as the
            // client's waits move the clock past them (see PumpTime).
            o.TimeProvider = time;
            o.DataExtensions.Add(DataExtensions.OrderLinesRow.Schema);
            o.DataExtensions.Add(DataExtensions.TestExistingDataExtensionRow.Schema);
            emulator?.Invoke(o);
        });
        var collection = new ServiceCollection();
        collection.AddSingleton<TimeProvider>(clock);
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace));
        collection.AddFakeLogging(o => o.CollectRecordsForDisabledLogLevels = false);
        collection.AddSfmc(o => Configure(o, emu, client));
        services?.Invoke(collection, emu);
        return new TestHost(emu, collection.BuildServiceProvider(), time, clock);
    }

    public static void Configure(SfmcClientOptions options, SfmcEmulator emulator, Action<SfmcClientOptions>? more = null)
    {
        options.AuthBaseUri = emulator.BaseUri;
        options.ClientId = emulator.ClientId;
        options.ClientSecret = emulator.ClientSecret;
        options.Retry.BaseDelay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(5);
        more?.Invoke(options);
    }

    /// <summary>
    /// Moves the fake clock in the background from one of the client's timers to the next, so retry delays and polling
    /// intervals pass without sleeping. The clock jumps only to the client's earliest pending timer, only when that
    /// timer is due within <paramref name="maxJump"/> (default 10 s) and has stayed the earliest for two looks a
    /// millisecond apart. So the clock never races: a timeout longer than <paramref name="maxJump"/> (the 100 s attempt
    /// timeout, the 5 min total) fires only when the delays before it add up to it, never because the machine is slow;
    /// and the emulator's own timers (latency, async processing) are never jumped to while the client is busy between
    /// two requests: they fire when the client's waits have moved the clock past them, as they would on a real clock.
    /// </summary>
    public void PumpTime(TimeSpan? maxJump = null)
    {
        var limit = maxJump ?? TimeSpan.FromSeconds(10);
        _pumping = Task.Run(async () =>
        {
            (object Timer, DateTimeOffset Due)? seen = null;
            while (!_pump.IsCancellationRequested)
            {
                await Task.Delay(1);
                var next = Clock.NextTimer();
                var now = Time.GetUtcNow();
                if (next is not { } n || n.Due - now > limit)
                {
                    seen = null;
                }
                else if (seen is { } s && ReferenceEquals(s.Timer, n.Timer) && s.Due == n.Due)
                {
                    Time.Advance(n.Due > now ? n.Due - now : TimeSpan.Zero);
                    seen = null;
                }
                else
                {
                    seen = n;
                }
            }
        });
    }

    /// <summary>Every captured log line, formatted with its state and exception.</summary>
    public IEnumerable<string> AllLogText() => Logs.GetSnapshot().Select(r => $"{r.Level} {r.Category} {r.Message} {string.Join(",", r.StructuredState?.Select(kv => kv.Key + "=" + kv.Value) ?? [])} {r.Exception}");

    public async ValueTask DisposeAsync()
    {
        await _pump.CancelAsync();
        if (_pumping is not null)
        {
            await _pumping;
        }

        await Services.DisposeAsync();
        await Emulator.DisposeAsync();
        _pump.Dispose();
    }
}

/// <summary>
/// A <see cref="TimeProvider"/> over a <see cref="FakeTimeProvider"/> that knows when each of its timers is due, so
/// <see cref="TestHost.PumpTime"/> can move the clock from timer to timer (Polly's delays and timeouts and the client's
/// polling run on timers of this provider).
/// </summary>
internal sealed class TimerClock(FakeTimeProvider time) : TimeProvider
{
    private readonly object _gate = new();
    private readonly HashSet<Tracked> _timers = [];

    public override DateTimeOffset GetUtcNow() => time.GetUtcNow();

    public override long GetTimestamp() => time.GetTimestamp();

    public override long TimestampFrequency => time.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => time.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var tracked = new Tracked(this, period);
        tracked.Inner = time.CreateTimer(
            s =>
            {
                tracked.Fired();
                callback(s);
            },
            state,
            Timeout.InfiniteTimeSpan,
            Timeout.InfiniteTimeSpan);
        tracked.Change(dueTime, period);
        return tracked;
    }

    /// <summary>The pending timer due first, if any.</summary>
    public (object Timer, DateTimeOffset Due)? NextTimer()
    {
        lock (_gate)
        {
            (object Timer, DateTimeOffset Due)? next = null;
            foreach (var t in _timers)
            {
                if (next is null || t.Due < next.Value.Due)
                {
                    next = (t, t.Due);
                }
            }

            return next;
        }
    }

    private sealed class Tracked(TimerClock clock, TimeSpan period) : ITimer
    {
        private TimeSpan _period = period;

        public ITimer Inner { get; set; } = null!;

        public DateTimeOffset Due { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                _period = period;
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    clock._timers.Remove(this);
                }
                else
                {
                    Due = clock.GetUtcNow() + dueTime;
                    clock._timers.Add(this);
                }
            }

            // Outside the lock: the fake clock may run the callback at once.
            return Inner.Change(dueTime, period);
        }

        public void Fired()
        {
            lock (clock._gate)
            {
                if (_period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero)
                {
                    clock._timers.Remove(this);
                }
                else
                {
                    Due += _period;
                }
            }
        }

        public void Dispose()
        {
            lock (clock._gate)
            {
                clock._timers.Remove(this);
            }

            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
