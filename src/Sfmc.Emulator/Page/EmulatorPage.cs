using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Sfmc.Client;

namespace Sfmc.Emulator;

/// <summary>An endpoint of the web page or its API: answered only to callers <see cref="EmulatorPage.MayAccess"/> lets in.</summary>
internal sealed record EmulatorPageMetadata;

/// <summary>
/// The emulator's web page at <c>/_emulator/</c> and its JSON API at <c>/_emulator/api/</c>: what an integration did
/// (Data Extensions and their rows, sent messages, journey entries, the request log with redacted bodies) and the fault
/// and limit settings, changeable with a POST. Server-rendered HTML, one stylesheet inline and one small script of its
/// own (live refresh by short polling), no CDN: it works offline.
/// </summary>
/// <remarks>
/// Safety: on a loopback bind (the default) the page answers loopback callers only; on any other bind every caller
/// must send the emulator's client id and secret as HTTP Basic credentials (<see cref="MayAccess"/>). Nothing changes
/// on GET. A form POST carries this emulator's anti-forgery token (random per start, in the page); a JSON POST must
/// be <c>application/json</c> (a cross-site page cannot send that without a CORS preflight, which is never granted)
/// and, when the browser names an Origin, from the emulator's own.
/// </remarks>
internal sealed class EmulatorPage(SfmcEmulator emulator, EmulatorStore store, EmulatorTenant tenant, EmulatorMessaging messaging, EmulatorRequestLog log)
{
    public const string Root = "_emulator";
    private const int PageSize = 50;
    private const long MaxFormBytes = 64 * 1024;
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;
    // Readable JSON: the API is read by people too, and it is never embedded in HTML (the page encodes what it shows).
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly string _formToken = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    /// <summary>Loopback callers of a loopback-bound emulator; anyone else with the emulator's client id and secret (HTTP Basic).</summary>
    public static bool MayAccess(HttpContext context, SfmcEmulatorOptions options)
    {
        if (IPAddress.IsLoopback(options.ListenAddress) && context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote))
        {
            return true;
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        byte[] given;
        try
        {
            given = Convert.FromBase64String(header["Basic ".Length..].Trim());
        }
        catch (FormatException)
        {
            return false;
        }

        var expected = Encoding.UTF8.GetBytes(options.ClientId + ":" + options.ClientSecret);
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    /// <summary>401 with a Basic challenge (the browser asks for the client id and secret).</summary>
    public static Task ChallengeAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Basic realm=\"sfmc-emulator\", charset=\"UTF-8\"";
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync("The emulator's page needs its client id and secret (HTTP Basic) when the emulator is bound to a non-loopback address.");
    }

    public void Map(IEndpointRouteBuilder routes)
    {
        var page = routes.MapGroup("/" + Root);
        page.WithMetadata(new EmulatorPageMetadata()).EmulatorUtility();

        page.MapGet("/", (HttpContext c) => WritePageAsync(c, "Overview", "", Overview()));
        page.MapGet("/page.js", (HttpContext c) => WriteAsync(c, "text/javascript; charset=utf-8", Script));
        page.MapGet("/data-extensions", async (HttpContext c) => await WritePageAsync(c, "Data Extensions", "data-extensions", await DataExtensionListAsync(c)));
        page.MapGet("/data-extensions/{key}", DataExtensionPageAsync);
        page.MapGet("/sent", (HttpContext c) => WritePageAsync(c, "Sent", "sent", SentList(c.Request.Query)));
        page.MapGet("/sent/{number:int}", (HttpContext c, int number) => SentAt(number) is { } m
            ? WritePageAsync(c, "Sent #" + number, "sent", SentDetail(number, m))
            : NotFoundPageAsync(c, $"No sent message #{number}."));
        page.MapGet("/journeys", (HttpContext c) => WritePageAsync(c, "Journeys", "journeys", Journeys(c.Request.Query)));
        page.MapGet("/requests", (HttpContext c) => WritePageAsync(c, "Requests", "requests", RequestList(c.Request.Query)));
        page.MapGet("/requests/{id:long}", (HttpContext c, long id) => log.Detail(id) is { } d
            ? WritePageAsync(c, "Request #" + id, "requests", RequestDetail(d))
            : NotFoundPageAsync(c, $"Request #{id} is unknown or no longer kept (the last {EmulatorRequestLog.KeptDetails:N0} are)."));
        page.MapGet("/faults", (HttpContext c) => WritePageAsync(c, "Faults and limits", "faults", FaultsView(c.Request.Query["done"]), live: false));
        page.MapPost("/faults", PostFaultsFormAsync);
        page.MapGet("/{*rest}", (HttpContext c) => NotFoundPageAsync(c, $"The emulator's page has no {c.Request.Path}."));

        var api = page.MapGroup("/api");
        api.MapGet("/version", (HttpContext c) => WriteJsonAsync(c, new { version = Version() }));
        api.MapGet("/data-extensions", async (HttpContext c) =>
        {
            var list = new List<object>();
            foreach (var de in store.DataExtensions)
            {
                list.Add(await DataExtensionJsonAsync(de, c));
            }

            await WriteJsonAsync(c, list);
        });
        api.MapGet("/data-extensions/{key}", async (HttpContext c, string key) =>
        {
            if (!store.TryGet(key, out var de))
            {
                await WriteJsonAsync(c, new { message = $"No data extension '{key}' (keys are case-sensitive)." }, HttpStatusCode.NotFound);
                return;
            }

            await WriteJsonAsync(c, await DataExtensionJsonAsync(de, c));
        });
        api.MapGet("/data-extensions/{key}/rows", RowsJsonAsync);
        api.MapGet("/sent", (HttpContext c) => WriteJsonAsync(c, FilterSent(c.Request.Query).Select(SentJson).ToList()));
        api.MapGet("/sent/{number:int}", (HttpContext c, int number) => SentAt(number) is { } m
            ? WriteJsonAsync(c, SentJson((number, m)))
            : WriteJsonAsync(c, new { message = $"No sent message #{number}." }, HttpStatusCode.NotFound));
        api.MapGet("/journeys", (HttpContext c) => WriteJsonAsync(c, JourneySummary().Select(j => new { eventDefinitionKey = j.Key, declared = j.Declared, entries = j.Count }).ToList()));
        api.MapGet("/journeys/entries", (HttpContext c) => WriteJsonAsync(c, FilterEntries(c.Request.Query).Select(e => new
        {
            number = e.Number,
            e.Entry.EventDefinitionKey,
            e.Entry.ContactKey,
            e.Entry.EventInstanceId,
            e.Entry.RequestId,
            data = e.Entry.Data,
            at = e.Entry.At,
        }).ToList()));
        api.MapGet("/requests", (HttpContext c) => WriteJsonAsync(c, FilterRequests(c.Request.Query).Select(RequestJson).ToList()));
        api.MapGet("/requests/{id:long}", (HttpContext c, long id) => log.Detail(id) is { } d
            ? WriteJsonAsync(c, new
            {
                request = RequestJson(d.Request),
                requestHeaders = d.RequestHeaders.ToDictionary(h => h.Key, h => h.Value),
                requestBody = d.RequestBody,
                responseHeaders = d.ResponseHeaders.ToDictionary(h => h.Key, h => h.Value),
                responseBody = d.ResponseBody,
                truncated = d.Truncated,
            })
            : WriteJsonAsync(c, new { message = $"Request #{id} is unknown or no longer kept." }, HttpStatusCode.NotFound));
        api.MapGet("/faults", (HttpContext c) => WriteJsonAsync(c, FaultsJson()));
        api.MapPost("/faults", PostFaultsJsonAsync);
    }

    // ---- State shared by views and API ----------------------------------------------------------------------------

    /// <summary>Changes whenever something the page shows may have changed (requests, sends, entries, faults).</summary>
    private string Version() => string.Create(CultureInfo.InvariantCulture, $"{log.Count}.{emulator.Faults.Version}.{emulator.SentMessages.Count}.{emulator.JourneyEntries.Count}");

    private EmulatorSentMessage? SentAt(int number) => emulator.SentMessages is var all && number >= 1 && number <= all.Count ? all[number - 1] : null;

    /// <summary>Sent messages, newest first, numbered from 1 in sending order; filtered by channel, to, definitionKey, contactKey.</summary>
    private List<(int Number, EmulatorSentMessage Message)> FilterSent(IQueryCollection query) =>
        emulator.SentMessages.Select((m, i) => (Number: i + 1, Message: m))
            .Where(x => Matches(query, "channel", x.Message.Channel) && Matches(query, "to", x.Message.To) && Matches(query, "definitionKey", x.Message.DefinitionKey) && Matches(query, "contactKey", x.Message.ContactKey))
            .Reverse()
            .ToList();

    private List<(int Number, EmulatorJourneyEntry Entry)> FilterEntries(IQueryCollection query) =>
        emulator.JourneyEntries.Select((e, i) => (Number: i + 1, Entry: e))
            .Where(x => Matches(query, "eventDefinitionKey", x.Entry.EventDefinitionKey) && Matches(query, "contactKey", x.Entry.ContactKey))
            .Reverse()
            .ToList();

    /// <summary>Newest first; <c>q</c>: text in the method and path; <c>status</c>; <c>outcome</c>; <c>after</c>: ids above it.</summary>
    private List<EmulatorRequest> FilterRequests(IQueryCollection query)
    {
        var text = query["q"].ToString();
        var after = long.TryParse(query["after"], NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a : 0;
        return emulator.Requests
            .Where(r => r.Id > after
                && (text.Length == 0 || (r.Method + " " + r.Path).Contains(text, StringComparison.OrdinalIgnoreCase))
                && Matches(query, "status", r.StatusCode.ToString(CultureInfo.InvariantCulture))
                && Matches(query, "outcome", r.Outcome))
            .Reverse()
            .ToList();
    }

    /// <summary>Whether the query's <paramref name="name"/> is absent or equals <paramref name="value"/> (ignoring case).</summary>
    private static bool Matches(IQueryCollection query, string name, string? value) =>
        query[name].ToString() is not { Length: > 0 } wanted || string.Equals(wanted, value, StringComparison.OrdinalIgnoreCase);

    private List<(string Key, bool Declared, int Count)> JourneySummary()
    {
        var counts = emulator.JourneyEntries.GroupBy(e => e.EventDefinitionKey, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return tenant.JourneyKeys.Concat(counts.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(k => (k, tenant.JourneyKeys.Contains(k), counts.GetValueOrDefault(k)))
            .ToList();
    }

    private static int Page(IQueryCollection query) =>
        int.TryParse(query["page"], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p >= 1 ? p : 1;

    private static int Pages(long count, int size) => (int)Math.Max(1, (count + size - 1) / size);

    // ---- JSON -------------------------------------------------------------------------------------------------------

    private async Task<object> DataExtensionJsonAsync(DataExtensionInfo de, HttpContext context)
    {
        var (count, _) = await store.ReadAsync(de, 1, 1, context.RequestAborted);
        return new
        {
            customerKey = de.CustomerKey,
            name = de.Name,
            readOnly = tenant.ReadOnlyDataExtensions.Contains(de.CustomerKey),
            isSendable = de.IsSendable,
            rowCount = count,
            fields = de.Fields.Select(f => new
            {
                name = f.Name,
                type = f.FieldType.ToString(),
                maxLength = f.MaxLength,
                scale = f.Scale,
                isPrimaryKey = f.IsPrimaryKey,
                isRequired = f.IsRequired || f.IsPrimaryKey,
                defaultValue = f.DefaultValue,
            }),
        };
    }

    /// <summary><c>?page=1&amp;pageSize=50&amp;field=Email&amp;value=ada@example.com</c>: a page of rows, filtered by one field's value.</summary>
    private async Task RowsJsonAsync(HttpContext context, string key)
    {
        if (!store.TryGet(key, out var de))
        {
            await WriteJsonAsync(context, new { message = $"No data extension '{key}' (keys are case-sensitive)." }, HttpStatusCode.NotFound);
            return;
        }

        var query = context.Request.Query;
        var size = int.TryParse(query["pageSize"], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? Math.Clamp(s, 1, 2500) : PageSize;
        if (!TryFilter(de, query, out var field, out var value))
        {
            await WriteJsonAsync(context, new { message = $"'{query["field"]}' is not a field of '{key}'." }, HttpStatusCode.BadRequest);
            return;
        }

        var page = Page(query);
        var (count, rows) = await store.ReadAsync(de, page, size, field, value, context.RequestAborted);
        await WriteJsonAsync(context, new { page, pageSize = size, count, rows });
    }

    private static bool TryFilter(DataExtensionInfo de, IQueryCollection query, out DataExtensionFieldInfo? field, out string? value)
    {
        field = null;
        value = null;
        if (query["field"].ToString() is not { Length: > 0 } name)
        {
            return true;
        }

        field = de.FindField(name);
        value = query["value"].ToString();
        return field is not null;
    }

    private object SentJson((int Number, EmulatorSentMessage Message) sent) => new
    {
        number = sent.Number,
        sent.Message.Channel,
        sent.Message.DefinitionKey,
        sent.Message.MessageKey,
        sent.Message.ContactKey,
        sent.Message.To,
        status = messaging.StatusOf(sent.Message),
        attributes = sent.Message.Attributes,
        sent.Message.RequestId,
        at = sent.Message.At,
    };

    private static object RequestJson(EmulatorRequest r) => new
    {
        id = r.Id,
        method = r.Method,
        path = r.Path,
        statusCode = r.StatusCode,
        durationMs = Math.Round(r.Duration.TotalMilliseconds, 1),
        attempt = r.Attempt,
        outcome = r.Outcome,
        requestBytes = r.RequestBytes,
        responseBytes = r.ResponseBytes,
        at = r.At,
    };

    private object FaultsJson()
    {
        var (perWindow, window) = emulator.Faults.RateLimit;
        return new
        {
            rateLimit = new { perWindow, windowSeconds = window.TotalSeconds },
            latencyMs = emulator.Faults.Latency.TotalMilliseconds,
            pending = emulator.Faults.Pending,
        };
    }

    private static Task WriteJsonAsync(HttpContext context, object body, HttpStatusCode status = HttpStatusCode.OK)
    {
        context.Response.StatusCode = (int)status;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(context.Response.Body, body, Json, context.RequestAborted);
    }

    // ---- Changing faults and limits ---------------------------------------------------------------------------------

    private async Task PostFaultsFormAsync(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = MaxFormBytes;
        }

        if (!context.Request.HasFormContentType)
        {
            await WriteAsync(context, "text/plain; charset=utf-8", "A form post is expected.", HttpStatusCode.UnsupportedMediaType);
            return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(form["_token"].ToString()), Encoding.ASCII.GetBytes(_formToken)) || CrossSite(context))
        {
            await WriteAsync(context, "text/plain; charset=utf-8", "The form's anti-forgery token is missing or wrong: reload the page and try again.", HttpStatusCode.BadRequest);
            return;
        }

        var error = Apply(name => form[name].ToString() is { Length: > 0 } v ? v : null, out var done);
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = $"/{Root}/faults?done={Uri.EscapeDataString(error ?? done)}";
    }

    private async Task PostFaultsJsonAsync(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = MaxFormBytes;
        }

        if (!context.Request.HasJsonContentType() || CrossSite(context))
        {
            await WriteJsonAsync(context, new { message = "Send application/json from the emulator's own origin." }, HttpStatusCode.UnsupportedMediaType);
            return;
        }

        JsonElement body;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            body = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            await WriteJsonAsync(context, new { message = "The body is not JSON: " + e.Message }, HttpStatusCode.BadRequest);
            return;
        }

        if (body.ValueKind != JsonValueKind.Object)
        {
            await WriteJsonAsync(context, new { message = "The body must be a JSON object with an action." }, HttpStatusCode.BadRequest);
            return;
        }

        var error = Apply(name => body.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null, out _);
        if (error is not null)
        {
            await WriteJsonAsync(context, new { message = error }, HttpStatusCode.BadRequest);
            return;
        }

        await WriteJsonAsync(context, FaultsJson());
    }

    /// <summary>A browser that says the request comes from another site, or an Origin that is not the emulator's.</summary>
    private static bool CrossSite(HttpContext context)
    {
        var request = context.Request;
        if (request.Headers["Sec-Fetch-Site"].ToString() is "cross-site" or "same-site")
        {
            return true;
        }

        var origin = request.Headers.Origin.ToString();
        return origin.Length > 0 && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Applies one change named by <c>action</c>; null when done (with what was done), else what is wrong.</summary>
    private string? Apply(Func<string, string?> value, out string done)
    {
        var faults = emulator.Faults;
        var action = value("action");
        var path = value("pathPrefix");
        var under = path is null ? "" : $" under {path}";
        var count = Int("count", 1, 10_000);
        var status = Int("status", 100, 599);
        done = "";
        switch (action)
        {
            case "fail" or "fail-after-processing" or "block" or "drop" when count is null:
                return "count must be a number from 1 to 10,000.";
            case "fail" or "fail-after-processing" when status is null:
                return "status must be an HTTP status from 100 to 599.";
            case "fail":
                faults.FailNext(count!.Value, (HttpStatusCode)status!.Value, path);
                done = $"The next {count} requests{under} answer {status}.";
                break;
            case "fail-after-processing":
                faults.FailAfterProcessingNext(count!.Value, (HttpStatusCode)status!.Value, path);
                done = $"The next {count} requests{under} do their work, then answer {status}.";
                break;
            case "block":
                faults.BlockNext(count!.Value, path);
                done = $"The next {count} requests{under} are blocked (429, errorcode 50200).";
                break;
            case "drop":
                faults.DropNext(count!.Value, path);
                done = $"The next {count} requests{under} lose their connection.";
                break;
            case "latency" when Int("milliseconds", 0, 600_000) is { } ms:
                faults.Latency = TimeSpan.FromMilliseconds(ms);
                done = $"Every request now waits {ms} ms.";
                break;
            case "latency":
                return "milliseconds must be a number from 0 to 600,000.";
            case "rate-limit" when value("perWindow") is null:
                faults.RateLimit = (null, faults.RateLimit.Window);
                done = "No rate limit.";
                break;
            case "rate-limit" when Int("perWindow", 1, 1_000_000) is { } perWindow && Int("windowSeconds", 1, 86_400) is { } seconds:
                faults.RateLimit = (perWindow, TimeSpan.FromSeconds(seconds));
                done = $"Rate limit: {perWindow} requests per {seconds} s.";
                break;
            case "rate-limit":
                return "perWindow must be empty (no limit) or a number from 1 to 1,000,000, and windowSeconds a number from 1 to 86,400.";
            case "expire-tokens":
                faults.ExpireTokens();
                done = "Every token issued so far is expired.";
                break;
            case "clear":
                faults.ClearPending();
                done = "Queued faults cleared.";
                break;
            default:
                return $"Unknown action '{action}': fail, fail-after-processing, block, drop, latency, rate-limit, expire-tokens or clear.";
        }

        return null;

        int? Int(string name, int min, int max) =>
            int.TryParse(value(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : null;
    }

    // ---- HTML views -------------------------------------------------------------------------------------------------

    private string Overview()
    {
        var sb = new StringBuilder();
        sb.Append("<p class=lead>What your integration did against this emulator. Tables refresh while <em>live</em> is on.</p><div class=cards>");
        Card("data-extensions", "Data Extensions", store.DataExtensions.Count);
        Card("sent", "Sent messages", emulator.SentMessages.Count);
        Card("journeys", "Journey entries", emulator.JourneyEntries.Count);
        Card("requests", "Requests", log.Count);
        Card("faults", "Queued faults", emulator.Faults.Pending.Where(p => p.Kind != "pass").Sum(p => p.Count));
        sb.Append("</div>");
        sb.Append("<p>The same data as JSON: <a href=\"/").Append(Root).Append("/api/requests\"><code>/").Append(Root).Append("/api/…</code></a> (see docs/emulator.md).</p>");
        return sb.ToString();

        void Card(string href, string title, long count) =>
            sb.Append("<a class=card href=\"/").Append(Root).Append('/').Append(href).Append("\"><span class=count>")
              .Append(count.ToString("N0", CultureInfo.InvariantCulture)).Append("</span>").Append(H(title)).Append("</a>");
    }

    private async Task<string> DataExtensionListAsync(HttpContext context)
    {
        var sb = new StringBuilder();
        var all = store.DataExtensions;
        if (all.Count == 0)
        {
            return "<p class=empty>No Data Extensions. Declare them with <code>SfmcEmulatorOptions.DataExtensions</code> or <code>--de</code>.</p>";
        }

        sb.Append("<table><thead><tr><th>External key</th><th>Name</th><th>Fields</th><th>Primary key</th><th>Rows</th><th></th></tr></thead><tbody>");
        foreach (var de in all)
        {
            var (count, _) = await store.ReadAsync(de, 1, 1, context.RequestAborted);
            sb.Append("<tr><td><a href=\"").Append(DataExtensionHref(de.CustomerKey)).Append("\">").Append(H(de.CustomerKey)).Append("</a></td><td>")
              .Append(H(de.Name)).Append("</td><td class=num>").Append(de.Fields.Count).Append("</td><td>")
              .Append(H(string.Join(", ", de.PrimaryKey.Select(f => f.Name)))).Append("</td><td class=num>").Append(count.ToString("N0", CultureInfo.InvariantCulture))
              .Append("</td><td>").Append(tenant.ReadOnlyDataExtensions.Contains(de.CustomerKey) ? "<span class=tag>read-only</span>" : "")
              .Append(de.IsSendable ? "<span class=tag>sendable</span>" : "").Append("</td></tr>");
        }

        return sb.Append("</tbody></table>").ToString();
    }

    private async Task DataExtensionPageAsync(HttpContext context, string key)
    {
        if (!store.TryGet(key, out var de))
        {
            await NotFoundPageAsync(context, $"No data extension '{key}' (keys are case-sensitive).");
            return;
        }

        var query = context.Request.Query;
        var sb = new StringBuilder();
        sb.Append("<h2>Fields</h2><table class=fields><thead><tr><th>Name</th><th>Type</th><th>Length</th><th>Primary key</th><th>Required</th><th>Default</th></tr></thead><tbody>");
        foreach (var f in de.Fields)
        {
            var length = f.Scale is { } scale ? $"{f.MaxLength},{scale}" : f.MaxLength?.ToString(CultureInfo.InvariantCulture) ?? "";
            sb.Append("<tr><td>").Append(H(f.Name)).Append("</td><td>").Append(f.FieldType).Append("</td><td class=num>").Append(length)
              .Append("</td><td>").Append(f.IsPrimaryKey ? "✔" : "").Append("</td><td>").Append(f.IsRequired || f.IsPrimaryKey ? "✔" : "")
              .Append("</td><td>").Append(H(f.DefaultValue)).Append("</td></tr>");
        }

        sb.Append("</tbody></table>");
        var filtered = TryFilter(de, query, out var field, out var value);
        var page = Page(query);
        var (count, rows) = await store.ReadAsync(de, page, PageSize, filtered ? field : null, value, context.RequestAborted);
        sb.Append("<h2>Rows <span class=muted>(").Append(count.ToString("N0", CultureInfo.InvariantCulture)).Append(field is null ? "" : " matching").Append(")</span></h2>");
        sb.Append("<form class=filter method=get action=\"").Append(DataExtensionHref(de.CustomerKey)).Append("\"><label>Field <select name=field><option value=\"\">(any)</option>");
        foreach (var f in de.Fields)
        {
            sb.Append("<option").Append(f == field ? " selected" : "").Append('>').Append(H(f.Name)).Append("</option>");
        }

        sb.Append("</select></label> <label>equals <input name=value value=\"").Append(H(value)).Append("\"></label> <button>Filter</button>");
        if (field is not null)
        {
            sb.Append(" <a href=\"").Append(DataExtensionHref(de.CustomerKey)).Append("\">clear</a>");
        }

        sb.Append("</form>");
        if (!filtered)
        {
            sb.Append("<p class=error>").Append(H(query["field"])).Append(" is not a field of this Data Extension.</p>");
        }

        if (rows.Count == 0)
        {
            sb.Append("<p class=empty>No rows").Append(field is null ? " yet." : " match.").Append("</p>");
        }
        else
        {
            sb.Append("<table class=rows><thead><tr>");
            foreach (var f in de.Fields)
            {
                sb.Append("<th>").Append(H(f.Name)).Append("</th>");
            }

            sb.Append("</tr></thead><tbody>");
            foreach (var row in rows)
            {
                sb.Append("<tr>");
                foreach (var f in de.Fields)
                {
                    sb.Append(row[f.Name] is { } v ? "<td>" + H(v) + "</td>" : "<td class=null>null</td>");
                }

                sb.Append("</tr>");
            }

            sb.Append("</tbody></table>");
            Pager(sb, query, page, Pages(count, PageSize));
        }

        await WritePageAsync(context, de.CustomerKey, "data-extensions", sb.ToString());
    }

    private string SentList(IQueryCollection query)
    {
        var sent = FilterSent(query);
        var sb = new StringBuilder();
        sb.Append("<form class=filter method=get><label>Channel <select name=channel><option value=\"\">(all)</option>");
        foreach (var channel in new[] { "email", "sms", "triggered", "mobileconnect" })
        {
            sb.Append("<option").Append(Matches(query, "channel", channel) && query["channel"].Count > 0 ? " selected" : "").Append('>').Append(channel).Append("</option>");
        }

        sb.Append("</select></label> <label>To <input name=to value=\"").Append(H(query["to"])).Append("\"></label> <button>Filter</button></form>");
        if (sent.Count == 0)
        {
            return sb.Append("<p class=empty>Nothing sent yet.</p>").ToString();
        }

        var page = Page(query);
        sb.Append("<table class=sent><thead><tr><th>#</th><th>At (UTC)</th><th>Channel</th><th>Definition</th><th>Message key</th><th>Recipient</th><th>Status</th><th>Attributes</th></tr></thead><tbody>");
        foreach (var (number, m) in sent.Skip((page - 1) * PageSize).Take(PageSize))
        {
            var status = messaging.StatusOf(m);
            sb.Append("<tr><td><a href=\"/").Append(Root).Append("/sent/").Append(number).Append("\">").Append(number).Append("</a></td><td>").Append(Time(m.At))
              .Append("</td><td>").Append(H(m.Channel)).Append("</td><td>").Append(H(m.DefinitionKey)).Append("</td><td><code>").Append(H(m.MessageKey))
              .Append("</code></td><td>").Append(H(m.To)).Append(m.ContactKey.Length > 0 ? "<br><span class=muted>" + H(m.ContactKey) + "</span>" : "")
              .Append("</td><td><span class=\"status ").Append(status.ToLowerInvariant()).Append("\">").Append(status).Append("</span></td><td>").Append(Attributes(m.Attributes, 4)).Append("</td></tr>");
        }

        sb.Append("</tbody></table>");
        Pager(sb, query, page, Pages(sent.Count, PageSize));
        return sb.ToString();
    }

    private string SentDetail(int number, EmulatorSentMessage m)
    {
        var sb = new StringBuilder();
        sb.Append("<dl class=facts>");
        Fact(sb, "Channel", m.Channel);
        Fact(sb, "Definition", m.DefinitionKey);
        Fact(sb, "Message key", m.MessageKey);
        Fact(sb, "Contact key", m.ContactKey);
        Fact(sb, "To", m.To);
        Fact(sb, "Status", messaging.StatusOf(m));
        Fact(sb, "Request id", m.RequestId);
        Fact(sb, "At (UTC)", Time(m.At));
        sb.Append("</dl><h2>Attributes as sent</h2>");
        if (m.Attributes.ValueKind == JsonValueKind.Object && m.Attributes.EnumerateObject().Any())
        {
            sb.Append("<table class=attributes><thead><tr><th>Name</th><th>Value</th></tr></thead><tbody>");
            foreach (var p in m.Attributes.EnumerateObject())
            {
                sb.Append("<tr><td>").Append(H(p.Name)).Append("</td><td>").Append(H(Shown(p.Value))).Append("</td></tr>");
            }

            sb.Append("</tbody></table>");
        }
        else
        {
            sb.Append("<p class=empty>No attributes.</p>");
        }

        sb.Append("<p><a href=\"/").Append(Root).Append("/requests?q=").Append(Uri.EscapeDataString(m.MessageKey)).Append("\">Requests naming this message key</a> · <a href=\"/")
          .Append(Root).Append("/api/sent/").Append(number).Append("\">JSON</a></p>");
        return sb.ToString();
    }

    private string Journeys(IQueryCollection query)
    {
        var sb = new StringBuilder();
        var summary = JourneySummary();
        if (summary.Count == 0)
        {
            return "<p class=empty>No journeys declared and no entries yet. Declare event definition keys with <code>SfmcEmulatorOptions.JourneyEventDefinitionKeys</code> or an sfmc.json.</p>";
        }

        sb.Append("<table class=journeys><thead><tr><th>Event definition key</th><th>Entries</th><th></th></tr></thead><tbody>");
        foreach (var (key, declared, count) in summary)
        {
            sb.Append("<tr><td><a href=\"/").Append(Root).Append("/journeys?eventDefinitionKey=").Append(Uri.EscapeDataString(key)).Append("\">").Append(H(key))
              .Append("</a></td><td class=num>").Append(count).Append("</td><td>").Append(declared ? "" : "<span class=tag>not declared</span>").Append("</td></tr>");
        }

        sb.Append("</tbody></table>");
        var entries = FilterEntries(query);
        sb.Append("<h2>Entries").Append(query["eventDefinitionKey"].Count > 0 ? " of " + H(query["eventDefinitionKey"]) + $" <a href=\"/{Root}/journeys\">all</a>" : "").Append("</h2>");
        if (entries.Count == 0)
        {
            return sb.Append("<p class=empty>No entries yet.</p>").ToString();
        }

        var page = Page(query);
        sb.Append("<table class=entries><thead><tr><th>#</th><th>At (UTC)</th><th>Event definition key</th><th>Contact key</th><th>Event instance id</th><th>Data</th></tr></thead><tbody>");
        foreach (var (number, e) in entries.Skip((page - 1) * PageSize).Take(PageSize))
        {
            sb.Append("<tr><td>").Append(number).Append("</td><td>").Append(Time(e.At)).Append("</td><td>").Append(H(e.EventDefinitionKey)).Append("</td><td>").Append(H(e.ContactKey))
              .Append("</td><td><code>").Append(H(e.EventInstanceId)).Append("</code></td><td>").Append(Attributes(e.Data, 8)).Append("</td></tr>");
        }

        sb.Append("</tbody></table>");
        Pager(sb, query, page, Pages(entries.Count, PageSize));
        return sb.ToString();
    }

    private string RequestList(IQueryCollection query)
    {
        var requests = FilterRequests(query);
        var sb = new StringBuilder();
        sb.Append("<form class=filter method=get><label>Path contains <input name=q value=\"").Append(H(query["q"])).Append("\"></label> <label>Outcome <select name=outcome><option value=\"\">(any)</option>");
        foreach (var outcome in new[] { "throttled", "faulted", "dropped" })
        {
            sb.Append("<option").Append(query["outcome"] == outcome ? " selected" : "").Append('>').Append(outcome).Append("</option>");
        }

        sb.Append("</select></label> <button>Filter</button></form>");
        if (requests.Count == 0)
        {
            return sb.Append("<p class=empty>No requests yet.</p>").ToString();
        }

        var page = Page(query);
        sb.Append("<table class=requests><thead><tr><th>#</th><th>At (UTC)</th><th>Method</th><th>Path</th><th>Status</th><th>Duration</th><th>Attempt</th><th>Outcome</th><th>Sent</th><th>Received</th></tr></thead><tbody>");
        foreach (var r in requests.Skip((page - 1) * PageSize).Take(PageSize))
        {
            var kind = r.StatusCode is 0 or >= 500 ? "bad" : r.StatusCode >= 400 ? "warn" : "ok";
            sb.Append("<tr><td><a href=\"/").Append(Root).Append("/requests/").Append(r.Id).Append("\">").Append(r.Id).Append("</a></td><td>").Append(Time(r.At))
              .Append("</td><td>").Append(H(r.Method)).Append("</td><td class=path>").Append(H(r.Path)).Append("</td><td><span class=\"code ").Append(kind).Append("\">")
              .Append(r.StatusCode == 0 ? "—" : r.StatusCode).Append("</span></td><td class=num>").Append(r.Duration.TotalMilliseconds.ToString("N1", CultureInfo.InvariantCulture))
              .Append(" ms</td><td class=num>").Append(r.Attempt > 1 ? $"<span class=tag>retry {r.Attempt - 1}</span>" : "1").Append("</td><td>")
              .Append(r.Outcome is { } o ? $"<span class=\"tag {o}\">{o}</span>" : "").Append("</td><td class=num>").Append(Bytes(r.RequestBytes))
              .Append("</td><td class=num>").Append(Bytes(r.ResponseBytes)).Append("</td></tr>");
        }

        sb.Append("</tbody></table>");
        Pager(sb, query, page, Pages(requests.Count, PageSize));
        return sb.ToString();
    }

    private static string RequestDetail(EmulatorRequestDetail d)
    {
        var r = d.Request;
        var sb = new StringBuilder();
        sb.Append("<dl class=facts>");
        Fact(sb, "Request", r.Method + " " + r.Path);
        Fact(sb, "Status", r.StatusCode == 0 ? "connection dropped" : r.StatusCode.ToString(CultureInfo.InvariantCulture));
        Fact(sb, "At (UTC)", Time(r.At));
        Fact(sb, "Duration", r.Duration.TotalMilliseconds.ToString("N1", CultureInfo.InvariantCulture) + " ms");
        Fact(sb, "Attempt", r.Attempt.ToString(CultureInfo.InvariantCulture));
        Fact(sb, "Outcome", r.Outcome ?? "answered");
        Fact(sb, "Bytes", $"{Bytes(r.RequestBytes)} sent, {Bytes(r.ResponseBytes)} received");
        sb.Append("</dl>");
        if (d.Truncated)
        {
            sb.Append("<p class=muted>Bodies are shown up to ").Append(EmulatorRequestLog.MaxBodyChars / 1024).Append(" KB.</p>");
        }

        Exchange(sb, "Request", d.RequestHeaders, d.RequestBody);
        Exchange(sb, "Response", d.ResponseHeaders, d.ResponseBody);
        return sb.ToString();

        static void Exchange(StringBuilder sb, string title, IReadOnlyList<KeyValuePair<string, string>> headers, string body)
        {
            sb.Append("<h2>").Append(title).Append("</h2><table class=headers><tbody>");
            foreach (var (name, value) in headers)
            {
                sb.Append("<tr><th>").Append(H(name)).Append("</th><td>").Append(H(value)).Append("</td></tr>");
            }

            sb.Append("</tbody></table><pre class=body>").Append(body.Length == 0 ? "<span class=muted>(no body)</span>" : H(Pretty(body))).Append("</pre>");
        }
    }

    private string FaultsView(string? done)
    {
        var faults = emulator.Faults;
        var (perWindow, window) = faults.RateLimit;
        var sb = new StringBuilder();
        if (!string.IsNullOrEmpty(done))
        {
            sb.Append("<p class=notice>").Append(H(done)).Append("</p>");
        }

        sb.Append("<dl class=facts>");
        Fact(sb, "Rate limit", perWindow is { } l ? $"{l:N0} requests per {window.TotalSeconds:N0} s (then 429 with Retry-After; SOAP: a throttling fault)" : "none");
        Fact(sb, "Latency", faults.Latency.TotalMilliseconds.ToString("N0", CultureInfo.InvariantCulture) + " ms added to every request");
        sb.Append("</dl><h2>Queued faults</h2>");
        var pending = faults.Pending;
        if (pending.Count == 0)
        {
            sb.Append("<p class=empty>None: requests are answered normally.</p>");
        }
        else
        {
            sb.Append("<table class=pending><thead><tr><th>Next</th><th>Kind</th><th>Status</th><th>Path</th></tr></thead><tbody>");
            foreach (var p in pending)
            {
                sb.Append("<tr><td class=num>").Append(p.Count).Append("</td><td>").Append(H(p.Kind)).Append("</td><td>").Append(p.StatusCode == 0 ? "" : p.StatusCode)
                  .Append("</td><td>").Append(H(p.PathPrefix ?? "(any)")).Append("</td></tr>");
            }

            sb.Append("</tbody></table>");
        }

        sb.Append("<h2>Change</h2><div class=forms>");
        Form(sb, "fail", "Fail the next requests", "<label>Next <input name=count type=number min=1 max=10000 value=1></label> <label>with status <input name=status type=number min=100 max=599 value=429></label> <label>path starts with <input name=pathPrefix placeholder=\"(any)\"></label>", "Queue");
        Form(sb, "block", "Block the next requests (429, errorcode 50200, no Retry-After)", "<label>Next <input name=count type=number min=1 max=10000 value=1></label> <label>path starts with <input name=pathPrefix placeholder=\"(any)\"></label>", "Queue");
        Form(sb, "drop", "Drop the connection of the next requests", "<label>Next <input name=count type=number min=1 max=10000 value=1></label> <label>path starts with <input name=pathPrefix placeholder=\"(any)\"></label>", "Queue");
        Form(sb, "latency", "Latency", $"<label>Milliseconds <input name=milliseconds type=number min=0 max=600000 value=\"{faults.Latency.TotalMilliseconds:0}\"></label>", "Set");
        Form(sb, "rate-limit", "Rate limit", $"<label>Requests <input name=perWindow type=number min=1 value=\"{perWindow}\" placeholder=\"(none)\"></label> <label>per <input name=windowSeconds type=number min=1 max=86400 value=\"{window.TotalSeconds:0}\"> seconds</label>", "Set");
        Form(sb, "expire-tokens", "Expire every token issued so far (the next call gets 401 and must fetch a new one)", "", "Expire tokens now");
        Form(sb, "clear", "Clear the queued faults", "", "Clear");
        return sb.Append("</div>").ToString();

        void Form(StringBuilder sb, string action, string title, string fields, string button) =>
            sb.Append("<form method=post action=\"/").Append(Root).Append("/faults\" class=change data-action=\"").Append(action).Append("\"><h3>").Append(H(title)).Append("</h3>")
              .Append("<input type=hidden name=_token value=\"").Append(_formToken).Append("\"><input type=hidden name=action value=\"").Append(action).Append("\">")
              .Append(fields).Append(" <button>").Append(H(button)).Append("</button></form>");
    }

    // ---- HTML helpers -----------------------------------------------------------------------------------------------

    private static string H(string? text) => Html.Encode(text ?? "");

    private static string DataExtensionHref(string key) => $"/{Root}/data-extensions/{Uri.EscapeDataString(key)}";

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

    private static string Bytes(long bytes) => bytes < 1024 ? bytes.ToString(CultureInfo.InvariantCulture) + " B"
        : bytes < 1024 * 1024 ? (bytes / 1024.0).ToString("N1", CultureInfo.InvariantCulture) + " KB"
        : (bytes / 1024.0 / 1024).ToString("N1", CultureInfo.InvariantCulture) + " MB";

    private static void Fact(StringBuilder sb, string name, string? value) =>
        sb.Append("<dt>").Append(H(name)).Append("</dt><dd>").Append(H(value)).Append("</dd>");

    /// <summary>A JSON value as the page shows it: a string as is, anything else (null too) as written.</summary>
    private static string Shown(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    /// <summary>The first <paramref name="max"/> members of a JSON object as <c>name = value</c> lines.</summary>
    private static string Attributes(JsonElement data, int max)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            return "";
        }

        var members = data.EnumerateObject().ToList();
        var shown = members.Take(max).Select(p => "<span class=kv><b>" + H(p.Name) + "</b> " + H(Shown(p.Value)) + "</span>");
        return string.Join(" ", shown) + (members.Count > max ? $" <span class=muted>+{members.Count - max}</span>" : "");
    }

    /// <summary>JSON indented when it parses (a truncated body stays as it came).</summary>
    private static string Pretty(string body)
    {
        var trimmed = body.TrimStart();
        if (trimmed.Length == 0 || (trimmed[0] != '{' && trimmed[0] != '['))
        {
            return body;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return JsonSerializer.Serialize(document.RootElement, Json);
        }
        catch (JsonException)
        {
            return body;
        }
    }

    private static void Pager(StringBuilder sb, IQueryCollection query, int page, int pages)
    {
        if (pages <= 1)
        {
            return;
        }

        string Href(int p) => "?" + string.Join("&", query.Where(q => q.Key != "page").Select(q => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(q.Value.ToString())).Append("page=" + p.ToString(CultureInfo.InvariantCulture)));
        sb.Append("<nav class=pager>");
        if (page > 1)
        {
            sb.Append("<a href=\"").Append(H(Href(page - 1))).Append("\">← newer</a> ");
        }

        sb.Append("page ").Append(page).Append(" of ").Append(pages);
        if (page < pages)
        {
            sb.Append(" <a href=\"").Append(H(Href(page + 1))).Append("\">older →</a>");
        }

        sb.Append("</nav>");
    }

    private Task NotFoundPageAsync(HttpContext context, string message) =>
        WritePageAsync(context, "Not found", "", "<p class=error>" + H(message) + "</p>", status: HttpStatusCode.NotFound);

    private Task WritePageAsync(HttpContext context, string title, string active, string body, bool live = true, HttpStatusCode status = HttpStatusCode.OK)
    {
        var sb = new StringBuilder(body.Length + 4096);
        sb.Append("<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width, initial-scale=1\"><title>")
          .Append(H(title)).Append(" · SFMC emulator</title><link rel=icon href=\"data:,\"><style>").Append(Style).Append("</style><script src=\"/").Append(Root).Append("/page.js\" defer></script></head>")
          .Append("<body data-version=\"").Append(Version()).Append("\" data-live=\"").Append(live ? "on" : "off").Append("\"><header><a class=brand href=\"/").Append(Root).Append("/\">SFMC emulator</a><nav>");
        foreach (var (href, name) in new[] { ("data-extensions", "Data Extensions"), ("sent", "Sent"), ("journeys", "Journeys"), ("requests", "Requests"), ("faults", "Faults and limits") })
        {
            sb.Append("<a href=\"/").Append(Root).Append('/').Append(href).Append('"').Append(href == active ? " class=active aria-current=page" : "").Append('>').Append(name).Append("</a>");
        }

        sb.Append("</nav><label class=live><input type=checkbox id=live checked> live</label></header><main><h1>").Append(H(title)).Append("</h1>").Append(body).Append("</main></body></html>");
        return WriteAsync(context, "text/html; charset=utf-8", sb.ToString(), status);
    }

    private static Task WriteAsync(HttpContext context, string contentType, string text, HttpStatusCode status = HttpStatusCode.OK)
    {
        var headers = context.Response.Headers;
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = contentType;
        headers.CacheControl = "no-store";
        headers.XContentTypeOptions = "nosniff";
        // same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on the page's own form posts.
        headers["Referrer-Policy"] = "same-origin";
        headers.XFrameOptions = "DENY";
        headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        return context.Response.WriteAsync(text, context.RequestAborted);
    }

    private const string Style = """
        :root{--fg:#16325c;--muted:#5e6d82;--line:#d8dde6;--bg:#f4f6f9;--accent:#0176d3;--ok:#2e844a;--warn:#a96404;--bad:#c23934}
        *{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
        header{display:flex;align-items:center;gap:1.5rem;padding:.6rem 1.2rem;background:#032d60;color:#fff}
        header a{color:#cfe3ff;text-decoration:none;padding:.25rem .5rem;border-radius:4px}header a.active,header a:hover{background:#0b5cab;color:#fff}
        .brand{font-weight:700;color:#fff!important}header nav{display:flex;gap:.25rem;flex:1}.live{font-size:12px;color:#cfe3ff}
        main{padding:1rem 1.2rem;max-width:1400px}h1{font-size:20px;margin:.2rem 0 1rem}h2{font-size:16px;margin:1.4rem 0 .5rem}h3{font-size:13px;margin:0 0 .4rem}
        table{border-collapse:collapse;background:#fff;border:1px solid var(--line);width:100%;margin-bottom:.5rem}
        th,td{text-align:left;padding:.35rem .55rem;border-bottom:1px solid var(--line);vertical-align:top}th{background:#fafbfc;font-weight:600;font-size:12px;color:var(--muted)}
        td.num,th.num{text-align:right;white-space:nowrap}td.null{color:#aab3c0;font-style:italic}td.path{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}
        code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}pre.body{background:#fff;border:1px solid var(--line);padding:.6rem;overflow:auto;max-height:32rem;white-space:pre-wrap;word-break:break-all}
        .muted{color:var(--muted)}.empty{color:var(--muted);font-style:italic}.error{color:var(--bad)}.notice{background:#e3f3e8;border:1px solid #91db8b;padding:.5rem .7rem;border-radius:4px}
        .tag{display:inline-block;font-size:11px;padding:0 .4rem;border-radius:8px;background:#e5e9f0;margin-right:.25rem}.tag.throttled{background:#fde7c4}.tag.faulted,.tag.dropped{background:#fbd5d3}
        .code.ok{color:var(--ok)}.code.warn{color:var(--warn)}.code.bad{color:var(--bad)}.code{font-weight:600}
        .status{font-weight:600}.status.sent{color:var(--ok)}.status.queued{color:var(--warn)}.status.notsent{color:var(--bad)}
        .kv{display:inline-block;margin-right:.6rem}.kv b{font-weight:600;color:var(--muted)}
        .cards{display:flex;gap:1rem;flex-wrap:wrap}.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:1rem 1.2rem;min-width:11rem;color:var(--fg);text-decoration:none}
        .card .count{display:block;font-size:26px;font-weight:700;color:var(--accent)}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;background:#fff;border:1px solid var(--line);padding:.7rem 1rem;margin:0 0 1rem}dt{color:var(--muted)}dd{margin:0;word-break:break-all}
        table.headers th{width:16rem;font-family:ui-monospace,monospace}table.headers td{word-break:break-all}form.filter{margin:.4rem 0 .7rem}.forms{display:grid;grid-template-columns:repeat(auto-fill,minmax(26rem,1fr));gap:.8rem}
        form.change{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.7rem .9rem}input,select,button{font:inherit}input[type=number]{width:6rem}
        button{background:var(--accent);color:#fff;border:0;border-radius:4px;padding:.25rem .8rem;cursor:pointer}.pager{margin:.5rem 0}
        """;

    private const string Script = """
        // Live refresh: polls /_emulator/api/version and, when it changed, replaces <main> with the page fetched again
        // (not while a filter field has the focus: what is being typed stays).
        (() => {
          const live = document.getElementById('live');
          if (!live) return;
          try { live.checked = localStorage.getItem('sfmc-emulator-live') !== 'off'; } catch (e) { }
          live.addEventListener('change', () => { try { localStorage.setItem('sfmc-emulator-live', live.checked ? 'on' : 'off'); } catch (e) { } });
          let version = document.body.dataset.version;
          async function poll() {
            try {
              const typing = document.activeElement && document.querySelector('main').contains(document.activeElement)
                && /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName);
              if (live.checked && document.body.dataset.live === 'on' && !typing) {
                const answer = await fetch('/_emulator/api/version', { cache: 'no-store' });
                const current = String((await answer.json()).version);
                if (current !== version) {
                  const page = await fetch(location.href, { cache: 'no-store' });
                  const next = new DOMParser().parseFromString(await page.text(), 'text/html');
                  document.querySelector('main').replaceWith(next.querySelector('main'));
                  version = next.body.dataset.version || current;
                  document.body.dataset.version = version;
                }
              }
            } catch (e) { }
            setTimeout(poll, 1000);
          }
          setTimeout(poll, 1000);
        })();
        """;
}
