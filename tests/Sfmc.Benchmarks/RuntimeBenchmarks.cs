using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.DependencyInjection;
using Sfmc.Benchmarks.DataExtensions;
using Sfmc.Client;
using Sfmc.Emulator;

namespace Sfmc.Benchmarks;

internal static class BenchRows
{
    public static IEnumerable<BenchLinesRow> Create(int count) => Enumerable.Range(0, count).Select(i => new BenchLinesRow
    {
        OrderId = "order-" + (i / 10).ToString(CultureInfo.InvariantCulture),
        LineNo = i % 10,
        Sku = "SKU-" + i.ToString(CultureInfo.InvariantCulture),
        UnitPrice = 1.25m + (i % 1000),
        Quantity = 1 + (i % 5),
        ShippedAt = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(i),
        GiftWrap = i % 2 == 0,
        Note = i % 3 == 0 ? "leave at the door" : null,
    });
}

/// <summary>Generated Utf8JsonWriter code vs System.Text.Json's reflection serializer on the same 1,000 rows. Goal: ≥ 2× faster.</summary>
[MemoryDiagnoser]
public class RowWriterBenchmarks
{
    private readonly JsonSerializerOptions _reflection = new() { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() };
    private BenchLinesRow[] _rows = null!;
    private ArrayBufferWriter<byte> _buffer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _rows = BenchRows.Create(1000).ToArray();
        _buffer = new ArrayBufferWriter<byte>(256 * 1024);
    }

    [Benchmark(Baseline = true)]
    public int SystemTextJsonReflection()
    {
        _buffer.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_buffer);
        JsonSerializer.Serialize(writer, _rows, _reflection);
        return _buffer.WrittenCount;
    }

    [Benchmark]
    public int GeneratedWriter()
    {
        _buffer.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_buffer);
        writer.WriteStartArray();
        foreach (var row in _rows)
        {
            Write(writer, row);
        }

        writer.WriteEndArray();
        writer.Flush();
        return _buffer.WrittenCount;
    }

    private static void Write<TRow>(Utf8JsonWriter writer, TRow row)
        where TRow : IDataExtensionRow<TRow> => TRow.WriteObject(writer, row);

    /// <summary>
    /// The reader alone (<c>--read-rows</c>): 10,000 rows as SFMC returns them (<c>keys</c>/<c>values</c>, values as
    /// strings) read into typed rows, median of 80 rounds. For comparing two builds of the runtime on one machine.
    /// </summary>
    public static void RunReadRows(System.IO.TextWriter output)
    {
        var json = new System.Text.StringBuilder("[");
        foreach (var row in BenchRows.Create(10_000))
        {
            json.Append(json.Length > 1 ? "," : "")
                .Append(CultureInfo.InvariantCulture, $"{{\"keys\":{{\"order id\":\"{row.OrderId}\",\"line no\":\"{row.LineNo}\"}},")
                .Append(CultureInfo.InvariantCulture, $"\"values\":{{\"sku\":\"{row.Sku}\",\"unit price\":\"{row.UnitPrice}\",\"quantity\":\"{row.Quantity}\",")
                .Append(CultureInfo.InvariantCulture, $"\"shipped at\":\"{row.ShippedAt:M/d/yyyy h:mm:ss tt}\",\"gift wrap\":\"{row.GiftWrap}\",\"note\":\"{row.Note}\"}}}}");
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes(json.Append(']').ToString());
        var times = new List<double>();
        for (var round = 0; round < 100; round++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var rows = DataExtensionJson.ReadRows<BenchLinesRow>(bytes);
            if (rows.Count != 10_000)
            {
                throw new InvalidOperationException("read " + rows.Count);
            }

            if (round >= 20)
            {
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        times.Sort();
        output.WriteLine(FormattableString.Invariant($"ReadRows 10,000 rows: median {times[40]:F2} ms, 10th percentile {times[8]:F2} ms, 90th {times[72]:F2} ms"));
    }

    /// <summary>Both writers alternately in one process (<c>--paired-write</c>): a ratio that a noisy machine does not move.</summary>
    public static void RunPairedWrite(System.IO.TextWriter output)
    {
        var benchmarks = new RowWriterBenchmarks();
        benchmarks.Setup();
        Paired.Run(output, "GeneratedWriter", () => benchmarks.GeneratedWriter(), "SystemTextJsonReflection", () => benchmarks.SystemTextJsonReflection());
    }
}

/// <summary>
/// Two operations timed alternately, round after round, after a warm-up: the per-round ratio cancels what a shared
/// machine does to both (CPU steal, frequency), which BenchmarkDotNet's one-after-the-other runs cannot.
/// </summary>
internal static class Paired
{
    public static void Run(System.IO.TextWriter output, string ourName, Action ours, string theirName, Action theirs)
    {
        for (var i = 0; i < 200; i++)
        {
            ours();
            theirs();
        }

        var ourTimes = new List<double>();
        var theirTimes = new List<double>();
        var ratios = new List<double>();
        for (var round = 0; round < 80; round++)
        {
            var our = TimePerOp(ours);
            var their = TimePerOp(theirs);
            ourTimes.Add(our);
            theirTimes.Add(their);
            ratios.Add(their / our);
        }

        ourTimes.Sort();
        theirTimes.Sort();
        ratios.Sort();
        output.WriteLine(FormattableString.Invariant(
            $"{ourName} median {ourTimes[40]:F3} ms, {theirName} median {theirTimes[40]:F3} ms; ratio per round: median {ratios[40]:F2}x, 10th percentile {ratios[8]:F2}x, 90th {ratios[72]:F2}x"));

        static double TimePerOp(Action operation)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < 10; i++)
            {
                operation();
            }

            return watch.Elapsed.TotalMilliseconds / 10;
        }
    }
}

/// <summary>
/// Bulk upsert against the emulator with a tenant ceiling of 20 requests/s and a client budget of 19/s (95 %):
/// 100,000 rows batched (500 per request), and a one-request-per-row baseline on 200 rows. Real time, real HTTP.
/// Goals: ≥ 95 % of the ceiling, no 429 surfaced to the caller, batched ≥ 50× the baseline's rows/s.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 3)]
public class UpsertThroughputBenchmarks
{
    public const int CeilingPerSecond = 20;
    public const int BudgetPerMinute = 19 * 60;

    private SfmcEmulator _emulator = null!;
    private ServiceProvider _batched = null!;
    private ServiceProvider _perRow = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _emulator = await SfmcEmulator.StartAsync(o =>
        {
            o.DataExtensions.Add(BenchLinesRow.Schema);
            o.RateLimitPerWindow = CeilingPerSecond;
            o.RateLimitWindow = TimeSpan.FromSeconds(1);
        });
        _batched = Client(rowsPerRequest: 500);
        _perRow = Client(rowsPerRequest: 1);
    }

    private ServiceProvider Client(int rowsPerRequest)
    {
        var services = new ServiceCollection();
        services.AddSfmc(o =>
        {
            o.AuthBaseUri = _emulator.BaseUri;
            o.ClientId = _emulator.ClientId;
            o.ClientSecret = _emulator.ClientSecret;
            o.RequestsPerMinute = BudgetPerMinute;
            o.Batching.MaxRowsPerRequest = rowsPerRequest;
            o.Batching.MaxConcurrentRequests = 8;
        });
        return services.BuildServiceProvider();
    }

    [Benchmark]
    public Task<DataExtensionWriteResult> Batched_100k_rows() => RunAsync(_batched, 100_000);

    [Benchmark(Baseline = true)]
    public Task<DataExtensionWriteResult> OneRequestPerRow_200_rows() => RunAsync(_perRow, 200);

    private static async Task<DataExtensionWriteResult> RunAsync(ServiceProvider services, int rows)
    {
        var result = await services.GetRequiredService<SfmcClient>().DataExtension<BenchLinesRow>().UpsertAsync(BenchRows.Create(rows));
        Console.WriteLine($"// {rows} rows: {result.RowsSucceeded} written, {result.Requests} requests, {result.Throttles} throttled, {result.Duration.TotalSeconds:F2} s, {result.RowsSucceeded / result.Duration.TotalSeconds:F0} rows/s, {result.Requests / result.Duration.TotalSeconds / CeilingPerSecond:P1} of the ceiling");
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Expected every row written: {result.FailedRows.Count} failed.");
        }

        return result;
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _batched.DisposeAsync();
        await _perRow.DisposeAsync();
        await _emulator.DisposeAsync();
    }
}
