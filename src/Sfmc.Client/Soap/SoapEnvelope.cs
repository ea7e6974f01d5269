using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
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

    private readonly Action<SoapWriter> _body;

    public SoapEnvelopeContent(string action, Action<SoapWriter> body)
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
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = Write();
        writer.CopyTo(stream);
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        using var writer = Write();
        await writer.CopyToAsync(stream, cancellationToken);
    }

    /// <summary>The whole envelope in a pooled buffer; the Body's content declares the partner namespace as the default one.</summary>
    private SoapWriter Write()
    {
        var writer = new SoapWriter();
        try
        {
            writer.WriteRaw("""<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><s:Header><fueloauth xmlns="http://exacttarget.com">"""u8);
            writer.WriteString(AccessToken ?? "");
            writer.WriteRaw("</fueloauth></s:Header><s:Body>"u8);
            writer.DeclareNamespaceOnNextElement();
            _body(writer);
            writer.WriteRaw("</s:Body></s:Envelope>"u8);
            return writer;
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

/// <summary>Reads SOAP responses: the Body's first element, and faults.</summary>
internal static class SoapEnvelope
{
    /// <summary>The SOAP 1.2 envelope namespace (SFMC answers in the version it was asked in).</summary>
    internal const string Soap12EnvelopeNamespace = "http://www.w3.org/2003/05/soap-envelope";

    /// <summary>A reader positioned on the Body's first element (a response message or a Fault).</summary>
    public static SoapReader OpenBody(byte[] body, int maxDepth = SoapReader.DefaultMaxDepth, CancellationToken cancellationToken = default)
    {
        var reader = new SoapReader(body, maxDepth, cancellationToken);
        var root = true;
        while (reader.Read())
        {
            if (root && reader.IsStartElement)
            {
                root = false;
                if (reader.NamespaceUri == Soap12EnvelopeNamespace)
                {
                    throw new XmlException("The answer is a SOAP 1.2 envelope (http://www.w3.org/2003/05/soap-envelope) to a SOAP 1.1 request; the client speaks SOAP 1.1, as SFMC's Service.asmx answers it.");
                }
            }

            if (reader.IsStartElement && reader.LocalName.SequenceEqual("Body"u8) && reader.NamespaceUri == SoapEnvelopeContent.EnvelopeNamespace)
            {
                if (reader.ReadStartElement() && reader.MoveToElement())
                {
                    return reader;
                }

                break;
            }
        }

        throw new XmlException("The SOAP response has no Body content.");
    }

    /// <summary>Reads a fault if the reader is on one (<c>soap:Fault</c>): faultcode, faultstring and an APIFault detail.</summary>
    public static SoapFault? TryReadFault(SoapReader reader)
    {
        if (!reader.LocalName.SequenceEqual("Fault"u8) || reader.NamespaceUri != SoapEnvelopeContent.EnvelopeNamespace)
        {
            return null;
        }

        string? code = null, text = null, actor = null, message = null;
        int? apiCode = null;
        long? logId = null;
        var parameters = new List<string>();
        var depth = reader.Depth;
        if (reader.ReadStartElement())
        {
            while (!reader.IsEndOfDocument && reader.Depth > depth)
            {
                if (!reader.IsStartElement)
                {
                    reader.Read();
                    continue;
                }

                var name = reader.LocalName;
                if (name.SequenceEqual("faultcode"u8)) code = reader.ReadString();
                else if (name.SequenceEqual("faultstring"u8)) text = reader.ReadString();
                else if (name.SequenceEqual("faultactor"u8)) actor = reader.ReadString();
                else if (name.SequenceEqual("Code"u8)) apiCode = int.TryParse(reader.ReadString(), out var c) ? c : null;
                else if (name.SequenceEqual("Message"u8)) message = reader.ReadString();
                else if (name.SequenceEqual("LogID"u8)) logId = long.TryParse(reader.ReadString(), out var l) ? l : null;
                else if (name.SequenceEqual("Param"u8)) parameters.Add(reader.ReadString() ?? "");
                else reader.ReadStartElement(); // descend into detail/APIFault/Params (an empty one is moved past)
            }
        }

        return new SoapFault(code ?? "", text ?? "", actor, apiCode, message, logId, parameters);
    }

    /// <summary>Reads a fault from a buffered body; null when it is not a SOAP fault (or not XML at all).</summary>
    public static SoapFault? TryReadFault(byte[] body)
    {
        try
        {
            return TryReadFault(OpenBody(body));
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
    /// A fault about the request itself (SOAP 1.1 <c>Client</c>, <c>VersionMismatch</c>, <c>MustUnderstand</c>, or
    /// SFMC's <c>Security</c>), as opposed to <c>Server</c>: sending the same request again gets the same fault.
    /// </summary>
    public static bool IsRequestFault(SoapFault fault)
    {
        var code = fault.FaultCode.AsSpan(fault.FaultCode.IndexOf(':', StringComparison.Ordinal) + 1).Trim();
        return code.SequenceEqual("Client") || code.SequenceEqual("Security") || code.SequenceEqual("VersionMismatch") || code.SequenceEqual("MustUnderstand");
    }

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
