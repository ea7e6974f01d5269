using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;
using Spectre.Console;

namespace Sfmc.Cli;

/// <summary>
/// The progress of <c>sfmc sync</c>: in a terminal a live bar with rows/s, requests, retries, throttles, failed rows
/// and ETA; elsewhere (CI logs, pipes) one plain line every <see cref="PlainInterval"/>, no cursor movement.
/// </summary>
internal sealed class SyncDisplay(string key, long total, long alreadyDone)
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);
    private readonly object _gate = new();
    private SyncTotals _latest = new() { Acknowledged = alreadyDone };

    /// <summary>The last totals reported (what a stopped run had done).</summary>
    public SyncTotals Latest
    {
        get
        {
            lock (_gate)
            {
                return _latest;
            }
        }
    }

    /// <summary>Whether the live display is used: a terminal that takes cursor movement.</summary>
    public static bool IsLive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public async Task<SyncTotals> RunAsync(Func<Action<SyncTotals>, Task<SyncTotals>> run)
    {
        if (alreadyDone > 0)
        {
            AnsiConsole.MarkupLine($"Resuming after {alreadyDone.ToString("N0", CultureInfo.InvariantCulture)} acknowledged rows.");
        }

        if (IsLive)
        {
            return await AnsiConsole.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(Markup.Escape(key), maxValue: Math.Max(total, 1));
                    task.Value = alreadyDone;
                    var result = await run(totals =>
                    {
                        lock (_gate)
                        {
                            _latest = totals;
                            task.Value = Math.Min(Done(totals), total);
                            task.Description = Markup.Escape($"{key}: {Line(totals)}");
                        }
                    });
                    task.Value = Math.Max(total, 1);
                    return result;
                });
        }

        var clock = Stopwatch.StartNew();
        var next = PlainInterval;
        var final = await run(totals =>
        {
            lock (_gate)
            {
                _latest = totals;
                if (clock.Elapsed >= next)
                {
                    next = clock.Elapsed + PlainInterval;
                    Console.Out.WriteLine($"sync {key}: {Line(totals)}");
                }
            }
        });
        return final;
    }

    /// <summary>The summary table; <paramref name="failedPath"/> is named when rows failed.</summary>
    public void Summary(SyncTotals totals, string failedPath)
    {
        var table = new Table().AddColumns("", key);
        table.AddRow("rows in the file", N(total));
        table.AddRow("acknowledged", N(totals.Acknowledged));
        table.AddRow("written", N(totals.Written));
        table.AddRow("failed", totals.Failed == 0 ? "0" : $"[red]{N(totals.Failed)}[/]");
        table.AddRow("requests", N(totals.Requests));
        table.AddRow("retries", N(totals.Retries));
        table.AddRow("throttled", N(totals.Throttles));
        table.AddRow("time", totals.Elapsed.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture));
        table.AddRow("rows/s", N((long)Rate(totals)));
        AnsiConsole.Write(table);
        if (totals.Failed > 0 && File.Exists(failedPath))
        {
            AnsiConsole.MarkupLine($"Failed rows, with SFMC's message: {Markup.Escape(failedPath)}");
        }
    }

    private long Done(SyncTotals totals) => Math.Max(totals.Acknowledged, totals.Written + totals.Failed);

    private double Rate(SyncTotals totals) => totals.Elapsed.TotalSeconds > 0 ? (Done(totals) - alreadyDone) / totals.Elapsed.TotalSeconds : 0;

    private string Line(SyncTotals totals)
    {
        var done = Done(totals);
        var rate = Rate(totals);
        var eta = rate > 0 ? TimeSpan.FromSeconds((total - done) / rate).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "?";
        return $"{N(done)}/{N(total)} rows, {N((long)rate)} rows/s, {N(totals.Requests)} requests, {N(totals.Retries)} retries, {N(totals.Throttles)} throttled, {N(totals.Failed)} failed, ETA {eta}";
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
