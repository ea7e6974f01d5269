// EngagementReport: SOAP retrieves of the Sent, Open, Click, Bounce and Unsub tracking events of a send window,
// aggregated per day into a table. Each retrieve follows SFMC's paging (2,500 a page, ContinueRequest) for you.
//
// With no settings it starts the SFMC emulator in-process and seeds it with a week of events (and a few outside
// the window, which the filter leaves out); with SFMC__* set it reports the last 7 days of that tenant.
using Microsoft.Extensions.DependencyInjection;
using Sfmc.Client;
using Sfmc.Emulator;
using Sfmc.Samples;
using Sfmc.Soap;

var settings = SampleSfmc.Settings();
await using var emulator = await SampleSfmc.StartEmulatorUnlessTenantAsync(settings, _ => { });
var (from, to) = emulator is null
    ? (DateTime.UtcNow.Date.AddDays(-7), DateTime.UtcNow.Date.AddTicks(-1))
    : (new DateTime(2026, 11, 23), new DateTime(2026, 11, 29, 23, 59, 59));
if (emulator is not null)
{
    await SeedAsync(emulator, from);
}

var services = new ServiceCollection();
SampleSfmc.AddSfmc(services, settings, emulator);
await using var provider = services.BuildServiceProvider();
var soap = provider.GetRequiredService<SfmcClient>().Soap;

// One retrieve per event type, filtered on the window; typed properties, so a misspelled one does not compile.
var days = new SortedDictionary<DateOnly, int[]>();
await CountAsync(0, soap.RetrieveAsync<SentEvent>(SentEvent.Property.EventDate.IsBetween(from, to)));
await CountAsync(1, soap.RetrieveAsync<OpenEvent>(OpenEvent.Property.EventDate.IsBetween(from, to)));
await CountAsync(2, soap.RetrieveAsync<ClickEvent>(ClickEvent.Property.EventDate.IsBetween(from, to)));
await CountAsync(3, soap.RetrieveAsync<BounceEvent>(BounceEvent.Property.EventDate.IsBetween(from, to)));
await CountAsync(4, soap.RetrieveAsync<UnsubEvent>(UnsubEvent.Property.EventDate.IsBetween(from, to)));

Console.WriteLine($"Engagement {from:yyyy-MM-dd} to {to:yyyy-MM-dd}");
Console.WriteLine("day         |   sent |  opens |  clicks | bounces | unsubs | open rate | click rate");
Console.WriteLine("------------+--------+--------+---------+---------+--------+-----------+-----------");
var total = new int[5];
foreach (var (day, c) in days)
{
    Row(day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), c);
    for (var i = 0; i < total.Length; i++)
    {
        total[i] += c[i];
    }
}

Console.WriteLine("------------+--------+--------+---------+---------+--------+-----------+-----------");
Row("total", total);

async Task CountAsync<T>(int column, IAsyncEnumerable<T> events)
    where T : TrackingEvent
{
    await foreach (var e in events)
    {
        if (e.EventDate is { } at)
        {
            var day = DateOnly.FromDateTime(at);
            if (!days.TryGetValue(day, out var counts))
            {
                days[day] = counts = new int[5];
            }

            counts[column]++;
        }
    }
}

static void Row(string label, int[] c) => Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
    $"{label,-11} | {c[0],6} | {c[1],6} | {c[2],7} | {c[3],7} | {c[4],6} | {Rate(c[1], c[0]),9} | {Rate(c[2], c[0]),10}"));

static string Rate(int part, int of) => of == 0 ? "-" : (100.0 * part / of).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " %";

// A week of sends with opens, clicks, bounces and unsubscribes, deterministic so the table is the same each run,
// plus events the day before and after the window.
static async Task SeedAsync(SfmcEmulator emulator, DateTime from)
{
    var random = new Random(20261123);
    var events = new Dictionary<string, List<IReadOnlyDictionary<string, string?>>>
    {
        ["SentEvent"] = [], ["OpenEvent"] = [], ["ClickEvent"] = [], ["BounceEvent"] = [], ["UnsubEvent"] = [],
    };
    for (var day = -1; day <= 7; day++)
    {
        var date = from.AddDays(day);
        var sends = 150 + random.Next(100);
        for (var i = 0; i < sends; i++)
        {
            var subscriber = $"sub-{day + 1:00}-{i:0000}";
            var at = date.AddHours(8).AddMinutes(random.Next(600));
            Add("SentEvent", "Sent", subscriber, at);
            var roll = random.NextDouble();
            if (roll < 0.03)
            {
                Add("BounceEvent", "HardBounce", subscriber, at.AddMinutes(1));
                continue;
            }

            if (roll < 0.45)
            {
                Add("OpenEvent", "Open", subscriber, at.AddMinutes(random.Next(120)));
                if (roll < 0.12)
                {
                    Add("ClickEvent", "Click", subscriber, at.AddMinutes(121 + random.Next(60)));
                }

                if (roll > 0.44)
                {
                    Add("UnsubEvent", "Unsubscribe", subscriber, at.AddMinutes(200));
                }
            }
        }
    }

    foreach (var (type, list) in events)
    {
        await emulator.AddSoapObjectsAsync(type, "ObjectID", list);
    }

    void Add(string type, string eventType, string subscriber, DateTime at) => events[type].Add(new Dictionary<string, string?>
    {
        ["ObjectID"] = Guid.NewGuid().ToString(),
        ["SendID"] = "1001",
        ["SubscriberKey"] = subscriber,
        ["EventDate"] = at.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
        ["EventType"] = eventType,
    });
}
