using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Threading.Tasks;
using Sfmc.Client.Tests.DataExtensions;
using Sfmc.Client.Tests.Journeys;
using Xunit;

namespace Sfmc.Client.Tests;

/// <summary>Journeys declared in this project's sfmc.json, entered against the emulator over real HTTP.</summary>
public sealed class JourneyTests
{
    private static Task<TestHost> StartAsync(Action<Sfmc.Emulator.SfmcEmulatorOptions>? emulator = null) =>
        TestHost.StartAsync(o =>
        {
            o.DeclarationFiles.Add(System.IO.Path.Combine(AppContext.BaseDirectory, "TestData", "Declarations", "sfmc.json"));
            emulator?.Invoke(o);
        });

    [Fact]
    public async Task A_thousand_members_in_one_call_become_ten_requests_of_at_most_100_each_in_order()
    {
        await using var host = await StartAsync();
        var members = Enumerable.Range(0, 1000).Select(i => new JourneyMember<AbandonedCartJourney.Data>(
            "contact-" + i, new AbandonedCartJourney.Data { CartTotal = 10.5m + i, Items = i % 7, Coupon = i % 2 == 0 ? "SAVE10" : null }));

        var result = await host.Client.Journeys.AbandonedCart.EnterAsync(members);

        Assert.Equal(1000, result.Submitted);
        Assert.Equal(1000, result.Queued);
        Assert.Empty(result.Errors);
        Assert.Equal(10, result.Requests);
        Assert.Equal(10, result.RequestIds.Distinct().Count());
        var batches = host.Emulator.Requests.Where(r => r.Path == "/interaction/v1/async/events").ToList();
        Assert.Equal(10, batches.Count);
        Assert.All(batches, r => Assert.Equal(202, r.StatusCode));

        var entries = host.Emulator.JourneyEntries;
        Assert.Equal(1000, entries.Count);
        Assert.All(entries, e => Assert.Equal(AbandonedCartJourney.EventDefinitionKey, e.EventDefinitionKey));
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => "contact-" + i).Order(), entries.Select(e => e.ContactKey).Order());
        Assert.Equal(100, entries.GroupBy(e => e.RequestId).Max(g => g.Count()));
        var seventh = entries.Single(e => e.ContactKey == "contact-7").Data;
        Assert.Equal(17.5m, seventh.GetProperty("Cart Total").GetDecimal());
        Assert.Equal(0, seventh.GetProperty("Items").GetInt32());
        Assert.False(seventh.TryGetProperty("Coupon", out _)); // null is not sent
    }

    [Fact]
    public async Task Per_member_errors_come_back_by_position_and_the_rest_is_queued()
    {
        await using var host = await StartAsync(o => o.InactiveContactKeys.Add("contact-150"));
        var members = Enumerable.Range(0, 205).Select(i => new JourneyMember(i == 3 ? "" : "contact-" + i, new Dictionary<string, object?> { ["n"] = i }));

        var result = await host.Client.Journeys.EnterAsync("APIEvent-newsletter", members);

        Assert.Equal(205, result.Submitted);
        Assert.Equal(203, result.Queued);
        Assert.Equal(3, result.Requests); // 204 valid members: 100 + 100 + 4
        Assert.Collection(
            result.Errors,
            e => Assert.Equal((3, "", null), (e.Index, e.ContactKey, e.ErrorCode)),
            e =>
            {
                Assert.Equal((150, "contact-150", "30000"), (e.Index, e.ContactKey, e.ErrorCode));
                Assert.Contains("not active", e.Message, StringComparison.Ordinal);
            });
        Assert.Equal(203, host.Emulator.JourneyEntries.Count);
    }

    [Fact]
    public async Task A_101st_member_in_one_request_is_what_the_emulator_refuses_as_SFMC_does()
    {
        // The client never sends it (tested above); this pins the emulator rule the client is tested against.
        await using var host = await StartAsync();
        using var http = new System.Net.Http.HttpClient { BaseAddress = host.Emulator.BaseUri };
        var token = JsonDocument.Parse(await (await http.PostAsync("v2/token", new System.Net.Http.FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = host.Emulator.ClientId, ["client_secret"] = host.Emulator.ClientSecret,
        }))).Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString();
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var body = JsonSerializer.Serialize(new { eventDefinitionKey = "APIEvent-newsletter", members = Enumerable.Range(0, 101).Select(i => new { contactKey = "c" + i, data = new { } }) });

        var response = await http.PostAsync("interaction/v1/async/events", new System.Net.Http.StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(10000, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errorcode").GetInt32());
        Assert.Empty(host.Emulator.JourneyEntries);
    }

    [Fact]
    public async Task One_contact_enters_synchronously_with_its_entry_DE_row_and_gets_an_event_instance_id()
    {
        await using var host = await StartAsync();
        var row = new CustomersRow { SubscriberKey = "sub-1", Email = "ada@example.com", VIP = true, FirstName = "Ada" };

        var id = await host.Client.Journeys.Welcome.EnterAsync("sub-1", row);

        var entry = Assert.Single(host.Emulator.JourneyEntries);
        Assert.Equal(id, entry.EventInstanceId);
        Assert.Null(entry.RequestId);
        Assert.Equal("APIEvent-welcome-3c1e5b2a", entry.EventDefinitionKey);
        Assert.Equal("ada@example.com", entry.Data.GetProperty("Email").GetString());
        Assert.Equal("Ada", entry.Data.GetProperty("First Name").GetString());
        Assert.Equal(201, host.Emulator.Requests.Single(r => r.Path == "/interaction/v1/events").StatusCode);
    }

    [Fact]
    public async Task Data_fields_from_the_entry_DE_are_typed_by_it()
    {
        await using var host = await StartAsync();
        var shipped = new DateTime(2026, 11, 20, 8, 30, 0, DateTimeKind.Utc);

        await host.Client.Journeys.OrderShipped.EnterAsync("c-9", new OrderShippedJourney.Data { OrderId = "A-1", Sku = "SKU-9", ShippedAt = shipped });

        var data = Assert.Single(host.Emulator.JourneyEntries).Data;
        Assert.Equal(["order id", "sku", "shipped at"], data.EnumerateObject().Select(p => p.Name));
        Assert.Equal("2026-11-20T08:30:00Z", data.GetProperty("shipped at").GetString());
        Assert.Equal(
            ["OrderId", "Sku", "ShippedAt"],
            typeof(OrderShippedJourney.Data).GetProperties().Where(p => p.Name != "EqualityContract").Select(p => p.Name));
    }

    [Fact]
    public async Task Unknown_keys_inactive_contacts_and_periods_fail_clearly()
    {
        await using var host = await StartAsync(o => o.InactiveContactKeys.Add("gone"));

        // Keys from variables: as constants they would not compile (SFMC0350, the analyzer checks them against sfmc.json).
        string unknownKey = "APIEvent-nope", periodKey = "APIEvent.with.period";
        var unknown = await Assert.ThrowsAsync<SfmcValidationException>(() => host.Client.Journeys.EnterAsync(unknownKey, "c-1"));
        Assert.Contains("APIEvent-nope", unknown.Message, StringComparison.Ordinal);
        var inactive = await Assert.ThrowsAsync<SfmcValidationException>(() => host.Client.Journeys.Newsletter.EnterAsync("gone", null));
        Assert.Contains("not active", inactive.Message, StringComparison.Ordinal);
        var period = await Assert.ThrowsAsync<ArgumentException>(() => host.Client.Journeys.EnterAsync(periodKey, "c-1"));
        Assert.Contains("period", period.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Emulator.Requests, r => r.Path.Contains("period", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Throttled_batches_are_retried_but_a_failed_batch_is_never_replayed()
    {
        await using var host = await StartAsync();
        host.PumpTime();
        host.Emulator.Faults.FailNext(1, HttpStatusCode.TooManyRequests, "/interaction/v1/async/events");
        var first = await host.Client.Journeys.EnterAsync("APIEvent-newsletter", Enumerable.Range(0, 150).Select(i => new JourneyMember("t-" + i)));
        Assert.Equal(150, first.Queued);
        Assert.Equal(1, first.Throttles);
        Assert.Equal(150, host.Emulator.JourneyEntries.Count);

        host.Emulator.Faults.FailNext(1, HttpStatusCode.InternalServerError, "/interaction/v1/async/events");
        var second = await host.Client.Journeys.EnterAsync("APIEvent-newsletter", Enumerable.Range(0, 50).Select(i => new JourneyMember("u-" + i)));
        Assert.Equal(0, second.Queued);
        Assert.Equal(50, second.Errors.Count);
        Assert.All(second.Errors, e => Assert.Contains("may or may not have been queued", e.Message, StringComparison.Ordinal));
        Assert.Equal(150, host.Emulator.JourneyEntries.Count); // the 500 was not replayed
    }
}
