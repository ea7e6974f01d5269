using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Sfmc.Client.Tests.DataExtensions;
using Sfmc.Emulator;
using Xunit;

namespace Sfmc.Client.Tests;

/// <summary>The emulator enforces what a tenant enforces, in SFMC's error shapes (raw HTTP, no client library).</summary>
public sealed class EmulatorTests
{
    [Theory]
    [InlineData("""[{"keys":{"order id":"A"},"values":{"sku":"s","unit price":1}}]""", "The primary key column [line no] is missing.")]
    [InlineData("""[{"keys":{"order id":"A","line no":1},"values":{"sku":"012345678901234567890123456789012345678901234567890","unit price":1}}]""", "The value for column [sku] exceeds the column's maximum length.")]
    [InlineData("""[{"keys":{"order id":"A","line no":"one"},"values":{"sku":"s","unit price":1}}]""", "The value for column [line no] is not a valid integer.")]
    [InlineData("""[{"keys":{"order id":"A","line no":1},"values":{"sku":"s","unit price":1,"colour":"red"}}]""", "The column [colour] does not exist")]
    [InlineData("""[{"keys":{"order id":"A","line no":1},"values":{"sku":null,"unit price":1}}]""", "The column [sku] does not allow null values.")]
    public async Task Rowset_violations_are_refused_whole_with_SFMCs_error_shape(string rowset, string expected)
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensions.Add(OrderLinesRow.Schema));
        using var http = await AuthorizedAsync(emulator);

        using var response = await http.PostAsync("hub/v1/dataevents/key:order_lines/rowset", Json(rowset));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(10006, body.RootElement.GetProperty("errorcode").GetInt32());
        Assert.StartsWith("Unable to save rows for data extension ID ", body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        var detail = body.RootElement.GetProperty("additionalErrors")[0];
        Assert.Contains(expected, detail.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(10000, detail.GetProperty("errorcode").GetInt32());
        Assert.Empty(await emulator.GetRowsAsync(OrderLinesRow.CustomerKey));
    }

    [Fact]
    public async Task Keys_are_case_sensitive_and_an_unknown_key_is_404()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensions.Add(OrderLinesRow.Schema));
        using var http = await AuthorizedAsync(emulator);

        using var response = await http.PostAsync("hub/v1/dataevents/key:ORDER_LINES/rowset", Json("[]"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("case-sensitive", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disposing_while_async_jobs_write_waits_for_them_instead_of_closing_the_database_under_them()
    {
        // A CI run once failed in DisposeAsync: the connection closed while a background job's transaction was open.
        for (var round = 0; round < 10; round++)
        {
            var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensions.Add(OrderLinesRow.Schema));
            using (var http = await AuthorizedAsync(emulator))
            {
                for (var job = 0; job < 5; job++)
                {
                    var items = string.Join(",", Enumerable.Range(0, 200).Select(i => $$"""{"order id":"R{{round}}J{{job}}","line no":{{i}},"sku":"s","unit price":1}"""));
                    using var response = await http.PostAsync("data/v1/async/dataextensions/key:order_lines/rows", Json("{\"items\":[" + items + "]}"));
                    Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                }
            }

            await emulator.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_broken_declarations_file_names_itself_and_the_position()
    {
        var path = Path.Combine(Path.GetTempPath(), "sfmc-broken-" + Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(path, "{\n  \"journeys\": [\n    { \"name\": \"Welcome\" \n  ]\n}");
        try
        {
            var ex = await Assert.ThrowsAsync<InvalidDataException>(() => SfmcEmulator.StartAsync(o => o.DeclarationFiles.Add(path)));

            Assert.StartsWith(path + "(4,", ex.Message, StringComparison.Ordinal);
            Assert.IsAssignableFrom<JsonException>(ex.InnerException);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Payload_over_5_MB_is_refused()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensions.Add(OrderLinesRow.Schema));
        using var http = await AuthorizedAsync(emulator);

        using var response = await http.PostAsync("hub/v1/dataevents/key:order_lines/rowset", Json("[" + new string(' ', 5 * 1024 * 1024) + "]"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await emulator.GetRowsAsync(OrderLinesRow.CustomerKey));
    }

    [Fact]
    public async Task Token_endpoint_checks_credentials_and_names_itself_as_the_instance()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.TokenLifetimeSeconds = 1079);
        using var http = new HttpClient { BaseAddress = emulator.BaseUri };

        using var denied = await http.PostAsync("v2/token", Json("""{"grant_type":"client_credentials","client_id":"emulator-client-id","client_secret":"nope"}"""));
        using var granted = await http.PostAsync("v2/token", Json("""{"grant_type":"client_credentials","client_id":"emulator-client-id","client_secret":"emulator-client-secret"}"""));

        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Equal("invalid_client", JsonDocument.Parse(await denied.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        var token = JsonDocument.Parse(await granted.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(1079, token.GetProperty("expires_in").GetInt32());
        Assert.Equal(emulator.BaseUri.ToString(), token.GetProperty("rest_instance_url").GetString());
        Assert.Equal("Bearer", token.GetProperty("token_type").GetString());
    }

    [Fact]
    public async Task Rows_in_a_database_file_survive_a_restart()
    {
        var path = Path.Combine(Path.GetTempPath(), "sfmc-emulator-" + Guid.NewGuid().ToString("N") + ".sqlite");
        try
        {
            await using (var first = await SfmcEmulator.StartAsync(o => { o.DatabasePath = path; o.DataExtensions.Add(OrderLinesRow.Schema); }))
            {
                using var http = await AuthorizedAsync(first);
                using var response = await http.PostAsync("hub/v1/dataevents/key:order_lines/rowset", Json("""[{"keys":{"order id":"A","line no":1},"values":{"sku":"s","unit price":2.5}}]"""));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            await using var second = await SfmcEmulator.StartAsync(o => { o.DatabasePath = path; o.DataExtensions.Add(OrderLinesRow.Schema); });
            var row = Assert.Single(await second.GetRowsAsync(OrderLinesRow.CustomerKey));
            Assert.Equal("s", row["sku"]);
            Assert.Equal("2.50", row["unit price"]);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Blocked_50200_without_Retry_After_is_retried_with_backoff()
    {
        await using var host = await TestHost.StartAsync();
        host.PumpTime(TimeSpan.FromMilliseconds(100));
        host.Emulator.Faults.BlockNext(2, "/hub/");

        var result = await host.Client.DataExtension<OrderLinesRow>().UpsertAsync(new[] { new OrderLinesRow { OrderId = "A", LineNo = 1, Sku = "s", UnitPrice = 1m } });

        Assert.True(result.Succeeded);
        Assert.Equal(2, result.Throttles);
        Assert.Equal(2, result.Retries);
    }

    [Fact]
    public async Task Slow_answers_hit_the_attempt_timeout_and_upserts_are_replayed()
    {
        await using var host = await TestHost.StartAsync(client: c =>
        {
            c.Retry.AttemptTimeout = TimeSpan.FromSeconds(30);
            c.Retry.MaxRetryAttempts = 1;
        });
        await host.Client.DataExtension<OrderLinesRow>().QueryAsync().ToListAsync(); // token first, before the latency
        host.PumpTime(TimeSpan.FromMilliseconds(500));
        host.Emulator.Faults.Latency = TimeSpan.FromSeconds(45);

        var ex = await Assert.ThrowsAsync<SfmcTransientException>(() => host.Client.DataExtension<OrderLinesRow>().UpsertAsync(new[] { new OrderLinesRow { OrderId = "A", LineNo = 1, Sku = "s", UnitPrice = 1m } }));

        Assert.Contains("after 2 attempts", ex.Message, StringComparison.Ordinal);
    }

    private static async Task<HttpClient> AuthorizedAsync(SfmcEmulator emulator)
    {
        var http = new HttpClient { BaseAddress = emulator.BaseUri };
        using var response = await http.PostAsync("v2/token", Json($$"""{"grant_type":"client_credentials","client_id":"{{emulator.ClientId}}","client_secret":"{{emulator.ClientSecret}}"}"""));
        var token = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
