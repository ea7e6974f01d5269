// MultiBusinessUnit: two business units (MIDs) of one tenant in one process. Each gets a named SfmcClient
// (AddSfmc("us", …), AddSfmc("eu", …)) with its own account id; they work concurrently, and each caches its own token:
// one token request per BU however many calls run.
//
// With no settings it starts the SFMC emulator in-process and prints the token requests it saw; with SFMC__* set it
// uses that tenant, with the MIDs from SFMC__BUSINESSUNITS__US and SFMC__BUSINESSUNITS__EU.
using Microsoft.Extensions.DependencyInjection;
using MultiBusinessUnit.DataExtensions;
using Sfmc.Client;
using Sfmc.Samples;

var settings = SampleSfmc.Settings();
await using var emulator = await SampleSfmc.StartEmulatorUnlessTenantAsync(settings, o =>
{
    o.DataExtensions.Add(USSubscribersRow.Schema);
    o.DataExtensions.Add(EUSubscribersRow.Schema);
});
var us = settings["BusinessUnits:US"] ?? "1111111";
var eu = settings["BusinessUnits:EU"] ?? "2222222";

var services = new ServiceCollection();
SampleSfmc.AddSfmc(services, settings, emulator, "us", us);
SampleSfmc.AddSfmc(services, settings, emulator, "eu", eu);
await using var provider = services.BuildServiceProvider();
var clients = provider.GetRequiredService<ISfmcClientFactory>();
var usClient = clients.CreateClient("us");
var euClient = clients.CreateClient("eu");

// Both BUs at once: rows into each BU's DE (batched, concurrent requests), then read back with paged queries.
var work = await Task.WhenAll(
    RunAsync("us", us, usClient.DataExtension<USSubscribersRow>(),
        Enumerable.Range(1, 1200).Select(i => new USSubscribersRow { SubscriberKey = $"us-{i:0000}", EmailAddress = $"us{i}@example.com", Locale = "en-US" })),
    RunAsync("eu", eu, euClient.DataExtension<EUSubscribersRow>(),
        Enumerable.Range(1, 800).Select(i => new EUSubscribersRow { SubscriberKey = $"eu-{i:0000}", EmailAddress = $"eu{i}@example.com", Locale = "de-DE" })));
foreach (var line in work)
{
    Console.WriteLine(line);
}

if (emulator is not null)
{
    var grants = emulator.TokenGrants;
    Console.WriteLine($"token requests the emulator saw: {grants.Count}");
    foreach (var group in grants.GroupBy(g => g.AccountId).OrderBy(g => g.Key, StringComparer.Ordinal))
    {
        Console.WriteLine($"  MID {group.Key}: {group.Count()} token request(s)");
    }

    Console.WriteLine($"API requests the emulator answered: {emulator.Requests.Count(r => !r.Path.StartsWith("/v2/token", StringComparison.Ordinal))}");
}

static async Task<string> RunAsync<TRow>(string name, string mid, DataExtensionClient<TRow> dataExtension, IEnumerable<TRow> rows)
    where TRow : IDataExtensionRow<TRow>
{
    var written = await dataExtension.UpsertAsync(rows);
    var read = 0;
    await foreach (var _ in dataExtension.QueryAsync())
    {
        read++;
    }

    return $"{name} (MID {mid}): {written.RowsSucceeded}/{written.RowsSubmitted} rows into {written.DataExtensionKey} in {written.Requests} request(s); {read} rows read back";
}
