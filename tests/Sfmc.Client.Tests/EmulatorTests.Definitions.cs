using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using System.Xml.Linq;
using Sfmc.Client.Tests.DataExtensions;
using Sfmc.Emulator;
using Xunit;

namespace Sfmc.Client.Tests;

/// <summary>
/// What sfmc-devtools (mcdev) needs of the emulator, raw over HTTP: token requests with a numeric account_id,
/// the DataFolder tree per business unit, DataExtensionTemplate, DataExtension retrieve with CategoryID, dates and
/// retention, DataExtension Create (folder, empty DefaultValue) and Update (allowed and refused changes).
/// </summary>
public sealed partial class EmulatorTests
{
    private static readonly XNamespace Api = "http://exacttarget.com/wsdl/partnerAPI";

    [Theory]
    [InlineData("""{"grant_type":"client_credentials","client_id":"emulator-client-id","client_secret":"emulator-client-secret","account_id":7281698}""", "7281698")]
    [InlineData("""{"grant_type":"client_credentials","client_id":"emulator-client-id","client_secret":"emulator-client-secret","account_id":"7281698"}""", "7281698")]
    [InlineData("""{"grant_type":"client_credentials","client_id":"emulator-client-id","client_secret":"emulator-client-secret"}""", null)]
    public async Task A_token_request_takes_account_id_as_a_number_or_a_string(string body, string? accountId)
    {
        await using var emulator = await SfmcEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseUri };

        using var response = await http.PostAsync("v2/token", Json(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(accountId, Assert.Single(emulator.TokenGrants).AccountId);
    }

    [Theory]
    [InlineData("application/json", "{")]
    [InlineData("application/json", "[1]")]
    [InlineData("application/json", """{"grant_type":"client_credentials","client_id":{"id":1}}""")]
    [InlineData("application/json", "")]
    [InlineData("application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=%ZZ")]
    public async Task A_malformed_token_request_is_a_400_in_SFMCs_shape_never_an_empty_500(string contentType, string body)
    {
        await using var emulator = await SfmcEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseUri };

        using var response = await http.PostAsync("v2/token", new StringContent(body, Encoding.UTF8, contentType));

        var text = await response.Content.ReadAsStringAsync();
        if (contentType.StartsWith("application/x-www-form", StringComparison.Ordinal))
        {
            // A form whose escapes are broken still parses (as ASP.NET Core does it): refused as an unknown client.
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("invalid_client", JsonDocument.Parse(text).RootElement.GetProperty("error").GetString());
            return;
        }

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(text);
        Assert.Equal("invalid_request", json.RootElement.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("error_description").GetString()));
        Assert.Empty(emulator.TokenGrants);
    }

    [Fact]
    public async Task Each_business_unit_has_its_root_folders_and_keeps_the_folders_created_in_it()
    {
        await using var emulator = await SfmcEmulator.StartAsync();
        using var parent = await AuthorizedAsync(emulator, "1111111");
        using var child = await AuthorizedAsync(emulator, "2222222");
        const string ContentTypes = "<Filter xsi:type=\"SimpleFilterPart\"><Property>ContentType</Property><SimpleOperator>IN</SimpleOperator><Value>dataextension</Value><Value>shared_dataextension</Value></Filter>";

        var roots = await RetrieveAsync(parent, "DataFolder", ["ID", "Name", "ContentType", "ParentFolder.ID", "Client.ID", "IsEditable"], ContentTypes);
        Assert.Equal(["Data Extensions|dataextension|0|1111111|false", "Shared Data Extensions|shared_dataextension|0|1111111|false"],
            roots.Select(r => $"{V(r, "Name")}|{V(r, "ContentType")}|{r.Element(Api + "ParentFolder")?.Element(Api + "ID")?.Value}|{r.Element(Api + "Client")?.Element(Api + "ID")?.Value}|{V(r, "IsEditable")}").Order(StringComparer.Ordinal));
        var deRoot = V(roots.Single(r => V(r, "ContentType") == "dataextension"), "ID");

        using var created = await SoapAsync(parent, "Create", $"<Objects xsi:type=\"DataFolder\"><Name>Campaigns</Name><CustomerKey>campaigns</CustomerKey><ContentType>dataextension</ContentType><ParentFolder><ID>{deRoot}</ID></ParentFolder></Objects>");
        var result = (await ResultsAsync(created)).Single();
        Assert.Equal("OK", V(result, "StatusCode"));
        var newId = V(result, "NewID");

        var again = await RetrieveAsync(parent, "DataFolder", ["ID", "Name", "ParentFolder.ID", "CustomerKey"], ContentTypes);
        var campaigns = again.Single(r => V(r, "ID") == newId);
        Assert.Equal(("Campaigns", deRoot, "campaigns"), (V(campaigns, "Name"), campaigns.Element(Api + "ParentFolder")!.Element(Api + "ID")!.Value, V(campaigns, "CustomerKey")));

        // The other business unit has roots of its own, and not the parent's folder.
        var childFolders = await RetrieveAsync(child, "DataFolder", ["ID", "Client.ID"], ContentTypes);
        Assert.Equal(2, childFolders.Count);
        Assert.All(childFolders, f => Assert.Equal("2222222", f.Element(Api + "Client")!.Element(Api + "ID")!.Value));
        Assert.DoesNotContain(childFolders, f => V(f, "ID") == newId || V(f, "ID") == deRoot);

        // A folder needs an existing parent of its own business unit.
        using var orphan = await SoapAsync(child, "Create", $"<Objects xsi:type=\"DataFolder\"><Name>Elsewhere</Name><ParentFolder><ID>{deRoot}</ID></ParentFolder></Objects>");
        Assert.Equal("Error", V((await ResultsAsync(orphan)).Single(), "StatusCode"));
    }

    [Fact]
    public async Task DataExtensionTemplate_retrieves_answer_OK_with_no_results()
    {
        await using var emulator = await SfmcEmulator.StartAsync();
        using var http = await AuthorizedAsync(emulator, null);

        using var response = await SoapAsync(http, "Retrieve", "<RetrieveRequest><ObjectType>DataExtensionTemplate</ObjectType><Properties>CustomerKey</Properties><Properties>Name</Properties></RetrieveRequest>");

        var body = XDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("OK", body.Descendants(Api + "OverallStatus").Single().Value);
        Assert.Empty(body.Descendants(Api + "Results"));
    }

    [Fact]
    public async Task DataExtensions_answer_mcdevs_properties_and_keep_the_folder_they_were_created_in()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensions.Add(OrderLinesRow.Schema));
        using var http = await AuthorizedAsync(emulator, "1111111");
        string[] properties = ["CategoryID", "CreatedDate", "CustomerKey", "DataRetentionPeriodLength", "DataRetentionPeriodUnitOfMeasure", "DeleteAtEndOfRetentionPeriod", "Description", "IsSendable", "IsTestable", "ModifiedDate", "Name", "ObjectID", "ResetRetentionPeriodOnImport", "RetainUntil", "RowBasedRetention", "SendableDataExtensionField.Name", "SendableSubscriberField.Name", "Template.CustomerKey"];
        var root = V((await RetrieveAsync(http, "DataFolder", ["ID", "ContentType"], null)).Single(f => V(f, "ContentType") == "dataextension"), "ID");

        var orderLines = (await RetrieveAsync(http, "DataExtension", properties, null)).Single();
        Assert.Equal(root, V(orderLines, "CategoryID"));
        Assert.Equal(("false", "false", "false", ""), (V(orderLines, "RowBasedRetention"), V(orderLines, "ResetRetentionPeriodOnImport"), V(orderLines, "DeleteAtEndOfRetentionPeriod"), V(orderLines, "RetainUntil")));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$", V(orderLines, "CreatedDate"));
        Assert.Null(orderLines.Element(Api + "Template"));

        using var folder = await SoapAsync(http, "Create", $"<Objects xsi:type=\"DataFolder\"><Name>Loyalty</Name><ParentFolder><ID>{root}</ID></ParentFolder></Objects>");
        var loyalty = V((await ResultsAsync(folder)).Single(), "NewID");
        using var created = await SoapAsync(http, "Create", $"""
            <Objects xsi:type="DataExtension"><CustomerKey>points</CustomerKey><Name>Points</Name><CategoryID>{loyalty}</CategoryID>
              <IsSendable>true</IsSendable><SendableDataExtensionField><Name>Contact</Name></SendableDataExtensionField><SendableSubscriberField><Name>_SubscriberKey</Name></SendableSubscriberField>
              <Fields><Field><Name>Contact</Name><FieldType>Text</FieldType><MaxLength>50</MaxLength><IsPrimaryKey>true</IsPrimaryKey><IsRequired>true</IsRequired><DefaultValue></DefaultValue></Field>
              <Field><Name>Balance</Name><FieldType>Number</FieldType><IsPrimaryKey>false</IsPrimaryKey><IsRequired>true</IsRequired><DefaultValue></DefaultValue></Field></Fields></Objects>
            """);
        Assert.Equal("OK", V((await ResultsAsync(created)).Single(), "StatusCode"));
        using var unknownFolder = await SoapAsync(http, "Create", "<Objects xsi:type=\"DataExtension\"><CustomerKey>lost</CustomerKey><Name>Lost</Name><CategoryID>999999</CategoryID><Fields><Field><Name>a</Name><FieldType>Text</FieldType></Field></Fields></Objects>");
        Assert.Contains("CategoryID 999999 is not a data extension folder", V((await ResultsAsync(unknownFolder)).Single(), "StatusMessage"), StringComparison.Ordinal);

        var points = (await RetrieveAsync(http, "DataExtension", properties, "<Filter xsi:type=\"SimpleFilterPart\"><Property>CustomerKey</Property><SimpleOperator>equals</SimpleOperator><Value>points</Value></Filter>")).Single();
        Assert.Equal((loyalty, "true", "Contact", "_SubscriberKey"), (V(points, "CategoryID"), V(points, "IsSendable"), points.Element(Api + "SendableDataExtensionField")!.Element(Api + "Name")!.Value, points.Element(Api + "SendableSubscriberField")!.Element(Api + "Name")!.Value));

        // An empty DefaultValue is no default: a new row without the required Balance is refused, not stored as "".
        var fields = await RetrieveAsync(http, "DataExtensionField", ["Name", "DefaultValue", "IsRequired"], "<Filter xsi:type=\"SimpleFilterPart\"><Property>DataExtension.CustomerKey</Property><SimpleOperator>equals</SimpleOperator><Value>points</Value></Filter>");
        Assert.All(fields, f => Assert.Null(f.Element(Api + "DefaultValue")));
        using var withoutBalance = await http.PostAsync("hub/v1/dataevents/key:points/rowset", Json("""[{"keys":{"Contact":"c-1"},"values":{}}]"""));
        Assert.Equal(HttpStatusCode.BadRequest, withoutBalance.StatusCode);
        Assert.Contains("[Balance] does not allow null values", await withoutBalance.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_DataExtension_update_changes_name_description_and_adds_fields()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensions.Add(OrderLinesRow.Schema));
        using var http = await AuthorizedAsync(emulator, null);
        var objectId = V((await RetrieveAsync(http, "DataExtension", ["ObjectID"], null)).Single(), "ObjectID");
        var sku = FieldId(await RetrieveAsync(http, "DataExtensionField", ["Name", "ObjectID"], null), "sku");

        // Found by ObjectID alone; the new field has no ObjectID; the sku field grows.
        using var response = await SoapAsync(http, "Update", $"""
            <Objects xsi:type="DataExtension"><ObjectID>{objectId}</ObjectID><Name>Order Lines v2</Name><Description>Now with coupons</Description>
              <Fields><Field><Name>coupon</Name><FieldType>Text</FieldType><MaxLength>20</MaxLength><IsRequired>false</IsRequired><DefaultValue></DefaultValue></Field>
              <Field><ObjectID>{sku}</ObjectID><MaxLength>80</MaxLength></Field></Fields></Objects>
            """);

        var result = (await ResultsAsync(response)).Single();
        Assert.Equal(("OK", "Data Extension updated."), (V(result, "StatusCode"), V(result, "StatusMessage")));
        var definition = (await RetrieveAsync(http, "DataExtension", ["Name", "Description"], null)).Single();
        Assert.Equal(("Order Lines v2", "Now with coupons"), (V(definition, "Name"), V(definition, "Description")));
        var fields = await RetrieveAsync(http, "DataExtensionField", ["Name", "MaxLength", "Ordinal"], null);
        Assert.Equal("80", V(fields.Single(f => V(f, "Name") == "sku"), "MaxLength"));
        Assert.Equal(("20", "8"), (V(fields.Single(f => V(f, "Name") == "coupon"), "MaxLength"), V(fields.Single(f => V(f, "Name") == "coupon"), "Ordinal")));

        // The new column takes values.
        using var upsert = await http.PostAsync("hub/v1/dataevents/key:order_lines/rowset", Json("""[{"keys":{"order id":"A","line no":1},"values":{"sku":"s","unit price":1,"coupon":"WELCOME10"}}]"""));
        Assert.Equal(HttpStatusCode.OK, upsert.StatusCode);
        Assert.Equal("WELCOME10", Assert.Single(await emulator.GetRowsAsync(OrderLinesRow.CustomerKey))["coupon"]);
    }

    [Theory]
    [InlineData("<Field><ObjectID>{sku}</ObjectID><FieldType>Number</FieldType></Field>", false, "The field type of 'sku' cannot be changed from Text to Number.")]
    [InlineData("<Field><ObjectID>{sku}</ObjectID><MaxLength>10</MaxLength></Field>", false, "The MaxLength of 'sku' cannot be decreased from 50 to 10.")]
    [InlineData("<Field><ObjectID>{note}</ObjectID><IsRequired>true</IsRequired></Field>", true, "The field 'note' cannot be made required: the data extension has rows.")]
    [InlineData("<Field><Name>region</Name><FieldType>Text</FieldType><MaxLength>5</MaxLength><IsPrimaryKey>true</IsPrimaryKey><IsRequired>true</IsRequired></Field>", true, "The primary key field 'region' cannot be added: the data extension has rows.")]
    [InlineData("<Field><Name>region</Name><FieldType>Text</FieldType><MaxLength>5</MaxLength><IsRequired>true</IsRequired><DefaultValue></DefaultValue></Field>", true, "The required field 'region' needs a default value to be added: the data extension has rows.")]
    [InlineData("<Field><Name>SKU</Name><FieldType>Text</FieldType></Field>", false, "The field name 'SKU' is used more than once")]
    [InlineData("<Field><ObjectID>{sku}</ObjectID><IsPrimaryKey>true</IsPrimaryKey></Field>", false, "'sku' cannot be added to the primary key of an existing data extension.")]
    public async Task A_DataExtension_update_that_SFMC_refuses_is_a_per_object_error_and_changes_nothing(string field, bool withRows, string expected)
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensions.Add(OrderLinesRow.Schema));
        using var http = await AuthorizedAsync(emulator, null);
        if (withRows)
        {
            using var rows = await http.PostAsync("hub/v1/dataevents/key:order_lines/rowset", Json("""[{"keys":{"order id":"A","line no":1},"values":{"sku":"s","unit price":1}}]"""));
            Assert.Equal(HttpStatusCode.OK, rows.StatusCode);
        }

        var before = await RetrieveAsync(http, "DataExtensionField", ["Name", "ObjectID", "FieldType", "MaxLength", "IsRequired", "IsPrimaryKey"], null);
        field = field.Replace("{sku}", FieldId(before, "sku"), StringComparison.Ordinal).Replace("{note}", FieldId(before, "note"), StringComparison.Ordinal);

        using var response = await SoapAsync(http, "Update", $"<Objects xsi:type=\"DataExtension\"><CustomerKey>order_lines</CustomerKey><Description>changed</Description><Fields>{field}</Fields></Objects>");

        var result = (await ResultsAsync(response)).Single();
        Assert.Equal("Error", V(result, "StatusCode"));
        Assert.Contains(expected, V(result, "StatusMessage"), StringComparison.Ordinal);
        var after = await RetrieveAsync(http, "DataExtensionField", ["Name", "ObjectID", "FieldType", "MaxLength", "IsRequired", "IsPrimaryKey"], null);
        Assert.Equal(before.Select(f => f.ToString()), after.Select(f => f.ToString()));
        Assert.Equal(OrderLinesRow.Schema.Description, V((await RetrieveAsync(http, "DataExtension", ["Description"], null)).Single(), "Description"));
    }

    [Fact]
    public async Task A_SOAP_12_request_is_answered_in_SOAP_12_faults_included()
    {
        // The shape SFMC's integration guides show: SOAP 1.2 envelope, application/soap+xml, fueloauth in the header.
        await using var emulator = await SfmcEmulator.StartAsync();
        await emulator.AddSoapObjectsAsync("Subscriber", "SubscriberKey", [new Dictionary<string, string?> { ["SubscriberKey"] = "s-12", ["EmailAddress"] = "s12@example.com", ["Status"] = "Active" }]);
        using var http = await AuthorizedAsync(emulator);
        var token = http.DefaultRequestHeaders.Authorization!.Parameter!;
        XNamespace env = "http://www.w3.org/2003/05/soap-envelope";
        XNamespace api = "http://exacttarget.com/wsdl/partnerAPI";

        async Task<(HttpResponseMessage Answer, XDocument Body)> SendAsync(string fueloauth)
        {
            var request = $"""
                <?xml version="1.0" encoding="utf-8"?>
                <soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope">
                  <soap:Header><fueloauth xmlns="http://exacttarget.com">{fueloauth}</fueloauth></soap:Header>
                  <soap:Body>
                    <RetrieveRequestMsg xmlns="http://exacttarget.com/wsdl/partnerAPI">
                      <RetrieveRequest><ObjectType>Subscriber</ObjectType><Properties>SubscriberKey</Properties><Properties>EmailAddress</Properties></RetrieveRequest>
                    </RetrieveRequestMsg>
                  </soap:Body>
                </soap:Envelope>
                """;
            var answer = await http.PostAsync("Service.asmx", new StringContent(request, Encoding.UTF8, "application/soap+xml"));
            return (answer, XDocument.Parse(await answer.Content.ReadAsStringAsync()));
        }

        var (ok, body) = await SendAsync(token);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("application/soap+xml", ok.Content.Headers.ContentType!.MediaType);
        Assert.Equal(env + "Envelope", body.Root!.Name);
        Assert.Equal("s12@example.com", body.Descendants(api + "EmailAddress").Single().Value);

        var (failed, fault) = await SendAsync("not-a-token");
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        var faultElement = fault.Root!.Element(env + "Body")!.Element(env + "Fault")!;
        Assert.Equal("soap:Sender", faultElement.Element(env + "Code")!.Element(env + "Value")!.Value);
        Assert.Equal("q0:Security", faultElement.Element(env + "Code")!.Element(env + "Subcode")!.Element(env + "Value")!.Value);
        Assert.Equal("Login Failed", faultElement.Element(env + "Reason")!.Element(env + "Text")!.Value);
    }

    private static async Task<HttpClient> AuthorizedAsync(SfmcEmulator emulator, string? accountId)
    {
        var http = new HttpClient { BaseAddress = emulator.BaseUri };
        var account = accountId is null ? "" : $",\"account_id\":{accountId}";
        using var response = await http.PostAsync("v2/token", Json($$"""{"grant_type":"client_credentials","client_id":"{{emulator.ClientId}}","client_secret":"{{emulator.ClientSecret}}"{{account}}}"""));
        var token = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>A SOAP request (Create, Update or Retrieve) with <paramref name="content"/> as the body of its message.</summary>
    private static Task<HttpResponseMessage> SoapAsync(HttpClient http, string action, string content)
    {
        var message = action == "Retrieve" ? "RetrieveRequestMsg" : action + "Request";
        var token = http.DefaultRequestHeaders.Authorization!.Parameter;
        var envelope = $"""<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><s:Header><fueloauth xmlns="http://exacttarget.com">{token}</fueloauth></s:Header><s:Body><{message} xmlns="http://exacttarget.com/wsdl/partnerAPI">{content}</{message}></s:Body></s:Envelope>""";
        return http.PostAsync("Service.asmx", new StringContent(envelope, Encoding.UTF8, "text/xml"));
    }

    private static async Task<List<XElement>> RetrieveAsync(HttpClient http, string objectType, string[] properties, string? filter)
    {
        using var response = await SoapAsync(http, "Retrieve", $"<RetrieveRequest><ObjectType>{objectType}</ObjectType>{string.Concat(properties.Select(p => $"<Properties>{p}</Properties>"))}{filter}</RetrieveRequest>");
        var body = XDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("OK", body.Descendants(Api + "OverallStatus").Single().Value);
        return body.Descendants(Api + "Results").ToList();
    }

    private static async Task<List<XElement>> ResultsAsync(HttpResponseMessage response) =>
        XDocument.Parse(await response.Content.ReadAsStringAsync()).Descendants(Api + "Results").ToList();

    private static string FieldId(List<XElement> fields, string name) => V(fields.Single(f => V(f, "Name") == name), "ObjectID");

    private static string V(XElement element, string name) => element.Element(Api + name)?.Value ?? "";
}
