using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Sfmc.Emulator;
using Xunit;
using Xunit.Abstractions;

namespace Sfmc.Package.Tests;

/// <summary>The sfmc command as a user runs it: the built tool as a real process against an emulator.</summary>
public sealed class CliTests
{
    private static readonly string Tool = Processes.Output("src/Sfmc.Cli", "sfmc.dll");
    private static readonly string DeclaredFolder = Path.Combine(Processes.RepoRoot, "tests", "TestData", "DataExtensions");
    private readonly ITestOutputHelper _log;

    public CliTests(ITestOutputHelper log) => _log = log;

    private static Dictionary<string, string?> Credentials(SfmcEmulator emulator, string? secret = null) => new()
    {
        ["SFMC__AUTHBASEURI"] = emulator.BaseUri.ToString(),
        ["SFMC__CLIENTID"] = emulator.ClientId,
        ["SFMC__CLIENTSECRET"] = secret ?? emulator.ClientSecret,
    };

    private Task<(int ExitCode, string Output)> Sfmc(string arguments, IReadOnlyDictionary<string, string?>? environment = null, string? directory = null) =>
        Processes.RunAsync(_log, "dotnet", $"\"{Tool}\" {arguments}", directory, environment, TimeSpan.FromMinutes(2));

    [Fact]
    public async Task Pull_writes_the_tenants_DEs_as_the_files_they_were_declared_in_and_a_second_pull_changes_nothing()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensionFiles.Add(DeclaredFolder));
        var folder = Processes.TempFolder("sfmc-pull");
        try
        {
            var (exit, output) = await Sfmc($"pull --all --out \"{folder}\"", Credentials(emulator));

            Assert.Equal(0, exit);
            foreach (var declaredFile in Directory.GetFiles(DeclaredFolder, "*.de.json"))
            {
                var declared = DataExtensionFiles.LoadFile(declaredFile);
                var pulledFile = Path.Combine(folder, declared.CustomerKey + ".de.json");
                var pulled = DataExtensionFiles.LoadFile(pulledFile);
                Assert.Equal(declared.Fields, pulled.Fields); // names, types, lengths, keys, nullability, defaults, in order
                Assert.Equal((declared.Name, declared.IsSendable, declared.SendableDataExtensionField, declared.SendableSubscriberField), (pulled.Name, pulled.IsSendable, pulled.SendableDataExtensionField, pulled.SendableSubscriberField));

                // Byte for byte the hand-written file (its $schema line and field descriptions, which SFMC does not return, aside).
                var expected = string.Join('\n', File.ReadAllLines(declaredFile).Where(l => !l.Contains("\"$schema\"", StringComparison.Ordinal))
                    .Select(l => System.Text.RegularExpressions.Regex.Replace(l, ", \"description\": \"[^\"]*\"", ""))) + "\n";
                Assert.Equal(expected, await File.ReadAllTextAsync(pulledFile));
            }

            var written = Directory.GetFiles(folder).ToDictionary(f => f, File.GetLastWriteTimeUtc);
            await Task.Delay(1100);
            var (again, secondOutput) = await Sfmc($"pull --all --out \"{folder}\"", Credentials(emulator));
            Assert.Equal(0, again);
            Assert.DoesNotContain("written", secondOutput, StringComparison.Ordinal);
            Assert.All(written, w => Assert.Equal(w.Value, File.GetLastWriteTimeUtc(w.Key)));
        }
        finally
        {
            Processes.DeleteQuietly(folder);
        }
    }

    [Fact]
    public async Task Pull_lists_synchronized_DEs_in_sfmc_json_and_writes_mcdev_files_on_request()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o =>
        {
            o.DataExtensionFiles.Add(DeclaredFolder);
            o.ReadOnlyDataExtensions.Add("Contact_Salesforce"); // what Marketing Cloud Connect synchronizes
        });
        var folder = Processes.TempFolder("sfmc-pull-sync");
        var mcdev = Path.Combine(folder, "mcdev");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "sfmc.json"), """{ "journeys": [ { "name": "Welcome", "eventDefinitionKey": "APIEvent-welcome" } ] }""");

            var (exit, output) = await Sfmc($"pull --all --out \"{folder}\" --json", Credentials(emulator));

            Assert.Equal(0, exit);
            using (var pulled = JsonDocument.Parse(output))
            {
                var rows = pulled.RootElement.GetProperty("rows").EnumerateArray().ToList();
                Assert.Equal(4, rows.Count);
                Assert.Equal("written, synchronized: read-only", rows.Single(r => r.GetProperty("key").GetString() == "Contact_Salesforce").GetProperty("result").GetString());
            }
            using (var declarations = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "sfmc.json"))))
            {
                Assert.Equal(["Contact_Salesforce"], declarations.RootElement.GetProperty("synchronizedDataExtensions").EnumerateArray().Select(e => e.GetString()));
                Assert.Equal("APIEvent-welcome", declarations.RootElement.GetProperty("journeys")[0].GetProperty("eventDefinitionKey").GetString()); // the rest is kept
            }

            var (inSync, _) = await Sfmc($"check \"{folder}\"", Credentials(emulator));
            Assert.Equal(1, inSync); // APIEvent-welcome is not on this tenant: check reads the sfmc.json pull kept

            var (mcdevExit, _) = await Sfmc($"pull --all --format mcdev --out \"{mcdev}\"", Credentials(emulator));
            Assert.Equal(0, mcdevExit);
            foreach (var declaredFile in Directory.GetFiles(DeclaredFolder, "*.de.json"))
            {
                var declared = DataExtensionFiles.LoadFile(declaredFile);
                var pulled = Path.Combine(mcdev, declared.CustomerKey + ".dataExtension-meta.json");
                Assert.Equal(declared.Fields, DataExtensionFiles.LoadFile(pulled).Fields);
                Assert.Contains("\"FieldType\": ", await File.ReadAllTextAsync(pulled), StringComparison.Ordinal);
            }
        }
        finally
        {
            Processes.DeleteQuietly(folder);
        }
    }

    [Fact]
    public async Task Pull_names_a_DE_whose_fields_could_not_be_retrieved_and_goes_on_with_the_others()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensionFiles.Add(DeclaredFolder));
        var folder = Processes.TempFolder("sfmc-pull-fail");
        try
        {
            // SOAP calls of `pull --key Customers --key order_lines`: DataExtension, DataFolder, then the fields of each
            // DE in key order (Customers, order_lines). The third one, Customers' fields, is refused with a 400.
            emulator.Faults.FailNext(1, System.Net.HttpStatusCode.BadRequest, "/Service.asmx", skip: 2);

            var settings = Credentials(emulator);
            settings["SFMC__RETRY__MAXRETRYATTEMPTS"] = "0"; // the injected Server fault would be retried away otherwise

            var (exit, output) = await Sfmc($"pull --key Customers --key order_lines --out \"{folder}\"", settings);

            Assert.Equal(1, exit);
            var customers = Assert.Single(output.Split('\n'), l => l.Contains("Customers", StringComparison.Ordinal));
            Assert.Contains("400", customers, StringComparison.Ordinal);
            Assert.Equal(["order_lines.de.json"], Directory.GetFiles(folder).Select(Path.GetFileName));
        }
        finally
        {
            Processes.DeleteQuietly(folder);
        }
    }

    [Fact]
    public async Task Pull_of_an_unknown_key_says_so_goes_on_with_the_others_and_exits_1()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensionFiles.Add(DeclaredFolder));
        var folder = Processes.TempFolder("sfmc-pull-key");
        try
        {
            var (exit, output) = await Sfmc($"pull --key customers --key Customers --out \"{folder}\"", Credentials(emulator));

            Assert.Equal(1, exit);
            Assert.Contains("customers", output, StringComparison.Ordinal);
            Assert.Contains("not on the tenant", output, StringComparison.Ordinal);
            Assert.Equal(["Customers.de.json"], Directory.GetFiles(folder).Select(Path.GetFileName));
        }
        finally
        {
            Processes.DeleteQuietly(folder);
        }
    }

    [Fact]
    public async Task Check_is_in_sync_for_the_declared_files_and_reports_each_kind_of_drift_with_exit_code_1()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o =>
        {
            o.DataExtensionFiles.Add(DeclaredFolder);
            o.JourneyEventDefinitionKeys.Add("APIEvent-welcome");
            o.MessageDefinitions["order-confirmation"] = "Active";
            o.MessageDefinitions["paused-sms"] = "Inactive";
        });
        await emulator.AddSoapObjectsAsync("TriggeredSendDefinition", "CustomerKey",
        [
            new Dictionary<string, string?> { ["CustomerKey"] = "welcome", ["TriggeredSendStatus"] = "Active" },
            new Dictionary<string, string?> { ["CustomerKey"] = "paused", ["TriggeredSendStatus"] = "Inactive" },
        ]);
        var folder = Processes.TempFolder("sfmc-check");
        try
        {
            foreach (var file in Directory.GetFiles(DeclaredFolder, "*.de.json"))
            {
                File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            }

            await File.WriteAllTextAsync(Path.Combine(folder, "sfmc.json"), """
                { "triggeredSends": [ { "name": "Welcome", "definitionKey": "welcome" } ],
                  "journeys": [ { "name": "Welcome", "eventDefinitionKey": "APIEvent-welcome" } ],
                  "transactionalEmails": [ { "name": "Order", "definitionKey": "order-confirmation" } ] }
                """);
            var (inSync, syncOutput) = await Sfmc($"check \"{folder}\"", Credentials(emulator));
            Assert.Equal(0, inSync);
            Assert.Contains("In sync: 4 DEs, 1 journeys, 2 send definitions.", syncOutput, StringComparison.Ordinal);

            // Every kind of drift at once.
            var customers = Path.Combine(folder, "Customers.de.json");
            var text = await File.ReadAllTextAsync(customers);
            text = text.Replace("\"maxLength\": 50", "\"maxLength\": 60", StringComparison.Ordinal)                         // length changed
                .Replace("{ \"name\": \"VIP\", \"fieldType\": \"Boolean\", \"isRequired\": true }", "{ \"name\": \"VIP\", \"fieldType\": \"Boolean\" }", StringComparison.Ordinal) // nullable changed
                .Replace("{ \"name\": \"Locale\", \"fieldType\": \"Locale\" }", "{ \"name\": \"Locale\", \"fieldType\": \"Text\", \"maxLength\": 10 }", StringComparison.Ordinal) // type changed
                .Replace("{ \"name\": \"Email\", \"fieldType\": \"EmailAddress\", \"isRequired\": true }", "{ \"name\": \"Email\", \"fieldType\": \"EmailAddress\", \"isPrimaryKey\": true, \"isRequired\": true }", StringComparison.Ordinal) // primary key changed
                .Replace("    { \"name\": \"Mobile\", \"fieldType\": \"Phone\" },\n", "", StringComparison.Ordinal)                 // field added (on the tenant)
                .Replace("\"fields\": [\n", "\"fields\": [\n    { \"name\": \"Loyalty\", \"fieldType\": \"Number\" },\n", StringComparison.Ordinal); // field removed (from the tenant)
            await File.WriteAllTextAsync(customers, text);
            await File.WriteAllTextAsync(Path.Combine(folder, "New.de.json"), """{ "customerKey": "New", "name": "New", "fields": [ { "name": "Id", "fieldType": "Text", "maxLength": 10, "isPrimaryKey": true } ] }""");
            File.Delete(Path.Combine(folder, "Escapes.de.json"));
            await File.WriteAllTextAsync(Path.Combine(folder, "sfmc.json"), """
                { "triggeredSends": [ { "name": "Welcome", "definitionKey": "welcome" }, { "name": "Paused", "definitionKey": "paused" }, { "name": "Gone", "definitionKey": "gone" } ],
                  "journeys": [ { "name": "Welcome", "eventDefinitionKey": "APIEvent-welcome" }, { "name": "Old", "eventDefinitionKey": "APIEvent-retired" } ],
                  "transactionalEmails": [ { "name": "Order", "definitionKey": "order-confirmation" }, { "name": "Lost", "definitionKey": "no-such-definition" } ],
                  "transactionalSms": [ { "name": "Code", "definitionKey": "paused-sms" } ] }
                """);

            var (exit, output) = await Sfmc($"check \"{folder}\" --all --json", Credentials(emulator));

            Assert.Equal(1, exit);
            using var report = JsonDocument.Parse(output[..(output.LastIndexOf('}') + 1)]);
            Assert.False(report.RootElement.GetProperty("inSync").GetBoolean());
            var drift = report.RootElement.GetProperty("drift").EnumerateArray()
                .Select(d => $"{d.GetProperty("kind").GetString()} {d.GetProperty("key").GetString()}{(d.TryGetProperty("field", out var f) ? "." + f.GetString() : "")}")
                .Order(StringComparer.Ordinal)
                .ToList();
            Assert.Equal(
            [
                "field added Customers.Mobile",
                "field removed Customers.Loyalty",
                "length changed Customers.First Name",
                "missing in repo escapes",
                "missing on tenant APIEvent-retired",
                "missing on tenant New",
                "missing on tenant gone",
                "missing on tenant no-such-definition",
                "not Active paused",
                "not Active paused-sms",
                "nullable changed Customers.VIP",
                "primary key changed Customers.Email",
                "type changed Customers.Locale",
            ], drift);

            var (tableExit, table) = await Sfmc($"check \"{folder}\"", Credentials(emulator));
            Assert.Equal(1, tableExit);
            Assert.Contains("primary key changed", table, StringComparison.Ordinal);
            Assert.Contains("differences.", table, StringComparison.Ordinal);
        }
        finally
        {
            Processes.DeleteQuietly(folder);
        }
    }

    [Fact]
    public async Task Push_creates_the_declared_DEs_and_a_pull_gives_the_same_files_back()
    {
        await using var emulator = await SfmcEmulator.StartAsync();
        var folder = Processes.TempFolder("sfmc-push");
        try
        {
            var (dry, dryOutput) = await Sfmc($"push \"{DeclaredFolder}\" --dry-run", Credentials(emulator));
            Assert.Equal(0, dry);
            Assert.Contains("Dry run: nothing was changed.", dryOutput, StringComparison.Ordinal);
            Assert.Equal(4, dryOutput.Split('\n').Count(l => l.Contains("planned", StringComparison.Ordinal)));
            var (none, _) = await Sfmc($"check \"{DeclaredFolder}\"", Credentials(emulator));
            Assert.Equal(1, none); // the dry run created nothing
            var (dryJson, plan) = await Sfmc($"push \"{DeclaredFolder}\" --dry-run --json", Credentials(emulator));
            Assert.Equal(0, dryJson);
            using (var document = JsonDocument.Parse(plan))
            {
                Assert.Equal(["planned", "planned", "planned", "planned"], document.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("result").GetString()));
                Assert.Equal("Dry run: nothing was changed.", document.RootElement.GetProperty("caption").GetString());
            }

            var (pushed, _) = await Sfmc($"push \"{DeclaredFolder}\"", Credentials(emulator));
            Assert.Equal(0, pushed);
            var (inSync, _) = await Sfmc($"check \"{DeclaredFolder}\"", Credentials(emulator));
            Assert.Equal(0, inSync);

            // declared → push → pull: the same definitions, in the same files.
            var (pulled, _) = await Sfmc($"pull --all --out \"{folder}\"", Credentials(emulator));
            Assert.Equal(0, pulled);
            foreach (var declaredFile in Directory.GetFiles(DeclaredFolder, "*.de.json"))
            {
                var declared = DataExtensionFiles.LoadFile(declaredFile);
                Assert.Equal(declared.Fields, DataExtensionFiles.LoadFile(Path.Combine(folder, declared.CustomerKey + ".de.json")).Fields);
            }
        }
        finally
        {
            Processes.DeleteQuietly(folder);
        }
    }

    [Fact]
    public async Task Push_applies_what_SFMC_allows_and_refuses_each_change_that_SFMC_refuses_or_that_would_lose_data()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensionFiles.Add(DeclaredFolder));
        await emulator.AddRowsAsync("Customers", [new Dictionary<string, object?> { ["SubscriberKey"] = "ada", ["Email"] = "ada@example.com", ["VIP"] = true }]);
        var folder = Processes.TempFolder("sfmc-push-changes");
        try
        {
            File.Copy(Path.Combine(DeclaredFolder, "Customers.de.json"), Path.Combine(folder, "Customers.de.json"));
            File.Copy(Path.Combine(DeclaredFolder, "ContactSalesforce.de.json"), Path.Combine(folder, "ContactSalesforce.de.json"));
            var customers = Path.Combine(folder, "Customers.de.json");
            var original = await File.ReadAllTextAsync(customers);

            // Allowed on a DE with rows: a longer MaxLength, a new nullable field, a new required field with a default.
            var allowed = original.Replace("\"maxLength\": 50", "\"maxLength\": 80", StringComparison.Ordinal)
                .Replace("\"fields\": [\n", "\"fields\": [\n    { \"name\": \"Nickname\", \"fieldType\": \"Text\", \"maxLength\": 30 },\n    { \"name\": \"Tier\", \"fieldType\": \"Text\", \"maxLength\": 10, \"isRequired\": true, \"defaultValue\": \"basic\" },\n", StringComparison.Ordinal);
            await File.WriteAllTextAsync(customers, allowed);
            var (applied, appliedOutput) = await Sfmc($"push \"{folder}\" --key Customers", Credentials(emulator));
            Assert.Equal(0, applied);
            Assert.Contains("add field 'Nickname'", appliedOutput, StringComparison.Ordinal);
            Assert.Contains("MaxLength 50 → 80", appliedOutput, StringComparison.Ordinal);
            var (checkExit, checkOutput) = await Sfmc($"check \"{folder}\"", Credentials(emulator));
            Assert.Equal(0, checkExit);
            Assert.Contains("In sync: 2 DEs", checkOutput, StringComparison.Ordinal);
            Assert.Equal("basic", Assert.Single(await emulator.GetRowsAsync("Customers"))["Tier"]);

            // Refused, each with its reason; nothing of it reaches the tenant.
            var refused = allowed.Replace("\"maxLength\": 80", "\"maxLength\": 20", StringComparison.Ordinal)                                       // shrink
                .Replace("{ \"name\": \"Locale\", \"fieldType\": \"Locale\" }", "{ \"name\": \"Locale\", \"fieldType\": \"Text\", \"maxLength\": 10 }", StringComparison.Ordinal) // type
                .Replace("    { \"name\": \"Mobile\", \"fieldType\": \"Phone\" },\n", "", StringComparison.Ordinal)                                      // removed
                .Replace("{ \"name\": \"2fa_enabled\", \"fieldType\": \"Boolean\" }", "{ \"name\": \"2fa_enabled\", \"fieldType\": \"Boolean\", \"isRequired\": true }", StringComparison.Ordinal) // required, rows
                .Replace("\"fields\": [\n", "\"fields\": [\n    { \"name\": \"Region\", \"fieldType\": \"Text\", \"maxLength\": 5, \"isPrimaryKey\": true, \"isRequired\": true },\n    { \"name\": \"Score\", \"fieldType\": \"Number\", \"isRequired\": true },\n", StringComparison.Ordinal); // new key, new required without default
            await File.WriteAllTextAsync(customers, refused);
            // A synchronized DE (sfmc.json) is Marketing Cloud Connect's: push leaves it alone, whatever its file says.
            await File.WriteAllTextAsync(Path.Combine(folder, "sfmc.json"), """{ "synchronizedDataExtensions": [ "Contact_Salesforce" ] }""");
            var contact = Path.Combine(folder, "ContactSalesforce.de.json");
            await File.WriteAllTextAsync(contact, (await File.ReadAllTextAsync(contact)).Replace("\"maxLength\": 40", "\"maxLength\": 60", StringComparison.Ordinal));

            var (exit, output) = await Sfmc($"push \"{folder}\"", Credentials(emulator));

            Assert.Equal(1, exit);
            Assert.Contains("synchronized by Marketing Cloud Connect (sfmc.json)", output, StringComparison.Ordinal);
            Assert.DoesNotContain("MaxLength 40 → 60", output, StringComparison.Ordinal);
            foreach (var reason in new[]
            {
                "shrinking 'First Name' from Text(80) to Text(20)",
                "changing the type of 'Locale' from Locale to Text",
                "removing the field 'Mobile': its data would be lost",
                "making '2fa_enabled' required: the DE has rows",
                "adding the primary key field 'Region': the DE has rows",
                "adding the required field 'Score' without a default value: the DE has rows",
            })
            {
                Assert.Contains(reason, output, StringComparison.Ordinal);
            }

            var (after, afterOutput) = await Sfmc($"check \"{folder}\" --json", Credentials(emulator));
            Assert.Equal(1, after);
            Assert.Contains("\"tenant\": \"Text(80)\"", afterOutput, StringComparison.Ordinal); // not shrunk
        }
        finally
        {
            Processes.DeleteQuietly(folder);
        }
    }

    /// <summary>Rows for the Customers DE: keys c0…c{n-1}; every 7th name has a comma and quotes (CSV quoting).</summary>
    private static async Task<string> CustomersFile(string folder, string name, int count)
    {
        var path = Path.Combine(folder, name);
        await using var writer = new StreamWriter(path);
        if (name.EndsWith(".csv", StringComparison.Ordinal))
        {
            await writer.WriteLineAsync("SubscriberKey,Email,First Name,VIP,Lifetime Value");
        }

        for (var i = 0; i < count; i++)
        {
            var first = i % 7 == 0 ? "Ada, \"the\" first" : $"N{i}";
            await writer.WriteLineAsync(name.EndsWith(".csv", StringComparison.Ordinal)
                ? $"c{i},c{i}@example.com,\"{first.Replace("\"", "\"\"", StringComparison.Ordinal)}\",{(i % 2 == 0 ? "true" : "false")},{i}.25"
                : JsonSerializer.Serialize(new Dictionary<string, object> { ["SubscriberKey"] = $"c{i}", ["Email"] = $"c{i}@example.com", ["First Name"] = first, ["VIP"] = i % 2 == 0, ["Lifetime Value"] = i + 0.25m }));
        }

        return path;
    }

    private static async Task<HashSet<string>> Keys(SfmcEmulator emulator)
    {
        var rows = await emulator.GetRowsAsync("Customers");
        var keys = rows.Select(r => r["SubscriberKey"]!).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(rows.Count, keys.Count); // once each
        return keys;
    }

    [Theory]
    [InlineData("customers.csv")]
    [InlineData("customers.jsonl")]
    public async Task Sync_loads_200000_rows_once_each_typed_by_the_DE(string name)
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensionFiles.Add(DeclaredFolder));
        var folder = Processes.TempFolder("sfmc-sync");
        try
        {
            var file = await CustomersFile(folder, name, 200_000);

            var (exit, output) = await Sfmc($"sync \"{file}\" --key Customers", Credentials(emulator));

            Assert.Equal(0, exit);
            Assert.Contains("written", output, StringComparison.Ordinal);
            Assert.Contains("200,000", output, StringComparison.Ordinal);
            Assert.Equal(200_000, (await Keys(emulator)).Count);
            var rows = await emulator.GetRowsAsync("Customers");
            var seventh = rows.Single(r => r["SubscriberKey"] == "c7");
            Assert.Equal("Ada, \"the\" first", seventh["First Name"]);
            Assert.Equal("False", seventh["VIP"], ignoreCase: true);
            Assert.False(File.Exists(file + ".sfmc-sync.json")); // done: no checkpoint left behind
        }
        finally
        {
            Processes.DeleteQuietly(folder);
        }
    }

    [Fact]
    public async Task Sync_resumed_after_a_kill_sends_exactly_the_rows_that_were_not_acknowledged()
    {
        var folder = Processes.TempFolder("sfmc-sync-resume");
        try
        {
            var file = await CustomersFile(folder, "customers.jsonl", 200_000);
            long acknowledged;
            await using (var first = await SfmcEmulator.StartAsync(o => o.DataExtensionFiles.Add(DeclaredFolder)))
            {
                using var process = Processes.Start("dotnet", $"\"{Tool}\" sync \"{file}\" --key Customers", environment: Credentials(first));
                var checkpoint = file + ".sfmc-sync.json";
                var deadline = DateTime.UtcNow.AddMinutes(2);
                while (!File.Exists(checkpoint) || Acknowledged(checkpoint) < 20_000)
                {
                    Assert.False(process.HasExited, "sync finished before it could be killed");
                    Assert.True(DateTime.UtcNow < deadline, "no checkpoint within 2 minutes");
                    await Task.Delay(50);
                }

                process.Kill(entireProcessTree: true); // SIGKILL: no chance to clean up
                await process.WaitForExitAsync();
                acknowledged = Acknowledged(checkpoint);
                Assert.True(acknowledged < 200_000);
                Assert.True((await Keys(first)).Count >= acknowledged);
            }

            // A second tenant that has none of the rows: the resumed run must send exactly the unacknowledged ones.
            await using var second = await SfmcEmulator.StartAsync(o => o.DataExtensionFiles.Add(DeclaredFolder));
            var (refused, refusal) = await Sfmc($"sync \"{file}\" --key Customers", Credentials(second));
            Assert.Equal(2, refused);
            Assert.Contains("--resume continues it, --restart starts over", refusal, StringComparison.Ordinal);

            var (exit, output) = await Sfmc($"sync \"{file}\" --key Customers --resume", Credentials(second));

            Assert.Equal(0, exit);
            Assert.Contains($"Resuming after {acknowledged:N0} acknowledged rows", output, StringComparison.Ordinal);
            var keys = await Keys(second);
            Assert.Equal(Enumerable.Range((int)acknowledged, 200_000 - (int)acknowledged).Select(i => $"c{i}").ToHashSet(StringComparer.Ordinal), keys);
        }
        finally
        {
            Processes.DeleteQuietly(folder);
        }

        static long Acknowledged(string checkpoint)
        {
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(checkpoint));
                return document.RootElement.GetProperty("acknowledged").GetInt64();
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                return 0; // being replaced right now
            }
        }
    }

    [Fact]
    public async Task Sync_inserts_through_the_async_API_and_a_second_insert_of_the_same_keys_fails_row_by_row()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensionFiles.Add(DeclaredFolder));
        var folder = Processes.TempFolder("sfmc-sync-insert");
        try
        {
            var file = await CustomersFile(folder, "customers.csv", 2_000);
            var upsertAsync = await CustomersFile(folder, "more.jsonl", 300);

            var (inserted, _) = await Sfmc($"sync \"{file}\" --key Customers --mode insert", Credentials(emulator));
            Assert.Equal(0, inserted);
            Assert.Equal(2_000, (await Keys(emulator)).Count);

            var (again, output) = await Sfmc($"sync \"{file}\" --key Customers --mode insert", Credentials(emulator));
            Assert.Equal(1, again); // every key exists: each row is refused, none is written twice
            Assert.Equal(2_000, (await Keys(emulator)).Count);
            Assert.Equal(2_001, (await File.ReadAllLinesAsync(file + ".failed.csv")).Length);
            Assert.Contains("failed", output, StringComparison.Ordinal);

            // The same 300 keys (c0…c299) upserted through the async API: updated, not added.
            var (upserted, _) = await Sfmc($"sync \"{upsertAsync}\" --key Customers --api async", Credentials(emulator));
            Assert.Equal(0, upserted);
            Assert.Equal(2_000, (await Keys(emulator)).Count);
        }
        finally
        {
            Processes.DeleteQuietly(folder);
        }
    }

    [Fact]
    public async Task Sync_stops_cleanly_on_Ctrl_C_and_says_what_was_written()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensionFiles.Add(DeclaredFolder));
        emulator.Faults.Latency = TimeSpan.FromMilliseconds(20); // slow enough to be stopped in the middle
        var folder = Processes.TempFolder("sfmc-sync-stop");
        try
        {
            var file = await CustomersFile(folder, "customers.csv", 100_000);
            using var process = Processes.Start("dotnet", $"\"{Tool}\" sync \"{file}\" --key Customers", environment: Credentials(emulator));
            var stdout = process.StandardOutput.ReadToEndAsync();
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!File.Exists(file + ".sfmc-sync.json"))
            {
                Assert.True(DateTime.UtcNow < deadline && !process.HasExited, "no checkpoint before the end");
                await Task.Delay(20);
            }

            Processes.Signal(process, 2); // SIGINT, as Ctrl+C
            await process.WaitForExitAsync();
            var output = await stdout;
            _log.WriteLine(output);

            Assert.Equal(130, process.ExitCode);
            Assert.Contains("--resume continues from there", output, StringComparison.Ordinal);
            var written = (await Keys(emulator)).Count;
            Assert.InRange(written, RowSyncChunk, 99_999);
            Assert.Contains($"Stopped after ", output, StringComparison.Ordinal);
        }
        finally
        {
            Processes.DeleteQuietly(folder);
        }
    }

    private const int RowSyncChunk = 5000;

    [Fact]
    public async Task Sync_in_a_real_terminal_shows_a_live_progress_bar_with_rows_per_second()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensionFiles.Add(DeclaredFolder));
        emulator.Faults.Latency = TimeSpan.FromMilliseconds(20);
        var folder = Processes.TempFolder("sfmc-sync-tmux");
        var socket = "sfmc-test-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var file = await CustomersFile(folder, "customers.csv", 60_000);
            var script = Path.Combine(folder, "run.sh");
            var exports = string.Join("\n", Credentials(emulator).Select(c => $"export {c.Key}='{c.Value}'"));
            await File.WriteAllTextAsync(script, $"{exports}\nexport TERM=xterm-256color\ndotnet \"{Tool}\" sync \"{file}\" --key Customers\necho \"exit $?\"\nsleep 120\n");
            var (started, startOutput) = await Processes.RunAsync(_log, "tmux", $"-L {socket} new-session -d -s sync -x 160 -y 30 \"bash {script}\"");
            Assert.True(started == 0, startOutput);

            string pane = "";
            var sawBar = false;
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (DateTime.UtcNow < deadline)
            {
                (_, pane) = await Processes.RunAsync(_log, "tmux", $"-L {socket} capture-pane -p -t sync");
                sawBar |= pane.Contains("rows/s", StringComparison.Ordinal) && pane.Contains('━') && pane.Contains('%') && !pane.Contains("exit ", StringComparison.Ordinal);
                if (pane.Contains("exit 0", StringComparison.Ordinal))
                {
                    break;
                }

                await Task.Delay(200);
            }

            Assert.True(sawBar, "no live bar with rows/s seen while running; last pane:\n" + pane);
            Assert.Contains("exit 0", pane, StringComparison.Ordinal);
            Assert.Contains("60,000/60,000 rows", pane, StringComparison.Ordinal);
            Assert.Equal(60_000, (await Keys(emulator)).Count);
        }
        finally
        {
            await Processes.RunAsync(_log, "tmux", $"-L {socket} kill-server");
            Processes.DeleteQuietly(folder);
        }
    }

    [Theory]
    [InlineData("SubscriberKey,Email,VIP\nk1,a@example.com,true\nk2,\"unterminated,true\nk3,c@example.com,true\n", "customers.csv(3): 2 fields where the header has 3 (the record runs to line 5: a quote not closed?)")]
    [InlineData("SubscriberKey,Email,VIP\nk1,a@example.com,true\nk2,b\"x@example.com,true\n", "customers.csv(3): a quote in the middle of a field")]
    [InlineData("SubscriberKey,Email,VIP\nk1,a@example.com,true\nk2,b@example.com\n", "customers.csv(3): 2 fields where the header has 3.")]
    [InlineData("Email,VIP\na@example.com,true\n", "the primary-key field 'SubscriberKey' has no column")]
    [InlineData("SubscriberKey,email,VIP\nk1,a@example.com,true\n", "the column 'email' is the field 'Email' of 'Customers' in another case; import headers are case-sensitive")]
    [InlineData("SubscriberKey,Email,VIP,Shoe Size\nk1,a@example.com,true,42\n", "'Shoe Size' is not a field of 'Customers'")]
    public async Task Bad_input_is_one_line_with_its_line_number_and_nothing_is_sent(string csv, string expected)
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensionFiles.Add(DeclaredFolder));
        var folder = Processes.TempFolder("sfmc-sync-bad");
        try
        {
            var file = Path.Combine(folder, "customers.csv");
            await File.WriteAllTextAsync(file, csv);

            var (exit, output) = await Sfmc($"sync \"{file}\" --key Customers", Credentials(emulator));

            Assert.Equal(2, exit);
            var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("sfmc: ", line, StringComparison.Ordinal);
            Assert.Contains(expected, line, StringComparison.Ordinal);
            Assert.Empty(await emulator.GetRowsAsync("Customers"));
        }
        finally
        {
            Processes.DeleteQuietly(folder);
        }
    }

    [Fact]
    public async Task Sync_writes_rows_SFMC_or_the_DE_refuses_to_the_failed_file_with_the_reason()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensionFiles.Add(DeclaredFolder));
        var folder = Processes.TempFolder("sfmc-sync-failed");
        try
        {
            var file = Path.Combine(folder, "customers.csv");
            await File.WriteAllTextAsync(file, "SubscriberKey,Email,VIP,Lifetime Value\nk1,a@example.com,true,1.5\nk2,not-an-email,true,2\nk3,c@example.com,maybe,3\nk4,d@example.com,false,\n");

            var (exit, output) = await Sfmc($"sync \"{file}\" --key Customers", Credentials(emulator));
            var (unknown, unknownOutput) = await Sfmc($"sync \"{file}\" --key customers --restart", Credentials(emulator));

            Assert.Equal(1, exit);
            Assert.Contains("customers.csv.failed.csv", output, StringComparison.Ordinal);
            Assert.Equal(["k1", "k4"], (await Keys(emulator)).Order(StringComparer.Ordinal));
            var failed = await File.ReadAllLinesAsync(file + ".failed.csv");
            Assert.StartsWith("line,SubscriberKey,Email,", failed[0], StringComparison.Ordinal);
            Assert.Contains(failed, l => l.StartsWith("3,k2,not-an-email", StringComparison.Ordinal) && l.Contains("not a valid email address", StringComparison.Ordinal));
            Assert.Contains(failed, l => l.StartsWith("4,k3,", StringComparison.Ordinal) && l.Contains("'VIP': 'maybe' is not a Boolean", StringComparison.Ordinal));
            Assert.Equal(3, failed.Length);
            Assert.Equal(2, unknown);
            Assert.Contains("'customers' is not a DE on the tenant (keys are case-sensitive)", unknownOutput, StringComparison.Ordinal);

            // --json: the summary is the only thing on stdout.
            var again = Path.Combine(folder, "again.csv");
            File.Copy(file, again);
            using var process = Processes.Start("dotnet", $"\"{Tool}\" sync \"{again}\" --key Customers --json", environment: Credentials(emulator));
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            using var summary = JsonDocument.Parse(await stdout);
            _log.WriteLine(await stderr);
            Assert.Equal(1, process.ExitCode);
            Assert.Equal(4, summary.RootElement.GetProperty("rows").GetInt64());
            Assert.Equal(2, summary.RootElement.GetProperty("written").GetInt64());
            Assert.Equal(2, summary.RootElement.GetProperty("failed").GetInt64());
            Assert.Equal(again + ".failed.csv", summary.RootElement.GetProperty("failedFile").GetString());
        }
        finally
        {
            Processes.DeleteQuietly(folder);
        }
    }

    [Fact]
    public async Task Missing_settings_wrong_credentials_and_bad_usage_are_one_line_with_exit_code_2()
    {
        await using var emulator = await SfmcEmulator.StartAsync();

        var missing = Credentials(emulator);
        missing.Remove("SFMC__CLIENTID");
        await AssertOneLine(await Sfmc("pull --all", missing), "sfmc: SFMC__CLIENTID is not set");
        await AssertOneLine(await Sfmc("pull --all", Credentials(emulator, secret: "not-the-secret")), "SFMC refused the token request for client id 'emulator-client-id' (401)");
        await AssertOneLine(await Sfmc("pull", Credentials(emulator)), "pull needs --key K (repeatable) or --all.");
        await AssertOneLine(await Sfmc("pull --format yaml --all", Credentials(emulator)), "yaml");
        await AssertOneLine(await Sfmc("check /no/such/folder", Credentials(emulator)), "/no/such/folder");
        await AssertOneLine(await Sfmc("emulator --port 70000"), "sfmc: --port must be between 0 and 65535.");
        await AssertOneLine(await Sfmc("pull --all --profile work", new Dictionary<string, string?> { ["SFMC_PROFILES"] = "/no/such/profiles.json" }), "no profiles file at /no/such/profiles.json");

        await using var withRows = await SfmcEmulator.StartAsync(o => o.DataExtensionFiles.Add(DeclaredFolder));
        var readOnly = Credentials(withRows);
        readOnly["SFMC__SCOPE"] = "data_extensions_read"; // a package without data_extensions_write
        var rowsFolder = Processes.TempFolder("sfmc-scope");
        try
        {
            var file = Path.Combine(rowsFolder, "customers.csv");
            await File.WriteAllTextAsync(file, "SubscriberKey,Email,VIP\nk1,a@example.com,true\n");
            await AssertOneLine(await Sfmc($"sync \"{file}\" --key Customers", readOnly), "The installed package lacks the scope 'data_extensions_write'");
        }
        finally
        {
            Processes.DeleteQuietly(rowsFolder);
        }

        var unreachable = Credentials(emulator);
        unreachable["SFMC__AUTHBASEURI"] = $"http://127.0.0.1:{Processes.FreePort()}/";
        var (exit, output) = await Sfmc("pull --all", unreachable);
        Assert.Equal(2, exit);
        Assert.StartsWith("sfmc: ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);

        static Task AssertOneLine((int ExitCode, string Output) run, string expected)
        {
            Assert.Equal(2, run.ExitCode);
            var line = Assert.Single(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("sfmc: ", line, StringComparison.Ordinal);
            Assert.Contains(expected, line, StringComparison.Ordinal);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task A_profile_supplies_the_credentials_and_the_environment_overrides_it()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensionFiles.Add(DeclaredFolder));
        var folder = Processes.TempFolder("sfmc-profile");
        try
        {
            var profiles = Path.Combine(folder, "profiles.json");
            await File.WriteAllTextAsync(profiles, JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["work"] = new Dictionary<string, string> { ["AuthBaseUri"] = emulator.BaseUri.ToString(), ["ClientId"] = emulator.ClientId, ["ClientSecret"] = emulator.ClientSecret },
            }));

            var (exit, _) = await Sfmc($"pull --key Customers --out \"{folder}\" --profile work", new Dictionary<string, string?> { ["SFMC_PROFILES"] = profiles });
            Assert.Equal(0, exit);
            Assert.True(File.Exists(Path.Combine(folder, "Customers.de.json")));

            var (overridden, output) = await Sfmc($"pull --key Customers --out \"{folder}\" --profile work", new Dictionary<string, string?> { ["SFMC_PROFILES"] = profiles, ["SFMC__CLIENTSECRET"] = "from-the-environment" });
            Assert.Equal(2, overridden);
            Assert.Contains("(401)", output, StringComparison.Ordinal);

            var (unknown, unknownOutput) = await Sfmc("pull --all --profile home", new Dictionary<string, string?> { ["SFMC_PROFILES"] = profiles });
            Assert.Equal(2, unknown);
            Assert.Contains("has no profile 'home' (it has: work)", unknownOutput, StringComparison.Ordinal);
        }
        finally
        {
            Processes.DeleteQuietly(folder);
        }
    }

    [Fact]
    public async Task Verbose_shows_the_requests_and_never_the_secret_or_a_token()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensionFiles.Add(DeclaredFolder));
        var folder = Processes.TempFolder("sfmc-verbose");
        try
        {
            var (exit, output) = await Sfmc($"pull --key Customers --out \"{folder}\" --verbose", Credentials(emulator));

            Assert.Equal(0, exit);
            Assert.Contains("Service.asmx", output, StringComparison.Ordinal);
            Assert.DoesNotContain(emulator.ClientSecret, output, StringComparison.Ordinal);
            Assert.DoesNotContain("Bearer ", output, StringComparison.Ordinal);
            Assert.DoesNotContain("access_token", output, StringComparison.Ordinal);
            Assert.DoesNotContain("fueloauth>", output, StringComparison.Ordinal);
        }
        finally
        {
            Processes.DeleteQuietly(folder);
        }
    }

    [Theory]
    [InlineData("--help", "sfmc pull --all --out DataExtensions/ && dotnet build && sfmc check")]
    [InlineData("pull --help", "sfmc pull --key Customers --key OrderLines --out DataExtensions/")]
    [InlineData("check --help", "sfmc check src/MyApp.Sfmc --json")]
    [InlineData("push --help", "sfmc push src/MyApp.Sfmc --dry-run")]
    [InlineData("sync --help", "sfmc sync customers.csv --key Customers --mode upsert")]
    [InlineData("emulator --help", "sfmc emulator --port 5099 --db rows.sqlite")]
    public async Task Every_command_has_help_with_an_example_as_its_baseline_shows(string arguments, string example)
    {
        var (exit, output) = await Sfmc(arguments);

        Assert.Equal(0, exit);
        Assert.Contains("Example:", output, StringComparison.Ordinal);
        Assert.Contains(example, output, StringComparison.Ordinal);

        // The whole text is a checked-in baseline: SFMC_UPDATE_BASELINES=1 rewrites it after an intended change.
        var baseline = Path.Combine(Processes.RepoRoot, "tests", "Sfmc.Package.Tests", "Baselines", "sfmc-" + arguments.Replace("--help", "help", StringComparison.Ordinal).Trim().Replace(' ', '-') + ".txt");
        var text = output.ReplaceLineEndings("\n");
        if (Environment.GetEnvironmentVariable("SFMC_UPDATE_BASELINES") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(baseline)!);
            await File.WriteAllTextAsync(baseline, text);
        }

        Assert.True(File.Exists(baseline), $"No baseline {baseline}: run with SFMC_UPDATE_BASELINES=1 once.");
        Assert.Equal((await File.ReadAllTextAsync(baseline)).ReplaceLineEndings("\n"), text);
    }

    [Fact]
    public async Task User_secrets_supply_the_credentials_as_dotnet_user_secrets_stores_them()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensionFiles.Add(DeclaredFolder));
        var home = Processes.TempFolder("sfmc-home");
        try
        {
            // Where `dotnet user-secrets set Sfmc:ClientSecret … --id sfmc-cli` writes on Linux and macOS.
            var secrets = Path.Combine(home, ".microsoft", "usersecrets", "sfmc-cli", "secrets.json");
            Directory.CreateDirectory(Path.GetDirectoryName(secrets)!);
            await File.WriteAllTextAsync(secrets, JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["Sfmc:AuthBaseUri"] = emulator.BaseUri.ToString(),
                ["Sfmc:ClientId"] = emulator.ClientId,
                ["Sfmc:ClientSecret"] = emulator.ClientSecret,
            }));

            var (exit, output) = await Sfmc($"pull --key Customers --out \"{home}\"", new Dictionary<string, string?> { ["HOME"] = home });

            Assert.Equal(0, exit);
            Assert.Contains("written", output, StringComparison.Ordinal);
            Assert.DoesNotContain("\u001b[", output, StringComparison.Ordinal); // not a terminal: no colours, no cursor movement
        }
        finally
        {
            Processes.DeleteQuietly(home);
        }
    }
}
