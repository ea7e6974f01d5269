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
internal sealed class SyncDisplay(string key, long total, long alreadyDone, bool json = false)
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

    /// <summary>Whether the live display is used: a terminal that takes cursor movement, and no JSON on stdout.</summary>
    private bool IsLive => !json && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Where plain progress lines and messages go: stderr when stdout carries JSON.</summary>
    private TextWriter Messages => json ? Console.Error : Console.Out;

    public async Task<SyncTotals> RunAsync(Func<Action<SyncTotals>, Task<SyncTotals>> run)
    {
        if (alreadyDone > 0)
        {
            Messages.WriteLine($"Resuming after {alreadyDone.ToString("N0", CultureInfo.InvariantCulture)} acknowledged rows.");
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
                    Messages.WriteLine($"sync {key}: {Line(totals)}");
                }
            }
        });
        return final;
    }

    /// <summary>The summary: a table (or JSON), the failed-rows file when rows failed, and how to go on when stopped.</summary>
    public void Summary(SyncTotals totals, string failedPath, bool stopped)
    {
        var failedFile = totals.Failed > 0 && File.Exists(failedPath) ? failedPath : null;
        if (json)
        {
            Console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
            {
                key,
                rows = total,
                totals.Acknowledged,
                totals.Written,
                totals.Failed,
                totals.Requests,
                totals.Retries,
                throttled = totals.Throttles,
                seconds = Math.Round(totals.Elapsed.TotalSeconds, 1),
                rowsPerSecond = Math.Round(Rate(totals)),
                failedFile,
                stopped,
            }, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web) { WriteIndented = true }));
            return;
        }

        var table = new Table().AddColumns("", Markup.Escape(key));
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
        if (failedFile is not null)
        {
            AnsiConsole.MarkupLine($"Failed rows, with SFMC's message: {Markup.Escape(failedFile)}");
        }

        if (stopped)
        {
            AnsiConsole.MarkupLine($"Stopped after {totals.Acknowledged} of {total} rows were acknowledged. [bold]--resume[/] continues from there.");
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
