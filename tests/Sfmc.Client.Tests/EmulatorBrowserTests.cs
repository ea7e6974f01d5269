using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Reflection;
using System.Threading.Tasks;
using Microsoft.Playwright;
using Sfmc.Client.Tests.DataExtensions;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Sfmc.Client.Tests;

/// <summary>
/// A real browser on the emulator's web page: Debian's headless Chromium driven by Playwright for .NET (its own browser
/// download is never used: see docs/decisions.md). Each scenario starts on the page, acts through the client or the
/// page, and reads what the page shows, including its live refresh.
/// </summary>
public sealed class EmulatorBrowserTests(EmulatorBrowserTests.Chromium chromium) : IClassFixture<EmulatorBrowserTests.Chromium>
{
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");

    [ChromiumFact]
    public async Task After_an_upsert_the_data_extension_view_shows_the_rows_without_a_reload_and_filters_them()
    {
        await using var host = await EmulatorPageTests.LiveHost.StartAsync();
        var page = await chromium.OpenAsync(host, "data-extensions/order_lines");
        await Expect(page.Locator("p.empty")).ToHaveTextAsync("No rows yet.");

        await host.Client.DataExtension<OrderLinesRow>().UpsertAsync(Enumerable.Range(0, 12).Select(i => new OrderLinesRow
        {
            OrderId = i < 5 ? "A-1001" : "B-2002",
            LineNo = i,
            Sku = "SKU-" + i.ToString(CultureInfo.InvariantCulture),
            UnitPrice = 9.99m,
            Note = i == 3 ? "<b>gift</b> & card" : null,
        }));

        // The live refresh brings the rows in: no reload, no navigation.
        var rows = page.Locator("table.rows tbody tr");
        await Expect(rows).ToHaveCountAsync(12);
        await Expect(page.Locator("h2").Nth(1)).ToContainTextAsync("(12)");
        await Expect(page.Locator("table.rows")).ToContainTextAsync("<b>gift</b> & card"); // shown as text, not markup
        await Expect(page.Locator("table.fields tbody tr")).ToHaveCountAsync(OrderLinesRow.Schema.Fields.Count);

        await page.Locator("form.filter select[name=field]").SelectOptionAsync("order id");
        await page.Locator("form.filter input[name=value]").FillAsync("a-1001");
        await page.Locator("form.filter button").ClickAsync();
        await Expect(rows).ToHaveCountAsync(5);
        await Expect(page.Locator("h2").Nth(1)).ToContainTextAsync("(5 matching)");
        await chromium.ScreenshotAsync(page, "data-extension");

        await page.GotoAsync(host.Emulator.PageUri + "data-extensions");
        await Expect(page.Locator("table tbody tr", new() { HasText = "order_lines" })).ToContainTextAsync("12");
        await chromium.ScreenshotAsync(page, "data-extensions");
    }

    [ChromiumFact]
    public async Task After_a_transactional_send_the_sent_view_shows_it_with_its_attributes()
    {
        await using var host = await EmulatorPageTests.LiveHost.StartAsync();
        var page = await chromium.OpenAsync(host, "sent");
        await Expect(page.Locator("p.empty")).ToHaveTextAsync("Nothing sent yet.");

        var messageKey = await host.Client.Transactional.Email.SendAsync("receipt-email", new TransactionalRecipient(
            "ada", "ada@example.com", new Dictionary<string, object?> { ["OrderId"] = "A-1001", ["Total"] = 42.5m }));

        var row = page.Locator("table.sent tbody tr");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync("ada@example.com");
        await Expect(row).ToContainTextAsync("receipt-email");
        await Expect(row).ToContainTextAsync(messageKey);
        await Expect(row).ToContainTextAsync("OrderId A-1001");
        await Expect(row.Locator(".status")).ToHaveTextAsync("Sent");
        await chromium.ScreenshotAsync(page, "sent");

        await row.Locator("a").First.ClickAsync();
        var attributes = page.Locator("table.attributes tbody tr");
        await Expect(attributes).ToHaveCountAsync(2);
        await Expect(attributes.Filter(new() { HasText = "OrderId" }).Locator("td").Nth(1)).ToHaveTextAsync("A-1001");
        await Expect(attributes.Filter(new() { HasText = "Total" }).Locator("td").Nth(1)).ToHaveTextAsync("42.5");
        await Expect(page.Locator("dl.facts")).ToContainTextAsync(messageKey);
        await chromium.ScreenshotAsync(page, "sent-message");
    }

    [ChromiumFact]
    public async Task Queuing_a_429_on_the_faults_page_makes_the_clients_next_call_see_a_throttle_and_retry_it()
    {
        await using var host = await EmulatorPageTests.LiveHost.StartAsync();
        await host.Client.DataExtension<OrderLinesRow>().UpsertAsync([new OrderLinesRow { OrderId = "W-1", LineNo = 1, Sku = "warm-up", UnitPrice = 1m }]);
        var page = await chromium.OpenAsync(host, "faults");

        var fail = page.Locator("form[data-action=fail]");
        await fail.Locator("input[name=count]").FillAsync("1");
        await fail.Locator("input[name=status]").FillAsync("429");
        await fail.Locator("button").ClickAsync();
        await Expect(page.Locator("p.notice")).ToHaveTextAsync("The next 1 requests answer 429.");
        await Expect(page.Locator("table.pending tbody tr")).ToHaveTextAsync("1fail429(any)");
        await chromium.ScreenshotAsync(page, "faults");

        var result = await host.Client.DataExtension<OrderLinesRow>().UpsertAsync([new OrderLinesRow { OrderId = "T-1", LineNo = 1, Sku = "after-429", UnitPrice = 1m }]);

        Assert.True(result.Succeeded);
        var upserts = host.Emulator.Requests.Where(r => r.Path.StartsWith("/hub/", StringComparison.Ordinal)).ToList();
        Assert.Equal([200, 429, 200], upserts.Select(r => r.StatusCode));
        Assert.Equal("throttled", upserts[1].Outcome);
        Assert.Equal(2, upserts[2].Attempt);
        Assert.Empty(host.Emulator.Faults.Pending);

        await page.GotoAsync(host.Emulator.PageUri + "requests");
        var throttled = page.Locator("table.requests tbody tr", new() { HasText = "throttled" });
        await Expect(throttled).ToHaveCountAsync(1);
        await Expect(throttled.Locator(".code")).ToHaveTextAsync("429");
        await Expect(page.Locator("table.requests tbody tr", new() { HasText = "retry 1" })).ToHaveCountAsync(1);
        await chromium.ScreenshotAsync(page, "requests");
    }

    [ChromiumFact]
    public async Task The_requests_view_and_every_request_page_show_no_secret_anywhere_in_the_html()
    {
        await using var host = await EmulatorPageTests.LiveHost.StartAsync();
        await host.Client.DataExtension<OrderLinesRow>().UpsertAsync([new OrderLinesRow { OrderId = "S-1", LineNo = 1, Sku = "secret-test", UnitPrice = 1m }]);
        await foreach (var _ in host.Client.Soap.RetrieveAsync<Sfmc.Soap.DataExtension>())
        {
        }

        host.Emulator.Faults.ExpireTokens(); // a second token: the client fetches a new one after the 401
        await host.Client.Journeys.EnterAsync("APIEvent-newsletter", "c-1");
        var secrets = host.Emulator.IssuedTokens.Append(host.Emulator.ClientSecret).ToList();
        Assert.True(secrets.Count >= 3, "two tokens and the secret");

        var page = await chromium.OpenAsync(host, "requests");
        var links = await page.Locator("table.requests tbody tr td:first-child a").AllTextContentsAsync();
        // Every request is listed, and the browser's own requests (no favicon fetch either) are not SFMC calls to log.
        Assert.Equal(host.Emulator.Requests.Select(r => r.Id.ToString(CultureInfo.InvariantCulture)).Reverse(), links);
        var htmls = new List<string> { await page.ContentAsync() };
        foreach (var id in links)
        {
            await page.GotoAsync(host.Emulator.PageUri + "requests/" + id);
            await Expect(page.Locator("h1")).ToHaveTextAsync("Request #" + id);
            htmls.Add(await page.ContentAsync());
            if (await page.Locator("dl.facts").TextContentAsync() is { } facts && facts.Contains("/v2/token", StringComparison.Ordinal) && facts.Contains("POST", StringComparison.Ordinal))
            {
                await chromium.ScreenshotAsync(page, "request-token");
            }
        }

        foreach (var html in htmls)
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, html, StringComparison.Ordinal);
            }
        }

        // The redaction shows where the secrets were.
        Assert.Contains(htmls, h => h.Contains("client_secret", StringComparison.Ordinal) && h.Contains("***", StringComparison.Ordinal));
        Assert.Contains(htmls, h => h.Contains("Bearer ***", StringComparison.Ordinal));
        Assert.Contains(htmls, h => h.Contains("fueloauth", StringComparison.Ordinal));
    }

    [ChromiumFact]
    public async Task Every_view_renders_a_screenshot_with_content_far_beyond_a_blank_page()
    {
        await using var host = await EmulatorPageTests.LiveHost.StartAsync();
        await host.Client.DataExtension<OrderLinesRow>().UpsertAsync(Enumerable.Range(0, 8).Select(i => new OrderLinesRow { OrderId = "A-" + (1000 + (i / 3)).ToString(CultureInfo.InvariantCulture), LineNo = i, Sku = "SKU-" + i.ToString(CultureInfo.InvariantCulture), UnitPrice = 4.5m * i }));
        host.Emulator.Faults.FailNext(1, HttpStatusCode.TooManyRequests, "/messaging/");
        await host.Client.Transactional.Email.SendAsync("receipt-email", new TransactionalRecipient("ada", "ada@example.com", new Dictionary<string, object?> { ["OrderId"] = "A-1001", ["Total"] = 42.5m }));
        await host.Client.Transactional.Sms.SendAsync("login-code-sms", new TransactionalRecipient("bob", "15555550100", new Dictionary<string, object?> { ["Code"] = "123456" }));
        await host.Client.Journeys.EnterAsync("APIEvent-newsletter", "ada", new Dictionary<string, object?> { ["Segment"] = "gold" });
        host.Emulator.Faults.BlockNext(2, "/hub/");

        var blank = await chromium.BlankScreenshotSizeAsync();
        var views = new[] { ("", "overview"), ("data-extensions", "data-extensions"), ("data-extensions/order_lines", "data-extension"), ("sent", "sent"), ("sent/1", "sent-message"), ("journeys", "journeys"), ("requests", "requests"), ("requests/1", "request"), ("faults", "faults") };
        var page = await chromium.OpenAsync(host, "");
        foreach (var (path, name) in views)
        {
            var answer = await page.GotoAsync(host.Emulator.PageUri + path);
            Assert.Equal(200, answer!.Status);
            var size = await chromium.ScreenshotAsync(page, name);
            Assert.True(size > 3 * blank, $"{name}: {size:N0} bytes, a blank page of the same size {blank:N0}");
        }

        // The committed screenshot (docs/emulator-page.png, in the README) is made by this test when asked to.
        if (Environment.GetEnvironmentVariable("SFMC_UPDATE_SCREENSHOTS") == "1")
        {
            await page.GotoAsync(host.Emulator.PageUri + "requests");
            await page.ScreenshotAsync(new() { Path = Path.Combine(RepoRoot(), "docs", "emulator-page.png") });
        }
    }

    private static string RepoRoot() => typeof(EmulatorBrowserTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;

    /// <summary>
    /// One headless Chromium for the class: Debian's <c>/usr/bin/chromium</c>, launched by Playwright with the flags
    /// this machine kind needs (root: no sandbox; a closed network: no background connections).
    /// </summary>
    public sealed class Chromium : IAsyncLifetime
    {
        private IPlaywright? _playwright;
        private IBrowser? _browser;

        private IBrowser Browser => _browser ?? throw new InvalidOperationException("chromium is not installed (apt-get install chromium; .ci/run does this).");

        public async Task InitializeAsync()
        {
            if (ChromiumFactAttribute.Executable is not { } executable)
            {
                return;
            }

            // The live refresh polls once a second; on two busy CI cores give each expectation room beyond the default 5 s.
            SetDefaultExpectTimeout(15_000);
            _playwright = await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = executable,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
        }

        /// <summary>A new page (own context) of 1280×800 at <c>/_emulator/{path}</c>.</summary>
        internal async Task<IPage> OpenAsync(EmulatorPageTests.LiveHost host, string path)
        {
            var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });
            var page = await context.NewPageAsync();
            var answer = await page.GotoAsync(host.Emulator.PageUri + path);
            Assert.Equal(200, answer!.Status);
            return page;
        }

        /// <summary>Saves a viewport screenshot under the test output's <c>screenshots/</c>; returns its size in bytes.</summary>
        public async Task<long> ScreenshotAsync(IPage page, string name)
        {
            Directory.CreateDirectory(Screenshots);
            var bytes = await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, name + ".png") });
            return bytes.LongLength;
        }

        /// <summary>The PNG size of an empty page at the same viewport: what "nothing rendered" weighs.</summary>
        public async Task<long> BlankScreenshotSizeAsync()
        {
            var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });
            var page = await context.NewPageAsync();
            await page.SetContentAsync("<html><body></body></html>");
            var bytes = await page.ScreenshotAsync();
            await context.CloseAsync();
            return bytes.LongLength;
        }

        public async Task DisposeAsync()
        {
            if (_browser is not null)
            {
                await _browser.CloseAsync();
            }

            _playwright?.Dispose();
        }
    }
}

/// <summary>
/// A test that needs Debian's chromium. Skipped where it is not installed, except in CI (CI=true), where a missing
/// browser fails the run: .ci/run installs it.
/// </summary>
internal sealed class ChromiumFactAttribute : FactAttribute
{
    public static string? Executable { get; } = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);

    public ChromiumFactAttribute()
    {
        if (Executable is null && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = "chromium is not installed (apt-get install chromium; .ci/run does this).";
        }
    }
}
