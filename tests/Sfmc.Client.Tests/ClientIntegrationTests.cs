using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sfmc.Client.Tests.DataExtensions;
using Xunit;

namespace Sfmc.Client.Tests;

/// <summary>The runtime against the emulator over real HTTP: auth, retries, batching, errors, secrets.</summary>
public sealed class ClientIntegrationTests
{
    private static IEnumerable<OrderLinesRow> Lines(int count, string prefix = "O") => Enumerable.Range(0, count).Select(i => new OrderLinesRow
    {
        OrderId = prefix + (i / 10).ToString(CultureInfo.InvariantCulture),
        LineNo = i % 10,
        Sku = "SKU-" + i.ToString(CultureInfo.InvariantCulture),
        UnitPrice = 1.25m + i,
        Note = i % 3 == 0 ? "note " + i.ToString(CultureInfo.InvariantCulture) : null,
    });

    [Fact]
    public async Task Upsert_writes_rows_and_query_reads_them_back_typed()
    {
        await using var host = await TestHost.StartAsync();
        var orders = host.Client.DataExtension<OrderLinesRow>();

        var result = await orders.UpsertAsync(Lines(25));
        // Upsert by key: sending the same rows again changes nothing but the values.
        var again = await orders.UpsertAsync(Lines(25).Select(r => r with { Sku = r.Sku + "-v2" }));

        Assert.True(result.Succeeded, string.Join("; ", result.FailedRows));
        Assert.Equal(25, result.RowsSucceeded);
        Assert.Equal(1, result.Requests);
        Assert.Equal(25, again.RowsSucceeded);
        var read = await orders.QueryAsync(pageSize: 10).ToListAsync();
        Assert.Equal(25, read.Count);
        // Fields the rows left null got the DE's defaults on insert (quantity 1, gift wrap false), as in SFMC.
        Assert.Equal(Lines(25).Select(r => r with { Sku = r.Sku + "-v2", Quantity = 1, GiftWrap = false }).OrderBy(r => r.Sku), read.OrderBy(r => r.Sku));
        Assert.Equal(1, host.Emulator.TokenRequests);
    }

    [Fact]
    public async Task Fields_left_out_get_their_default_value_on_insert_and_keep_their_value_on_update()
    {
        await using var host = await TestHost.StartAsync(e => e.DataExtensions.Add(CustomersRow.Schema));
        var customers = host.Client.DataExtension<CustomersRow>();
        await customers.UpsertAsync(new[] { new CustomersRow { SubscriberKey = "s1", Email = "a@b.c", VIP = true } });
        await customers.UpsertAsync(new[] { new CustomersRow { SubscriberKey = "s1", Email = "a@b.c", VIP = true, FirstName = "Ada" } });
        await customers.UpsertAsync(new[] { new CustomersRow { SubscriberKey = "s1", Email = "new@b.c", VIP = false } });

        var row = Assert.Single(await customers.QueryAsync().ToListAsync());
        Assert.Equal("Ada", row.FirstName);   // left null in the last upsert: not sent, so kept
        Assert.Equal("new@b.c", row.Email);
        Assert.False(row.VIP);
    }

    [Fact]
    public async Task Untyped_client_writes_and_reads_by_key_and_isolates_rows_SFMC_refuses()
    {
        await using var host = await TestHost.StartAsync();
        // The literal below is checked at compile time against the project's DE files (SFMC0150/SFMC0151).
        var rows = host.Client.DataExtension("testExisting_dataExtension");
        static DataExtensionRow Row(string key, string email) => new(
            new Dictionary<string, object?> { ["ContactKey"] = key },
            new Dictionary<string, object?> { ["EmailAddress"] = email, ["FirstName"] = "F" + key });

        var result = await rows.UpsertAsync(new[] { Row("a", "a@x.y"), Row("b", "not-an-email"), Row("c", "c@x.y") });

        Assert.Equal(2, result.RowsSucceeded);
        Assert.Equal("ContactKey='b'", Assert.Single(result.FailedRows).PrimaryKey.ToString());
        var read = await rows.QueryAsync().ToListAsync();
        Assert.Equal(new[] { "a", "c" }, read.Select(r => r.Keys["contactkey"]).OrderBy(k => (string?)k, StringComparer.Ordinal));
        Assert.Equal("Fc", read.Single(r => (string?)r.Keys["contactkey"] == "c").Values["firstname"]);
    }

    [Fact]
    public async Task Concurrent_callers_share_one_token_request()
    {
        await using var host = await TestHost.StartAsync();
        var provider = host.Services.GetRequiredService<SfmcClientFactory>().GetTokenProvider("");

        var tokens = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => provider.GetTokenAsync(null, CancellationToken.None).AsTask())));

        Assert.Equal(1, host.Emulator.TokenRequests);
        Assert.Single(tokens.Select(t => t.AccessToken).Distinct());
    }

    [Fact]
    public async Task Token_is_refreshed_at_the_margin_before_expires_in()
    {
        await using var host = await TestHost.StartAsync(e => e.TokenLifetimeSeconds = 1080, c => c.TokenRefreshMargin = TimeSpan.FromSeconds(60));
        var provider = host.Services.GetRequiredService<SfmcClientFactory>().GetTokenProvider("");
        var first = await provider.GetTokenAsync(null, CancellationToken.None);

        host.Time.Advance(TimeSpan.FromSeconds(1019));
        Assert.Same(first, await provider.GetTokenAsync(null, CancellationToken.None));
        Assert.Equal(1, host.Emulator.TokenRequests);

        host.Time.Advance(TimeSpan.FromSeconds(2)); // 1021 s: inside the 60 s margin
        var second = await provider.GetTokenAsync(null, CancellationToken.None);
        Assert.NotEqual(first.AccessToken, second.AccessToken);
        Assert.Equal(2, host.Emulator.TokenRequests);
        Assert.Equal(host.Time.GetUtcNow().AddSeconds(1080), second.ExpiresAt);
    }

    [Fact]
    public async Task Expired_token_answer_401_is_refreshed_and_replayed_once()
    {
        await using var host = await TestHost.StartAsync();
        var orders = host.Client.DataExtension<OrderLinesRow>();
        await orders.UpsertAsync(Lines(3));

        host.Emulator.Faults.ExpireTokens();
        var result = await orders.UpsertAsync(Lines(3, "P"));

        Assert.True(result.Succeeded);
        Assert.Equal(2, host.Emulator.TokenRequests);
        var rowset = host.Emulator.Requests.Where(r => r.Path.StartsWith("/hub/", StringComparison.Ordinal)).Select(r => r.StatusCode).ToList();
        Assert.Equal(new[] { 200, 401, 200 }, rowset);
    }

    [Fact]
    public async Task Business_units_never_share_or_clobber_tokens()
    {
        await using var host = await TestHost.StartAsync(services: (s, emulator) =>
        {
            s.AddSfmc("bu-1", o => TestHost.Configure(o, emulator, c => c.AccountId = "1000001"));
            s.AddSfmc("bu-2", o => TestHost.Configure(o, emulator, c => c.AccountId = "1000002"));
        });

        var factory = host.Services.GetRequiredService<SfmcClientFactory>();
        var one = factory.GetTokenProvider("bu-1");
        var two = factory.GetTokenProvider("bu-2");
        var t1 = await one.GetTokenAsync(null, CancellationToken.None);
        var t2 = await two.GetTokenAsync(null, CancellationToken.None);
        var t1Refreshed = await one.GetTokenAsync(rejected: t1, CancellationToken.None);

        Assert.NotEqual(one.StoreKey, two.StoreKey);
        Assert.NotEqual(t1.AccessToken, t2.AccessToken);
        Assert.NotEqual(t1.AccessToken, t1Refreshed.AccessToken);
        Assert.Same(t2, await two.GetTokenAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task Throttling_429_is_retried_after_Retry_After_and_counted()
    {
        await using var host = await TestHost.StartAsync();
        host.PumpTime();
        host.Emulator.Faults.FailNext(2, HttpStatusCode.TooManyRequests, "/hub/");

        var result = await host.Client.DataExtension<OrderLinesRow>().UpsertAsync(Lines(10));

        Assert.True(result.Succeeded);
        Assert.Equal(2, result.Throttles);
        Assert.Equal(2, result.Retries);
        Assert.Equal(3, result.Requests);
        Assert.Contains(host.AllLogText(), l => l.Contains("retrying", StringComparison.Ordinal) && l.Contains("429", StringComparison.Ordinal));
        // The wait is the server's Retry-After (1 s), not the backoff (200 ms base with jitter): both retries say so.
        var delays = host.Logs.GetSnapshot().Where(r => r.Message.Contains("retrying in", StringComparison.Ordinal))
            .Select(r => r.StructuredState!.Single(kv => kv.Key == "DelayMs").Value).ToList();
        Assert.Equal(["1000", "1000"], delays);
    }

    [Fact]
    public async Task A_401_that_persists_after_the_refresh_is_replayed_exactly_once_then_an_error()
    {
        await using var host = await TestHost.StartAsync();
        host.Emulator.Faults.FailNext(5, HttpStatusCode.Unauthorized, "/hub/");

        var ex = await Assert.ThrowsAsync<SfmcAuthenticationException>(() => host.Client.DataExtension<OrderLinesRow>().UpsertAsync(Lines(3)));

        Assert.Contains("even with a freshly obtained token", ex.Message, StringComparison.Ordinal);
        Assert.Equal([401, 401], host.Emulator.Requests.Where(r => r.Path.StartsWith("/hub/", StringComparison.Ordinal)).Select(r => r.StatusCode));
        Assert.Equal(2, host.Emulator.TokenRequests);
    }

    [Fact]
    public async Task The_pumped_clock_does_not_turn_the_attempt_timeout_into_a_real_time_limit()
    {
        // Each request takes 1.5 s of real time (a slow machine). The clock moves only from timer to timer within the
        // pump's 10 s, and the only timers are the attempt (12 s) and total (5 min) timeouts, so nothing times out. The
        // pump before (100 ms of fake time per loop of about 1-10 ms) made the 12 s a 0.12-1.2 s real-time limit.
        await using var host = await TestHost.StartAsync(client: c => c.Retry.AttemptTimeout = TimeSpan.FromSeconds(12), services: (c, _) =>
            c.AddHttpClient(SfmcClientFactory.ApiClientName("")).AddHttpMessageHandler(() => new RealDelayHandler(TimeSpan.FromSeconds(1.5))));
        await host.Client.DataExtension<OrderLinesRow>().QueryAsync().ToListAsync(); // token first
        var before = host.Time.GetUtcNow();
        host.PumpTime();

        var result = await host.Client.DataExtension<OrderLinesRow>().UpsertAsync(Lines(3));

        Assert.True(result.Succeeded);
        Assert.Equal(0, result.Retries);
        Assert.Equal(before, host.Time.GetUtcNow());
    }

    [Fact]
    public async Task Throttling_that_outlasts_the_retries_is_a_typed_error()
    {
        await using var host = await TestHost.StartAsync(client: c => c.Retry.MaxRetryAttempts = 2);
        host.PumpTime();
        host.Emulator.Faults.FailNext(3, HttpStatusCode.TooManyRequests, "/hub/");

        var ex = await Assert.ThrowsAsync<SfmcRateLimitedException>(() => host.Client.DataExtension<OrderLinesRow>().UpsertAsync(Lines(5)));
        Assert.Equal(50100, ex.ErrorCode);
        Assert.Contains("after 3 attempts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rows_are_batched_by_serialized_size()
    {
        await using var host = await TestHost.StartAsync(client: c =>
        {
            c.Batching.MaxBytesPerRequest = 8 * 1024;
            c.Batching.MaxRowsPerRequest = 10_000;
        });

        var result = await host.Client.DataExtension<OrderLinesRow>().UpsertAsync(Lines(300));

        var sizes = host.Emulator.Requests.Where(r => r.Path.StartsWith("/hub/", StringComparison.Ordinal)).Select(r => r.RequestBytes).ToList();
        Assert.True(result.Succeeded);
        Assert.All(sizes, s => Assert.InRange(s, 1, 8 * 1024));

        // Exactly the requests a greedy packing of the rows into 8 KB rowsets gives ("[" + items joined by "," + "]"):
        // no request could have taken the next row, none is split needlessly.
        var expected = new List<long>();
        long current = 0;
        foreach (var item in Lines(300).Select(l => (long)System.Text.Encoding.UTF8.GetByteCount(DataExtensionJson.SerializeRowset(new[] { l })) - 2))
        {
            if (current > 0 && current + 1 + item + 1 > 8 * 1024)
            {
                expected.Add(current + 1);
                current = 0;
            }

            current += 1 + item; // "[" before the first item, "," before the others
        }

        expected.Add(current + 1);
        Assert.Equal(expected.Order(), sizes.Order());
        Assert.Equal(300, (await host.Emulator.GetRowsAsync(OrderLinesRow.CustomerKey)).Count);
    }

    [Fact]
    public async Task Rows_SFMC_refuses_are_isolated_and_every_other_row_is_written()
    {
        await using var host = await TestHost.StartAsync();
        var rows = Enumerable.Range(0, 40).Select(i => new TestExistingDataExtensionRow
        {
            ContactKey = "c" + i.ToString(CultureInfo.InvariantCulture),
            EmailAddress = i is 7 or 31 ? "not-an-email" : $"p{i}@example.com",
        });

        var result = await host.Client.DataExtension<TestExistingDataExtensionRow>().UpsertAsync(rows);

        Assert.False(result.Succeeded);
        Assert.Equal(38, result.RowsSucceeded);
        Assert.Equal(new[] { "ContactKey='c31'", "ContactKey='c7'" }, result.FailedRows.Select(f => f.PrimaryKey.ToString()).OrderBy(s => s, StringComparer.Ordinal));
        Assert.All(result.FailedRows, f => Assert.Contains("InvalidEmailAddress", f.Message, StringComparison.Ordinal));
        Assert.All(result.FailedRows, f => Assert.Equal(10006, f.ErrorCode));
        Assert.Equal(38, (await host.Emulator.GetRowsAsync(TestExistingDataExtensionRow.CustomerKey)).Count);
    }

    [Fact]
    public async Task Invalid_rows_are_reported_without_being_sent()
    {
        await using var host = await TestHost.StartAsync();
        var rows = Lines(5).Select((r, i) => i == 2 ? r with { Sku = new string('x', 51) } : r);

        var result = await host.Client.DataExtension<OrderLinesRow>().UpsertAsync(rows);

        var failed = Assert.Single(result.FailedRows);
        Assert.Equal("order id='O0', line no=2", failed.PrimaryKey.ToString());
        Assert.Null(failed.ErrorCode);
        Assert.Equal(4, (await host.Emulator.GetRowsAsync(OrderLinesRow.CustomerKey)).Count);
    }

    [Fact]
    public async Task Unknown_data_extension_is_a_not_found_error_naming_the_key()
    {
        await using var host = await TestHost.StartAsync();
        var customers = new[] { new CustomersRow { SubscriberKey = "s1", Email = "a@b.c", VIP = true } };

        var ex = await Assert.ThrowsAsync<SfmcNotFoundException>(() => host.Client.DataExtension<CustomersRow>().UpsertAsync(customers));

        Assert.Equal("Customers", ex.Key);
        Assert.Contains("case-sensitive", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_errors_and_dropped_connections_are_replayed_for_upserts()
    {
        await using var host = await TestHost.StartAsync();
        host.PumpTime();
        host.Emulator.Faults.FailNext(1, HttpStatusCode.InternalServerError, "/hub/");
        host.Emulator.Faults.DropNext(1, "/hub/");
        host.Emulator.Faults.FailNext(1, HttpStatusCode.ServiceUnavailable, "/hub/");

        var result = await host.Client.DataExtension<OrderLinesRow>().UpsertAsync(Lines(10));

        Assert.True(result.Succeeded);
        Assert.Equal(3, result.Retries);
        Assert.Equal(10, (await host.Emulator.GetRowsAsync(OrderLinesRow.CustomerKey)).Count);
    }

    [Fact]
    public async Task Hundred_thousand_rows_survive_throttling_errors_drops_and_token_expiry_exactly_once()
    {
        // Tokens keep their real lifetime (1,080 s): the clock moves only through the retry delays, so only the forced
        // expiry refreshes one.
        await using var host = await TestHost.StartAsync(client: c => c.Batching.MaxConcurrentRequests = 4);
        host.PumpTime();
        var faults = host.Emulator.Faults;
        faults.FailNext(6, HttpStatusCode.TooManyRequests, "/hub/");
        faults.FailNext(4, HttpStatusCode.InternalServerError, "/hub/");
        faults.DropNext(3, "/hub/");
        var expired = 0;
        var progress = new SynchronousProgress<DataExtensionProgress>(p =>
        {
            if (p.RowsSucceeded > 50_000 && Interlocked.Exchange(ref expired, 1) == 0)
            {
                faults.ExpireTokens();
            }
        });

        var result = await host.Client.DataExtension<OrderLinesRow>().UpsertAsync(Lines(100_000), new DataExtensionWriteOptions { Progress = progress });

        Assert.True(result.Succeeded, string.Join("; ", result.FailedRows.Take(5)));
        Assert.Equal(100_000, result.RowsSucceeded);
        Assert.Equal(1, expired);
        // 6 throttles + 4 server errors + 3 dropped connections, each retried once; the expiry is a 401 replay, not a retry.
        Assert.Equal(13, result.Retries);
        Assert.Equal(6, result.Throttles);
        Assert.Equal(2, host.Emulator.TokenRequests);
        Assert.InRange(host.Emulator.Requests.Count(r => r.Path.StartsWith("/hub/", StringComparison.Ordinal) && r.StatusCode == 401), 1, 4);
        var stored = await host.Emulator.GetRowsAsync(OrderLinesRow.CustomerKey);
        Assert.Equal(100_000, stored.Count);
        Assert.Equal(100_000, stored.Select(r => r["sku"]).Distinct().Count());
        Assert.All(stored, r => Assert.Equal("SKU-" + (int.Parse(r["order id"]![1..], CultureInfo.InvariantCulture) * 10 + int.Parse(r["line no"]!, CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture), r["sku"]));
    }

    [Fact]
    public async Task Async_upsert_polls_status_until_complete()
    {
        await using var host = await TestHost.StartAsync(client: c => c.Batching.MaxRowsPerRequest = 40);
        host.PumpTime();

        var result = await host.Client.DataExtension<OrderLinesRow>().UpsertAsync(Lines(100), new DataExtensionWriteOptions { Api = DataExtensionApi.Async });

        Assert.True(result.Succeeded, string.Join("; ", result.FailedRows));
        Assert.Equal(100, result.RowsSucceeded);
        Assert.Equal(3, result.AsyncRequestIds.Count);
        Assert.Equal(3, host.Emulator.Requests.Count(r => r.Method == "PUT" && r.Path.StartsWith("/data/v1/async/dataextensions/key:order_lines/rows", StringComparison.Ordinal)));
        Assert.Contains(host.Emulator.Requests, r => r.Path.EndsWith("/status", StringComparison.Ordinal));
        Assert.Equal(100, (await host.Emulator.GetRowsAsync(OrderLinesRow.CustomerKey)).Count);
    }

    [Fact]
    public async Task Async_results_past_the_first_page_are_read_after_polling_until_the_request_completes()
    {
        // 70 failing rows need two pages of results (50 a page); the request stays Pending for 5 s of the emulator's clock,
        // so the status is polled more than once. Which rows failed is asserted exactly.
        await using var host = await TestHost.StartAsync(e => e.AsyncProcessingDelay = TimeSpan.FromSeconds(5));
        host.PumpTime();
        var orders = host.Client.DataExtension<OrderLinesRow>();
        await host.Emulator.AddRowsAsync(OrderLinesRow.CustomerKey, Lines(70).Select(l => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["order id"] = l.OrderId, ["line no"] = l.LineNo, ["sku"] = l.Sku, ["unit price"] = l.UnitPrice }));

        var result = await orders.InsertAsync(Lines(130), new DataExtensionWriteOptions { PollInterval = TimeSpan.FromSeconds(1) });

        var requestId = result.AsyncRequestIds.Single();
        Assert.Equal(60, result.RowsSucceeded);
        // SFMC's async results name no row, only a message; the duplicate's key is in the message text.
        Assert.Equal(
            Lines(70).Select(l => $"({l.OrderId}, {l.LineNo})").Order(StringComparer.Ordinal),
            result.FailedRows.Select(f => System.Text.RegularExpressions.Regex.Match(f.Message, @"The duplicate key value is (\([^)]*\))").Groups[1].Value).Order(StringComparer.Ordinal));
        Assert.All(result.FailedRows, f => Assert.Equal(requestId, f.AsyncRequestId));
        Assert.True(host.Emulator.Requests.Count(r => r.Path == $"/data/v1/async/{requestId}/status") >= 2, "the status was polled once");
        Assert.Equal(["$page=1", "$page=2"], host.Emulator.Requests.Where(r => r.Path.StartsWith($"/data/v1/async/{requestId}/results", StringComparison.Ordinal)).Select(r => r.Path[(r.Path.IndexOf('?', StringComparison.Ordinal) + 1)..]));
        Assert.Equal(130, (await host.Emulator.GetRowsAsync(OrderLinesRow.CustomerKey)).Count);
    }

    [Fact]
    public async Task Async_insert_reports_duplicate_keys_from_SFMC_results()
    {
        await using var host = await TestHost.StartAsync();
        host.PumpTime();
        var orders = host.Client.DataExtension<OrderLinesRow>();
        Assert.True((await orders.InsertAsync(Lines(10))).Succeeded);

        var result = await orders.InsertAsync(Lines(12).Skip(7));

        Assert.Equal(2, result.RowsSucceeded);
        Assert.Equal(3, result.FailedRows.Count);
        Assert.All(result.FailedRows, f => Assert.Contains("Violation of PRIMARY KEY constraint", f.Message, StringComparison.Ordinal));
        Assert.All(result.FailedRows, f => Assert.Equal(result.AsyncRequestIds.Single(), f.AsyncRequestId));
        Assert.Equal(12, (await host.Emulator.GetRowsAsync(OrderLinesRow.CustomerKey)).Count);
    }

    [Fact]
    public async Task Insert_that_may_have_reached_SFMC_is_reported_not_replayed()
    {
        await using var host = await TestHost.StartAsync();
        host.PumpTime();
        host.Emulator.Faults.FailNext(1, HttpStatusCode.InternalServerError, "/data/v1/async/dataextensions/");

        var result = await host.Client.DataExtension<OrderLinesRow>().InsertAsync(Lines(4));

        Assert.Equal(4, result.FailedRows.Count);
        Assert.All(result.FailedRows, f => Assert.Contains("may or may not have been written", f.Message, StringComparison.Ordinal));
        Assert.Equal(1, host.Emulator.Requests.Count(r => r.Method == "POST" && r.Path.StartsWith("/data/v1/async/", StringComparison.Ordinal)));
        Assert.Equal(0, result.Retries);
    }

    [Fact]
    public async Task Throttled_insert_is_retried_because_SFMC_did_not_process_it()
    {
        await using var host = await TestHost.StartAsync();
        host.PumpTime();
        host.Emulator.Faults.FailNext(1, HttpStatusCode.TooManyRequests, "/data/v1/async/dataextensions/");

        var result = await host.Client.DataExtension<OrderLinesRow>().InsertAsync(Lines(4));

        Assert.True(result.Succeeded);
        Assert.Equal(1, result.Throttles);
        Assert.Equal(4, (await host.Emulator.GetRowsAsync(OrderLinesRow.CustomerKey)).Count);
    }

    [Fact]
    public async Task Async_request_unfinished_at_the_deadline_reports_its_rows_as_failed_not_also_pending()
    {
        await using var host = await TestHost.StartAsync(e => e.AsyncProcessingDelay = TimeSpan.FromHours(1));
        host.PumpTime();

        var result = await host.Client.DataExtension<OrderLinesRow>().UpsertAsync(
            Lines(6),
            new DataExtensionWriteOptions { Api = DataExtensionApi.Async, CompletionTimeout = TimeSpan.FromSeconds(10) });

        Assert.Equal(0, result.RowsSucceeded);
        Assert.Equal(0, result.RowsPending);
        Assert.Equal(6, result.FailedRows.Count);
        Assert.All(result.FailedRows, f => Assert.Contains("its outcome is unknown", f.Message, StringComparison.Ordinal));
        Assert.All(result.FailedRows, f => Assert.Equal(result.AsyncRequestIds.Single(), f.AsyncRequestId));
    }

    [Fact]
    public async Task Async_write_without_waiting_reports_rows_as_pending_with_request_ids()
    {
        await using var host = await TestHost.StartAsync();

        var result = await host.Client.DataExtension<OrderLinesRow>().UpsertAsync(Lines(30), new DataExtensionWriteOptions { Api = DataExtensionApi.Async, WaitForCompletion = false });

        Assert.Equal(30, result.RowsPending);
        Assert.Equal(0, result.RowsSucceeded);
        Assert.False(result.Succeeded);
        Assert.Single(result.AsyncRequestIds);
        Assert.DoesNotContain(host.Emulator.Requests, r => r.Path.EndsWith("/status", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Forbidden_names_the_missing_scope()
    {
        await using var host = await TestHost.StartAsync(client: c => c.Scope = "data_extensions_read");

        var ex = await Assert.ThrowsAsync<SfmcAuthorizationException>(() => host.Client.DataExtension<OrderLinesRow>().UpsertAsync(Lines(2)));

        Assert.Equal("data_extensions_write", ex.MissingScope);
        Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
        Assert.Empty(await host.Client.DataExtension<OrderLinesRow>().QueryAsync().ToListAsync()); // reading is allowed
    }

    [Fact]
    public async Task Requests_retries_and_throttles_are_measured_on_the_Sfmc_meter()
    {
        await using var host = await TestHost.StartAsync();
        host.PumpTime();
        var meters = host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var requests = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(meters, SfmcTelemetry.Name, "sfmc.requests");
        using var retries = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(meters, SfmcTelemetry.Name, "sfmc.retries");
        using var throttles = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(meters, SfmcTelemetry.Name, "sfmc.throttles");
        using var rows = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(meters, SfmcTelemetry.Name, "sfmc.rows");
        host.Emulator.Faults.FailNext(1, HttpStatusCode.TooManyRequests, "/hub/");

        await host.Client.DataExtension<OrderLinesRow>().UpsertAsync(Lines(10));

        Assert.Equal(2, requests.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(1, retries.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(1, throttles.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(10, rows.GetMeasurementSnapshot().Where(m => m.Tags["outcome"] as string == "written").Sum(m => m.Value));
    }

    [Fact]
    public async Task Client_side_rate_limit_keeps_bulk_work_under_the_tenant_ceiling()
    {
        // Real time here: System.Threading.RateLimiting has no TimeProvider. Tenant ceiling 10 requests per second.
        await using var emulator = await Sfmc.Emulator.SfmcEmulator.StartAsync(o =>
        {
            o.DataExtensions.Add(OrderLinesRow.Schema);
            o.RateLimitPerWindow = 10;
            o.RateLimitWindow = TimeSpan.FromSeconds(1);
        });

        async Task<DataExtensionWriteResult> RunAsync(int? perMinute, int retries)
        {
            var services = new ServiceCollection();
            services.AddSfmc(o => TestHost.Configure(o, emulator, c =>
            {
                c.RequestsPerMinute = perMinute;
                c.Retry.MaxRetryAttempts = retries;
                c.Batching.MaxRowsPerRequest = 1; // one request per row: 18 requests
            }));
            await using var provider = services.BuildServiceProvider();
            return await provider.GetRequiredService<SfmcClient>().DataExtension<OrderLinesRow>().UpsertAsync(Lines(18));
        }

        // Control: without a budget, 18 quick requests overrun the ceiling.
        await Assert.ThrowsAsync<SfmcRateLimitedException>(() => RunAsync(perMinute: null, retries: 0));

        // With 6 requests per second the same work is never throttled.
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        var limited = await RunAsync(perMinute: 360, retries: 0);
        Assert.True(limited.Succeeded);
        Assert.Equal(0, limited.Throttles);
    }

    [Fact]
    public async Task Secrets_and_tokens_never_reach_logs_or_exception_messages()
    {
        await using var host = await TestHost.StartAsync(client: c => c.Retry.MaxRetryAttempts = 1);
        host.PumpTime();
        var orders = host.Client.DataExtension<OrderLinesRow>();
        await orders.UpsertAsync(Lines(5));
        host.Emulator.Faults.ExpireTokens();
        host.Emulator.Faults.FailNext(2, HttpStatusCode.InternalServerError, "/hub/");
        var messages = new List<string>();
        messages.Add((await Assert.ThrowsAsync<SfmcTransientException>(() => orders.UpsertAsync(Lines(5)))).ToString());
        messages.Add((await Assert.ThrowsAsync<SfmcNotFoundException>(() => host.Client.DataExtension<CustomersRow>().UpsertAsync(new[] { new CustomersRow { SubscriberKey = "s", Email = "e@x.y", VIP = false } }))).ToString());

        // Wrong secret: the error names the client, not the secret.
        var wrong = new ServiceCollection().AddSingleton<TimeProvider>(host.Time);
        wrong.AddSfmc(o => TestHost.Configure(o, host.Emulator, c => c.ClientSecret = "wrong-secret-value-1234"));
        await using var wrongServices = wrong.BuildServiceProvider();
        var denied = await Assert.ThrowsAsync<SfmcAuthenticationException>(() => wrongServices.GetRequiredService<SfmcClient>().DataExtension<OrderLinesRow>().UpsertAsync(Lines(1)));
        messages.Add(denied.ToString());
        Assert.Contains("invalid_client", denied.Message, StringComparison.Ordinal);

        var everything = string.Join("\n", host.AllLogText().Concat(messages));
        Assert.NotEmpty(host.Emulator.IssuedTokens);
        Assert.DoesNotContain(host.Emulator.ClientSecret, everything, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret-value-1234", everything, StringComparison.Ordinal);
        Assert.All(host.Emulator.IssuedTokens, token => Assert.DoesNotContain(token, everything, StringComparison.Ordinal));
        Assert.Contains("token redacted", (await host.Services.GetRequiredService<SfmcClientFactory>().GetTokenProvider("").GetTokenAsync(null, CancellationToken.None)).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_who_turns_on_every_HTTP_log_of_the_factory_still_logs_no_token_or_secret()
    {
        // What a user adds for their other HttpClients, to every client at once: IHttpClientFactory's own handlers
        // with header redaction turned off, and the extended HTTP logging with headers, bodies and paths.
        await using var host = await TestHost.StartAsync(services: (collection, _) =>
        {
            collection.ConfigureHttpClientDefaults(b => b.RedactLoggedHeaders(_ => false));
            collection.AddExtendedHttpClientLogging(o =>
            {
                o.LogBody = true;
                o.LogRequestStart = true;
                o.RequestPathLoggingMode = Microsoft.Extensions.Http.Logging.OutgoingPathLoggingMode.Structured;
                o.RequestHeadersDataClasses["Authorization"] = Microsoft.Extensions.Compliance.Classification.DataClassification.None;
                o.RequestHeadersDataClasses["fueloauth"] = Microsoft.Extensions.Compliance.Classification.DataClassification.None;
                o.ResponseHeadersDataClasses["Content-Type"] = Microsoft.Extensions.Compliance.Classification.DataClassification.None;
            });
        });
        host.PumpTime();
        await host.Client.DataExtension<OrderLinesRow>().UpsertAsync(Lines(3));
        await foreach (var _ in host.Client.Soap.RetrieveAsync<Sfmc.Soap.Subscriber>())
        {
        }

        var everything = string.Join("\n", host.AllLogText());
        Assert.NotEmpty(host.Emulator.IssuedTokens);
        Assert.DoesNotContain(host.Emulator.ClientSecret, everything, StringComparison.Ordinal);
        Assert.All(host.Emulator.IssuedTokens, token => Assert.DoesNotContain(token, everything, StringComparison.Ordinal));
        // Our own request log still works, and no log of the factory's handlers reached the SFMC clients.
        Assert.Contains("/hub/v1/dataevents/key:order_lines/rowset", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("System.Net.Http.HttpClient.Sfmc", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("Microsoft.Extensions.Http.Logging.HttpClientLogger", everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Instance_urls_on_a_foreign_host_are_refused()
    {
        await using var host = await TestHost.StartAsync(e => e.InstanceUrlOverride = new Uri("https://collector.example.com/"));

        var ex = await Assert.ThrowsAsync<SfmcAuthenticationException>(() => host.Client.DataExtension<OrderLinesRow>().UpsertAsync(Lines(1)));

        Assert.Contains("collector.example.com", ex.Message, StringComparison.Ordinal);
        Assert.Contains(".marketingcloudapis.com", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Emulator.Requests, r => r.Path.StartsWith("/hub/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://mytenant.auth.marketingcloudapis.com/", "must be https")]
    [InlineData("https://auth.example.com/", "must be https on a host ending with '.marketingcloudapis.com'")]
    public void Options_refuse_plain_http_and_foreign_hosts_at_start(string authBase, string expected)
    {
        var services = new ServiceCollection();
        services.AddSfmc(o =>
        {
            o.AuthBaseUri = new Uri(authBase);
            o.ClientId = "id";
            o.ClientSecret = "secret";
        });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate());
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_report_every_problem_at_once()
    {
        var services = new ServiceCollection();
        services.AddSfmc(o =>
        {
            o.Batching.MaxBytesPerRequest = 6 * 1024 * 1024;
            o.Retry.AttemptTimeout = TimeSpan.FromMinutes(10);
        });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<SfmcClient>());
        Assert.Contains("AuthBaseUri is required", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ClientId is required", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxBytesPerRequest", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AttemptTimeout", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_binds_from_configuration()
    {
        await using var emulator = await Sfmc.Emulator.SfmcEmulator.StartAsync(o => o.DataExtensions.Add(OrderLinesRow.Schema));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sfmc:AuthBaseUri"] = emulator.BaseUri.ToString(),
            ["Sfmc:ClientId"] = emulator.ClientId,
            ["Sfmc:ClientSecret"] = emulator.ClientSecret,
            ["Sfmc:Batching:MaxRowsPerRequest"] = "7",
        }).Build();
        var services = new ServiceCollection();
        services.AddSfmc(configuration.GetSection("Sfmc"));
        await using var provider = services.BuildServiceProvider();

        var result = await provider.GetRequiredService<SfmcClient>().DataExtension<OrderLinesRow>().UpsertAsync(Lines(20));

        Assert.Equal(3, result.Requests);
        Assert.Equal(20, result.RowsSucceeded);
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    private sealed class RealDelayHandler(TimeSpan delay) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(delay, cancellationToken);
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
