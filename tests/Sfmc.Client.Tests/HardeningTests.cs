using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using System.Xml;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sfmc.Client.Soap;
using Sfmc.Emulator;
using Sfmc.Soap;
using Xunit;

namespace Sfmc.Client.Tests;

/// <summary>
/// The client and the emulator against hostile or broken peers: bounded nesting, clean errors instead of a killed
/// process or an empty 500, in seconds. Sizes are chosen so each case runs quickly; the bounds are generous.
/// </summary>
public sealed class HardeningTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private const string Envelope = "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soap:Body>";

    /// <summary>A RetrieveResponse whose Subscriber result holds an element nested <paramref name="depth"/> deep (12,000 killed the process with a stack overflow).</summary>
    private static byte[] DeepRetrieveResponse(int depth) => Encoding.UTF8.GetBytes(
        Envelope + "<RetrieveResponseMsg xmlns=\"http://exacttarget.com/wsdl/partnerAPI\"><OverallStatus>OK</OverallStatus><RequestID>r</RequestID>"
        + "<Results xsi:type=\"Subscriber\"><SubscriberKey>s-1</SubscriberKey>"
        + string.Concat(Enumerable.Repeat("<Client>", depth)) + string.Concat(Enumerable.Repeat("</Client>", depth))
        + "</Results></RetrieveResponseMsg></soap:Body></soap:Envelope>");

    [Fact]
    public void The_SOAP_reader_refuses_nesting_past_its_limit_before_entering_it()
    {
        var xml = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("<a>", 12_000)) + string.Concat(Enumerable.Repeat("</a>", 12_000)));

        var reader = new SoapReader(xml);
        var ex = Assert.Throws<XmlException>(() =>
        {
            while (reader.Read())
            {
            }
        });

        Assert.Contains("nested deeper than the limit of 64 levels", ex.Message, StringComparison.Ordinal);
        Assert.Equal(64, reader.Depth + 1);

        // 64 levels read; a configured limit is honoured.
        var sixtyFour = new SoapReader(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("<a>", 64)) + string.Concat(Enumerable.Repeat("</a>", 64))));
        while (sixtyFour.Read())
        {
        }

        Assert.True(sixtyFour.IsEndOfDocument);
        Assert.Throws<XmlException>(() =>
        {
            var small = new SoapReader(Encoding.UTF8.GetBytes("<a><b><c></c></b></a>"), maxDepth: 2);
            while (small.Read())
            {
            }
        });
    }

    [Fact]
    public void A_deeply_nested_SOAP_response_is_an_SfmcException_naming_the_limit_not_a_stack_overflow()
    {
        // The nesting is inside a typed object, so the generated reader recurses into it until the limit stops it.
        var ex = Assert.Throws<SfmcException>(() => SfmcSoapClient.ParsePage("Retrieve", DeepRetrieveResponse(12_000), static r => r.ReadObject<Subscriber>()));

        Assert.Contains("nested deeper than the limit of 64 levels (SfmcClientOptions.MaxSoapDepth)", ex.Message, StringComparison.Ordinal);
        var ok = SfmcSoapClient.ParsePage("Retrieve", DeepRetrieveResponse(40), static r => r.ReadObject<Subscriber>());
        Assert.Equal("s-1", Assert.Single(ok.Results)!.SubscriberKey);
    }

    [Fact]
    public async Task MaxSoapDepth_reaches_the_reader_of_every_SOAP_answer()
    {
        await using var emulator = await SfmcEmulator.StartAsync();
        var services = new ServiceCollection();
        services.AddSfmc(o =>
        {
            TestHost.Configure(o, emulator);
            o.MaxSoapDepth = 20;
        }).AddHttpMessageHandler(() => new AnswerHandler(DeepRetrieveResponse(20)));
        await using var provider = services.BuildServiceProvider();

        var ex = await Assert.ThrowsAsync<SfmcException>(async () => await provider.GetRequiredService<SfmcClient>().Soap.RetrieveAsync<Subscriber>().ToListAsync());

        Assert.Contains("limit of 20 levels", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(15)]
    [InlineData(1001)]
    public void MaxSoapDepth_is_validated_at_start(int depth)
    {
        var services = new ServiceCollection();
        services.AddSfmc(o =>
        {
            o.AuthBaseUri = new Uri("https://mc0000000000000000000000000.auth.marketingcloudapis.com/");
            o.ClientId = "id";
            o.ClientSecret = "secret";
            o.MaxSoapDepth = depth;
        });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<SfmcClientOptions>>().Get(Options.DefaultName));
        Assert.Contains("MaxSoapDepth must be between 16 and 1000", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Body")]
    [InlineData("Header")]
    public async Task The_emulator_refuses_deep_SOAP_requests_quickly_without_a_token(string where)
    {
        await using var emulator = await SfmcEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseUri };
        var deep = string.Concat(Enumerable.Repeat("<x>", 200_000)) + string.Concat(Enumerable.Repeat("</x>", 200_000));
        var envelope = where == "Header"
            ? $"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Header><fueloauth xmlns=\"http://exacttarget.com\">{deep}</fueloauth></s:Header><s:Body/></s:Envelope>"
            : $"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><RetrieveRequestMsg xmlns=\"http://exacttarget.com/wsdl/partnerAPI\"><RetrieveRequest><ObjectType>{deep}</ObjectType></RetrieveRequest></RetrieveRequestMsg></s:Body></s:Envelope>";
        var stopwatch = Stopwatch.StartNew();

        using var response = await http.PostAsync("Service.asmx", new StringContent(envelope, Encoding.UTF8, "text/xml"));

        // Before: ~50 s of CPU for 100,000 levels, then a stack overflow that killed the process at 200,000.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"took {stopwatch.Elapsed}");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        var fault = System.Xml.Linq.XDocument.Parse(body).Descendants().Single(e => e.Name.LocalName == "Fault");
        Assert.Equal("soap:Client", fault.Element("faultcode")!.Value);
        Assert.StartsWith("Server was unable to read request. ---> Elements are nested deeper than 64 levels.", fault.Element("faultstring")!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Many_attributes_on_one_tag_are_checked_in_linear_time_and_duplicates_still_refused()
    {
        // 4,000 namespace declarations and 4,000 attributes in them (137 KB) took 77 s; 100,000 plain attributes 27 s.
        var prefixed = new StringBuilder("<r");
        for (var i = 0; i < 4000; i++)
        {
            prefixed.Append(System.Globalization.CultureInfo.InvariantCulture, $" xmlns:p{i}=\"urn:n{i}\" p{i}:a=\"\"");
        }

        var plain = new StringBuilder("<r");
        for (var i = 0; i < 100_000; i++)
        {
            plain.Append(System.Globalization.CultureInfo.InvariantCulture, $" a{i}=\"v\"");
        }

        var stopwatch = Stopwatch.StartNew();
        foreach (var xml in new[] { prefixed + "/>", plain + "/>" })
        {
            var reader = new SoapReader(Encoding.UTF8.GetBytes(xml));
            Assert.True(reader.Read());
            Assert.True(reader.IsStartElement);
        }

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");

        // Past the pairwise count the same duplicates are refused: a name twice, and one namespace reached by two prefixes.
        var filler = string.Concat(Enumerable.Range(0, 12).Select(i => $" f{i}=\"1\""));
        Assert.Contains("appears twice", Assert.Throws<XmlException>(() => new SoapReader(Encoding.UTF8.GetBytes($"<r{filler} f3=\"2\"/>")).Read()).Message, StringComparison.Ordinal);
        Assert.Contains("are the same attribute of namespace 'urn:x'", Assert.Throws<XmlException>(() => new SoapReader(Encoding.UTF8.GetBytes($"<r xmlns:a=\"urn:x\" xmlns:b=\"urn:x\"{filler} a:k=\"1\" b:k=\"2\"/>")).Read()).Message, StringComparison.Ordinal);
        Assert.Contains("is not declared", Assert.Throws<XmlException>(() => new SoapReader(Encoding.UTF8.GetBytes($"<r{filler} z:k=\"1\"/>")).Read()).Message, StringComparison.Ordinal);
        var fine = new SoapReader(Encoding.UTF8.GetBytes($"<r xmlns:a=\"urn:x\" xmlns:b=\"urn:y\"{filler} a:k=\"1\" b:k=\"2\"/>"));
        Assert.True(fine.Read());
    }

    [Fact]
    public void Parsing_stops_when_the_callers_token_is_cancelled()
    {
        var many = Encoding.UTF8.GetBytes(Envelope + "<RetrieveResponseMsg xmlns=\"http://exacttarget.com/wsdl/partnerAPI\"><OverallStatus>OK</OverallStatus>"
            + string.Concat(Enumerable.Repeat("<Results xsi:type=\"Subscriber\"><SubscriberKey>k</SubscriberKey></Results>", 50_000))
            + "</RetrieveResponseMsg></soap:Body></soap:Envelope>");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => SfmcSoapClient.ParsePage("Retrieve", many, static r => r.ReadObject<Subscriber>(), cancellationToken: cancelled.Token));
        Assert.Equal(50_000, SfmcSoapClient.ParsePage("Retrieve", many, static r => r.ReadObject<Subscriber>()).Results.Count);
    }

    [Theory]
    [InlineData("hub/v1/dataevents/key:order_lines/rowset", "POST", "[1]", "not a number")]
    [InlineData("hub/v1/dataevents/key:order_lines/rowset", "POST", "[[]]", "not an array")]
    [InlineData("hub/v1/dataevents/key:order_lines/rowset", "POST", "{\"keys\":1}", "The rowset must be a JSON array.")]
    [InlineData("hub/v1/dataevents/key:order_lines/rowset", "POST", "[{\"keys\":", "Invalid JSON")]
    [InlineData("data/v1/async/dataextensions/key:order_lines/rows", "PUT", "{\"items\":[1]}", "not a number")]
    [InlineData("data/v1/async/dataextensions/key:order_lines/rows", "POST", "[]", "The body must be an object with an 'items' array.")]
    [InlineData("data/v1/async/dataextensions/key:order_lines/rows", "PUT", "{\"items\":[\"a\"]}", "not a string")]
    public async Task Malformed_rowsets_are_400_in_SFMCs_error_shape_never_an_empty_500(string path, string method, string body, string expected)
    {
        await using var host = await TestHost.StartAsync();
        using var http = new HttpClient { BaseAddress = host.Emulator.BaseUri };
        using var token = await http.PostAsync("v2/token", new StringContent($$"""{"grant_type":"client_credentials","client_id":"{{host.Emulator.ClientId}}","client_secret":"{{host.Emulator.ClientSecret}}"}""", Encoding.UTF8, "application/json"));
        var accessToken = System.Text.Json.JsonDocument.Parse(await token.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString();
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(10001, json.RootElement.GetProperty("errorcode").GetInt32());
        Assert.Contains(expected, json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_huge_name_in_broken_XML_is_quoted_short_in_the_error()
    {
        var name = new string('n', 20 * 1024 * 1024);
        var xml = Encoding.UTF8.GetBytes(Envelope + "<" + name + "></" + name + "x></soap:Body></soap:Envelope>");

        var ex = Assert.Throws<SfmcException>(() => SfmcSoapClient.ParsePage("Retrieve", xml, static r => r.ReadObject<Subscriber>()));

        Assert.True(ex.Message.Length < 1000, $"{ex.Message.Length} characters");
        Assert.Contains("… (20,971,520 bytes)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_huge_error_text_from_SFMC_is_quoted_short_in_the_exception()
    {
        var huge = new string('e', 5 * 1024 * 1024);
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensions.Add(DataExtensions.OrderLinesRow.Schema));
        var services = new ServiceCollection();
        services.AddSfmc(o => TestHost.Configure(o, emulator)).AddHttpMessageHandler(() => new AnswerHandler(request => request.RequestUri!.AbsolutePath.EndsWith("Service.asmx", StringComparison.Ordinal)
            ? new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StringContent(Envelope + $"<soap:Fault><faultcode>soap:Client</faultcode><faultstring>{huge}</faultstring></soap:Fault></soap:Body></soap:Envelope>", Encoding.UTF8, "text/xml") }
            : new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent($$"""{"message":"{{huge}}","errorcode":10001,"additionalErrors":[{"message":"{{huge}}"}]}""", Encoding.UTF8, "application/json") }));
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<SfmcClient>();

        var rest = await Assert.ThrowsAsync<SfmcValidationException>(async () => await client.DataExtension<DataExtensions.OrderLinesRow>().QueryAsync().ToListAsync());
        var soap = await Assert.ThrowsAsync<SfmcSoapFaultException>(async () => await client.Soap.RetrieveAsync<Subscriber>().ToListAsync());

        Assert.True(rest.Message.Length < 2500, $"{rest.Message.Length} characters");
        Assert.Contains("… (5,242,880 characters)", rest.Message, StringComparison.Ordinal);
        Assert.True(soap.Message.Length < 1500, $"{soap.Message.Length} characters");
        Assert.Equal(huge, soap.Fault.FaultString); // the fault itself keeps the whole text for whoever needs it
    }

    [Fact]
    public async Task The_emulator_quotes_a_huge_mismatched_name_short_in_its_fault()
    {
        await using var emulator = await SfmcEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseUri };
        var name = new string('n', 2 * 1024 * 1024);

        using var response = await http.PostAsync("Service.asmx", new StringContent($"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><{name}></{name}x></s:Body></s:Envelope>", Encoding.UTF8, "text/xml"));

        var fault = System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync()).Descendants("faultstring").Single().Value;
        Assert.True(fault.Length < 1100, $"{fault.Length} characters");
        Assert.StartsWith("Server was unable to read request.", fault, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hub/v1/dataevents/key:order_lines/rowset", 6, "application/json", "[", "5242880")]
    [InlineData("Service.asmx", 40, "text/xml", "<x>", "33554432")]
    [InlineData("data/v1/async/dataextensions/key:order_lines/rows", 40, "application/json", "{\"items\":[", "33554432")]
    public async Task A_chunked_body_over_the_endpoints_limit_is_a_413_when_the_limit_is_reached(string path, int megabytes, string contentType, string start, string limit)
    {
        await using var host = await TestHost.StartAsync();
        var token = await host.Services.GetRequiredService<SfmcClientFactory>().GetTokenProvider("").GetTokenAsync(null, CancellationToken.None);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(host.Emulator.BaseUri.Host, host.Emulator.BaseUri.Port);
        var stream = tcp.GetStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var answer = ReadAnswerAsync(stream, timeout.Token);

        // A chunked body (no Content-Length) far over the limit; the server answers when the limit is reached and
        // stops reading, so later writes may fail: what counts is the answer.
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /{path} HTTP/1.1\r\nHost: {host.Emulator.BaseUri.Authority}\r\nAuthorization: Bearer {token.AccessToken}\r\nContent-Type: {contentType}\r\nTransfer-Encoding: chunked\r\n\r\n"));
        var chunk = Encoding.ASCII.GetBytes($"{64 * 1024:x}\r\n{start}{new string(' ', 64 * 1024 - start.Length)}\r\n");
        try
        {
            for (var sent = 0L; sent < megabytes * 1024L * 1024 && !answer.IsCompleted; sent += 64 * 1024)
            {
                await stream.WriteAsync(chunk);
            }
        }
        catch (System.IO.IOException)
        {
        }

        var text = await answer;
        Assert.StartsWith("HTTP/1.1 413", text, StringComparison.Ordinal);
        Assert.Contains($"exceeds the maximum of {limit} bytes", text, StringComparison.Ordinal);
        Assert.Empty(await host.Emulator.GetRowsAsync(DataExtensions.OrderLinesRow.CustomerKey));
    }

    /// <summary>Reads an HTTP answer from a raw connection until its body has arrived or the server closes.</summary>
    private static async Task<string> ReadAnswerAsync(System.IO.Stream stream, CancellationToken cancellationToken)
    {
        var received = new StringBuilder();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return received.ToString();
            }

            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
            var text = received.ToString();
            if (text.Contains("bytes.", StringComparison.Ordinal))
            {
                return text;
            }
        }
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_is_answered_before_the_body_is_sent()
    {
        await using var emulator = await SfmcEmulator.StartAsync();
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(emulator.BaseUri.Host, emulator.BaseUri.Port);
        var stream = tcp.GetStream();
        var head = Encoding.ASCII.GetBytes($"POST /Service.asmx HTTP/1.1\r\nHost: {emulator.BaseUri.Authority}\r\nContent-Type: text/xml\r\nContent-Length: 1073741824\r\n\r\n<s:Envelope");
        await stream.WriteAsync(head);

        // Nothing more is sent: an emulator that waited for the 1 GB body would never answer.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer, timeout.Token);

        Assert.StartsWith("HTTP/1.1 413", Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_drips_after_its_headers_is_read_under_the_attempt_and_total_timeouts()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensions.Add(DataExtensions.OrderLinesRow.Schema));
        var services = new ServiceCollection();
        services.AddSfmc(o =>
        {
            TestHost.Configure(o, emulator);
            o.Retry.AttemptTimeout = TimeSpan.FromSeconds(1);
            o.Retry.TotalTimeout = TimeSpan.FromSeconds(2);
            o.Retry.MaxRetryAttempts = 1;
            o.Retry.BaseDelay = TimeSpan.FromMilliseconds(50);
        }).AddHttpMessageHandler(() => new AnswerHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new EndlessStream(TimeSpan.FromMilliseconds(100))) }));
        await using var provider = services.BuildServiceProvider();
        var stopwatch = Stopwatch.StartNew();

        // Before, the body was read after the pipeline had returned: still reading after 20 s.
        var ex = await Assert.ThrowsAsync<SfmcTransientException>(async () => await provider.GetRequiredService<SfmcClient>().DataExtension<DataExtensions.OrderLinesRow>().QueryAsync().ToListAsync());

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
        Assert.Contains("after 2 attempts", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_answer_larger_than_MaxResponseBytes_is_an_SfmcException_not_an_out_of_memory(bool declared)
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensions.Add(DataExtensions.OrderLinesRow.Schema));
        var services = new ServiceCollection();
        services.AddSfmc(o =>
        {
            TestHost.Configure(o, emulator);
            o.MaxResponseBytes = 2 * 1024 * 1024;
        }).AddHttpMessageHandler(() => new AnswerHandler(_ =>
        {
            HttpContent content = declared ? new ByteArrayContent(new byte[3 * 1024 * 1024]) : new StreamContent(new EndlessStream(TimeSpan.Zero));
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        }));
        await using var provider = services.BuildServiceProvider();

        var ex = await Assert.ThrowsAsync<SfmcException>(async () => await provider.GetRequiredService<SfmcClient>().Soap.RetrieveAsync<Subscriber>().ToListAsync());

        Assert.Contains("is larger than 2,097,152 bytes (SfmcClientOptions.MaxResponseBytes)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(declared, ex.Message.Contains("it declares 3,145,728", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_empty_page_that_says_MoreDataAvailable_ends_the_retrieve_instead_of_looping()
    {
        var requests = 0;
        await using var emulator = await SfmcEmulator.StartAsync();
        var services = new ServiceCollection();
        services.AddSfmc(o => TestHost.Configure(o, emulator)).AddHttpMessageHandler(() => new AnswerHandler(_ =>
        {
            Interlocked.Increment(ref requests);
            return new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(Envelope + "<RetrieveResponseMsg xmlns=\"http://exacttarget.com/wsdl/partnerAPI\"><OverallStatus>MoreDataAvailable</OverallStatus><RequestID>r-1</RequestID></RetrieveResponseMsg></soap:Body></soap:Envelope>", Encoding.UTF8, "text/xml"),
            };
        }));
        await using var provider = services.BuildServiceProvider();

        var ex = await Assert.ThrowsAsync<SfmcSoapException>(async () => await provider.GetRequiredService<SfmcClient>().Soap.RetrieveAsync<Subscriber>().ToListAsync());

        Assert.Contains("MoreDataAvailable for Subscriber with an empty page (RequestID r-1)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, requests);
    }

    [Fact]
    public async Task A_Retry_After_past_the_total_timeout_is_a_rate_limit_error_at_once_not_a_timeout()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensions.Add(DataExtensions.OrderLinesRow.Schema));
        var services = new ServiceCollection();
        services.AddSfmc(o =>
        {
            TestHost.Configure(o, emulator);
            o.Retry.TotalTimeout = TimeSpan.FromSeconds(20);
            o.Retry.AttemptTimeout = TimeSpan.FromSeconds(10);
            o.Retry.MaxRetryAttempts = 2;
        }).AddHttpMessageHandler(() => new AnswerHandler(_ => new HttpResponseMessage(HttpStatusCode.TooManyRequests)
        {
            Headers = { RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromDays(1)) },
            Content = new StringContent("""{"message":"Rate limit exceeded","errorcode":50100}""", Encoding.UTF8, "application/json"),
        }));
        await using var provider = services.BuildServiceProvider();
        var stopwatch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<SfmcRateLimitedException>(async () => await provider.GetRequiredService<SfmcClient>().DataExtension<DataExtensions.OrderLinesRow>().QueryAsync().ToListAsync());

        // Before: slept until the 20 s total timeout, then an SfmcTransientException that hid the throttling.
        Assert.Equal(TimeSpan.FromDays(1), ex.RetryAfter);
        Assert.Contains("answered 429 after 1 attempts", ex.Message, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task A_DTD_in_an_answer_is_refused_as_it_arrives_not_after_the_body()
    {
        // The prolog comes a byte at a time, then the body never ends: the DTD must be refused from what has arrived.
        await using var emulator = await SfmcEmulator.StartAsync();
        var services = new ServiceCollection();
        services.AddSfmc(o => TestHost.Configure(o, emulator)).AddHttpMessageHandler(() => new AnswerHandler(_ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new EndlessStream(TimeSpan.FromMilliseconds(20), "\uFEFF<?xml version=\"1.0\"?>\n<!-- a -- comment? -->\n<!DOCTYPE soap [<!ENTITY a \"aaaa\">"u8.ToArray())),
        }));
        await using var provider = services.BuildServiceProvider();
        var stopwatch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<SfmcException>(async () => await provider.GetRequiredService<SfmcClient>().Soap.RetrieveAsync<Subscriber>().ToListAsync());

        Assert.Contains("declares a DTD (a DOCTYPE)", ex.Message, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"took {stopwatch.Elapsed}"); // the attempt timeout is 100 s
    }

    [Theory]
    [InlineData("<?xml version=\"1.0\" encoding=\"utf-8\"?><!DOCTYPE x []><x/>", "Doctype")]
    [InlineData("\uFEFF \r\n<!DOCTYPE x><x/>", "Doctype")]
    [InlineData("<?pi a?b ??><!-- <!DOCTYPE x> - -- --><!--x--><!DOCTYPE", "Doctype")]
    [InlineData("<?xml version=\"1.0\"?><soap:Envelope><!DOCTYPE x></soap:Envelope>", "Done")]
    [InlineData("<!-- <!DOCTYPE x> --><x/>", "Done")]
    [InlineData("<!DOCTYP", "More")]
    [InlineData("<!DOCTYPO x>", "Done")]
    [InlineData("<!- x -->", "Done")]
    [InlineData("{\"items\":[]}", "Done")]
    [InlineData("<?xml version=\"1.0\"?><!-- open", "More")]
    public void The_XML_prolog_is_judged_the_same_however_its_bytes_are_split(string text, string expected)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var scanner = new XmlPrologScanner();
            var verdict = scanner.Scan(bytes.AsSpan(0, split));
            if (verdict == XmlPrologScanner.Verdict.More)
            {
                verdict = scanner.Scan(bytes.AsSpan(split));
            }

            Assert.Equal(expected, verdict.ToString());
        }

        var bytewise = new XmlPrologScanner();
        var last = XmlPrologScanner.Verdict.More;
        for (var i = 0; i < bytes.Length && last == XmlPrologScanner.Verdict.More; i++)
        {
            last = bytewise.Scan(bytes.AsSpan(i, 1));
        }

        Assert.Equal(expected, last.ToString());
    }

    [Fact]
    public async Task A_full_SOAP_page_of_a_wide_DE_is_far_under_the_default_response_limit()
    {
        // 2,500 rows (one SOAP page) of 50 Text(100) fields, each full: the measurement behind MaxResponseBytes' default.
        var fields = Enumerable.Range(0, 50).Select(i => new DataExtensionFieldInfo($"field {i:00}", $"Field{i:00}", DataExtensionFieldType.Text, 100, null, i == 0, i == 0, null)).ToList();
        var wide = new DataExtensionInfo("wide", "Wide", null, false, null, null, fields);
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensions.Add(wide));
        await emulator.AddRowsAsync("wide", Enumerable.Range(0, 2500).Select(r => (IReadOnlyDictionary<string, object?>)fields.ToDictionary(f => f.Name, f => (object?)(f.IsPrimaryKey ? $"row-{r:00000}" : new string('x', 100)))));
        var token = await TokenAsync(emulator);
        using var http = new HttpClient { BaseAddress = emulator.BaseUri };
        var envelope = $"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Header><fueloauth xmlns=\"http://exacttarget.com\">{token}</fueloauth></s:Header><s:Body><RetrieveRequestMsg xmlns=\"http://exacttarget.com/wsdl/partnerAPI\"><RetrieveRequest><ObjectType>DataExtensionObject[wide]</ObjectType>{string.Concat(fields.Select(f => $"<Properties>{f.Name}</Properties>"))}</RetrieveRequest></RetrieveRequestMsg></s:Body></s:Envelope>";

        using var response = await http.PostAsync("Service.asmx", new StringContent(envelope, Encoding.UTF8, "text/xml"));
        var bytes = (await response.Content.ReadAsByteArrayAsync()).Length;
        log.WriteLine($"A SOAP page of 2,500 rows x 50 full Text(100) fields: {bytes:N0} bytes.");

        Assert.Equal(2500, SfmcSoapClient.ParsePage("Retrieve", await response.Content.ReadAsByteArrayAsync(), static r => r.ReadObject<DataExtensionObject>()).Results.Count);
        Assert.InRange(bytes, 10_000_000, new SfmcClientOptions().MaxResponseBytes / 4);
    }

    [Fact]
    public async Task REST_and_SOAP_calls_are_traced_on_the_Sfmc_activity_source_with_their_tags()
    {
        var activities = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Sfmc" or "Sfmc.Tests.Trace",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = await TestHost.StartAsync();
        await host.Emulator.AddSoapObjectsAsync("Subscriber", "SubscriberKey", [new Dictionary<string, string?> { ["SubscriberKey"] = "s-1", ["EmailAddress"] = "s@example.com", ["Status"] = "Active" }]);
        // Other tests run in parallel and trace too: only this test's trace (children of this activity) counts.
        using var source = new ActivitySource("Sfmc.Tests.Trace");
        using var parent = source.StartActivity("test")!;

        await host.Client.DataExtension<DataExtensions.OrderLinesRow>().UpsertAsync([new DataExtensions.OrderLinesRow { OrderId = "A", LineNo = 1, Sku = "s", UnitPrice = 1m }]);
        await host.Client.Soap.RetrieveAsync<Subscriber>().ToListAsync();

        var traced = activities.Where(a => a.TraceId == parent.TraceId && a.Source.Name == "Sfmc").ToList();
        var upsert = Assert.Single(traced, a => a.OperationName == "Sfmc.DataExtension.Upsert");
        Assert.Equal("order_lines|sync|1|0", $"{upsert.GetTagItem("sfmc.data_extension.key")}|{upsert.GetTagItem("sfmc.api")}|{upsert.GetTagItem("sfmc.rows.written")}|{upsert.GetTagItem("sfmc.rows.failed")}");
        var retrieve = Assert.Single(traced, a => a.OperationName == "Sfmc.Soap.Retrieve");
        Assert.Equal("Subscriber|1", $"{retrieve.GetTagItem("sfmc.soap.object_type")}|{retrieve.GetTagItem("sfmc.soap.pages")}");
        Assert.All(traced, a => Assert.Equal(ActivityStatusCode.Unset, a.Status));
    }

    private static async Task<string> TokenAsync(SfmcEmulator emulator)
    {
        using var http = new HttpClient { BaseAddress = emulator.BaseUri };
        using var response = await http.PostAsync("v2/token", new StringContent($$"""{"grant_type":"client_credentials","client_id":"{{emulator.ClientId}}","client_secret":"{{emulator.ClientSecret}}"}""", Encoding.UTF8, "application/json"));
        return System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>A body that never ends: <paramref name="prefix"/>, then a byte every <paramref name="interval"/> (or as fast as read), until cancelled.</summary>
    private sealed class EndlessStream(TimeSpan interval, byte[]? prefix = null) : System.IO.Stream
    {
        private int _sent;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => 0; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (prefix is not null && _sent < prefix.Length)
            {
                cancellationToken.ThrowIfCancellationRequested();
                buffer.Span[0] = prefix[_sent++];
                return 1;
            }

            if (interval > TimeSpan.Zero)
            {
                await Task.Delay(interval, cancellationToken);
                buffer.Span[0] = (byte)'<';
                return 1;
            }

            cancellationToken.ThrowIfCancellationRequested();
            buffer.Span.Fill((byte)' ');
            return buffer.Length;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, System.IO.SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Answers every SOAP call with a fixed body (a broken or hostile SFMC); the token still comes from the emulator.</summary>
    private sealed class AnswerHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : DelegatingHandler
    {
        public AnswerHandler(byte[] body)
            : this(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) { Headers = { { "Content-Type", "text/xml; charset=utf-8" } } } })
        {
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(answer(request));
    }
}

/// <summary>Runs alone (no other test allocating meanwhile), because it counts the process's allocated bytes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "Allocation counts";
}

[Collection(AllocationCollection.Name)]
public sealed class ResponseMemoryTests
{
    [Theory]
    [InlineData(true, 1.1)]
    [InlineData(false, 2.1)]
    public async Task An_answer_costs_about_one_byte_of_memory_per_byte_of_body(bool declared, double most)
    {
        // Before: a growing MemoryStream, then HttpContent's copy (and LoadIntoBuffer's): 3-4 bytes allocated per byte.
        const int Size = 32 * 1024 * 1024;
        var body = new byte[Size];
        Random.Shared.NextBytes(body);
        using var http = new HttpClient(new SfmcResponseBufferHandler(128L * 1024 * 1024) { InnerHandler = new BodyHandler(body, declared) });
        await ReadAsync(http); // warm up: JIT, pools

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var read = await ReadAsync(http);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(body, read);
        Assert.True(allocated < most * Size, $"{allocated:N0} bytes allocated for a body of {Size:N0} ({(double)allocated / Size:F2} per byte)");
    }

    private static async Task<byte[]> ReadAsync(HttpClient http)
    {
        using var response = await http.GetAsync("http://127.0.0.1/", HttpCompletionOption.ResponseHeadersRead);
        return await SfmcBufferedContent.ReadBytesAsync(response.Content, CancellationToken.None);
    }

    /// <summary>Answers with <paramref name="body"/>, its length declared or not (as a chunked answer), read without copying it.</summary>
    private sealed class BodyHandler(byte[] body, bool declared) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new BodyContent(body, declared) });
    }

    private sealed class BodyContent(byte[] body, bool declared) : HttpContent
    {
        protected override Task SerializeToStreamAsync(System.IO.Stream stream, TransportContext? context) => stream.WriteAsync(body, 0, body.Length);

        protected override Task<System.IO.Stream> CreateContentReadStreamAsync() => Task.FromResult<System.IO.Stream>(new System.IO.MemoryStream(body, writable: false));

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return declared;
        }
    }
}
