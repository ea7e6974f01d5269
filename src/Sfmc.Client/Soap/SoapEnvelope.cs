using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using System.Xml;

namespace Sfmc.Client.Soap;

/// <summary>
/// A SOAP 1.1 request body. The envelope is written when sent, so the authentication handler can put the current
/// access token into the <c>fueloauth</c> header on every attempt (a replay after "Token Expired" gets the new one).
/// </summary>
internal sealed class SoapEnvelopeContent : HttpContent
{
    internal const string EnvelopeNamespace = "http://schemas.xmlsoap.org/soap/envelope/";
    private const string FuelOAuthNamespace = "http://exacttarget.com";

    private static readonly XmlWriterSettings WriterSettings = new() { Encoding = new UTF8Encoding(false), Indent = false, CloseOutput = false };

    private readonly Action<XmlWriter> _body;

    public SoapEnvelopeContent(string action, Action<XmlWriter> body)
    {
        Action = action;
        _body = body;
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/xml") { CharSet = "utf-8" };
    }

    /// <summary>The SOAPAction (Retrieve, Create, …).</summary>
    public string Action { get; }

    /// <summary>Set by the authentication handler before each attempt; never logged.</summary>
    public string? AccessToken { get; set; }

    /// <summary>Writes the envelope (tests and benchmarks use it without HTTP).</summary>
    public void WriteTo(Stream stream)
    {
        using var writer = XmlWriter.Create(stream, WriterSettings);
        writer.WriteStartDocument();
        writer.WriteStartElement("s", "Envelope", EnvelopeNamespace);
        writer.WriteAttributeString("xmlns", "xsi", null, SoapXml.XsiNamespace);
        writer.WriteStartElement("s", "Header", EnvelopeNamespace);
        writer.WriteStartElement("fueloauth", FuelOAuthNamespace);
        writer.WriteString(AccessToken ?? "");
        writer.WriteEndElement();
        writer.WriteEndElement();
        writer.WriteStartElement("s", "Body", EnvelopeNamespace);
        _body(writer);
        writer.WriteEndElement();
        writer.WriteEndElement();
        writer.WriteEndDocument();
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        WriteTo(buffer);
        buffer.Position = 0;
        await buffer.CopyToAsync(stream, cancellationToken);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

/// <summary>Reads SOAP responses: safe reader settings, the Body's first element, and faults.</summary>
internal static class SoapEnvelope
{
    private static readonly XmlReaderSettings ReaderSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreWhitespace = true,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
    };

    /// <summary>A reader positioned on the Body's first element (a response message or a Fault).</summary>
    public static XmlReader OpenBody(Stream stream)
    {
        var reader = XmlReader.Create(stream, ReaderSettings);
        try
        {
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "Body" && reader.NamespaceURI == SoapEnvelopeContent.EnvelopeNamespace)
                {
                    if (reader.IsEmptyElement)
                    {
                        break;
                    }

                    reader.Read();
                    if (reader.MoveToContent() == XmlNodeType.Element)
                    {
                        return reader;
                    }

                    break;
                }
            }
        }
        catch
        {
            reader.Dispose();
            throw;
        }

        reader.Dispose();
        throw new XmlException("The SOAP response has no Body content.");
    }

    /// <summary>Reads a fault if the reader is on one (<c>soap:Fault</c>): faultcode, faultstring and an APIFault detail.</summary>
    public static SoapFault? TryReadFault(XmlReader reader)
    {
        if (reader.LocalName != "Fault" || reader.NamespaceURI != SoapEnvelopeContent.EnvelopeNamespace)
        {
            return null;
        }

        string? code = null, text = null, actor = null, message = null;
        int? apiCode = null;
        long? logId = null;
        var parameters = new List<string>();
        var depth = reader.Depth;
        if (!reader.IsEmptyElement)
        {
            reader.Read();
            while (!reader.EOF && reader.Depth > depth)
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    reader.Read();
                    continue;
                }

                switch (reader.LocalName)
                {
                    case "faultcode": code = reader.ReadElementContentAsString(); break;
                    case "faultstring": text = reader.ReadElementContentAsString(); break;
                    case "faultactor": actor = reader.ReadElementContentAsString(); break;
                    case "Code": apiCode = int.TryParse(reader.ReadElementContentAsString(), out var c) ? c : null; break;
                    case "Message": message = reader.ReadElementContentAsString(); break;
                    case "LogID": logId = long.TryParse(reader.ReadElementContentAsString(), out var l) ? l : null; break;
                    case "Param": parameters.Add(reader.ReadElementContentAsString()); break;
                    default: reader.Read(); break; // descend into detail/APIFault/Params
                }
            }
        }

        return new SoapFault(code ?? "", text ?? "", actor, apiCode, message, logId, parameters);
    }

    /// <summary>Reads a fault from a buffered body; null when it is not a SOAP fault (or not XML at all).</summary>
    public static SoapFault? TryReadFault(byte[] body)
    {
        try
        {
            using var reader = OpenBody(new MemoryStream(body, writable: false));
            return TryReadFault(reader);
        }
        catch (XmlException)
        {
            return null;
        }
    }

    /// <summary>"Token Expired" (a wsse:Security fault): refresh and replay once.</summary>
    public static bool IsTokenExpired(SoapFault fault) =>
        fault.FaultString.Contains("Token Expired", StringComparison.OrdinalIgnoreCase)
        || fault.FaultString.Contains("expired token", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Throttling: SFMC answers an over-limit SOAP call with HTTP 500 and a fault rather than 429. Salesforce does not
    /// document the text; these are the wordings reported for it. Nothing was processed, so a replay is safe.
    /// </summary>
    public static bool IsThrottling(SoapFault fault) =>
        fault.FaultString.Contains("throttl", StringComparison.OrdinalIgnoreCase)
        || fault.FaultString.Contains("rate limit", StringComparison.OrdinalIgnoreCase)
        || fault.FaultString.Contains("too many", StringComparison.OrdinalIgnoreCase)
        || fault.ApiCode == 429;
}

/// <summary>A SOAP fault as SFMC sends it: faultcode/faultstring plus the optional APIFault detail.</summary>
public sealed record SoapFault(string FaultCode, string FaultString, string? FaultActor, int? ApiCode, string? ApiMessage, long? LogId, IReadOnlyList<string> Params);

/// <summary>SFMC answered a SOAP call with a fault (after the token refresh and retries that apply).</summary>
public sealed class SfmcSoapFaultException(string message, SoapFault fault, HttpStatusCode? statusCode)
    : SfmcException(message, statusCode, fault?.ApiCode)
{
    /// <summary>The fault.</summary>
    public SoapFault Fault { get; } = fault ?? throw new ArgumentNullException(nameof(fault));
}

/// <summary>A SOAP call whose OverallStatus is an error for the whole request (e.g. "Error: Unable to find a handler for object type …").</summary>
public sealed class SfmcSoapException(string message, string overallStatus, string? requestId)
    : SfmcException(message)
{
    /// <summary>SFMC's OverallStatus text.</summary>
    public string OverallStatus { get; } = overallStatus;

    /// <summary>SFMC's RequestID, for support.</summary>
    public string? RequestId { get; } = requestId;
}
