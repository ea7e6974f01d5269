// Usage: Sfmc.RateBudget.Worker <auth base uri> <client id> <client secret> <redis endpoint> <DE key> <seconds> <requests per minute> <start, unix ms>
// Makes one request (a cold process: token, connection, JIT), waits for the common start time, then reads one row of
// the DE from 8 concurrent loops until the time is up; every request takes its slot from the budget shared in Redis. Prints "requests=N throttled=M" (throttled: calls that ended in SfmcRateLimitedException).
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sfmc.Client;
using Sfmc.Redis;
using StackExchange.Redis;

var (auth, clientId, secret, redis, key) = (args[0], args[1], args[2], args[3], args[4]);
var seconds = int.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture);
var perMinute = int.Parse(args[6], System.Globalization.CultureInfo.InvariantCulture);
var start = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(args[7], System.Globalization.CultureInfo.InvariantCulture));

var services = new ServiceCollection();
// Warnings (such as the shared budget falling back to this process alone) reach the test's log.
services.AddLogging(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Warning));
services.AddSingleton<IConnectionMultiplexer>(await ConnectionMultiplexer.ConnectAsync(redis));
// Each API request's send time (after its slot, inside the resilience pipeline), printed at the end: the test checks
// the budget on these too, free of the emulator's own pauses in the test host.
var sends = new System.Collections.Concurrent.ConcurrentQueue<long>();
services.AddSfmc(o =>
{
    o.AuthBaseUri = new Uri(auth);
    o.ClientId = clientId;
    o.ClientSecret = secret;
    o.RequestsPerMinute = perMinute;
    o.UseRedisRateBudget();
}).AddHttpMessageHandler(() => new SendTimes(sends));
await using var provider = services.BuildServiceProvider();
var sfmc = provider.GetRequiredService<SfmcClient>();

await foreach (var row in sfmc.DataExtension(key).QueryAsync(pageSize: 1))
{
    break;
}

if (start > DateTimeOffset.UtcNow)
{
    await Task.Delay(start - DateTimeOffset.UtcNow);
}

var until = DateTime.UtcNow.AddSeconds(seconds);
long requests = 1, throttled = 0;
await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
{
    while (DateTime.UtcNow < until)
    {
        try
        {
            await foreach (var row in sfmc.DataExtension(key).QueryAsync(pageSize: 1))
            {
                break;
            }

            Interlocked.Increment(ref requests);
        }
        catch (SfmcRateLimitedException)
        {
            Interlocked.Increment(ref throttled);
        }
    }
}));
Console.WriteLine($"requests={requests} throttled={throttled}");
Console.WriteLine("sent=" + string.Join(",", sends));

/// <summary>Records when each API request (not the token's) leaves the client, in Unix milliseconds.</summary>
internal sealed class SendTimes(System.Collections.Concurrent.ConcurrentQueue<long> sends) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri?.AbsolutePath.StartsWith("/v2/token", StringComparison.Ordinal) != true)
        {
            sends.Enqueue(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        }

        return base.SendAsync(request, cancellationToken);
    }
}
