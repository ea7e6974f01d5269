using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CsvHelper;
using Microsoft.Extensions.DependencyInjection;
using Sfmc.Benchmarks.DataExtensions;
using Sfmc.Client;
using Sfmc.Tests.Shared;

namespace Sfmc.Benchmarks;

/// <summary>
/// The import file writer: the generated path (<c>WriteCsv</c> per row through Sep, rows validated) against
/// CsvHelper's reflection-based <c>WriteRecords</c> on the same rows, both to a null stream. Goal: ≥ 3× faster, about
/// zero bytes allocated per row.
/// </summary>
[MemoryDiagnoser]
public class CsvWriterBenchmarks
{
    private const int Rows = 10_000;
    private BenchLinesRow[] _rows = [];

    [GlobalSetup]
    public void Setup() => _rows = Enumerable.Range(0, Rows).Select(FileDropBenchmarks.Row).ToArray();

    [Benchmark(Baseline = true, Description = "CsvHelper WriteRecords (reflection)")]
    public void CsvHelperWriteRecords()
    {
        using var writer = new StreamWriter(Stream.Null, leaveOpen: true);
        using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
        csv.WriteRecords(_rows);
    }

    [Benchmark(Description = "Generated WriteCsv (validates too)")]
    public Task<long> Generated() => DataExtensionCsv.WriteAsync(_rows.ToAsyncEnumerable(), Stream.Null);
}

/// <summary>
/// 1,000,000 rows into one DE of an emulator in another process: the file drop (CSV → SFTP to a real loopback sshd →
/// ImportDefinition → the emulator's import) against the REST API path (batched upserts) at the same emulator. Wall
/// time and the client's peak working set are printed after each run. Goal: the file path ≥ 5× faster end to end, the
/// client under 100 MB. Needs root and openssh-server (as the tests do).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 1)]
public class FileDropBenchmarks
{
    private const int Count = 1_000_000;
    private SshServer _ssh = null!;
    private Process _emulator = null!;
    private ServiceProvider _services = null!;

    /// <summary>The sfmc-emulator tool's built dll (BenchmarkDotNet runs from a copy, so the path comes from the build).</summary>
    internal static string EmulatorTool => typeof(FileDropBenchmarks).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "EmulatorTool").Value!;

    internal static BenchLinesRow Row(int i) => new()
    {
        OrderId = "ORD-" + i.ToString("D8", CultureInfo.InvariantCulture),
        LineNo = i % 4,
        Sku = "SKU-" + (i % 997).ToString(CultureInfo.InvariantCulture),
        UnitPrice = (i % 10_000) / 100m,
        Quantity = i % 7,
        ShippedAt = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(i),
        GiftWrap = i % 3 == 0,
        Note = i % 5 == 0 ? "leave at the door, \"please\"" : null,
    };

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _ssh = await SshServer.StartAsync();
        (_emulator, _services) = await StartEmulatorAsync($"--sftp-root \"{_ssh.Root}\"", o => _ssh.Configure(o.FileTransfer));
    }

    /// <summary>
    /// The sfmc-emulator tool as its own process on a free port with the BenchLines DE (so its rows are not the
    /// client's memory), and a client for it.
    /// </summary>
    internal static async Task<(Process Emulator, ServiceProvider Services)> StartEmulatorAsync(string arguments = "", Action<SfmcClientOptions>? configure = null)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var de = Path.Combine(AppContext.BaseDirectory, "BenchLines.de.json"); // the same file the generator reads
        var emulator = Process.Start(new ProcessStartInfo("dotnet", $"\"{EmulatorTool}\" --port {port} --de \"{de}\" {arguments}") { RedirectStandardOutput = true, UseShellExecute = false })!;
        await emulator.StandardOutput.ReadLineAsync(); // "SFMC emulator on …" once it listens

        var services = new ServiceCollection();
        services.AddSfmc(o =>
        {
            o.AuthBaseUri = new Uri($"http://127.0.0.1:{port}/");
            o.ClientId = "emulator-client-id";
            o.ClientSecret = "emulator-client-secret";
            configure?.Invoke(o);
        });
        return (emulator, services.BuildServiceProvider());
    }

    [Benchmark(Baseline = true, Description = "REST API (batched upserts)")]
    public async Task<double> Rest()
    {
        var started = Stopwatch.GetTimestamp();
        var result = await _services.GetRequiredService<SfmcClient>().DataExtension<BenchLinesRow>().UpsertAsync(Rows());
        return Report("REST", started, result.RowsSucceeded, result.Succeeded);
    }

    [Benchmark(Description = "File drop (CSV + SFTP + import)")]
    public async Task<double> FileDrop()
    {
        var started = Stopwatch.GetTimestamp();
        var uploaded = new LastReport(started);
        var result = await _services.GetRequiredService<SfmcClient>().DataExtension<BenchLinesRow>()
            .ImportAsync(Rows(), new FileDropOptions { FileName = "bench-lines.csv", FirstPoll = TimeSpan.FromMilliseconds(200), UploadProgress = uploaded });
        Console.WriteLine($"// file drop: CSV written and uploaded ({uploaded.Bytes / (1024 * 1024)} MB) after {uploaded.Seconds:F1} s; the rest is SFMC's (the emulator's) import");
        return Report("file drop", started, result.Successful ?? 0, result.AllRowsImported);
    }

    /// <summary>One part of the file drop alone, for its peak working set: the CSV to a null stream, the upload of the same bytes, or the whole import.</summary>
    public static async Task MeasureMemoryAsync(string part)
    {
        var benchmark = new FileDropBenchmarks();
        await benchmark.SetupAsync();
        var started = Stopwatch.GetTimestamp();
        switch (part)
        {
            case "csv":
                Report("CSV only", started, await DataExtensionCsv.WriteAsync(Rows(), Stream.Null), true);
                break;
            case "upload":
                var pipe = new System.IO.Pipelines.Pipe();
                var writer = Task.Run(async () =>
                {
                    await using var output = pipe.Writer.AsStream();
                    return await DataExtensionCsv.WriteAsync(Rows(), output);
                });
                await benchmark._services.GetRequiredService<SfmcClient>().FileTransfer.UploadAsync(pipe.Reader.AsStream(), "Import/memory.csv");
                Report("CSV + upload", started, await writer, true);
                break;
            default:
                await benchmark.FileDrop();
                break;
        }

        await benchmark.CleanupAsync();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _services.DisposeAsync();
        _emulator.Kill(entireProcessTree: true);
        await _emulator.WaitForExitAsync();
        await _ssh.DisposeAsync();
    }

    private sealed class LastReport(long started) : IProgress<long>
    {
        public long Bytes { get; private set; }

        public double Seconds { get; private set; }

        public void Report(long value)
        {
            Bytes = value;
            Seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        }
    }

    private static double Report(string path, long started, long rows, bool complete)
    {
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"// {path}: {rows:N0} rows in {seconds:F1} s, {rows / seconds:F0} rows/s, client peak working set {process.PeakWorkingSet64 / (1024 * 1024)} MB");
        return complete ? seconds : throw new InvalidOperationException($"{path}: only {rows} rows arrived.");
    }

    private static async IAsyncEnumerable<BenchLinesRow> Rows()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return Row(i);
            if (i % 10_000 == 0)
            {
                await Task.Yield();
            }
        }
    }
}
