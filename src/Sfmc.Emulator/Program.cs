using System;
using System.Threading;
using System.Threading.Tasks;
using Sfmc.Emulator;

// Standalone: dotnet run --project src/Sfmc.Emulator -- [--port 5099] [--db rows.sqlite] [--de path]...
// --de takes a DE file or a folder (searched for *.de.json and *.dataExtension-meta.json); repeat it for more.
var port = 0;
string? database = null;
var files = new System.Collections.Generic.List<string>();
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
    else if (args[i] == "--de")
    {
        files.Add(args[i + 1]);
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
    foreach (var file in files)
    {
        o.DataExtensionFiles.Add(file);
    }
});
Console.WriteLine($"SFMC emulator on {emulator.BaseUri} (client id '{emulator.ClientId}', secret '{emulator.ClientSecret}'). Ctrl+C stops it.");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}
