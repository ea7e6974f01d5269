using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Sfmc.Client.Tests.DataExtensions;
using Sfmc.Emulator;
using Xunit;

namespace Sfmc.Client.Tests;

/// <summary>
/// The emulator's web page and its JSON API (<c>/_emulator/…</c>) over real HTTP, on the system clock, with a real
/// client making the calls: what each endpoint answers, secrets never shown, changes only by POST with the page's token
/// or as JSON, and credentials required on a non-loopback bind. The browser scenarios are in <see cref="EmulatorBrowserTests"/>.
/// </summary>
public sealed class EmulatorPageTests
{
    /// <summary>An emulator on the system clock with a client that retries quickly, and an HTTP client for the page.</summary>
    internal sealed class LiveHost : IAsyncDisposable
    {
        private LiveHost(SfmcEmulator emulator, ServiceProvider services)
        {
            Emulator = emulator;
            Services = services;
            Http = new HttpClient { BaseAddress = emulator.BaseUri };
        }

        public SfmcEmulator Emulator { get; }

        public ServiceProvider Services { get; }

        public SfmcClient Client => Services.GetRequiredService<SfmcClient>();

        public HttpClient Http { get; }

        public static async Task<LiveHost> StartAsync(Action<SfmcEmulatorOptions>? configure = null)
        {
            var emulator = await SfmcEmulator.StartAsync(o =>
            {
                o.DataExtensions.Add(OrderLinesRow.Schema);
                o.JourneyEventDefinitionKeys.Add("APIEvent-newsletter");
                configure?.Invoke(o);
            });
            var services = new ServiceCollection().AddLogging();
            services.AddSfmc(o => TestHost.Configure(o, emulator, c => c.Retry.BaseDelay = TimeSpan.FromMilliseconds(50)));
            return new LiveHost(emulator, services.BuildServiceProvider());
        }

        public async Task<JsonElement> GetJsonAsync(string path)
        {
            using var response = await Http.GetAsync(path);
            Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Services.DisposeAsync();
            await Emulator.DisposeAsync();
        }
    }

    private static IEnumerable<OrderLinesRow> Lines(int count) => Enumerable.Range(0, count).Select(i => new OrderLinesRow
    {
        OrderId = "O" + (i / 10).ToString(CultureInfo.InvariantCulture),
        LineNo = i % 10,
        Sku = "SKU-" + i.ToString(CultureInfo.InvariantCulture),
        UnitPrice = 2.5m,
    });

    [Fact]
    public async Task Data_extensions_api_lists_fields_and_row_counts_and_pages_rows_filtered_by_a_field_value()
    {
        await using var host = await LiveHost.StartAsync();
        await host.Client.DataExtension<OrderLinesRow>().UpsertAsync(Lines(25));

        var all = await host.GetJsonAsync("/_emulator/api/data-extensions");
        var lines = Assert.Single(all.EnumerateArray(), d => d.GetProperty("customerKey").GetString() == "order_lines");
        Assert.Equal(25, lines.GetProperty("rowCount").GetInt64());
        var orderId = Assert.Single(lines.GetProperty("fields").EnumerateArray(), f => f.GetProperty("name").GetString() == "order id");
        Assert.Equal("Text", orderId.GetProperty("type").GetString());
        Assert.Equal(36, orderId.GetProperty("maxLength").GetInt32());
        Assert.True(orderId.GetProperty("isPrimaryKey").GetBoolean());
        var price = Assert.Single(lines.GetProperty("fields").EnumerateArray(), f => f.GetProperty("name").GetString() == "unit price");
        Assert.Equal(2, price.GetProperty("scale").GetInt32());
        Assert.False(price.GetProperty("isPrimaryKey").GetBoolean());

        // O1 has lines 10–19: 10 rows, the second page of 4 holds lines 4–7. The filter ignores case, as SFMC's does.
        var page = await host.GetJsonAsync("/_emulator/api/data-extensions/order_lines/rows?field=Order%20ID&value=o1&pageSize=4&page=2");
        Assert.Equal(10, page.GetProperty("count").GetInt64());
        Assert.Equal("SKU-14 SKU-15 SKU-16 SKU-17", string.Join(' ', page.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("sku").GetString())));
        Assert.Equal(25, (await host.GetJsonAsync("/_emulator/api/data-extensions/order_lines/rows?pageSize=100")).GetProperty("rows").GetArrayLength());
        Assert.Equal(25, (await host.GetJsonAsync("/_emulator/api/data-extensions/order_lines")).GetProperty("rowCount").GetInt64());

        using var unknownKey = await host.Http.GetAsync("/_emulator/api/data-extensions/Order_Lines/rows");
        Assert.Equal(HttpStatusCode.NotFound, unknownKey.StatusCode);
        using var unknownField = await host.Http.GetAsync("/_emulator/api/data-extensions/order_lines/rows?field=colour&value=red");
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        Assert.Contains("colour", await unknownField.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The page shows the same rows (and escapes what it shows).
        var html = await host.Http.GetStringAsync("/_emulator/data-extensions/order_lines?field=order%20id&value=O2");
        Assert.Contains("Rows <span class=muted>(5 matching)</span>", html, StringComparison.Ordinal);
        Assert.Contains("<td>SKU-24</td>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<td>SKU-19</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sent_api_and_typed_accessors_show_each_message_newest_first_with_status_and_attributes()
    {
        await using var host = await LiveHost.StartAsync(o => o.UndeliverableAddresses.Add("bounce@example.com"));
        var email = host.Client.Transactional.Email;
        await email.SendAsync("receipt-email", new TransactionalRecipient("ada", "ada@example.com", new Dictionary<string, object?> { ["OrderId"] = "A-1001", ["Total"] = 42.5m }));
        await email.SendAsync("receipt-email", new TransactionalRecipient("bob", "bounce@example.com", new Dictionary<string, object?> { ["OrderId"] = "B-7" }));
        await host.Client.Transactional.Sms.SendAsync("login-code-sms", new TransactionalRecipient("ada", "15555550100", new Dictionary<string, object?> { ["Code"] = "123456" }));

        // What a user's own test asserts, typed.
        var toAda = Assert.Single(host.Emulator.SentMessages, m => m.Channel == "email" && m.To == "ada@example.com");
        Assert.Equal("A-1001", toAda.Attribute("OrderId"));
        Assert.Equal("A-1001", toAda.Attribute("orderid"));
        Assert.Equal("42.5", toAda.Attribute("Total"));
        Assert.Null(toAda.Attribute("Coupon"));
        Assert.Equal("Sent", host.Emulator.GetStatus(toAda));

        var sent = (await host.GetJsonAsync("/_emulator/api/sent")).EnumerateArray().ToList();
        Assert.Equal("sms email email", string.Join(' ', sent.Select(m => m.GetProperty("channel").GetString())));
        Assert.Equal([3, 2, 1], sent.Select(m => m.GetProperty("number").GetInt32()).ToArray());
        var bounced = sent[1];
        Assert.Equal("bounce@example.com", bounced.GetProperty("to").GetString());
        Assert.Equal("NotSent", bounced.GetProperty("status").GetString());
        Assert.Equal("B-7", bounced.GetProperty("attributes").GetProperty("OrderId").GetString());

        var filtered = await host.GetJsonAsync("/_emulator/api/sent?channel=email&to=ADA@example.com");
        var ada = Assert.Single(filtered.EnumerateArray());
        Assert.Equal("Sent", ada.GetProperty("status").GetString());
        Assert.Equal(toAda.MessageKey, ada.GetProperty("messageKey").GetString());
        Assert.Equal("receipt-email", ada.GetProperty("definitionKey").GetString());
        Assert.Equal(42.5m, ada.GetProperty("attributes").GetProperty("Total").GetDecimal());
        Assert.Equal(toAda.MessageKey, (await host.GetJsonAsync("/_emulator/api/sent/1")).GetProperty("messageKey").GetString());
        using var missing = await host.Http.GetAsync("/_emulator/api/sent/4");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        var detail = await host.Http.GetStringAsync("/_emulator/sent/1");
        Assert.Contains("<tr><td>OrderId</td><td>A-1001</td></tr>", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Journeys_api_counts_entries_per_journey_and_lists_them_with_their_data()
    {
        await using var host = await LiveHost.StartAsync(o => o.JourneyEventDefinitionKeys.Add("APIEvent-quiet"));
        await host.Client.Journeys.EnterAsync("APIEvent-newsletter", "c-1", new Dictionary<string, object?> { ["Segment"] = "gold" });
        await host.Client.Journeys.EnterAsync("APIEvent-newsletter", "c-2", new Dictionary<string, object?> { ["Segment"] = "silver" });

        var journeys = (await host.GetJsonAsync("/_emulator/api/journeys")).EnumerateArray().ToDictionary(j => j.GetProperty("eventDefinitionKey").GetString()!, j => j.GetProperty("entries").GetInt32());
        Assert.Equal(2, journeys["APIEvent-newsletter"]);
        Assert.Equal(0, journeys["APIEvent-quiet"]);

        var entries = (await host.GetJsonAsync("/_emulator/api/journeys/entries?eventDefinitionKey=APIEvent-newsletter")).EnumerateArray().ToList();
        Assert.Equal("c-2 c-1", string.Join(' ', entries.Select(e => e.GetProperty("contactKey").GetString())));
        Assert.Equal("silver", entries[0].GetProperty("data").GetProperty("Segment").GetString());
        Assert.Empty((await host.GetJsonAsync("/_emulator/api/journeys/entries?contactKey=nobody")).EnumerateArray());
        Assert.Equal("gold", Assert.Single(host.Emulator.JourneyEntries, e => e.ContactKey == "c-1").Value("segment"));
    }

    [Fact]
    public async Task Requests_api_logs_duration_sizes_retries_and_outcome_and_its_bodies_never_show_a_secret()
    {
        await using var host = await LiveHost.StartAsync();
        host.Emulator.Faults.FailNext(2, HttpStatusCode.ServiceUnavailable, "/hub/");
        await host.Client.DataExtension<OrderLinesRow>().UpsertAsync(Lines(3));
        await foreach (var _ in host.Client.Soap.RetrieveAsync<Sfmc.Soap.DataExtension>())
        {
        }


        var requests = (await host.GetJsonAsync("/_emulator/api/requests")).EnumerateArray().ToList();
        Assert.True(requests.Count >= 5, $"{requests.Count} requests");
        Assert.Equal(requests.Select(r => r.GetProperty("id").GetInt64()).OrderDescending(), requests.Select(r => r.GetProperty("id").GetInt64()));
        var upserts = requests.Where(r => r.GetProperty("path").GetString()!.StartsWith("/hub/", StringComparison.Ordinal)).Reverse().ToList();
        Assert.Equal([503, 503, 200], upserts.Select(r => r.GetProperty("statusCode").GetInt32()).ToArray());
        Assert.Equal([1, 2, 3], upserts.Select(r => r.GetProperty("attempt").GetInt32()).ToArray());
        Assert.Equal("faulted faulted -", string.Join(' ', upserts.Select(r => r.GetProperty("outcome").GetString() ?? "-")));
        Assert.All(upserts, r => Assert.True(r.GetProperty("requestBytes").GetInt64() > 100));
        Assert.True(upserts[2].GetProperty("responseBytes").GetInt64() > 0);
        Assert.All(requests, r => Assert.True(r.GetProperty("durationMs").GetDouble() >= 0));
        Assert.Equal("faulted", (await host.GetJsonAsync("/_emulator/api/requests?outcome=faulted")).EnumerateArray().First().GetProperty("outcome").GetString());
        Assert.Single((await host.GetJsonAsync("/_emulator/api/requests?q=Service.asmx")).EnumerateArray());

        // Every detail, as JSON and as HTML: the secret, the tokens and the Authorization value never appear.
        var secrets = host.Emulator.IssuedTokens.Append(host.Emulator.ClientSecret).ToList();
        Assert.NotEmpty(host.Emulator.IssuedTokens);
        var texts = new List<string>();
        foreach (var id in requests.Select(r => r.GetProperty("id").GetInt64()))
        {
            texts.Add(await host.Http.GetStringAsync($"/_emulator/api/requests/{id}"));
            texts.Add(await host.Http.GetStringAsync($"/_emulator/requests/{id}"));
        }

        texts.Add(await host.Http.GetStringAsync("/_emulator/requests"));
        foreach (var text in texts)
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            }
        }

        var token = await host.GetJsonAsync($"/_emulator/api/requests/{requests.Last().GetProperty("id").GetInt64()}");
        Assert.Equal("/v2/token", token.GetProperty("request").GetProperty("path").GetString());
        Assert.Contains("\"client_secret\": \"***\"", token.GetProperty("requestBody").GetString()!.Replace("\":\"", "\": \"", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("\"access_token\":\"***\"", token.GetProperty("responseBody").GetString(), StringComparison.Ordinal);
        Assert.Contains(host.Emulator.ClientId, token.GetProperty("requestBody").GetString(), StringComparison.Ordinal);

        var soap = await host.GetJsonAsync($"/_emulator/api/requests/{requests.Single(r => r.GetProperty("path").GetString() == "/Service.asmx").GetProperty("id").GetInt64()}");
        Assert.Matches("<(\\w+:)?fueloauth[^>]*>\\*\\*\\*</", soap.GetProperty("requestBody").GetString());
        Assert.Contains("RetrieveResponseMsg", soap.GetProperty("responseBody").GetString(), StringComparison.Ordinal);
        var upsert = await host.GetJsonAsync($"/_emulator/api/requests/{upserts[2].GetProperty("id").GetInt64()}");
        Assert.Equal("Bearer ***", upsert.GetProperty("requestHeaders").GetProperty("Authorization").GetString());
        Assert.Contains("SKU-2", upsert.GetProperty("requestBody").GetString(), StringComparison.Ordinal);

        using var unknown = await host.Http.GetAsync("/_emulator/api/requests/99999");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(requests.Count, host.Emulator.Requests.Count);
        Assert.Equal("Bearer ***", host.Emulator.GetRequestDetail(upserts[2].GetProperty("id").GetInt64())!.RequestHeaders.Single(h => h.Key == "Authorization").Value);
    }

    [Fact]
    public void Redaction_covers_json_form_and_soap_shapes_and_known_secrets_anywhere()
    {
        string[] known = ["s3cr3t-value-123"];
        Assert.Equal("{\"client_id\":\"id\",\"client_secret\":\"***\"}", EmulatorRequestLog.Redact("{\"client_id\":\"id\",\"client_secret\":\"abc\\\"def\"}", known));
        Assert.Equal("{\"access_token\": \"***\", \"expires_in\": 1080}", EmulatorRequestLog.Redact("{\"access_token\": \"eyJ.x.y\", \"expires_in\": 1080}", known));
        Assert.Equal("grant_type=client_credentials&client_secret=***&scope=x", EmulatorRequestLog.Redact("grant_type=client_credentials&client_secret=abc&scope=x", known));
        Assert.Equal("<h:fueloauth xmlns:h=\"http://exacttarget.com\">***</h:fueloauth>", EmulatorRequestLog.Redact("<h:fueloauth xmlns:h=\"http://exacttarget.com\">tok</h:fueloauth>", known));
        Assert.Equal("<wsse:Password Type=\"x\">***</wsse:Password>", EmulatorRequestLog.Redact("<wsse:Password Type=\"x\">pw</wsse:Password>", known));
        Assert.Equal("note: *** was pasted", EmulatorRequestLog.Redact("note: s3cr3t-value-123 was pasted", known));
        // A body cut off inside a secret (bodies are kept up to 16 KB) still hides what was kept of it.
        Assert.Equal("{\"refresh_token\":\"***\"", EmulatorRequestLog.Redact("{\"refresh_token\":\"abcdef", known));
        Assert.Equal("<fueloauth>***", EmulatorRequestLog.Redact("<fueloauth>abcdef", known));
    }

    [Fact]
    public async Task Faults_change_by_json_post_or_by_the_pages_form_with_its_token_and_never_on_get()
    {
        await using var host = await LiveHost.StartAsync(o => o.RateLimitPerWindow = 500);
        var faults = await host.GetJsonAsync("/_emulator/api/faults");
        Assert.Equal(500, faults.GetProperty("rateLimit").GetProperty("perWindow").GetInt32());
        Assert.Equal(60, faults.GetProperty("rateLimit").GetProperty("windowSeconds").GetDouble());
        Assert.Empty(faults.GetProperty("pending").EnumerateArray());

        // JSON: applied at once, answered with the new settings.
        var changed = await PostJsonAsync(host, "{\"action\":\"fail\",\"count\":2,\"status\":503,\"pathPrefix\":\"/hub/\"}");
        var pending = Assert.Single(changed.GetProperty("pending").EnumerateArray());
        Assert.Equal(("fail", 503, "/hub/", 2), (pending.GetProperty("kind").GetString(), pending.GetProperty("statusCode").GetInt32(), pending.GetProperty("pathPrefix").GetString(), pending.GetProperty("count").GetInt32()));
        await PostJsonAsync(host, "{\"action\":\"rate-limit\",\"perWindow\":3,\"windowSeconds\":30}");
        Assert.Equal((3, TimeSpan.FromSeconds(30)), host.Emulator.Faults.RateLimit);
        await PostJsonAsync(host, "{\"action\":\"latency\",\"milliseconds\":25}");
        Assert.Equal(TimeSpan.FromMilliseconds(25), host.Emulator.Faults.Latency);
        await PostJsonAsync(host, "{\"action\":\"rate-limit\",\"perWindow\":null}");
        Assert.Null(host.Emulator.Faults.RateLimit.PerWindow);
        await PostJsonAsync(host, "{\"action\":\"clear\"}");
        Assert.Empty(host.Emulator.Faults.Pending);

        // Wrong input is a 400 naming what is wrong; not JSON, or JSON from another origin, is refused.
        using var bad = await host.Http.PostAsync("/_emulator/api/faults", new StringContent("{\"action\":\"fail\",\"count\":0,\"status\":503}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("count", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var form = await host.Http.PostAsync("/_emulator/api/faults", new FormUrlEncodedContent([new("action", "expire-tokens")]));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        using var foreign = new HttpRequestMessage(HttpMethod.Post, "/_emulator/api/faults") { Content = new StringContent("{\"action\":\"drop\",\"count\":1}", Encoding.UTF8, "application/json") };
        foreign.Headers.Add("Origin", "http://evil.example");
        using (var answer = await host.Http.SendAsync(foreign))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, answer.StatusCode);
        }

        // The page's form: without the token nothing happens; with the token from the page, a 303 back to the page.
        using var forged = await host.Http.PostAsync("/_emulator/faults", new FormUrlEncodedContent([new("action", "drop"), new("count", "1")]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        using (var get = await host.Http.GetAsync("/_emulator/faults?action=drop&count=1"))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        }

        Assert.Empty(host.Emulator.Faults.Pending);
        var page = await host.Http.GetStringAsync("/_emulator/faults");
        var token = Regex.Match(page, "name=_token value=\"([0-9A-F]+)\"").Groups[1].Value;
        Assert.Equal(32, token.Length);
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.Emulator.BaseUri };
        using var posted = await noRedirect.PostAsync("/_emulator/faults", new FormUrlEncodedContent([new("_token", token), new("action", "block"), new("count", "2")]));
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        Assert.StartsWith("/_emulator/faults?done=", posted.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(new EmulatorPendingFault("block", 429, null, 2), Assert.Single(host.Emulator.Faults.Pending));
    }

    [Fact]
    public async Task On_a_non_loopback_bind_the_page_and_api_need_the_client_credentials()
    {
        // Port 0 on every address: a free port, which the base URI names on 127.0.0.1.
        await using var emulator = await SfmcEmulator.StartAsync(o =>
        {
            o.ListenAddress = IPAddress.Any;
            o.ClientSecret = "bind-test-secret";
        });
        using var http = new HttpClient { BaseAddress = emulator.BaseUri };

        foreach (var path in new[] { "/_emulator/", "/_emulator/requests", "/_emulator/api/version", "/_emulator/api/faults", "/_emulator/page.js" })
        {
            using var anonymous = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        }

        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "/_emulator/api/faults"))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(emulator.ClientId + ":wrong")));
            using var answer = await http.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        }

        using (var post = new HttpRequestMessage(HttpMethod.Post, "/_emulator/api/faults") { Content = new StringContent("{\"action\":\"drop\",\"count\":1}", Encoding.UTF8, "application/json") })
        {
            using var answer = await http.SendAsync(post);
            Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
            Assert.Empty(emulator.Faults.Pending);
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(emulator.ClientId + ":bind-test-secret")));
        using (var allowed = await http.GetAsync("/_emulator/api/faults"))
        {
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        Assert.Contains("Requests", await http.GetStringAsync("/_emulator/requests"), StringComparison.Ordinal);
        http.DefaultRequestHeaders.Authorization = null;
        using var health = await http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public void The_access_rule_lets_in_loopback_callers_of_a_loopback_bind_and_otherwise_only_the_client_credentials()
    {
        static Microsoft.AspNetCore.Http.HttpContext Caller(string remote, string? basic = null)
        {
            var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
            context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
            if (basic is not null)
            {
                context.Request.Headers.Authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(basic));
            }

            return context;
        }

        var loopback = new SfmcEmulatorOptions { ClientId = "id", ClientSecret = "secret" };
        var everywhere = new SfmcEmulatorOptions { ClientId = "id", ClientSecret = "secret", ListenAddress = IPAddress.Any };
        Assert.True(EmulatorPage.MayAccess(Caller("127.0.0.1"), loopback));
        Assert.True(EmulatorPage.MayAccess(Caller("::1"), new SfmcEmulatorOptions { ListenAddress = IPAddress.IPv6Loopback }));
        Assert.False(EmulatorPage.MayAccess(Caller("10.1.2.3"), loopback)); // a forwarded or proxied caller of a loopback bind
        Assert.True(EmulatorPage.MayAccess(Caller("10.1.2.3", "id:secret"), loopback));
        Assert.False(EmulatorPage.MayAccess(Caller("127.0.0.1"), everywhere));
        Assert.False(EmulatorPage.MayAccess(Caller("127.0.0.1", "id:wrong"), everywhere));
        Assert.False(EmulatorPage.MayAccess(Caller("127.0.0.1", "id:secret:"), everywhere));
        Assert.True(EmulatorPage.MayAccess(Caller("192.168.1.20", "id:secret"), everywhere));
        var garbage = Caller("192.168.1.20");
        garbage.Request.Headers.Authorization = "Basic not-base64!";
        Assert.False(EmulatorPage.MayAccess(garbage, everywhere));
    }

    [Fact]
    public async Task Pages_render_without_data_and_send_a_content_security_policy_that_allows_no_other_origin()
    {
        await using var host = await LiveHost.StartAsync();
        foreach (var path in new[] { "/_emulator/", "/_emulator/data-extensions", "/_emulator/sent", "/_emulator/journeys", "/_emulator/requests", "/_emulator/faults" })
        {
            using var answer = await host.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal("text/html", answer.Content.Headers.ContentType?.MediaType);
            Assert.Contains("default-src 'none'", answer.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            var html = await answer.Content.ReadAsStringAsync();
            // Offline: nothing is loaded from anywhere but the emulator.
            Assert.DoesNotMatch("(src|href)=\"?(https?:)?//", html);
        }

        foreach (var path in new[] { "/_emulator/data-extensions/nope", "/_emulator/no/such/view", "/_emulator/requests/12345" })
        {
            using var missing = await host.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal("text/html", missing.Content.Headers.ContentType?.MediaType);
        }

        Assert.Empty(host.Emulator.Requests); // the page and its API are not in the request log

        // The live refresh's signal: the page carries the version the API answers, and a client call changes it.
        var before = (await host.GetJsonAsync("/_emulator/api/version")).GetProperty("version").GetString();
        Assert.Contains($"data-version=\"{before}\"", await host.Http.GetStringAsync("/_emulator/requests"), StringComparison.Ordinal);
        Assert.Equal(before, (await host.GetJsonAsync("/_emulator/api/version")).GetProperty("version").GetString());
        await host.Client.Journeys.EnterAsync("APIEvent-newsletter", "c-1");
        var after = (await host.GetJsonAsync("/_emulator/api/version")).GetProperty("version").GetString();
        Assert.NotEqual(before, after);
        host.Emulator.Faults.Latency = TimeSpan.FromMilliseconds(1);
        Assert.NotEqual(after, (await host.GetJsonAsync("/_emulator/api/version")).GetProperty("version").GetString());
    }

    private static async Task<JsonElement> PostJsonAsync(LiveHost host, string json)
    {
        using var answer = await host.Http.PostAsync("/_emulator/api/faults", new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
