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
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var dll = FileDropBenchmarks.EmulatorTool;
        var de = Path.Combine(AppContext.BaseDirectory, "BenchLines.de.json"); // the same file the generator reads
        _emulator = Process.Start(new ProcessStartInfo("dotnet", $"\"{dll}\" --port {port} --de \"{de}\"") { RedirectStandardOutput = true, UseShellExecute = false })!;
        await _emulator.StandardOutput.ReadLineAsync(); // "SFMC emulator on …" once it listens

        var services = new ServiceCollection();
        services.AddSfmc(o =>
        {
            o.AuthBaseUri = new Uri($"http://127.0.0.1:{port}/");
            o.ClientId = "emulator-client-id";
            o.ClientSecret = "emulator-client-secret";
        });
        _services = services.BuildServiceProvider();
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
