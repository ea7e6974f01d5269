using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace Sfmc.Emulator.Tool;

/// <summary>
/// The emulator as a command: its options and what it does, for <c>sfmc-emulator</c> (the root command of the
/// standalone tool) and <c>sfmc emulator</c> (a command of the sfmc CLI, which links this file). Stops cleanly on
/// SIGTERM (docker stop, systemd, CI runners), Ctrl+C and SIGQUIT, closing a file-backed database. Usage errors are
/// one line on stderr and exit code 2.
/// </summary>
internal static class EmulatorCommand
{
    /// <summary>What the command does, with an example using <paramref name="commandLine"/> (<c>sfmc-emulator</c>, <c>sfmc emulator</c>).</summary>
    public static string Description(string commandLine) =>
        "A local Salesforce Marketing Cloud stand-in: OAuth2 token, Data Extension REST, SOAP (Service.asmx), journeys, " +
        "transactional and triggered sends, with SFMC's limits and error shapes. GET /health answers when it is ready; " +
        "the web page /_emulator/ shows what was stored, sent and requested, and changes faults.\n\n" +
        $"Example:\n  {commandLine} --port 5099 --db rows.sqlite --de DataExtensions/ --sfmc-json sfmc.json\n\n" +
        "The client secret comes from $SFMC_EMULATOR_CLIENT_SECRET (default emulator-client-secret); it is never an argument, " +
        "so it does not land in shell history.";

    /// <summary>Adds the emulator's options and action to <paramref name="command"/>; <paramref name="name"/> prefixes its error lines.</summary>
    public static void Configure(Command command, string name)
    {
        var port = new Option<int>("--port", "-p") { Description = "TCP port (0 picks a free one).", DefaultValueFactory = _ => 5099 };
        var urls = new Option<string?>("--urls") { Description = "Address to listen on, ASP.NET style: http://127.0.0.1:5099, http://0.0.0.0:5099 or http://*:5099 (overrides --port)." };
        var database = new Option<FileInfo?>("--db") { Description = "SQLite file that keeps rows across restarts (default: in memory)." };
        var dataExtensions = new Option<FileSystemInfo[]>("--de") { Description = "A DE file (*.de.json, *.dataExtension-meta.json) or a folder searched for them; repeatable.", Arity = ArgumentArity.ZeroOrMore };
        var declarations = new Option<FileInfo[]>("--sfmc-json") { Description = "An sfmc.json of declared journeys, sends and synchronized DEs; repeatable.", Arity = ArgumentArity.ZeroOrMore };
        var clientId = new Option<string?>("--client-id") { Description = "Client id the token endpoint accepts (default: $SFMC_EMULATOR_CLIENT_ID, else emulator-client-id)." };
        var rateLimit = new Option<int?>("--rate-limit") { Description = "Requests allowed per minute; above it REST answers 429 with Retry-After and SOAP a throttling fault." };
        var sftpRoot = new Option<DirectoryInfo>("--sftp-root") { Description = "The folder the account's SFTP serves: ImportDefinitions read Import/<FileSpec> under it (point an SFTP server at the same folder)." };
        sftpRoot.AcceptExistingOnly();
        dataExtensions.AcceptExistingOnly();
        declarations.AcceptExistingOnly();
        // Range checks on the token itself: a value that is no number at all already has the parser's own error.
        port.Validators.Add(r =>
        {
            if (r.Tokens is [var token] && int.TryParse(token.Value, CultureInfo.InvariantCulture, out var value) && value is < 0 or > 65535)
            {
                r.AddError("--port must be between 0 and 65535.");
            }
        });
        rateLimit.Validators.Add(r =>
        {
            if (r.Tokens is [var token] && int.TryParse(token.Value, CultureInfo.InvariantCulture, out var value) && value <= 0)
            {
                r.AddError("--rate-limit must be a positive number of requests per minute.");
            }
        });

        foreach (var option in new Option[] { port, urls, database, dataExtensions, declarations, clientId, rateLimit, sftpRoot })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, _) =>
        {
            IPAddress address = IPAddress.Loopback;
            var listenPort = parse.GetValue(port);
            if (parse.GetValue(urls) is { } url && !TryParseUrl(url, out address, out listenPort))
            {
                return Usage(name, $"--urls '{url}' is not an http://host:port address (https is not served).");
            }

            using var stop = new CancellationTokenSource();
            // PosixSignalRegistration covers SIGTERM as well as Ctrl+C (SIGINT) and SIGQUIT; cancelling the default action
            // lets the emulator dispose (and close its database) before the process ends.
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Stop);

            var secretFromEnvironment = Environment.GetEnvironmentVariable("SFMC_EMULATOR_CLIENT_SECRET");
            SfmcEmulator emulator;
            try
            {
                emulator = await SfmcEmulator.StartAsync(o =>
                {
                    o.Port = listenPort;
                    o.ListenAddress = address;
                    o.DatabasePath = parse.GetValue(database)?.FullName;
                    o.RateLimitPerWindow = parse.GetValue(rateLimit);
                    o.FileTransferRoot = parse.GetValue(sftpRoot)?.FullName;
                    o.ClientId = parse.GetValue(clientId) ?? Environment.GetEnvironmentVariable("SFMC_EMULATOR_CLIENT_ID") ?? o.ClientId;
                    o.ClientSecret = secretFromEnvironment ?? o.ClientSecret;
                    foreach (var path in parse.GetValue(dataExtensions) ?? [])
                    {
                        o.DataExtensionFiles.Add(path.FullName);
                    }

                    foreach (var file in parse.GetValue(declarations) ?? [])
                    {
                        o.DeclarationFiles.Add(file.FullName);
                    }
                }, stop.Token);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                // A broken DE/sfmc.json file names itself; a taken port is an IOException from Kestrel.
                Console.Error.WriteLine($"{name}: " + OneLine(e.Message));
                return 2;
            }
            catch (OperationCanceledException)
            {
                return 0;
            }

            await using (emulator)
            {
                var secret = secretFromEnvironment is null ? $"secret '{emulator.ClientSecret}'" : "secret from SFMC_EMULATOR_CLIENT_SECRET";
                // The web page needs the client id and secret (HTTP Basic) unless the emulator listens on loopback only.
                var page = IPAddress.IsLoopback(address) ? emulator.PageUri.ToString() : emulator.PageUri + " (log in with the client id and secret)";
                Console.WriteLine($"SFMC emulator on {emulator.BaseUri} (client id '{emulator.ClientId}', {secret}), web page {page}. Ctrl+C or SIGTERM stops it.");
                try
                {
                    await Task.Delay(Timeout.Infinite, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }

                Console.WriteLine("SFMC emulator stopping.");
            }

            Console.WriteLine("SFMC emulator stopped.");
            return 0;

            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Cancel();
            }
        });

    }

    /// <summary>A usage error: one line on stderr, exit code 2.</summary>
    public static int Usage(string name, string message)
    {
        Console.Error.WriteLine($"{name}: {OneLine(message)} (see {name} --help)");
        return 2;
    }

    public static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()));

    private static bool TryParseUrl(string value, out IPAddress address, out int port)
    {
        address = IPAddress.Loopback;
        port = 0;
        var first = value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        const string Scheme = "http://";
        if (!first.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var hostPort = first[Scheme.Length..].TrimEnd('/');
        var colon = hostPort.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(hostPort[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535)
        {
            return false;
        }

        var host = hostPort[..colon].Trim('[', ']');
        if (host is "*" or "+" or "0.0.0.0")
        {
            address = IPAddress.Any;
            return true;
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
            return true;
        }

        return IPAddress.TryParse(host, out address!);
    }
}
