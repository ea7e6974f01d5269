using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sfmc.Cli;
using Sfmc.Client;
using Sfmc.Emulator;
using Sfmc.Emulator.Tool;
using Spectre.Console;

// sfmc: the daily workflow between declared schemas and a tenant. Exit codes (docs/cli.md): 0 done / in sync,
// 1 drift or some DEs failed, 2 usage, configuration or connection errors (one line on stderr, no stack trace).
var profile = new Option<string?>("--profile") { Description = "A named profile of ~/.sfmc/profiles.json ($SFMC_PROFILES): AuthBaseUri, ClientId, ClientSecret, AccountId.", Recursive = true };
var verbose = new Option<bool>("--verbose") { Description = "Log each request to stderr (never tokens or secrets).", Recursive = true };

var keys = new Option<string[]>("--key", "-k") { Description = "A DE's CustomerKey (case-sensitive); repeatable.", Arity = ArgumentArity.ZeroOrMore, AllowMultipleArgumentsPerToken = false };
var all = new Option<bool>("--all") { Description = "Every DE of the business unit." };
var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder the *.de.json files are written to (created if missing).", DefaultValueFactory = _ => new DirectoryInfo(".") };
var format = new Option<string>("--format") { Description = "File format: de (*.de.json) or mcdev (sfmc-devtools' *.dataExtension-meta.json).", DefaultValueFactory = _ => "de" };
format.AcceptOnlyFromAmong("de", "mcdev");
var pullJson = new Option<bool>("--json") { Description = "Write what was pulled as JSON instead of a table." };
var pullDeclarations = new Option<FileInfo?>("--sfmc-json") { Description = "The sfmc.json that lists synchronized (MC Connect) DEs as read-only (default: sfmc.json in the --out folder)." };
var pull = new Command("pull",
    "Writes the tenant's DE definitions (DataExtension + DataExtensionField over SOAP) as *.de.json files the generator reads: " +
    "fields in Ordinal order, stable formatting and file names, so pulling again changes nothing. Synchronized (MC Connect) " +
    "DEs are also listed in sfmc.json's synchronizedDataExtensions, so their rows are read-only in code.\n\n" +
    "Example:\n  sfmc pull --key Customers --key OrderLines --out DataExtensions/")
{
    keys, all, output, format, pullDeclarations, pullJson,
};

var directory = new Argument<DirectoryInfo>("DIR") { Description = "Where the DE files and sfmc.json are (searched recursively; bin/ and obj/ skipped).", DefaultValueFactory = _ => new DirectoryInfo(".") };
directory.AcceptExistingOnly();
var json = new Option<bool>("--json") { Description = "Write the report as JSON (for CI) instead of a table." };
var checkAll = new Option<bool>("--all") { Description = "Also report the tenant's DEs that are not declared (missing in repo)." };
var check = new Command("check",
    "Compares the declared DEs and sfmc.json's journeys, triggered and transactional send definitions (which must be Active) " +
    "with the tenant. Exit code 0 when in sync, 1 on drift.\n\n" +
    "Example:\n  sfmc check src/MyApp.Sfmc --json")
{
    directory, json, checkAll,
};

var pushDirectory = new Argument<DirectoryInfo>("DIR") { Description = "Where the DE files are (searched recursively; bin/ and obj/ skipped).", DefaultValueFactory = _ => new DirectoryInfo(".") };
pushDirectory.AcceptExistingOnly();
var pushKeys = new Option<string[]>("--key", "-k") { Description = "Only this DE (CustomerKey); repeatable.", Arity = ArgumentArity.ZeroOrMore };
var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan; change nothing." };
var pushJson = new Option<bool>("--json") { Description = "Write the plan and its results as JSON instead of a table." };
var push = new Command("push",
    "Creates the declared DEs the tenant lacks (SOAP Create with their fields) and applies the changes SFMC allows to the " +
    "others (synchronized DEs listed in sfmc.json are skipped): add a nullable field or one with a default, increase a MaxLength, make a field nullable (or required while " +
    "the DE has no rows). Refuses, with the reason, a type change, a shrinking MaxLength, a removed field, a new key or " +
    "required field on a DE with rows. Exit code 1 when something was refused or failed.\n\n" +
    "Example:\n  sfmc push src/MyApp.Sfmc --dry-run")
{
    pushDirectory, pushKeys, dryRun, pushJson,
};

var input = new Argument<FileInfo>("FILE") { Description = "A CSV file with a header line of field names, or JSON Lines (*.jsonl: one object per line)." };
input.AcceptExistingOnly();
var syncKey = new Option<string>("--key", "-k") { Description = "The DE's CustomerKey (case-sensitive).", Required = true };
var mode = new Option<string>("--mode") { Description = "upsert (by primary key) or insert.", DefaultValueFactory = _ => "upsert" };
mode.AcceptOnlyFromAmong("upsert", "insert");
var api = new Option<string>("--api") { Description = "sync (rowset) or async (async DE API; insert always uses it).", DefaultValueFactory = _ => "sync" };
api.AcceptOnlyFromAmong("sync", "async");
var resume = new Option<bool>("--resume") { Description = "Continue after the rows an earlier run had acknowledged (its checkpoint, FILE.sfmc-sync.json)." };
var restart = new Option<bool>("--restart") { Description = "Start from the first row even though a checkpoint exists." };
var syncJson = new Option<bool>("--json") { Description = "Write the summary as JSON (progress lines go to stderr)." };
var sync = new Command("sync",
    "Loads rows from a file into a DE, typed by the DE's definition on the tenant, with live progress (rows/s, requests, " +
    "retries, throttles, failed rows, ETA). Rows SFMC refuses go to FILE.failed.csv with its message. Ctrl+C stops after " +
    "the request in flight; --resume continues without sending acknowledged rows again. Memory stays flat.\n\n" +
    "Example:\n  sfmc sync customers.csv --key Customers --mode upsert")
{
    input, syncKey, mode, api, resume, restart, syncJson,
};

var emulator = new Command("emulator", EmulatorCommand.Description("sfmc emulator"));
EmulatorCommand.Configure(emulator, "sfmc");

var root = new RootCommand(
    "The daily workflow between declared SFMC schemas and a tenant: pull DE definitions into *.de.json files, check them " +
    "in CI, push declared DEs to a business unit, run the local emulator. Credentials come from SFMC__AUTHBASEURI, SFMC__CLIENTID, SFMC__CLIENTSECRET and " +
    "SFMC__ACCOUNTID (environment, .NET user secrets, or --profile), never from arguments.\n\n" +
    "Example:\n  sfmc pull --all --out DataExtensions/ && dotnet build && sfmc check")
{
    profile, verbose, pull, check, push, sync, emulator,
};

pull.SetAction((parse, cancellationToken) => RunAsync(parse, async (client, token) =>
{
    var wanted = parse.GetValue(keys) ?? [];
    if (wanted.Length == 0 && !parse.GetValue(all))
    {
        return Cli.Usage("pull needs --key K (repeatable) or --all.");
    }

    var folder = parse.GetValue(output)!;
    folder.Create();
    var found = await TenantSchemas.DataExtensionsAsync(client.Soap, wanted.Length == 0 ? null : wanted, token);
    var synchronizedFolders = await TenantSchemas.SynchronizedFoldersAsync(client.Soap, token);
    var synchronized = new List<string>();
    var mcdev = parse.GetValue(format) == "mcdev";
    var table = new Report("key", "fields", "file", "result");
    var failed = 0;
    foreach (var missing in wanted.Except(found.Select(d => d["CustomerKey"] ?? ""), StringComparer.Ordinal))
    {
        failed++;
        table.Add(true, missing, "", "", "not on the tenant (keys are case-sensitive)");
    }

    foreach (var dataExtension in found.OrderBy(d => d["CustomerKey"], StringComparer.Ordinal))
    {
        var key = dataExtension["CustomerKey"] ?? "";
        try
        {
            var definition = await TenantSchemas.DefinitionAsync(client.Soap, dataExtension, token);
            var file = Path.Combine(folder.FullName, DataExtensionFiles.FileName(definition, mcdev));
            var text = mcdev ? DataExtensionFiles.ToMcdevJson(definition) : DataExtensionFiles.ToJson(definition);
            if (dataExtension["CategoryID"] is { } category && synchronizedFolders.Contains(category))
            {
                synchronized.Add(key);
            }

            var unchanged = File.Exists(file) && await File.ReadAllTextAsync(file, token) == text;
            if (!unchanged)
            {
                await File.WriteAllTextAsync(file, text, token);
            }

            table.Add(false, key, definition.Fields.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), Path.GetRelativePath(Environment.CurrentDirectory, file), (unchanged ? "unchanged" : "written") + (synchronized.Contains(key) ? ", synchronized: read-only" : ""));
        }
        catch (SfmcException e) when (e is not SfmcAuthorizationException)
        {
            // One DE's fields failing does not stop the others.
            failed++;
            table.Add(true, key, "", "", Cli.OneLine(e.Message));
        }
    }

    if (synchronized.Count > 0)
    {
        var declarationsFile = parse.GetValue(pullDeclarations)?.FullName ?? Path.Combine(folder.FullName, "sfmc.json");
        Declarations.AddSynchronized(declarationsFile, synchronized);
        table.Caption = $"Synchronized DEs are listed in {Path.GetRelativePath(Environment.CurrentDirectory, declarationsFile)} (synchronizedDataExtensions).";
    }

    table.Write(parse.GetValue(pullJson));
    return failed == 0 ? 0 : 1;
}, cancellationToken));

check.SetAction((parse, cancellationToken) => RunAsync(parse, async (client, token) =>
{
    var folder = parse.GetValue(directory)!;
    var declared = DataExtensionFiles.Load(folder.FullName);
    var declarations = Declarations.Load(folder.FullName);
    var everything = parse.GetValue(checkAll);
    var found = await TenantSchemas.DataExtensionsAsync(client.Soap, everything ? null : declared.Select(d => d.CustomerKey).ToList(), token);
    var declaredKeys = declared.Select(d => d.CustomerKey).ToHashSet(StringComparer.Ordinal);
    var tenant = new Dictionary<string, DataExtensionInfo>(StringComparer.Ordinal);
    foreach (var dataExtension in found.Where(d => declaredKeys.Contains(d["CustomerKey"] ?? "")))
    {
        var definition = await TenantSchemas.DefinitionAsync(client.Soap, dataExtension, token);
        tenant[definition.CustomerKey] = definition;
    }

    var tenantOnly = found.Select(d => d["CustomerKey"] ?? "").Where(k => k.Length > 0 && !declaredKeys.Contains(k)).ToList();
    var drift = TenantSchemas.Compare(declared, tenant, tenantOnly);
    if (declarations.TriggeredSendKeys.Count > 0)
    {
        var statuses = await TenantSchemas.TriggeredSendStatusesAsync(client.Soap, declarations.TriggeredSendKeys.Distinct(StringComparer.Ordinal).ToList(), token);
        foreach (var key in declarations.TriggeredSendKeys.Distinct(StringComparer.Ordinal))
        {
            if (!statuses.TryGetValue(key, out var status))
            {
                drift.Add(new Drift("missing on tenant", key, null, "triggered send definition", null));
            }
            else if (!string.Equals(status, "Active", StringComparison.OrdinalIgnoreCase))
            {
                drift.Add(new Drift("not Active", key, null, "Active", status));
            }
        }
    }

    foreach (var key in declarations.JourneyKeys.Distinct(StringComparer.Ordinal))
    {
        if (!await TenantSchemas.EventDefinitionExistsAsync(client.Rest, key, token))
        {
            drift.Add(new Drift("missing on tenant", key, null, "journey entry event", null));
        }
    }

    foreach (var (channel, keys) in new[] { ("email", declarations.TransactionalEmailKeys), ("sms", declarations.TransactionalSmsKeys) })
    {
        foreach (var key in keys.Distinct(StringComparer.Ordinal))
        {
            var status = await TenantSchemas.TransactionalStatusAsync(client.Rest, channel, key, token);
            if (status is null)
            {
                drift.Add(new Drift("missing on tenant", key, null, $"transactional {channel} definition", null));
            }
            else if (!string.Equals(status, "Active", StringComparison.OrdinalIgnoreCase))
            {
                drift.Add(new Drift("not Active", key, null, "Active", status));
            }
        }
    }

    var sends = declarations.TriggeredSendKeys.Count + declarations.TransactionalEmailKeys.Count + declarations.TransactionalSmsKeys.Count;
    if (parse.GetValue(json))
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(
            new CheckReport(drift.Count == 0, declared.Count, declarations.JourneyKeys.Count, sends, drift),
            new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull }));
    }
    else if (drift.Count == 0)
    {
        AnsiConsole.MarkupLine($"[green]In sync:[/] {declared.Count} DEs, {declarations.JourneyKeys.Count} journeys, {sends} send definitions.");
    }
    else
    {
        var table = new Report("drift", "key", "field", "declared", "tenant");
        foreach (var d in drift)
        {
            table.Add(false, d.Kind, d.Key, d.Field ?? "", d.Declared ?? "", d.Tenant ?? "");
        }

        table.Write(json: false);
        AnsiConsole.MarkupLine($"[red]{drift.Count} differences.[/]");
    }

    return drift.Count == 0 ? 0 : 1;
}, cancellationToken));

// Not a terminal (CI logs, pipes): no colours or cursor movement, and tables as wide as they need (no wrapping at 80).
if (Console.IsOutputRedirected)
{
    AnsiConsole.Profile.Width = 400;
}

push.SetAction((parse, cancellationToken) => RunAsync(parse, async (client, token) =>
{
    var only = parse.GetValue(pushKeys) ?? [];
    var pushFolder = parse.GetValue(pushDirectory)!.FullName;
    var declared = DataExtensionFiles.Load(pushFolder)
        .Where(d => only.Length == 0 || only.Contains(d.CustomerKey, StringComparer.Ordinal))
        .ToList();
    var synchronizedKeys = Declarations.Load(pushFolder).SynchronizedDataExtensions.ToHashSet(StringComparer.Ordinal);
    if (only.Except(declared.Select(d => d.CustomerKey), StringComparer.Ordinal).FirstOrDefault() is { } unknown)
    {
        return Cli.Usage($"--key {unknown}: no DE file declares it (keys are case-sensitive).");
    }

    var preview = parse.GetValue(dryRun);
    var found = (await TenantSchemas.DataExtensionsAsync(client.Soap, declared.Select(d => d.CustomerKey).ToList(), token))
        .ToDictionary(d => d["CustomerKey"]!, StringComparer.Ordinal);
    var table = new Report("key", "change", "result");
    var problems = 0;
    foreach (var dataExtension in declared)
    {
        var key = dataExtension.CustomerKey;
        if (synchronizedKeys.Contains(key))
        {
            // Marketing Cloud Connect owns its definition: SFMC refuses API changes to it, and pushing would only fail.
            table.Add(false, key, "synchronized by Marketing Cloud Connect (sfmc.json)", "skipped");
            continue;
        }

        if (!found.TryGetValue(dataExtension.CustomerKey, out var existing))
        {
            var created = preview ? null : await client.Soap.CreateDataExtensionAsync(dataExtension, token);
            problems += created is { IsSuccess: false } ? 1 : 0;
            table.Add(created is { IsSuccess: false }, key, $"create with {dataExtension.Fields.Count} fields", preview ? "planned" : created!.IsSuccess ? "created" : Cli.OneLine(created.StatusMessage ?? created.StatusCode));
            continue;
        }

        var (tenant, fieldIds) = await TenantSchemas.DefinitionWithFieldIdsAsync(client.Soap, existing, token);
        var plan = TenantSchemas.Plan(dataExtension, tenant, tenant.Fields.Count > 0 && await TenantSchemas.HasRowsAsync(client.Soap, tenant, token));
        foreach (var refusal in plan.Refused)
        {
            problems++;
            table.Add(true, key, refusal, "refused");
        }

        if (plan.Changes.Count == 0)
        {
            if (plan.Refused.Count == 0)
            {
                table.Add(false, key, "", "in sync");
            }

            continue;
        }

        var error = preview ? null : await TenantSchemas.ApplyAsync(client.Soap, plan, fieldIds, token);
        problems += error is null ? 0 : 1;
        foreach (var change in plan.Changes)
        {
            table.Add(error is not null, key, change.Description, preview ? "planned" : error ?? "done");
        }
    }

    if (preview)
    {
        table.Caption = "Dry run: nothing was changed.";
    }

    table.Write(parse.GetValue(pushJson));

    return problems == 0 ? 0 : 1;
}, cancellationToken));

sync.SetAction((parse, cancellationToken) => RunAsync(parse, async (client, token) =>
{
    var file = parse.GetValue(input)!;
    var key = parse.GetValue(syncKey)!;
    var insert = parse.GetValue(mode) == "insert";
    if (!file.Name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && !file.Name.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) && !file.Name.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase))
    {
        return Cli.Usage($"{file.Name}: sync reads .csv or .jsonl (.ndjson) files.");
    }

    var found = await TenantSchemas.DataExtensionsAsync(client.Soap, [key], token);
    if (found.Count == 0)
    {
        return Cli.Fail($"'{key}' is not a DE on the tenant (keys are case-sensitive).");
    }

    var definition = await TenantSchemas.DefinitionAsync(client.Soap, found[0], token);
    var rows = new RowSync(definition, file.FullName);
    var start = new Checkpoint(key, insert ? "insert" : "upsert", file.Length, 0, 0, 0);
    if (rows.LoadCheckpoint() is { } saved)
    {
        if (parse.GetValue(resume))
        {
            if (saved.Key != start.Key || saved.Mode != start.Mode || saved.InputLength != start.InputLength)
            {
                return Cli.Usage($"{rows.CheckpointPath} is of another run ({saved.Mode} into {saved.Key}, {saved.InputLength} bytes of input); --restart starts over.");
            }

            start = saved;
        }
        else if (!parse.GetValue(restart))
        {
            return Cli.Usage($"{rows.CheckpointPath} exists: an earlier run stopped after {saved.Acknowledged} rows. --resume continues it, --restart starts over.");
        }
    }

    if (start.Acknowledged == 0 && File.Exists(rows.FailedPath))
    {
        File.Delete(rows.FailedPath);
    }

    var total = rows.Validate(token);
    using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
    using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);
    using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
    var asJson = parse.GetValue(syncJson);
    var display = new SyncDisplay(key, total, start.Acknowledged, asJson);
    SyncTotals totals;
    var stopped = false;
    try
    {
        totals = await display.RunAsync(report => rows.RunAsync(client.DataExtension(key), insert, parse.GetValue(api) == "async" ? DataExtensionApi.Async : DataExtensionApi.Sync, start, report, stop.Token));
    }
    catch (OperationCanceledException) when (stop.IsCancellationRequested && !token.IsCancellationRequested)
    {
        stopped = true;
        // What SFMC acknowledged is the checkpoint's; requests, retries and time are the display's last report.
        var last = rows.LoadCheckpoint() ?? start;
        totals = display.Latest with { Acknowledged = last.Acknowledged, Written = last.Written, Failed = last.Failed };
    }

    display.Summary(totals, rows.FailedPath, stopped);
    if (stopped)
    {
        return 130;
    }

    File.Delete(rows.CheckpointPath);
    return totals.Failed == 0 ? 0 : 1;

    void Stop(System.Runtime.InteropServices.PosixSignalContext context)
    {
        context.Cancel = true;
        stop.Cancel();
    }
}, cancellationToken));

var result = root.Parse(args);
if (result.Errors.Count > 0)
{
    return Cli.Usage(result.Errors[0].Message);
}

// The emulator command handles its own signals (System.CommandLine's handling would end the process on a timer).
return await result.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

// A command that talks to the tenant: settings checked first, then a client from the runtime's DI; SFMC and
// connection errors become one line and exit code 2.
async Task<int> RunAsync(ParseResult parse, Func<SfmcClient, CancellationToken, Task<int>> action, CancellationToken cancellationToken)
{
    IConfiguration configuration;
    try
    {
        configuration = Cli.Configuration(parse.GetValue(profile));
    }
    catch (Exception e) when (e is InvalidDataException or IOException or FormatException or JsonException)
    {
        return Cli.Usage(e.Message);
    }

    if (Cli.MissingSetting(configuration) is { } missing)
    {
        return Cli.Usage($"{missing} is not set (environment, .NET user secrets, or --profile).");
    }

    var services = new ServiceCollection();
    services.AddLogging(b =>
    {
        // Without --verbose nothing is logged: what went wrong is the one line an exception becomes.
        if (parse.GetValue(verbose))
        {
            b.SetMinimumLevel(LogLevel.Debug);
            b.AddSimpleConsole(o => o.SingleLine = true);
            b.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        }
    });
    services.AddSfmc(configuration.GetSection("Sfmc"));
    await using var provider = services.BuildServiceProvider();
    try
    {
        return await action(provider.GetRequiredService<SfmcClient>(), cancellationToken);
    }
    catch (SfmcAuthorizationException e)
    {
        return Cli.Fail(e.MissingScope is { } scope
            ? $"The installed package lacks the scope '{scope}': add it to the package's API integration in Setup → Installed Packages (sfmc needs data_extensions_read, data_extensions_write; check also journeys_read, email_read). {e.Message}"
            : $"SFMC refused the call: {e.Message} (sfmc needs data_extensions_read, data_extensions_write; check also journeys_read, email_read).");
    }
    catch (InvalidDataException e)
    {
        return Cli.Fail(e.Message);
    }
    catch (Exception e) when (e is SfmcException or HttpRequestException or OptionsValidationException or IOException or UnauthorizedAccessException or TimeoutException)
    {
        return Cli.Fail(e.Message);
    }
    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
    {
        return Cli.Fail("Cancelled.");
    }
}

/// <summary>Settings, usage errors and one-line failures of the sfmc command.</summary>
internal static class Cli
{
    private static readonly string[] Required = ["AuthBaseUri", "ClientId", "ClientSecret"];

    /// <summary>
    /// Settings in order of precedence: SFMC__* environment variables, then .NET user secrets (id <c>sfmc-cli</c>),
    /// then the named profile of <c>$SFMC_PROFILES</c> (default <c>~/.sfmc/profiles.json</c>).
    /// </summary>
    public static IConfiguration Configuration(string? profile)
    {
        var builder = new ConfigurationBuilder();
        if (profile is not null)
        {
            var file = Environment.GetEnvironmentVariable("SFMC_PROFILES") is { Length: > 0 } custom
                ? custom
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".sfmc", "profiles.json");
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"--profile {profile}: there is no profiles file at {file}.");
            }

            var profiles = new ConfigurationBuilder().AddJsonFile(file, optional: false).Build();
            var section = profiles.GetSection(profile);
            if (!section.Exists())
            {
                throw new InvalidDataException($"--profile {profile}: {file} has no profile '{profile}' (it has: {string.Join(", ", profiles.GetChildren().Select(c => c.Key))}).");
            }

            builder.AddInMemoryCollection(section.AsEnumerable(makePathsRelative: true).Where(p => p.Value is not null).Select(p => KeyValuePair.Create("Sfmc:" + p.Key, p.Value)));
        }

        builder.AddUserSecrets(typeof(Cli).Assembly, optional: true);
        builder.AddEnvironmentVariables();
        return builder.Build();
    }

    /// <summary>The environment variable of the first required setting that is missing, if any.</summary>
    public static string? MissingSetting(IConfiguration configuration) =>
        Required.FirstOrDefault(name => string.IsNullOrWhiteSpace(configuration[$"Sfmc:{name}"])) is { } missing ? "SFMC__" + missing.ToUpperInvariant() : null;

    /// <summary>A usage or configuration error: one line on stderr, exit code 2.</summary>
    public static int Usage(string message)
    {
        Console.Error.WriteLine($"sfmc: {OneLine(message)} (see sfmc --help)");
        return 2;
    }

    /// <summary>A failure talking to the tenant: one line on stderr, exit code 2.</summary>
    public static int Fail(string message)
    {
        Console.Error.WriteLine($"sfmc: {OneLine(message)}");
        return 2;
    }

    public static string OneLine(string text) => EmulatorCommand.OneLine(text);
}

/// <summary>
/// A command's result rows: a table (a row that went wrong in red; not wrapped when not a terminal), or with
/// <c>--json</c> <c>{ "rows": [ { column: value } ], "caption": … }</c> on stdout.
/// </summary>
internal sealed class Report(params string[] columns)
{
    private readonly List<(string[] Values, bool Problem)> _rows = new();

    public string? Caption { get; set; }

    public void Add(bool problem, params string[] values) => _rows.Add((values, problem));

    public void Write(bool json)
    {
        if (json)
        {
            var rows = _rows.Select(r => columns.Zip(r.Values).ToDictionary(p => p.First, p => p.Second)).ToList();
            Console.Out.WriteLine(JsonSerializer.Serialize(new { rows, caption = Caption }, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            return;
        }

        var table = new Table().AddColumns(columns);
        foreach (var (values, problem) in _rows)
        {
            table.AddRow(values.Select((v, i) => problem && i == values.Length - 1 ? $"[red]{Markup.Escape(v)}[/]" : Markup.Escape(v)).ToArray());
        }

        if (Caption is not null)
        {
            table.Caption(Markup.Escape(Caption));
        }

        AnsiConsole.Write(table);
    }
}

/// <summary>Edits to a project's sfmc.json that keep what else it says.</summary>
internal static class Declarations
{
    /// <summary>The sfmc.json files under <paramref name="folder"/> (recursively, bin/ and obj/ skipped), read as the emulator reads them.</summary>
    public static EmulatorDeclarations Load(string folder) =>
        EmulatorDeclarations.Load(DataExtensionFiles.SourceFiles(folder, "sfmc.json"));

    /// <summary>
    /// Adds keys to <c>synchronizedDataExtensions</c> (sorted, once each), creating the file when there is none. A file
    /// that lists them all is not touched; one that must change is rewritten indented (its comments are not kept).
    /// </summary>
    public static void AddSynchronized(string path, IEnumerable<string> keys)
    {
        var before = File.Exists(path) ? File.ReadAllText(path) : null;
        System.Text.Json.Nodes.JsonObject root;
        try
        {
            root = before is null
                ? new System.Text.Json.Nodes.JsonObject()
                : System.Text.Json.Nodes.JsonNode.Parse(before, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as System.Text.Json.Nodes.JsonObject
                    ?? throw new InvalidDataException($"{path}: not a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not JSON ({ex.Message}).", ex);
        }

        var existing = root["synchronizedDataExtensions"] is System.Text.Json.Nodes.JsonArray array ? array.Select(n => n?.GetValue<string>()).OfType<string>().ToList() : [];
        if (keys.All(k => existing.Contains(k, StringComparer.Ordinal)))
        {
            return; // already listed: the file is left exactly as it is
        }

        var merged = new System.Text.Json.Nodes.JsonArray(existing.Concat(keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(k => (System.Text.Json.Nodes.JsonNode?)k).ToArray());
        root["synchronizedDataExtensions"] = merged;
        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
    }
}

/// <summary>sfmc check --json.</summary>
internal sealed record CheckReport(bool InSync, int DataExtensions, int Journeys, int SendDefinitions, IReadOnlyList<Drift> Drift);
