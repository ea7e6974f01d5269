using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Sfmc.Client.Tests.DataExtensions;
using Sfmc.Client.Tests.Rest;
using Xunit;

namespace Sfmc.Client.Tests;

public sealed class JsonFuzzTests(Xunit.Abstractions.ITestOutputHelper log)
{
    [Theory]
    [InlineData(1, 400)]
    [InlineData(2, 400)]
    public async Task Damaged_JSON_answers_end_in_a_result_or_an_SfmcException(int seed, int iterations)
    {
        var mutator = new JsonMutator(seed);
        await using var host = await TestHost.StartAsync(
            o => o.DeclarationFiles.Add(System.IO.Path.Combine(AppContext.BaseDirectory, "TestData", "Declarations", "sfmc.json")),
            c => c.Retry.MaxRetryAttempts = 1,
            (services, _) =>
            {
                services.AddHttpClient(SfmcClientFactory.ApiClientName("")).AddHttpMessageHandler(() => new MutatingHandler(mutator));
                services.AddHttpClient(SfmcClientFactory.AuthClientName("")).AddHttpMessageHandler(() => new MutatingHandler(mutator));
            });
        host.PumpTime();
        var client = host.Client;
        var tokens = host.Services.GetRequiredService<SfmcClientFactory>().GetTokenProvider("");
        SfmcToken? token = null;
        var operations = new (string Name, Func<Task> Run)[]
        {
            ("token", async () => token = await tokens.GetTokenAsync(token, CancellationToken.None)),
            ("upsert", () => client.DataExtension<OrderLinesRow>().UpsertAsync(Lines(3))),
            ("insert", () => client.DataExtension<OrderLinesRow>().InsertAsync(Lines(3))),
            ("async upsert", () => client.DataExtension<OrderLinesRow>().UpsertAsync(Lines(60), new DataExtensionWriteOptions { Api = DataExtensionApi.Async })),
            ("query", async () => await client.DataExtension<OrderLinesRow>().QueryAsync(2).Take(5).ToListAsync()),
            ("get", () => client.DataExtension<OrderLinesRow>().GetAsync(new DataExtensionPrimaryKey(new(OrderLinesRow.Fields.OrderId, "A0"), new(OrderLinesRow.Fields.LineNo, 1)))),
            ("journey", () => client.Journeys.EnterAsync("APIEvent-newsletter", "contact-1")),
            ("journey batch", () => client.Journeys.EnterAsync("APIEvent-newsletter", Enumerable.Range(0, 3).Select(i => new JourneyMember("c-" + i, new Dictionary<string, object?> { ["n"] = i })))),
            ("email", () => client.Transactional.Email.SendAsync("receipt-email", new TransactionalRecipient("c-1", "c1@example.com"))),
            ("email batch", () => client.Transactional.Email.SendAsync("receipt-email", Enumerable.Range(0, 3).Select(i => new TransactionalRecipient("c-" + i, $"c{i}@example.com")))),
            ("email status", () => client.Transactional.Email.GetStatusAsync("m-1")),
            ("sms", () => client.Transactional.Sms.SendAsync("login-code-sms", new TransactionalRecipient("c-1", "15555550100"))),
            ("rest", () => client.Rest.SendEmailToSingleRecipientAsync("fuzz-" + Guid.NewGuid().ToString("N"), new SendEmailToSingleRecipientRequest { DefinitionKey = "receipt-email", Recipient = new Recipient { ContactKey = "c-1", To = "c1@example.com" } })),
        };
        var random = new Random(seed);
        var failures = new List<string>();
        for (var i = 0; i < iterations; i++)
        {
            var (name, run) = operations[random.Next(operations.Length)];
            mutator.Arm(random.Next(3) != 0);
            var stopwatch = Stopwatch.StartNew();
            try
            {
                await run();
            }
            catch (SfmcException)
            {
            }
            catch (Exception ex)
            {
                failures.Add($"#{i} {name} after {mutator.Last}: {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
            }

            if (stopwatch.Elapsed > TimeSpan.FromSeconds(10))
            {
                failures.Add($"#{i} {name} took {stopwatch.Elapsed} after {mutator.Last}");
            }
        }

        foreach (var f in failures.Take(20))
        {
            log.WriteLine(f);
        }

        Assert.Empty(failures);
    }

    [Theory]
    [InlineData(1, 1500)]
    public async Task The_emulator_answers_damaged_JSON_requests_with_SFMCs_errors_never_a_500(int seed, int iterations)
    {
        await using var emulator = await Sfmc.Emulator.SfmcEmulator.StartAsync(o =>
        {
            o.DataExtensions.Add(OrderLinesRow.Schema);
            o.DeclarationFiles.Add(System.IO.Path.Combine(AppContext.BaseDirectory, "TestData", "Declarations", "sfmc.json"));
        });
        using var http = new HttpClient { BaseAddress = emulator.BaseUri };
        var credentials = $$"""{"grant_type":"client_credentials","client_id":"{{emulator.ClientId}}","client_secret":"{{emulator.ClientSecret}}"}""";
        using (var tokenAnswer = await http.PostAsync("v2/token", new StringContent(credentials, Encoding.UTF8, "application/json")))
        {
            var token = JsonNode.Parse(await tokenAnswer.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        (HttpMethod Method, string Path, string Body)[] seeds =
        [
            (HttpMethod.Post, "v2/token", credentials),
            (HttpMethod.Post, "hub/v1/dataevents/key:order_lines/rowset", """[{"keys":{"order id":"A1","line no":1},"values":{"sku":"s","unit price":1.5}}]"""),
            (HttpMethod.Put, "data/v1/async/dataextensions/key:order_lines/rows", """{"items":[{"order id":"A1","line no":2,"sku":"s","unit price":1.5}]}"""),
            (HttpMethod.Post, "data/v1/async/dataextensions/key:order_lines/rows", """{"items":[{"order id":"A2","line no":1,"sku":"s","unit price":"2.5"}]}"""),
            (HttpMethod.Post, "interaction/v1/events", """{"ContactKey":"c-1","EventDefinitionKey":"APIEvent-newsletter","Data":{"n":1}}"""),
            (HttpMethod.Post, "interaction/v1/async/events", """{"eventDefinitionKey":"APIEvent-newsletter","members":[{"contactKey":"c-1","data":{"n":1}},{"contactKey":"c-2","data":{}}]}"""),
            (HttpMethod.Post, "messaging/v1/email/messages/m-1", """{"definitionKey":"receipt-email","recipient":{"contactKey":"c-1","to":"c1@example.com","attributes":{"a":1}}}"""),
            (HttpMethod.Post, "messaging/v1/email/messages", """{"definitionKey":"receipt-email","recipients":[{"contactKey":"c-1","to":"c1@example.com","messageKey":"k1"}]}"""),
            (HttpMethod.Post, "messaging/v1/sms/messages", """{"definitionKey":"login-code-sms","recipients":[{"contactKey":"c-1","to":"15555550100","messageKey":"s1"}]}"""),
            (HttpMethod.Post, "messaging/v1/messageDefinitionSends/key:order-confirmation/send", """{"To":{"Address":"x@example.com","SubscriberKey":"s1","ContactAttributes":{"SubscriberAttributes":{"First Name":"A"}}}}"""),
            (HttpMethod.Post, "sms/v1/messageContact/MTA6Nzg6MA/send", """{"mobileNumbers":["15555550100"],"Subscribe":true,"Resubscribe":true,"keyword":"SALE","Override":true,"messageText":"hi"}"""),
        ];
        var mutator = new JsonMutator(seed, always: true);
        var random = new Random(seed);
        var failures = new List<string>();
        for (var i = 0; i < iterations; i++)
        {
            var (method, path, body) = seeds[random.Next(seeds.Length)];
            mutator.Arm(true);
            var damaged = mutator.Damage(body) ?? body;
            using var answer = await http.SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent(damaged, Encoding.UTF8, "application/json") });
            var text = await answer.Content.ReadAsStringAsync();
            if ((int)answer.StatusCode >= 500)
            {
                failures.Add($"#{i} {method} {path} ← {mutator.Last}: {(int)answer.StatusCode} {text}");
            }
            else if (!answer.IsSuccessStatusCode && !IsJsonObject(text))
            {
                failures.Add($"#{i} {method} {path} ← {mutator.Last}: {(int)answer.StatusCode} without an error body: {text}");
            }
        }

        // Whatever the emulator accepted reads back through the typed client.
        var services = new ServiceCollection();
        services.AddSfmc(o => TestHost.Configure(o, emulator));
        await using var provider = services.BuildServiceProvider();
        var stored = await provider.GetRequiredService<SfmcClient>().DataExtension<OrderLinesRow>().QueryAsync().ToListAsync();
        log.WriteLine($"{stored.Count} rows stored");

        foreach (var f in failures.Take(20))
        {
            log.WriteLine(f);
        }

        Assert.Empty(failures);
    }

    private static bool IsJsonObject(string text)
    {
        try
        {
            return JsonNode.Parse(text) is JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    [Fact]
    public async Task An_unreadable_answer_is_an_SfmcResponseFormatException_naming_the_call_or_fails_its_batch_as_unknown()
    {
        await using var host = await TestHost.StartAsync(
            o => o.DeclarationFiles.Add(System.IO.Path.Combine(AppContext.BaseDirectory, "TestData", "Declarations", "sfmc.json")),
            services: (services, _) => services.AddHttpClient(SfmcClientFactory.ApiClientName("")).AddHttpMessageHandler(() => new ReplacingHandler("/interaction/v1/async/events", "/rowset", "/status")));
        var client = host.Client;

        var query = await Assert.ThrowsAsync<SfmcResponseFormatException>(async () => await client.DataExtension<OrderLinesRow>().QueryAsync().ToListAsync());
        Assert.StartsWith("SFMC's answer to GET /data/v1/customobjectdata/key/order_lines/rowset could not be read: '<' is an invalid start of a value.", query.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(query.InnerException);

        var journey = await client.Journeys.EnterAsync("APIEvent-newsletter", Enumerable.Range(0, 3).Select(i => new JourneyMember("c-" + i, null)));
        Assert.Equal(["c-0", "c-1", "c-2"], journey.Errors.Select(e => e.ContactKey));
        Assert.All(journey.Errors, e => Assert.StartsWith("The members may or may not have been queued (SFMC's answer could not be read): SFMC's answer to POST /interaction/v1/async/events", e.Message, StringComparison.Ordinal));

        var write = await client.DataExtension<OrderLinesRow>().UpsertAsync(Lines(4), new DataExtensionWriteOptions { Api = DataExtensionApi.Async });
        Assert.Equal(4, write.FailedRows.Count);
        Assert.All(write.FailedRows, f => Assert.StartsWith($"The outcome of async request {write.AsyncRequestIds.Single()} is unknown: SFMC's answer to GET /data/v1/async/", f.Message, StringComparison.Ordinal));
    }

    private static IEnumerable<OrderLinesRow> Lines(int count) =>
        Enumerable.Range(0, count).Select(i => new OrderLinesRow { OrderId = "A" + i, LineNo = 1, Sku = "s" + i, UnitPrice = 1.5m });

    private sealed class JsonMutator(int seed, bool always = false)
    {
        private readonly Random _random = new(seed);
        private readonly object _gate = new();
        private bool _armed;

        public string Last { get; private set; } = "";

        public void Arm(bool armed)
        {
            lock (_gate)
            {
                _armed = armed;
                Last = "no damage";
            }
        }

        public string? Damage(string json)
        {
            lock (_gate)
            {
                if (!_armed || (!always && _random.Next(2) == 0))
                {
                    return null;
                }

                var kind = _random.Next(8);
                switch (kind)
                {
                    case 0:
                        var cut = _random.Next(json.Length + 1);
                        Last = $"cut at {cut} of {json}";
                        return json[..cut];
                    case 1:
                        Last = "not JSON";
                        return _random.Next(2) == 0 ? "<html><body>Service Unavailable</body></html>" : "";
                }

                JsonNode? root;
                try
                {
                    root = JsonNode.Parse(json);
                }
                catch (System.Text.Json.JsonException)
                {
                    return null;
                }

                var nodes = new List<(JsonNode? Parent, string? Property, int Index, JsonNode? Node)>();
                Walk(null, null, -1, root, nodes);
                var (parent, property, index, node) = nodes[_random.Next(nodes.Count)];
                var replacement = Replacement();
                if (parent is null)
                {
                    Last = $"whole body → {replacement?.ToJsonString() ?? "null"} (was {json})";
                    return replacement?.ToJsonString() ?? "null";
                }

                if (parent is JsonObject obj && kind == 2)
                {
                    obj.Remove(property!);
                    Last = $"removed {property} from {json}";
                }
                else if (parent is JsonObject o2 && kind == 3)
                {
                    o2.Remove(property!);
                    o2[property!.ToUpperInvariant()] = node?.DeepClone();
                    Last = $"renamed {property} in {json}";
                }
                else if (parent is JsonObject o3)
                {
                    o3[property!] = replacement;
                    Last = $"{property} → {replacement?.ToJsonString() ?? "null"} in {json}";
                }
                else if (parent is JsonArray array)
                {
                    array[index] = replacement;
                    Last = $"[{index}] → {replacement?.ToJsonString() ?? "null"} in {json}";
                }

                return root!.ToJsonString();
            }
        }

        private JsonNode? Replacement() => _random.Next(12) switch
        {
            0 => null,
            1 => JsonValue.Create(true),
            2 => JsonValue.Create(-1),
            3 => JsonValue.Create(0),
            4 => JsonNode.Parse("1e308"),
            5 => JsonValue.Create("x"),
            6 => JsonValue.Create(""),
            7 => JsonValue.Create(new string('y', 5000)),
            8 => new JsonObject(),
            9 => new JsonArray(),
            10 => JsonNode.Parse(string.Concat(Enumerable.Repeat("[", 60)) + string.Concat(Enumerable.Repeat("]", 60))),
            _ => JsonValue.Create("12"),
        };

        private static void Walk(JsonNode? parent, string? property, int index, JsonNode? node, List<(JsonNode?, string?, int, JsonNode?)> nodes)
        {
            nodes.Add((parent, property, index, node));
            if (node is JsonObject obj)
            {
                foreach (var (key, value) in obj.ToList())
                {
                    Walk(obj, key, -1, value, nodes);
                }
            }
            else if (node is JsonArray array)
            {
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(array, null, i, array[i], nodes);
                }
            }
        }
    }

    private sealed class MutatingHandler(JsonMutator mutator) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) != true)
            {
                return response;
            }

            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var damaged = mutator.Damage(text);
            if (damaged is not null)
            {
                var type = response.Content.Headers.ContentType;
                response.Content = new StringContent(damaged, Encoding.UTF8);
                response.Content.Headers.ContentType = type;
            }

            return response;
        }
    }

    /// <summary>Answers the calls whose path ends with one of <paramref name="paths"/> (query string aside) with an HTML page.</summary>
    private sealed class ReplacingHandler(params string[] paths) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode && paths.Any(p => request.RequestUri!.AbsolutePath.EndsWith(p, StringComparison.Ordinal)))
            {
                response.Content = new StringContent("<html><body>Service Unavailable</body></html>", Encoding.UTF8, "application/json");
            }

            return response;
        }
    }
}
