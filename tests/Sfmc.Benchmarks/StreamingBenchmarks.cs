using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.DependencyInjection;
using Sfmc.Benchmarks.DataExtensions;
using Sfmc.Client;

namespace Sfmc.Benchmarks;

/// <summary>
/// 1,000,000 rows streamed from an IAsyncEnumerable to an emulator in another process (so its stored rows do not
/// count here). Goal: the client's peak working set stays under 150 MB; printed after the run.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 1)]
public class StreamingBenchmarks
{
    private Process _emulator = null!;
    private ServiceProvider _services = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        (_emulator, _services) = await FileDropBenchmarks.StartEmulatorAsync();
    }

    [Benchmark]
    public async Task<long> Stream_1M_rows()
    {
        var result = await _services.GetRequiredService<SfmcClient>().DataExtension<BenchLinesRow>().UpsertAsync(Rows(1_000_000));
        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"// 1M rows: {result.RowsSucceeded} written, {result.Requests} requests, {result.Duration.TotalSeconds:F1} s, {result.RowsSucceeded / result.Duration.TotalSeconds:F0} rows/s, peak working set {process.PeakWorkingSet64 / (1024 * 1024)} MB");
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{result.FailedRows.Count} rows failed.");
        }

        return process.PeakWorkingSet64;
    }

    private static async IAsyncEnumerable<BenchLinesRow> Rows(int count)
    {
        foreach (var row in BenchRows.Create(count))
        {
            yield return row;
        }

        await Task.CompletedTask;
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _services.DisposeAsync();
        _emulator.Kill(entireProcessTree: true);
        await _emulator.WaitForExitAsync();
        _emulator.Dispose();
    }
}
