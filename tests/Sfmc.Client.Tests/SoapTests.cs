using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using Sfmc.Client.Soap;
using Sfmc.Soap;
using Xunit;

namespace Sfmc.Client.Tests;

/// <summary>The generated SOAP model and serializer on recorded SFMC responses, and against the WSDL's schema.</summary>
public sealed class SoapSerializationTests
{
    private static string TestData(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", "soap", name);

    /// <summary>The response strings of sfmc-sdk's recorded SOAP fixtures (a JS module), by export name.</summary>
    private static readonly Lazy<Dictionary<string, string>> Recorded = new(() =>
    {
        var js = File.ReadAllText(TestData("sfmc-sdk-soap.js"));
        return Regex.Matches(js, @"export const (\w+) = \{.*?response:\s*'((?:[^'\\]|\\.)*)'", RegexOptions.Singleline)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Replace("\\'", "'", StringComparison.Ordinal));
    });

    internal static IEnumerable<string> RecordedNames => Recorded.Value.Keys;

    internal static byte[] Fixture(string name) => Encoding.UTF8.GetBytes(Recorded.Value[name]);

    [Fact]
    public void A_MoreDataAvailable_page_reads_with_its_RequestID()
    {
        var (status, requestId, results) = SfmcSoapClient.ParsePage("Retrieve", Fixture("retrieveBulkDataExtension"), static r => r.ReadObject<DataExtension>());

        Assert.Equal("MoreDataAvailable", status);
        Assert.Equal("f06cc504-68bf-4db8-9141-e420ed248e72", requestId);
        Assert.Equal("DC91A414-6240-48BC-BB89-7F3910D41580", Assert.Single(results).CustomerKey);
    }

    [Fact]
    public void A_create_error_maps_to_the_object_with_its_ErrorCode()
    {
        var (status, _, results) = SfmcSoapClient.ParseWriteResponse<Subscriber>("Create", Fixture("subscriberFailed"));

        Assert.Equal("Error", status);
        var result = Assert.Single(results);
        Assert.False(result.IsSuccess);
        Assert.Equal(12014, result.ErrorCode);
        Assert.Equal("The subscriber is already on the list", result.StatusMessage);
        Assert.Equal("doug@accenture.com", result.Returned!.EmailAddress);
        Assert.Equal("12345123", result.Returned.SubscriberKey);
    }

    [Fact]
    public void Created_updated_and_deleted_results_read()
    {
        var created = Assert.Single(SfmcSoapClient.ParseWriteResponse<Subscriber>("Create", Fixture("subscriberCreated")).Results);
        Assert.True(created.IsSuccess);
        Assert.Equal(756891044, created.NewId);
        Assert.Equal(756891044, created.Returned!.ID);

        Assert.True(Assert.Single(SfmcSoapClient.ParseWriteResponse<Subscriber>("Update", Fixture("subscriberUpdated")).Results).IsSuccess);
        var deleted = SfmcSoapClient.ParseWriteResponse<Subscriber>("Delete", Fixture("subscriberDeleted"));
        Assert.Equal("Subscriber deleted", Assert.Single(deleted.Results).StatusMessage);
        Assert.Equal("927a7640-edda-400c-91dd-8691a1fc0720", deleted.RequestId);
    }

    [Fact]
    public void Token_Expired_is_a_fault_the_client_recognises()
    {
        var fault = SoapEnvelope.TryReadFault(Fixture("expiredToken"));

        Assert.NotNull(fault);
        Assert.Equal("Token Expired", fault.FaultString);
        Assert.Equal("q0:Security", fault.FaultCode);
        Assert.True(SoapEnvelope.IsTokenExpired(fault));
        Assert.False(SoapEnvelope.IsThrottling(fault));
        Assert.True(SoapEnvelope.IsRequestFault(fault)); // once refreshed and replayed, the same fault is not retried
        var ex = Assert.Throws<SfmcSoapFaultException>(() => SfmcSoapClient.ParsePage("Create", Fixture("expiredToken"), static r => r.ReadObject<Subscriber>()));
        Assert.Equal("Token Expired", ex.Fault.FaultString);
    }

    [Theory]
    [InlineData("soap:Client", true)]
    [InlineData("q0:Security", true)]
    [InlineData("Client", true)]
    [InlineData("s:VersionMismatch", true)]
    [InlineData("soap:MustUnderstand", true)]
    [InlineData("soap:Server", false)]
    [InlineData("Server", false)]
    [InlineData("soap:Clients", false)]
    [InlineData("", false)]
    public void Client_and_Security_faults_are_about_the_request_and_Server_faults_are_not(string faultCode, bool expected) =>
        Assert.Equal(expected, SoapEnvelope.IsRequestFault(new SoapFault(faultCode, "text", null, null, null, null, [])));

    [Fact]
    public void An_unknown_object_type_is_an_error_status()
    {
        var (status, _, results) = SfmcSoapClient.ParsePage("Retrieve", Fixture("noObjectHandlerFound"), static r => r.ReadObject<Subscriber>());

        Assert.StartsWith("Error: Unable to find a handler for object type: DeliveryProfile", status, StringComparison.Ordinal);
        Assert.Empty(results);
    }

    [Fact]
    public void Real_DataExtension_and_field_retrieves_read_into_typed_objects()
    {
        var (status, _, dataExtensions) = SfmcSoapClient.ParsePage("Retrieve", File.ReadAllBytes(TestData("mcdev-dataExtension-retrieve-response.xml")), static r => r.ReadObject<DataExtension>());
        Assert.Equal("OK", status);
        Assert.NotEmpty(dataExtensions);
        var existing = Assert.Single(dataExtensions, d => d.CustomerKey == "testExisting_dataExtension");
        Assert.Equal("testExisting_dataExtension", existing.Name);
        Assert.Equal(("bla bla", true, true, 2), (existing.Description, existing.IsSendable, existing.IsTestable, existing.CategoryID));
        Assert.Equal(new DateTime(2022, 4, 21, 6, 56, 27, 927), existing.CreatedDate);
        Assert.Equal(("ContactKey", "_SubscriberKey"), (existing.SendableDataExtensionField?.Name, existing.SendableSubscriberField?.Name));
        Assert.Null(existing.PartnerKey); // xsi:nil

        var (_, _, fields) = SfmcSoapClient.ParsePage("Retrieve", File.ReadAllBytes(TestData("mcdev-dataExtensionField-retrieve-response.xml")), static r => r.ReadObject<DataExtensionField>());
        Assert.NotEmpty(fields);
        Assert.All(fields, f => Assert.False(string.IsNullOrEmpty(f.Name)));
        Assert.Contains(fields, f => f.DataExtension?.CustomerKey == "testExisting_dataExtension" && f.FieldType == Sfmc.Soap.DataExtensionFieldType.Text);
        Assert.Contains(fields, f => f.IsPrimaryKey == true);
    }

    [Fact]
    public void A_recorded_DataExtension_create_reads()
    {
        var (status, _, results) = SfmcSoapClient.ParseWriteResponse<DataExtension>("Create", File.ReadAllBytes(TestData("mcdev-dataExtension-create-response.xml")));

        Assert.Equal("OK", status);
        var result = Assert.Single(results);
        Assert.True(result.IsSuccess);
        Assert.NotNull(result.Returned);
        var field = Assert.Single(result.Returned.Fields);
        Assert.Equal(("testField", 254, true, false, Sfmc.Soap.DataExtensionFieldType.Text), (field.Name, field.MaxLength, field.IsRequired, field.IsPrimaryKey, field.FieldType));
        Assert.Equal(2, result.Returned.CategoryID);
    }

    [Fact]
    public void Written_objects_validate_against_the_WSDL_schema_and_read_back_equal()
    {
        var subscriber = new Subscriber
        {
            EmailAddress = "ada@example.com",
            SubscriberKey = "ada",
            Status = SubscriberStatus.Active,
            EmailTypePreference = EmailType.HTML,
            Client = new ClientID { ID = 9999999 },
            Attributes = { new Sfmc.Soap.Attribute { Name = "First Name", Value = "Ada" } },
            Lists = { new SubscriberList { ID = 42, Status = SubscriberStatus.Active } },
        };
        var envelope = new SoapEnvelopeContent("Create", SfmcSoapClient.WriteBody("Create", null, "Subscriber", [subscriber], static (w, s) => SoapObjectAccess.WriteElements(s, w)))
        {
            AccessToken = "not-a-real-token",
        };
        using var buffer = new MemoryStream();
        envelope.WriteTo(buffer);

        // The Body content is valid against the WSDL's own schema (element order, types, xsi:type).
        var body = XDocument.Parse(Encoding.UTF8.GetString(buffer.ToArray())).Descendants(XName.Get("Body", "http://schemas.xmlsoap.org/soap/envelope/")).Single().Elements().Single();
        var errors = new List<string>();
        new XDocument(body).Validate(WsdlSchemas.Value, (_, e) => errors.Add(e.Message));
        Assert.Empty(errors);

        var reader = SoapEnvelope.OpenBody(buffer.ToArray()); // on CreateRequest
        Assert.True(reader.ReadStartElement());
        Assert.True(reader.MoveToElement());
        reader.Skip(); // Options
        Assert.True(reader.MoveToElement());
        var back = reader.ReadObject<Subscriber>()!;
        Assert.Equal("ada@example.com", back.EmailAddress);
        Assert.Equal(SubscriberStatus.Active, back.Status);
        Assert.Equal(EmailType.HTML, back.EmailTypePreference);
        Assert.Equal(9999999, back.Client!.ID);
        Assert.Equal("Ada", Assert.Single(back.Attributes).Value);
        Assert.Equal(42, Assert.Single(back.Lists).ID);
    }

    [Fact]
    public void Filters_validate_against_the_WSDL_schema()
    {
        var filter = Subscriber.Property.Status.IsEqualTo(SubscriberStatus.Active)
            & (Subscriber.Property.EmailAddress.IsLike("%@example.com") | Subscriber.Property.CreatedDate.IsBetween(new DateTime(2026, 1, 1), new DateTime(2026, 2, 1)));
        var envelope = new SoapEnvelopeContent("Retrieve", writer =>
        {
            writer.WriteStartElement("RetrieveRequestMsg"u8);
            writer.WriteStartElement("RetrieveRequest"u8);
            writer.WriteElement("ObjectType"u8, "Subscriber");
            writer.WriteElement("Properties"u8, (string)Subscriber.Property.EmailAddress);
            filter.Write(writer, "Filter"u8);
            writer.WriteEndElement("RetrieveRequest"u8);
            writer.WriteEndElement("RetrieveRequestMsg"u8);
        });
        using var buffer = new MemoryStream();
        envelope.WriteTo(buffer);
        var element = new XDocument(XDocument.Parse(Encoding.UTF8.GetString(buffer.ToArray())).Descendants(XName.Get("Body", "http://schemas.xmlsoap.org/soap/envelope/")).Single().Elements().Single());

        var errors = new List<string>();
        element.Validate(WsdlSchemas.Value, (_, e) => errors.Add(e.Message));
        Assert.Empty(errors);
        var text = element.ToString();
        Assert.Contains("<SimpleOperator>between</SimpleOperator>", text, StringComparison.Ordinal);
        Assert.Contains("<DateValue>2026-01-01T00:00:00</DateValue>", text, StringComparison.Ordinal);
        Assert.Contains("<Value>Active</Value>", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_elements_and_enum_values_are_skipped_not_fatal()
    {
        const string xml = """
            <Results xmlns="http://exacttarget.com/wsdl/partnerAPI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Subscriber">
              <Future><Nested>1</Nested></Future>
              <EmailAddress>x@example.com</EmailAddress>
              <Status>SomethingNew</Status>
              <ID>7</ID>
            </Results>
            """;
        var reader = new SoapReader(Encoding.UTF8.GetBytes(xml));
        reader.Read();
        var subscriber = reader.ReadObject<Subscriber>()!;

        Assert.Equal("x@example.com", subscriber.EmailAddress);
        Assert.Null(subscriber.Status);
        Assert.Equal(7, subscriber.ID);
    }

    [Fact]
    public void Xsi_type_and_nil_values_are_read_with_entities_resolved_and_spaces_trimmed()
    {
        const string xml = """
            <Results xmlns="http://exacttarget.com/wsdl/partnerAPI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type=" Subscr&#105;ber ">
              <PartnerKey xsi:nil=" &#116;rue " />
              <CustomerKey xsi:nil="false" />
              <EmailAddress>x@example.com</EmailAddress>
            </Results>
            """;
        var reader = new SoapReader(Encoding.UTF8.GetBytes(xml));
        reader.Read();
        var result = reader.ReadObject<APIObject>();

        var subscriber = Assert.IsType<Subscriber>(result);
        Assert.Equal("x@example.com", subscriber.EmailAddress);
        Assert.Null(subscriber.PartnerKey);
        Assert.Equal("", subscriber.CustomerKey);
    }

    [Fact]
    public void A_DTD_in_a_response_is_refused()
    {
        const string evil = """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&e;</soap:Body></soap:Envelope>""";
        var ex = Assert.Throws<SfmcException>(() => SfmcSoapClient.ParsePage("Retrieve", Encoding.UTF8.GetBytes(evil), static r => r.ReadObject<Subscriber>()));
        Assert.Contains("DTD", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>The schema of specs/etframework.wsdl, compiled like the generator does (no resolver).</summary>
    internal static readonly Lazy<XmlSchemaSet> WsdlSchemas = new(() =>
    {
        var set = new XmlSchemaSet { XmlResolver = null };
        using var reader = XmlReader.Create(Path.Combine(AppContext.BaseDirectory, "TestData", "etframework.wsdl"), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "schema" && reader.NamespaceURI == XmlSchema.Namespace)
            {
                set.Add(XmlSchema.Read(reader, null)!);
            }
        }

        set.Compile();
        return set;
    });
}
