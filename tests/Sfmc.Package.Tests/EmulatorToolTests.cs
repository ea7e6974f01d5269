using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Sfmc.Client;
using Sfmc.Emulator;
using Xunit;
using Xunit.Abstractions;

namespace Sfmc.Package.Tests;

/// <summary>
/// The standalone emulator (sfmc-emulator) as a service manager runs it: a real process, its options and one-line
/// usage errors with exit code 2, readiness on GET /health, and a clean stop on SIGTERM and SIGINT that keeps a
/// file-backed database.
/// </summary>
public sealed class EmulatorToolTests
{
    private static readonly string Tool = Processes.Output("src/Sfmc.Emulator.Tool", "sfmc-emulator.dll");
    private readonly ITestOutputHelper _log;

    public EmulatorToolTests(ITestOutputHelper log) => _log = log;

    [Theory]
    [InlineData("--bogus", "Unrecognized command or argument '--bogus'")]
    [InlineData("--port abc", "abc")]
    [InlineData("--port 70000", "--port must be between 0 and 65535.")]
    [InlineData("--de /no/such/folder", "File or directory does not exist: '/no/such/folder'")]
    [InlineData("--sfmc-json /no/such/sfmc.json", "File does not exist: '/no/such/sfmc.json'")]
    [InlineData("--urls https://127.0.0.1:5000", "--urls 'https://127.0.0.1:5000' is not an http://host:port address")]
    [InlineData("--rate-limit 0", "--rate-limit must be a positive number")]
    public async Task A_bad_option_or_a_missing_file_is_one_line_and_exit_code_2(string arguments, string expected)
    {
        var (exit, output) = await Processes.RunAsync(_log, "dotnet", $"\"{Tool}\" {arguments}", timeout: TimeSpan.FromMinutes(1));

        Assert.Equal(2, exit);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("sfmc-emulator: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_DE_file_names_itself_in_one_line()
    {
        var folder = Processes.TempFolder("sfmc-emulator-bad");
        try
        {
            var file = Path.Combine(folder, "Broken.de.json");
            await File.WriteAllTextAsync(file, "{ \"customerKey\": ");
            var (exit, output) = await Processes.RunAsync(_log, "dotnet", $"\"{Tool}\" --de \"{folder}\"", timeout: TimeSpan.FromMinutes(1));

            Assert.Equal(2, exit);
            var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"sfmc-emulator: {file}", line, StringComparison.Ordinal);
        }
        finally
        {
            Processes.DeleteQuietly(folder);
        }
    }

    [Fact]
    public async Task Help_lists_every_option_with_an_example()
    {
        var (exit, output) = await Processes.RunAsync(_log, "dotnet", $"\"{Tool}\" --help", timeout: TimeSpan.FromMinutes(1));

        Assert.Equal(0, exit);
        foreach (var option in new[] { "--port", "--urls", "--db", "--de", "--sfmc-json", "--client-id", "--rate-limit", "SFMC_EMULATOR_CLIENT_SECRET", "Example:" })
        {
            Assert.Contains(option, output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(15, "SIGTERM")]
    [InlineData(2, "SIGINT")]
    public async Task A_signal_stops_it_cleanly_and_the_database_keeps_the_rows(int signal, string name)
    {
        var folder = Processes.TempFolder("sfmc-emulator-" + name);
        try
        {
            var database = Path.Combine(folder, "rows.sqlite");
            await File.WriteAllTextAsync(Path.Combine(folder, "Notes.de.json"), """
                { "customerKey": "notes", "name": "Notes",
                  "fields": [ { "name": "id", "fieldType": "Text", "maxLength": 10, "isPrimaryKey": true, "isRequired": true },
                              { "name": "text", "fieldType": "Text", "maxLength": 100 } ] }
                """);
            var port = Processes.FreePort();
            using var process = Processes.Start("dotnet", $"\"{Tool}\" --urls http://127.0.0.1:{port} --db \"{database}\" --de \"{folder}\" --client-id tool-test",
                environment: new Dictionary<string, string?> { ["SFMC_EMULATOR_CLIENT_SECRET"] = "tool-test-secret" });
            var stdout = new List<string>();
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (stdout)
                    {
                        stdout.Add(e.Data);
                    }
                }
            };
            process.BeginOutputReadLine();
            var stderr = process.StandardError.ReadToEndAsync();
            var baseUri = new Uri($"http://127.0.0.1:{port}/");
            try
            {
                await Processes.WaitForHttpAsync(new Uri(baseUri, "health"), "\"status\":\"ok\"");

                // Rows written through the real client over HTTP.
                var rows = new[]
                {
                    new DataExtensionRow(new Dictionary<string, object?> { ["id"] = "n-1" }, new Dictionary<string, object?> { ["text"] = "kept across restarts" }),
                };
                await using (var provider = Client(baseUri, "tool-test", "tool-test-secret"))
                {
                    var result = await provider.GetRequiredService<SfmcClient>().DataExtension("notes").UpsertAsync(rows);
                    Assert.Equal(1, result.RowsSucceeded);
                }

                var stopwatch = Stopwatch.StartNew();
                Processes.Signal(process, signal);
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                await process.WaitForExitAsync(limit.Token);
                _log.WriteLine($"{name}: exited {process.ExitCode} after {stopwatch.ElapsedMilliseconds} ms\n{string.Join('\n', stdout)}\n{await stderr}");

                Assert.Equal(0, process.ExitCode);
                lock (stdout)
                {
                    Assert.Contains(stdout, l => l.StartsWith($"SFMC emulator on {baseUri} (client id 'tool-test', secret from SFMC_EMULATOR_CLIENT_SECRET), web page {baseUri}_emulator/.", StringComparison.Ordinal));
                    Assert.Equal("SFMC emulator stopped.", stdout[^1]);
                    Assert.DoesNotContain(stdout, l => l.Contains("tool-test-secret", StringComparison.Ordinal));
                }
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }

            // The database file was closed cleanly: another emulator opens it and has the row.
            await using var again = await SfmcEmulator.StartAsync(o =>
            {
                o.DatabasePath = database;
                o.DataExtensionFiles.Add(folder);
            });
            var stored = Assert.Single(await again.GetRowsAsync("notes"));
            Assert.Equal("kept across restarts", stored["text"]);
        }
        finally
        {
            Processes.DeleteQuietly(folder);
        }
    }

    [Fact]
    public async Task An_embedded_emulator_leaves_the_process_signals_alone()
    {
        // Before: the emulator's host registered the console lifetime, which cancels SIGTERM for the whole process
        // (a user's service with an embedded emulator could no longer be stopped). Now the host takes no signal.
        await using var emulator = await SfmcEmulator.StartAsync();
        var lifetime = GetHostLifetimeTypeName(emulator);
        Assert.DoesNotContain("ConsoleLifetime", lifetime, StringComparison.Ordinal);
    }

    private static string GetHostLifetimeTypeName(SfmcEmulator emulator) => emulator.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostLifetime>().GetType().FullName!;

    private static ServiceProvider Client(Uri baseUri, string clientId, string secret)
    {
        var services = new ServiceCollection();
        services.AddSfmc(o =>
        {
            o.AuthBaseUri = baseUri;
            o.ClientId = clientId;
            o.ClientSecret = secret;
        });
        return services.BuildServiceProvider();
    }
}
