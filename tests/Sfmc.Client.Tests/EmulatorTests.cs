using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sfmc.Client.Tests.DataExtensions;
using Sfmc.Emulator;
using Xunit;

namespace Sfmc.Client.Tests;

/// <summary>The emulator enforces what a tenant enforces, in SFMC's error shapes (raw HTTP, no client library).</summary>
public sealed partial class EmulatorTests
{
    [Theory]
    [InlineData("""[{"keys":{"order id":"A"},"values":{"sku":"s","unit price":1}}]""", "The primary key column [line no] is missing.")]
    [InlineData("""[{"keys":{"order id":"A","line no":1},"values":{"sku":"012345678901234567890123456789012345678901234567890","unit price":1}}]""", "The value for column [sku] exceeds the column's maximum length.")]
    [InlineData("""[{"keys":{"order id":"A","line no":"one"},"values":{"sku":"s","unit price":1}}]""", "The value for column [line no] is not a valid integer.")]
    [InlineData("""[{"keys":{"order id":"A","line no":1},"values":{"sku":"s","unit price":1,"colour":"red"}}]""", "The column [colour] does not exist")]
    [InlineData("""[{"keys":{"order id":"A","line no":1},"values":{"sku":null,"unit price":1}}]""", "The column [sku] does not allow null values.")]
    [InlineData("""[{"keys":{"order id":"A","line no":1},"values":{"sku":"s"}}]""", "The column [unit price] does not allow null values.")]
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
    public async Task A_required_field_may_be_left_out_only_when_updating_an_existing_row()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensions.Add(OrderLinesRow.Schema));
        using var http = await AuthorizedAsync(emulator);
        using var insert = await http.PostAsync("hub/v1/dataevents/key:order_lines/rowset", Json("""[{"keys":{"order id":"A","line no":1},"values":{"sku":"s","unit price":1}}]"""));
        Assert.Equal(HttpStatusCode.OK, insert.StatusCode);

        // The existing row is updated without "unit price"; the new one in the same rowset fails it all.
        using var mixed = await http.PostAsync("hub/v1/dataevents/key:order_lines/rowset", Json("""[{"keys":{"order id":"A","line no":1},"values":{"sku":"t"}},{"keys":{"order id":"B","line no":1},"values":{"sku":"u"}}]"""));
        using var update = await http.PostAsync("hub/v1/dataevents/key:order_lines/rowset", Json("""[{"keys":{"order id":"A","line no":1},"values":{"sku":"t"}}]"""));

        Assert.Equal(HttpStatusCode.BadRequest, mixed.StatusCode);
        Assert.Contains("[unit price] does not allow null values", await mixed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        var row = Assert.Single(await emulator.GetRowsAsync(OrderLinesRow.CustomerKey));
        Assert.Equal("t", row["sku"]);
        Assert.Equal("1.00", row["unit price"]);
    }

    [Theory]
    [InlineData("<Objects xsi:type=\"Subscriber\"><SubscriberKey>k</SubscriberKey><Status>active</Status></Objects>", "Instance validation error: 'active' is not a valid value for SubscriberStatus.")]
    [InlineData("<Objects xsi:type=\"Subscriber\"><SubscriberKey>k</SubscriberKey><EmailTypePreference>Html</EmailTypePreference></Objects>", "'Html' is not a valid value for EmailType.")]
    [InlineData("<Objects xsi:type=\"Subscriber\"><SubscriberKey>k</SubscriberKey><UnsubscribedDate>01/02/2026</UnsubscribedDate></Objects>", "The string '01/02/2026' is not a valid AllXsd value.")]
    [InlineData("<Objects xsi:type=\"Subscriber\"><ID>one</ID><SubscriberKey>k</SubscriberKey></Objects>", "Input string was not in a correct format.")]
    [InlineData("<Objects xsi:type=\"DataExtension\"><Name>d</Name><Fields><Field><Name>f</Name><FieldType>text</FieldType></Field></Fields></Objects>", "'text' is not a valid value for DataExtensionFieldType.")]
    [InlineData("<Objects xsi:type=\"DataExtension\"><Name>d</Name><Fields><Field><Name>f</Name><IsPrimaryKey>yes</IsPrimaryKey></Field></Fields></Objects>", "The string 'yes' is not a valid Boolean value.")]
    [InlineData("<Options><SaveOptions><SaveOption><PropertyName>*</PropertyName><SaveAction>Upsert</SaveAction></SaveOption></SaveOptions></Options><Objects xsi:type=\"Subscriber\"><SubscriberKey>k</SubscriberKey></Objects>", "'Upsert' is not a valid value for SaveAction.")]
    [InlineData("<Objects xsi:type=\"TriggeredSend\"><Subscribers><SubscriberKey>k</SubscriberKey><Status>Gone</Status></Subscribers></Objects>", "'Gone' is not a valid value for SubscriberStatus.")]
    public async Task A_typed_value_that_does_not_parse_fails_the_whole_SOAP_request_as_SFMCs_deserializer_does(string objects, string expected)
    {
        await using var emulator = await SfmcEmulator.StartAsync();
        using var http = await AuthorizedAsync(emulator);

        using var response = await SoapCreateAsync(http, objects);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var fault = Sfmc.Client.Soap.SoapEnvelope.TryReadFault(await response.Content.ReadAsByteArrayAsync());
        Assert.NotNull(fault);
        Assert.Equal("soap:Client", fault.FaultCode);
        Assert.StartsWith("Server was unable to read request. ---> There is an error in XML document (1, ", fault.FaultString, StringComparison.Ordinal);
        Assert.EndsWith(expected, fault.FaultString, StringComparison.Ordinal);
        Assert.Empty(await emulator.GetSoapObjectsAsync("Subscriber"));
        Assert.DoesNotContain(emulator.Requests, r => r.Path == "/Service.asmx" && r.StatusCode == 200);
    }

    [Fact]
    public async Task SOAP_writes_that_once_crashed_the_emulator_get_answers()
    {
        await using var emulator = await SfmcEmulator.StartAsync();
        using var http = await AuthorizedAsync(emulator);
        async Task<string> CreateAsync(string objects)
        {
            using var response = await SoapCreateAsync(http, objects);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }

        // A subscriber without EmailAddress takes its key as the address (the emulator answered an empty 500).
        Assert.Contains("<StatusCode>OK</StatusCode>", await CreateAsync("<Objects xsi:type=\"Subscriber\"><SubscriberKey>k@example.com</SubscriberKey></Objects>"), StringComparison.Ordinal);
        Assert.Equal("k@example.com", Assert.Single(await emulator.GetSoapObjectsAsync("Subscriber"))["EmailAddress"]);

        // Two fields named alike (SQLite refused the duplicate column and the emulator answered an empty 500).
        var duplicate = await CreateAsync("<Objects xsi:type=\"DataExtension\"><Name>d</Name><Fields><Field><Name>Email</Name></Field><Field><Name>email</Name></Field></Fields></Objects>");
        Assert.Contains("<ErrorCode>310007</ErrorCode>", duplicate, StringComparison.Ordinal);
        Assert.Contains("used more than once", duplicate, StringComparison.Ordinal);
        Assert.Contains("<StatusCode>OK</StatusCode>", await CreateAsync("<Objects xsi:type=\"DataExtension\"><Name>d</Name><Fields><Field><Name>Email</Name></Field></Fields></Objects>"), StringComparison.Ordinal);
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
        // Each round disposes while jobs run; disposing must not throw, and the file database then opens again with every
        // stored row whole (async rows are written one by one, as SFMC processes them, so a job may be cut between rows).
        var database = Path.Combine(Path.GetTempPath(), "sfmc-dispose-" + Guid.NewGuid().ToString("N") + ".sqlite");
        for (var round = 0; round < 10; round++)
        {
            var emulator = await SfmcEmulator.StartAsync(o =>
            {
                o.DataExtensions.Add(OrderLinesRow.Schema);
                o.DatabasePath = database;
            });
            using (var http = await AuthorizedAsync(emulator))
            {
                for (var job = 0; job < 5; job++)
                {
                    var items = string.Join(",", Enumerable.Range(0, 200).Select(i => $$"""{"order id":"R{{round}}J{{job}}","line no":{{i}},"sku":"s","unit price":1}"""));
                    using var response = await http.PostAsync("data/v1/async/dataextensions/key:order_lines/rows", Json("{\"items\":[" + items + "]}"));
                    Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                }
            }

            Assert.Null(await Record.ExceptionAsync(() => emulator.DisposeAsync().AsTask()));
        }

        try
        {
            await using var reopened = await SfmcEmulator.StartAsync(o =>
            {
                o.DataExtensions.Add(OrderLinesRow.Schema);
                o.DatabasePath = database;
            });
            var rows = await reopened.GetRowsAsync(OrderLinesRow.CustomerKey);
            Assert.NotEmpty(rows);
            Assert.All(rows, r => Assert.Equal(("s", "1.00"), (r["sku"], r["unit price"])));
            Assert.All(rows.GroupBy(r => r["order id"]), job => Assert.InRange(job.Count(), 1, 200));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(database);
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
    public async Task Every_endpoint_declares_how_it_is_authorized_and_the_DE_endpoints_their_scopes()
    {
        await using var emulator = await SfmcEmulator.StartAsync();
        var endpoints = emulator.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

        Assert.True(endpoints.Count >= 20, $"{endpoints.Count} endpoints");
        Assert.All(endpoints, e => Assert.True(
            e.Metadata.GetMetadata<SfmcScopeMetadata>() is not null || e.Metadata.GetMetadata<SfmcSoapMetadata>() is not null || e.Metadata.GetMetadata<IAllowAnonymous>() is not null,
            $"{e.DisplayName} declares neither a scope, a token, SOAP nor anonymous access"));
        string? Scope(string method, string pattern) => endpoints
            .Single(e => e.RoutePattern.RawText == pattern && e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods.Contains(method))
            .Metadata.GetMetadata<SfmcScopeMetadata>()!.Scope;
        Assert.Equal("data_extensions_write", Scope("POST", "/hub/v1/dataevents/key:{key}/rowset"));
        Assert.Equal("data_extensions_write", Scope("PUT", "/data/v1/async/dataextensions/key:{key}/rows"));
        Assert.Equal("data_extensions_read", Scope("GET", "/data/v1/async/{requestId}/status"));
        Assert.Equal("data_extensions_read", Scope("GET", "/data/v1/customobjectdata/key/{key}/rowset"));
    }

    [Fact]
    public async Task Blocked_50200_without_Retry_After_is_retried_with_backoff()
    {
        await using var host = await TestHost.StartAsync();
        host.PumpTime();
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
        host.PumpTime(TimeSpan.FromSeconds(30)); // the attempt timeout is the earliest timer each time
        host.Emulator.Faults.Latency = TimeSpan.FromSeconds(45);

        var ex = await Assert.ThrowsAsync<SfmcTransientException>(() => host.Client.DataExtension<OrderLinesRow>().UpsertAsync(new[] { new OrderLinesRow { OrderId = "A", LineNo = 1, Sku = "s", UnitPrice = 1m } }));

        Assert.Contains("after 2 attempts", ex.Message, StringComparison.Ordinal);
    }

    private static Task<HttpClient> AuthorizedAsync(SfmcEmulator emulator) => AuthorizedAsync(emulator, null);

    /// <summary>A SOAP Create of <paramref name="objects"/> (raw XML), with the token <paramref name="http"/> authorizes with.</summary>
    private static Task<HttpResponseMessage> SoapCreateAsync(HttpClient http, string objects) => SoapAsync(http, "Create", objects);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
