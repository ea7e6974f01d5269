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

    private TestHost(SfmcEmulator emulator, ServiceProvider services, FakeTimeProvider time)
    {
        Emulator = emulator;
        Services = services;
        Time = time;
    }

    public SfmcEmulator Emulator { get; }

    public ServiceProvider Services { get; }

    public FakeTimeProvider Time { get; }

    public SfmcClient Client => Services.GetRequiredService<SfmcClient>();

    public FakeLogCollector Logs => Services.GetRequiredService<FakeLogCollector>();

    public static async Task<TestHost> StartAsync(
        Action<SfmcEmulatorOptions>? emulator = null,
        Action<SfmcClientOptions>? client = null,
        Action<IServiceCollection, SfmcEmulator>? services = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        var emu = await SfmcEmulator.StartAsync(o =>
        {
            o.TimeProvider = time;
            o.DataExtensions.Add(DataExtensions.OrderLinesRow.Schema);
            o.DataExtensions.Add(DataExtensions.TestExistingDataExtensionRow.Schema);
            emulator?.Invoke(o);
        });
        var collection = new ServiceCollection();
        collection.AddSingleton<TimeProvider>(time);
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace));
        collection.AddFakeLogging(o => o.CollectRecordsForDisabledLogLevels = false);
        collection.AddSfmc(o => Configure(o, emu, client));
        services?.Invoke(collection, emu);
        return new TestHost(emu, collection.BuildServiceProvider(), time);
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

    /// <summary>Moves the fake clock forward in the background so retry delays (Polly uses this clock) pass without sleeping.</summary>
    public void PumpTime(TimeSpan step)
    {
        _pumping = Task.Run(async () =>
        {
            while (!_pump.IsCancellationRequested)
            {
                Time.Advance(step);
                await Task.Delay(1);
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
