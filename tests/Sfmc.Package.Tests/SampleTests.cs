using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Sfmc.Emulator;
using Xunit;
using Xunit.Abstractions;

namespace Sfmc.Package.Tests;

/// <summary>
/// Every sample as a real process: with no settings (the embedded emulator), and "against a tenant" (SFMC__* pointing
/// at an emulator this test starts and then inspects: what the sample did really reached SFMC's API).
/// </summary>
public sealed class SampleTests
{
    private readonly ITestOutputHelper _log;

    public SampleTests(ITestOutputHelper log) => _log = log;

    [Fact]
    public async Task Quickstart_runs_against_the_embedded_emulator()
    {
        var (exit, output) = await Processes.RunAsync(_log, "dotnet", Sample("Sfmc.Samples.Quickstart"), timeout: TimeSpan.FromMinutes(2));

        Assert.Equal(0, exit);
        Assert.Contains("Using the embedded SFMC emulator", output, StringComparison.Ordinal);
        Assert.Contains("order_lines: 2/3 rows written", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LargeProject_app_uses_the_rows_and_keys_of_its_DE_library()
    {
        var dll = $"\"{Processes.Output("samples/LargeProject/Shop.App", "Shop.App.dll")}\"";
        var (exit, output) = await Processes.RunAsync(_log, "dotnet", dll, timeout: TimeSpan.FromMinutes(2));

        Assert.Equal(0, exit);
        Assert.Contains("Using the embedded SFMC emulator", output, StringComparison.Ordinal);
        Assert.Contains("Orders: 1/1 rows written", output, StringComparison.Ordinal);
        Assert.Contains("order_lines: 2/2 rows written", output, StringComparison.Ordinal);
        Assert.Contains("Orders read back untyped: 1 row(s)", output, StringComparison.Ordinal);

        // Against "a tenant": the rows really reach SFMC's API.
        await using var tenant = await SfmcEmulator.StartAsync(o =>
            o.DataExtensionFiles.Add(System.IO.Path.Combine(Processes.RepoRoot, "samples", "LargeProject", "Shop.Sfmc", "DataExtensions")));
        var remote = await Processes.RunAsync(_log, "dotnet", dll, environment: Tenant(tenant), timeout: TimeSpan.FromMinutes(2));
        Assert.Equal(0, remote.ExitCode);
        Assert.Contains("Using the tenant at", remote.Output, StringComparison.Ordinal);
        Assert.Equal(["CUP-WHITE", "TEA-BLACK"], (await tenant.GetRowsAsync("order_lines")).Select(r => r["sku"]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task LeadCapture_turns_a_form_post_into_a_row_and_a_journey_entry_and_names_bad_fields()
    {
        await using var tenant = await SfmcEmulator.StartAsync(o =>
        {
            o.DataExtensionFiles.Add(System.IO.Path.Combine(Processes.RepoRoot, "samples", "LeadCapture", "DataExtensions"));
            o.DeclarationFiles.Add(System.IO.Path.Combine(Processes.RepoRoot, "samples", "LeadCapture", "sfmc.json"));
        });
        var port = Processes.FreePort();
        using var process = Processes.Start("dotnet", $"{Sample("LeadCapture")} --urls http://127.0.0.1:{port}", environment: Tenant(tenant));
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        var site = new Uri($"http://127.0.0.1:{port}/");
        try
        {
            await Processes.WaitForHttpAsync(site, "<form method=\"post\" action=\"/leads\">");
            using var http = new HttpClient { BaseAddress = site };

            using var created = await http.PostAsync("leads", Form(("email", "ada@example.com"), ("firstName", "Ada"), ("company", "Analytical Engines"), ("consent", "on")));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
            var eventInstanceId = body.RootElement.GetProperty("eventInstanceId").GetString();

            using var noEmail = await http.PostAsync("leads", Form(("firstName", "Alan")));
            Assert.Equal(HttpStatusCode.BadRequest, noEmail.StatusCode);
            Assert.Equal(["email"], Errors(await noEmail.Content.ReadAsStringAsync()));

            using var tooLong = await http.PostAsync("leads", Form(("email", "grace@example.com"), ("firstName", new string('G', 51))));
            Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
            Assert.Equal(["firstName"], Errors(await tooLong.Content.ReadAsStringAsync()));

            // Only the good lead reached SFMC: one row, one journey entry with that row's data.
            var row = Assert.Single(await tenant.GetRowsAsync("Leads"));
            Assert.Equal("ada@example.com", row["Email"]);
            Assert.Equal("Analytical Engines", row["Company"]);
            Assert.Equal("True", row["Consent"]);
            var entry = Assert.Single(tenant.JourneyEntries);
            Assert.Equal(("APIEvent-lead-nurture", "ada@example.com", eventInstanceId), (entry.EventDefinitionKey, entry.ContactKey, entry.EventInstanceId));
            Assert.Equal("Ada", entry.Data.GetProperty("First Name").GetString());

            Processes.Signal(process, 15);
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(limit.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            _log.WriteLine(await output + await errors);
        }
    }

    [Fact]
    public async Task OrderConfirmations_sends_each_order_once_however_often_it_runs()
    {
        var embedded = await Processes.RunAsync(_log, "dotnet", Sample("OrderConfirmations"), timeout: TimeSpan.FromMinutes(2));
        Assert.Equal(0, embedded.ExitCode);
        Assert.Contains("emails sent by the emulator: 3 for 3 orders after 2 runs", embedded.Output, StringComparison.Ordinal);

        // Two separate runs of the job against one SFMC: the second sends nothing.
        await using var tenant = await SfmcEmulator.StartAsync();
        for (var run = 0; run < 2; run++)
        {
            var (exit, output) = await Processes.RunAsync(_log, "dotnet", Sample("OrderConfirmations"), environment: Tenant(tenant), timeout: TimeSpan.FromMinutes(2));
            Assert.Equal(0, exit);
            Assert.Contains("run 1: 3/3 confirmations accepted", output, StringComparison.Ordinal);
            Assert.Contains("A-1002 -> alan@example.com: Sent (messageKey order-confirmation:A-1002)", output, StringComparison.Ordinal);
        }

        Assert.Equal(
            ["order-confirmation:A-1001", "order-confirmation:A-1002", "order-confirmation:A-1003"],
            tenant.SentMessages.Select(m => m.MessageKey).Order(StringComparer.Ordinal));
        Assert.All(tenant.SentMessages, m => Assert.Equal("order-confirmation", m.DefinitionKey));
    }

    [Fact]
    public async Task EngagementReport_counts_each_event_type_per_day_inside_the_window()
    {
        var embedded = await Processes.RunAsync(_log, "dotnet", Sample("EngagementReport"), timeout: TimeSpan.FromMinutes(2));
        Assert.Equal(0, embedded.ExitCode);
        Assert.Contains("Engagement 2026-11-23 to 2026-11-29", embedded.Output, StringComparison.Ordinal);
        Assert.Equal(7, embedded.Output.Split('\n').Count(l => l.StartsWith("2026-11-2", StringComparison.Ordinal)));

        // Known events in the last 7 days (and some outside them) at a "tenant": the table must count exactly these.
        await using var tenant = await SfmcEmulator.StartAsync();
        var today = DateTime.UtcNow.Date;
        await Seed(tenant, "SentEvent", "Sent", [(today.AddDays(-1), 3), (today.AddDays(-3), 2), (today, 5), (today.AddDays(-9), 4)]);
        await Seed(tenant, "OpenEvent", "Open", [(today.AddDays(-1), 2), (today.AddDays(-3), 0), (today, 4)]);
        await Seed(tenant, "ClickEvent", "Click", [(today.AddDays(-1), 1), (today, 3)]);
        await Seed(tenant, "BounceEvent", "HardBounce", [(today.AddDays(-1), 1), (today.AddDays(-8), 1)]);
        await Seed(tenant, "UnsubEvent", "Unsubscribe", [(today.AddDays(-1), 1)]);

        var (exit, output) = await Processes.RunAsync(_log, "dotnet", Sample("EngagementReport"), environment: Tenant(tenant), timeout: TimeSpan.FromMinutes(2));

        Assert.Equal(0, exit);
        var lines = output.Split('\n').Select(l => l.TrimEnd()).ToList();
        Assert.Contains($"{today.AddDays(-3):yyyy-MM-dd}  |      2 |      0 |       0 |       0 |      0 |     0.0 % |      0.0 %", lines);
        Assert.Contains($"{today.AddDays(-1):yyyy-MM-dd}  |      3 |      2 |       1 |       1 |      1 |    66.7 % |     33.3 %", lines);
        Assert.Contains("total       |      5 |      2 |       1 |       1 |      1 |    40.0 % |     20.0 %", lines);
        Assert.Equal(2, lines.Count(l => l.Length > 10 && l[4] == '-' && l[7] == '-' && l.Contains(" | ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task MultiBusinessUnit_uses_one_token_per_business_unit_for_concurrent_work()
    {
        var embedded = await Processes.RunAsync(_log, "dotnet", Sample("MultiBusinessUnit"), timeout: TimeSpan.FromMinutes(2));
        Assert.Equal(0, embedded.ExitCode);
        Assert.Contains("token requests the emulator saw: 2", embedded.Output, StringComparison.Ordinal);
        Assert.Contains("MID 1111111: 1 token request(s)", embedded.Output, StringComparison.Ordinal);
        Assert.Contains("MID 2222222: 1 token request(s)", embedded.Output, StringComparison.Ordinal);

        await using var tenant = await SfmcEmulator.StartAsync(o =>
            o.DataExtensionFiles.Add(System.IO.Path.Combine(Processes.RepoRoot, "samples", "MultiBusinessUnit", "DataExtensions")));
        var environment = new Dictionary<string, string?>(Tenant(tenant))
        {
            ["SFMC__BUSINESSUNITS__US"] = "500001",
            ["SFMC__BUSINESSUNITS__EU"] = "500002",
        };
        var (exit, output) = await Processes.RunAsync(_log, "dotnet", Sample("MultiBusinessUnit"), environment: environment, timeout: TimeSpan.FromMinutes(2));

        Assert.Equal(0, exit);
        Assert.Contains("us (MID 500001): 1200/1200 rows into US_Subscribers", output, StringComparison.Ordinal);
        Assert.Contains("eu (MID 500002): 800/800 rows into EU_Subscribers", output, StringComparison.Ordinal);
        Assert.Equal(["500001", "500002"], tenant.TokenGrants.Select(g => g.AccountId).Order(StringComparer.Ordinal));
        Assert.Equal(1200, (await tenant.GetRowsAsync("US_Subscribers")).Count);
        Assert.Equal(800, (await tenant.GetRowsAsync("EU_Subscribers")).Count);
    }

    private static string Sample(string name) => $"\"{Processes.Output($"samples/{name}", name + ".dll")}\"";

    private static Dictionary<string, string?> Tenant(SfmcEmulator tenant) => new()
    {
        ["SFMC__AUTHBASEURI"] = tenant.BaseUri.ToString(),
        ["SFMC__CLIENTID"] = tenant.ClientId,
        ["SFMC__CLIENTSECRET"] = tenant.ClientSecret,
    };

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    private static string[] Errors(string problem)
    {
        using var json = JsonDocument.Parse(problem);
        return json.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToArray();
    }

    private static Task Seed(SfmcEmulator tenant, string type, string eventType, (DateTime Day, int Count)[] days) =>
        tenant.AddSoapObjectsAsync(type, "ObjectID", days.SelectMany(d => Enumerable.Range(0, d.Count).Select(i => (IReadOnlyDictionary<string, string?>)new Dictionary<string, string?>
        {
            ["ObjectID"] = Guid.NewGuid().ToString(),
            ["SendID"] = "7",
            ["SubscriberKey"] = $"s-{i}",
            ["EventDate"] = d.Day.AddHours(12).AddMinutes(i).ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
            ["EventType"] = eventType,
        })));
}
