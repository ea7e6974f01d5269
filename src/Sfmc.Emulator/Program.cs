using System;
using System.Threading;
using System.Threading.Tasks;
using Sfmc.Emulator;

// Standalone: dotnet run --project src/Sfmc.Emulator -- [--port 5099] [--db rows.sqlite]
// DE definitions come in with the runtime issue's file loader; in-process use adds them via options.
var port = 0;
string? database = null;
for (var i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--port")
    {
        port = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
    }
    else if (args[i] == "--db")
    {
        database = args[i + 1];
    }
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
await using var emulator = await SfmcEmulator.StartAsync(o =>
{
    o.Port = port;
    o.DatabasePath = database;
});
Console.WriteLine($"SFMC emulator on {emulator.BaseUri} (client id '{emulator.ClientId}', secret '{emulator.ClientSecret}'). Ctrl+C stops it.");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}
