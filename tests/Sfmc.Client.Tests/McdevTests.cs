using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Sfmc.Client.Soap;
using Sfmc.Client.Tests.DataExtensions;
using Sfmc.Emulator;
using Sfmc.Soap;
using Xunit;
using Xunit.Abstractions;

namespace Sfmc.Client.Tests;

/// <summary>
/// sfmc-devtools (mcdev 8.0.0, from npm) against the emulator, as a team would point it at a local target: `mcdev
/// retrieve` writes the emulator's DEs as *.dataExtension-meta.json files, and `mcdev deploy` creates a new DE and
/// updates an existing one, which our own SOAP client then reads back. mcdev only accepts an
/// https://&lt;28 chars&gt;.auth.marketingcloudapis.com/ auth URL, so a `node --import` preload sends the token request
/// (and only it) to the emulator; the REST and SOAP addresses then come from the emulator's token answer.
/// </summary>
public sealed partial class McdevTests
{
    /// <summary>mcdev 9.x needs an sfmc-sdk version the package mirror does not serve; 8.0.0 installs.</summary>
    private const string McdevVersion = "8.0.0";

    /// <summary>The preload the README shows (DocsTests checks it is the same): *.auth.marketingcloudapis.com → SFMC_EMULATOR_URL.</summary>
    public const string Preload = """
        // emulator-preload.mjs: node --import ./emulator-preload.mjs (or NODE_OPTIONS="--import ./emulator-preload.mjs" mcdev …)
        import http from 'node:http';
        import https from 'node:https';
        const target = new URL(process.env.SFMC_EMULATOR_URL);            // e.g. http://127.0.0.1:5099/
        const request = https.request;
        https.request = function (input, options, callback) {
            const fromUrl = typeof input === 'string' || input instanceof URL;
            const opts = fromUrl ? { ...(typeof options === 'object' ? options : {}), ...parts(new URL(input)) } : input;
            if (!String(opts.hostname ?? opts.host ?? '').endsWith('.auth.marketingcloudapis.com')) {
                return request.apply(this, arguments);
            }
            const done = typeof options === 'function' ? options : callback;
            const { agent, ...rest } = opts;
            return http.request({ ...rest, protocol: 'http:', hostname: target.hostname, host: target.hostname, port: target.port,
                headers: { ...opts.headers, host: target.host } }, done);
        };
        function parts(url) { return { protocol: url.protocol, hostname: url.hostname, port: url.port, path: url.pathname + url.search }; }
        """;

    private readonly ITestOutputHelper _log;

    public McdevTests(ITestOutputHelper log) => _log = log;

    [NodeFact]
    public async Task Mcdev_retrieves_and_deploys_data_extensions_against_the_emulator()
    {
        var root = Path.Combine(Path.GetTempPath(), "sfmc-mcdev-" + Guid.NewGuid().ToString("N")[..8]);
        var project = Path.Combine(root, "project");
        Directory.CreateDirectory(project);
        try
        {
            var install = await RunAsync(root, "npm", $"install mcdev@{McdevVersion} --prefix \"{Path.Combine(root, "tool")}\" --no-audit --no-fund --loglevel=error", new(), TimeSpan.FromMinutes(8));
            Assert.True(install.ExitCode == 0, "npm install mcdev failed:\n" + install.Output);
            var tool = Path.Combine(root, "tool", "node_modules", "mcdev");

            await using var emulator = await SfmcEmulator.StartAsync(o =>
            {
                o.DataExtensions.Add(OrderLinesRow.Schema);
                o.DataExtensions.Add(TestExistingDataExtensionRow.Schema);
            });
            await emulator.AddRowsAsync(OrderLinesRow.CustomerKey, [new Dictionary<string, object?> { ["order id"] = "A", ["line no"] = 1, ["sku"] = "TEA", ["unit price"] = 4.5m }]);
            WriteProject(project, tool);
            var environment = new Dictionary<string, string?>
            {
                ["HOME"] = Path.Combine(root, "home"),
                ["XDG_CONFIG_HOME"] = Path.Combine(root, "home", ".config"),
                ["NODE_OPTIONS"] = $"--import \"{new Uri(Path.Combine(project, "emulator-preload.mjs")).AbsoluteUri}\"",
                ["SFMC_EMULATOR_URL"] = emulator.BaseUri.ToString(),
                ["NO_UPDATE_NOTIFIER"] = "1",
                ["CI"] = "true",
            };
            var cli = Path.Combine(tool, "lib", "cli.js");

            // 1. Retrieve: one file per DE, with every field as the emulator has it.
            var retrieve = await RunAsync(project, "node", $"\"{cli}\" retrieve emu/_ParentBU_ dataExtension --skipInteraction", environment, TimeSpan.FromMinutes(3));
            Assert.True(retrieve.ExitCode == 0 && !HasErrors(retrieve.Output), "mcdev retrieve failed:\n" + retrieve.Output);
            var retrieved = Path.Combine(project, "retrieve", "emu", "_ParentBU_", "dataExtension");
            foreach (var expected in new[] { OrderLinesRow.Schema, TestExistingDataExtensionRow.Schema })
            {
                var file = Path.Combine(retrieved, expected.CustomerKey + ".dataExtension-meta.json");
                Assert.True(File.Exists(file), $"mcdev wrote no file for {expected.CustomerKey}:\n{retrieve.Output}");
                var actual = Assert.Single(DataExtensionFiles.Load(file));
                Assert.Equal((expected.CustomerKey, expected.Name, expected.Description, expected.IsSendable), (actual.CustomerKey, actual.Name, actual.Description, actual.IsSendable));
                Assert.Equal(Describe(expected), Describe(actual));
                Assert.Equal("Data Extensions", JsonNode.Parse(await File.ReadAllTextAsync(file))!["r__folder_Path"]!.GetValue<string>());
            }

            // 2. Deploy: a new DE written as mcdev writes files (empty DefaultValue on every field), and the retrieved
            // order_lines with a new description and one more field.
            var deploy = Path.Combine(project, "deploy", "emu", "_ParentBU_", "dataExtension");
            Directory.CreateDirectory(deploy);
            await File.WriteAllTextAsync(Path.Combine(deploy, "newsletter.dataExtension-meta.json"), """
                {
                    "CustomerKey": "newsletter",
                    "Name": "Newsletter",
                    "Description": "Sign-ups from the web",
                    "IsSendable": true,
                    "IsTestable": false,
                    "SendableDataExtensionField": { "Name": "Email" },
                    "SendableSubscriberField": { "Name": "Subscriber Key" },
                    "Fields": [
                        { "Name": "Email", "DefaultValue": "", "MaxLength": 254, "IsRequired": true, "IsPrimaryKey": true, "FieldType": "EmailAddress" },
                        { "Name": "Points", "DefaultValue": "", "IsRequired": true, "IsPrimaryKey": false, "FieldType": "Number" },
                        { "Name": "Joined", "DefaultValue": "", "IsRequired": false, "IsPrimaryKey": false, "FieldType": "Date" }
                    ],
                    "r__folder_Path": "Data Extensions"
                }
                """);
            var orderLines = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(retrieved, "order_lines.dataExtension-meta.json")))!.AsObject();
            orderLines["Description"] = "Order lines, deployed by mcdev";
            orderLines["Fields"]!.AsArray().Add(new JsonObject { ["Name"] = "coupon", ["DefaultValue"] = "", ["MaxLength"] = 20, ["IsRequired"] = false, ["IsPrimaryKey"] = false, ["FieldType"] = "Text" });
            await File.WriteAllTextAsync(Path.Combine(deploy, "order_lines.dataExtension-meta.json"), orderLines.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

            var deployed = await RunAsync(project, "node", $"\"{cli}\" deploy emu/_ParentBU_ dataExtension --skipInteraction", environment, TimeSpan.FromMinutes(3));
            Assert.True(deployed.ExitCode == 0 && !HasErrors(deployed.Output), "mcdev deploy failed:\n" + deployed.Output);
            Assert.Contains("1 of 1 created / 1 of 1 updated", Plain(deployed.Output), StringComparison.Ordinal);

            // mcdev's token requests carried the MID as a number.
            var mcdevGrants = emulator.TokenGrants;
            Assert.NotEmpty(mcdevGrants);
            Assert.All(mcdevGrants, g => Assert.Equal("1111111", g.AccountId));

            // 3. What mcdev did, read back through our own SOAP client.
            var services = new ServiceCollection();
            services.AddSfmc(o => TestHost.Configure(o, emulator));
            await using var provider = services.BuildServiceProvider();
            var soap = provider.GetRequiredService<SfmcClient>().Soap;
            var definitions = await soap.RetrieveAsync<DataExtension>(DataExtension.Property.CustomerKey.IsIn("newsletter", "order_lines")).ToListAsync();
            Assert.Equal(
                ["newsletter|Newsletter|Sign-ups from the web|True", "order_lines|Order Lines|Order lines, deployed by mcdev|False"],
                definitions.Select(d => $"{d.CustomerKey}|{d.Name}|{d.Description}|{d.IsSendable}").Order(StringComparer.Ordinal));
            var newsletter = await soap.RetrieveAsync<DataExtensionField>(SoapProperty.Named<string>("DataExtension.CustomerKey").IsEqualTo("newsletter")).ToListAsync();
            Assert.Equal(
                ["Email|EmailAddress|254|True|True|", "Joined|Date||False|False|", "Points|Number||False|True|"],
                newsletter.Select(f => $"{f.Name}|{f.FieldType}|{f.MaxLength}|{f.IsPrimaryKey}|{f.IsRequired}|{f.DefaultValue}").Order(StringComparer.Ordinal));
            var coupon = (await soap.RetrieveAsync<DataExtensionField>(SoapProperty.Named<string>("DataExtension.CustomerKey").IsEqualTo("order_lines")).ToListAsync()).Single(f => f.Name == "coupon");
            Assert.Equal("Text|20|False", $"{coupon.FieldType}|{coupon.MaxLength}|{coupon.IsRequired}");

            // The empty DefaultValue mcdev sent is no default: a new row without the required Points is refused.
            // (The key comes from the retrieve: this project declares no "newsletter" DE, and a literal would be SFMC0150.)
            var refused = await provider.GetRequiredService<SfmcClient>().DataExtension(definitions.Single(d => d.Name == "Newsletter").CustomerKey!).UpsertAsync(
                [new DataExtensionRow(new Dictionary<string, object?> { ["Email"] = "ada@example.com" }, new Dictionary<string, object?>())]);
            Assert.Contains("[Points] does not allow null values", Assert.Single(refused.FailedRows).Message, StringComparison.Ordinal);

            // mcdev's rowset count read before the update was answered.
            Assert.Contains(emulator.Requests, r => r.Path.StartsWith("/data/v1/customobjectdata/key/order_lines/rowset", StringComparison.Ordinal) && r.StatusCode == 200);
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>A field list as text, for comparing what mcdev wrote with what the emulator has.</summary>
    private static string[] Describe(Sfmc.Client.DataExtensionInfo dataExtension) => dataExtension.Fields
        .Select(f => $"{f.Name}|{f.FieldType}|{f.MaxLength}|{f.Scale}|{f.IsPrimaryKey}|{f.IsRequired}|{f.DefaultValue}")
        .ToArray();

    /// <summary>An mcdev project: its config (from mcdev's own boilerplate, so every option it checks is there), the credentials and the preload.</summary>
    private static void WriteProject(string project, string tool)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(tool, "boilerplate", "config.json")))!.AsObject();
        config["credentials"] = new JsonObject { ["emu"] = new JsonObject { ["eid"] = 1111111, ["businessUnits"] = new JsonObject { ["_ParentBU_"] = 1111111 } } };
        config["version"] = McdevVersion;
        config["metaDataTypes"]!["retrieve"] = new JsonArray("dataExtension");
        config["metaDataTypes"]!["documentOnRetrieve"] = new JsonArray();
        File.WriteAllText(Path.Combine(project, ".mcdevrc.json"), config.ToJsonString());
        File.WriteAllText(Path.Combine(project, ".mcdev-auth.json"), """
            { "emu": { "client_id": "emulator-client-id", "client_secret": "emulator-client-secret",
                       "auth_url": "https://mcemulator000000000000000000.auth.marketingcloudapis.com/", "account_id": 1111111 } }
            """);
        File.WriteAllText(Path.Combine(project, "emulator-preload.mjs"), Preload);
    }

    private static bool HasErrors(string output) => Plain(output).Split('\n').Any(l => l.Contains(" error: ", StringComparison.Ordinal));

    /// <summary>mcdev's output without its colour codes.</summary>
    private static string Plain(string output) => AnsiCodes().Replace(output, "");

    [GeneratedRegex("\u001b\\[[0-9;]*m")]
    private static partial Regex AnsiCodes();

    private async Task<(int ExitCode, string Output)> RunAsync(string directory, string file, string arguments, Dictionary<string, string?> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{file} {arguments}' did not finish within {timeout}.");
        }

        var output = await stdout + await stderr;
        _log.WriteLine($"$ {file} {arguments} (exit {process.ExitCode})\n{output}");
        return (process.ExitCode, output);
    }

    /// <summary>Skipped, with the reason shown, when node or npm is missing (.ci/run installs them).</summary>
    private sealed class NodeFactAttribute : FactAttribute
    {
        public NodeFactAttribute()
        {
            var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator);
            if (!new[] { "node", "npm" }.All(tool => path.Any(dir => File.Exists(Path.Combine(dir, tool)))))
            {
                Skip = "node and npm are not installed (apt-get install nodejs npm; .ci/run does this).";
            }
        }
    }
}
