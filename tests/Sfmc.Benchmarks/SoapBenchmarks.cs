using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Xml;
using System.Xml.Serialization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Sfmc.Client.Soap;
using Sfmc.Generator;
using Sfmc.Soap;

namespace Sfmc.Benchmarks;

/// <summary>
/// The SOAP part of the generator on specs/etframework.wsdl: every type (SfmcSoapObjects=*) and the default
/// selection, fresh driver and after an unrelated edit.
/// </summary>
[MemoryDiagnoser]
public class WsdlGeneratorBenchmarks
{
    private AdditionalText _wsdl = null!;
    private CSharpCompilation _compilation = null!;
    private CSharpCompilation _edited = null!;
    private GeneratorDriver _warm = null!;

    [GlobalSetup]
    public void Setup()
    {
        Prepare();
        _warm = CreateDriver("*").RunGenerators(_compilation);
        var result = _warm.RunGenerators(_edited).GetRunResult().Results.Single();
        var work = result.TrackedSteps.Where(s => s.Key is "ParseWsdl" or "SelectSoapTypes" or "EmitSoapType")
            .SelectMany(s => s.Value).SelectMany(s => s.Outputs).Count(o => o.Reason != IncrementalStepRunReason.Cached);
        if (work != 0 || result.GeneratedSources.Length < 300)
        {
            throw new InvalidOperationException($"Expected every WSDL type and no SOAP work after an unrelated edit; saw {result.GeneratedSources.Length} sources, {work} uncached outputs.");
        }
    }

    public void Prepare()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "etframework.wsdl");
        _wsdl = new GeneratorBenchmarks.Text(path, File.ReadAllText(path));
        _compilation = GeneratorBenchmarks.Compilation("class A { }");
        _edited = GeneratorBenchmarks.Compilation("class A { int X => 1; }");
    }

    /// <summary>All 251 complexTypes and 63 simpleTypes of the WSDL.</summary>
    [Benchmark(Baseline = true)]
    public GeneratorDriver FullWsdl() => CreateDriver("*").RunGenerators(_compilation);

    /// <summary>The default selection (the 13 objects the runtime uses and their dependencies).</summary>
    [Benchmark]
    public GeneratorDriver DefaultSelection() => CreateDriver(null).RunGenerators(_compilation);

    /// <summary>The warm driver (full WSDL) after an unrelated C# edit: every SOAP step cached.</summary>
    [Benchmark]
    public GeneratorDriver AfterUnrelatedEdit() => _warm.RunGenerators(_edited);

    private GeneratorDriver CreateDriver(string? objects) => CSharpGeneratorDriver.Create(
        new[] { new SfmcGenerator().AsSourceGenerator() },
        new[] { _wsdl },
        (CSharpParseOptions)_compilation.SyntaxTrees[0].Options,
        new GeneratorBenchmarks.Options("build_property.SfmcSoapObjects", objects),
        new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
}

/// <summary>The full-WSDL run as the first call in a fresh process (JIT included): what a cold build pays.</summary>
[SimpleJob(RunStrategy.ColdStart, launchCount: 5, warmupCount: 0, iterationCount: 1)]
public class WsdlGeneratorColdStartBenchmarks
{
    private WsdlGeneratorBenchmarks _inner = null!;

    [GlobalSetup]
    public void Setup()
    {
        _inner = new WsdlGeneratorBenchmarks();
        _inner.Prepare();
    }

    [Benchmark]
    public GeneratorDriver ColdFullWsdl() => _inner.FullWsdl();
}

/// <summary>
/// A 2,500-object RetrieveResponse read, and a 2,500-object Create written: the generated XmlReader/XmlWriter code
/// against XmlSerializer (with svcutil-style types: XmlInclude for xsi:type, *Specified flags) on the same bytes.
/// Goal: generated ≥ 3× faster and ≥ 3× fewer bytes allocated, both ways.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class SoapSerializerBenchmarks
{
    public const int Objects = 2500;
    private const string Ns = "http://exacttarget.com/wsdl/partnerAPI";

    private static readonly XmlReaderSettings ReaderSettings = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreWhitespace = true };
    private static readonly XmlWriterSettings WriterSettings = new() { Encoding = new UTF8Encoding(false) };

    private readonly XmlSerializer _readSerializer = new(typeof(XsRetrieveResponseMsg));
    private readonly XmlSerializer _writeSerializer = new(typeof(XsCreateRequest));
    private byte[] _response = null!;
    private List<Subscriber> _subscribers = null!;
    private XsCreateRequest _xsRequest = null!;
    private readonly MemoryStream _output = new();

    [GlobalSetup]
    public void Setup()
    {
        _response = Response();
        _subscribers = ParseGenerated();
        _xsRequest = new XsCreateRequest { Objects = ParseXmlSerializer().Results };
        if (_subscribers.Count != Objects || _xsRequest.Objects.Count != Objects || _subscribers[7].Attributes.Count != 2
            || ((XsSubscriber)_xsRequest.Objects[7]).Attributes.Count != 2 || _subscribers[7].Status != SubscriberStatus.Active)
        {
            throw new InvalidOperationException("Both readers must read every object in full.");
        }
    }

    [Benchmark(Baseline = true)]
    public int ReadXmlSerializer() => ParseXmlSerializer().Results.Count;

    private XsRetrieveResponseMsg ParseXmlSerializer()
    {
        using var reader = XmlReader.Create(new MemoryStream(_response, writable: false), ReaderSettings);
        MoveToBodyContent(reader);
        return (XsRetrieveResponseMsg)_readSerializer.Deserialize(reader)!;
    }

    [Benchmark]
    public int ReadGenerated() => ParseGenerated().Count;

    private List<Subscriber> ParseGenerated() => SfmcSoapClient.ParsePage("Retrieve", _response, static r => r.ReadObject<Subscriber>()).Results;

    [Benchmark]
    public long WriteXmlSerializer()
    {
        _output.SetLength(0);
        using (var writer = XmlWriter.Create(_output, WriterSettings))
        {
            _writeSerializer.Serialize(writer, _xsRequest);
        }

        return _output.Length;
    }

    [Benchmark]
    public long WriteGenerated()
    {
        _output.SetLength(0);
        var content = new SoapEnvelopeContent("Create", SfmcSoapClient.WriteBody("Create", null, "Subscriber", _subscribers, static (writer, subscriber) => SoapObjectAccess.WriteElements(subscriber, writer)));
        content.WriteTo(_output);
        return _output.Length;
    }

    /// <summary>
    /// <c>-- --paired-read</c>: both readers alternately in one process, 80 rounds of 10 reads each, and the median of the
    /// per-round ratios. On a noisy VM a slow phase then hits both sides of a ratio instead of one benchmark.
    /// </summary>
    public static void RunPairedRead(TextWriter output)
    {
        var benchmarks = new SoapSerializerBenchmarks();
        benchmarks.Setup();
        Paired.Run(output, "ReadGenerated", () => benchmarks.ReadGenerated(), "ReadXmlSerializer", () => benchmarks.ReadXmlSerializer());
    }

    private static void MoveToBodyContent(XmlReader reader)
    {
        while (reader.Read() && !(reader.NodeType == XmlNodeType.Element && reader.LocalName == "Body"))
        {
        }

        reader.Read();
        reader.MoveToContent();
    }

    /// <summary>A RetrieveResponseMsg as SFMC writes it, built with a plain XmlWriter (neither side's code).</summary>
    private static byte[] Response()
    {
        using var stream = new MemoryStream();
        using (var w = XmlWriter.Create(stream, WriterSettings))
        {
            w.WriteStartElement("soap", "Envelope", "http://schemas.xmlsoap.org/soap/envelope/");
            w.WriteAttributeString("xmlns", "xsi", null, SoapXml.XsiNamespace);
            w.WriteStartElement("soap", "Body", "http://schemas.xmlsoap.org/soap/envelope/");
            w.WriteStartElement("RetrieveResponseMsg", Ns);
            w.WriteElementString("OverallStatus", Ns, "MoreDataAvailable");
            w.WriteElementString("RequestID", Ns, "f06cc504-68bf-4db8-9141-e420ed248e72");
            for (var i = 0; i < Objects; i++)
            {
                w.WriteStartElement("Results", Ns);
                w.WriteAttributeString("xsi", "type", SoapXml.XsiNamespace, "Subscriber");
                w.WriteStartElement("Client", Ns);
                w.WriteElementString("ID", Ns, "9999999");
                w.WriteEndElement();
                w.WriteStartElement("PartnerKey", Ns);
                w.WriteAttributeString("xsi", "nil", SoapXml.XsiNamespace, "true");
                w.WriteEndElement();
                w.WriteElementString("CreatedDate", Ns, "2026-01-01T08:30:00.123");
                w.WriteElementString("ID", Ns, (100000 + i).ToString(CultureInfo.InvariantCulture));
                w.WriteElementString("EmailAddress", Ns, $"user{i}@example.com");
                for (var a = 0; a < 2; a++)
                {
                    w.WriteStartElement("Attributes", Ns);
                    w.WriteElementString("Name", Ns, a == 0 ? "First Name" : "Last Name");
                    w.WriteElementString("Value", Ns, a == 0 ? "Ada" : "Lovelace" + i.ToString(CultureInfo.InvariantCulture));
                    w.WriteEndElement();
                }

                w.WriteElementString("SubscriberKey", Ns, $"sub-{i:D6}");
                w.WriteElementString("Status", Ns, "Active");
                w.WriteElementString("EmailTypePreference", Ns, "HTML");
                w.WriteEndElement();
            }

            w.WriteEndElement();
            w.WriteEndElement();
            w.WriteEndElement();
        }

        return stream.ToArray();
    }
}

#pragma warning disable CA1002, CA1051, CA1034, CA1707, CA2227, SA1402 // svcutil-style types, as XmlSerializer needs them.
[XmlRoot("RetrieveResponseMsg", Namespace = "http://exacttarget.com/wsdl/partnerAPI")]
public class XsRetrieveResponseMsg
{
    public string? OverallStatus { get; set; }

    public string? RequestID { get; set; }

    [XmlElement("Results")]
    public List<XsAPIObject> Results { get; set; } = new();
}

[XmlRoot("CreateRequest", Namespace = "http://exacttarget.com/wsdl/partnerAPI")]
public class XsCreateRequest
{
    public XsOptions Options { get; set; } = new();

    [XmlElement("Objects")]
    public List<XsAPIObject> Objects { get; set; } = new();
}

[XmlType("CreateOptions", Namespace = "http://exacttarget.com/wsdl/partnerAPI")]
public class XsOptions
{
}

[XmlType("APIObject", Namespace = "http://exacttarget.com/wsdl/partnerAPI")]
[XmlInclude(typeof(XsSubscriber))]
public class XsAPIObject
{
    public XsClientID? Client { get; set; }

    [XmlElement(IsNullable = true)]
    public string? PartnerKey { get; set; }

    public DateTime CreatedDate { get; set; }

    [XmlIgnore]
    public bool CreatedDateSpecified { get; set; }

    public int ID { get; set; }

    [XmlIgnore]
    public bool IDSpecified { get; set; }

    public string? ObjectID { get; set; }

    public string? CustomerKey { get; set; }
}

[XmlType("ClientID", Namespace = "http://exacttarget.com/wsdl/partnerAPI")]
public class XsClientID
{
    public int ID { get; set; }

    [XmlIgnore]
    public bool IDSpecified { get; set; }
}

[XmlType("Attribute", Namespace = "http://exacttarget.com/wsdl/partnerAPI")]
public class XsAttribute
{
    public string? Name { get; set; }

    public string? Value { get; set; }
}

[XmlType("SubscriberStatus", Namespace = "http://exacttarget.com/wsdl/partnerAPI")]
public enum XsSubscriberStatus
{
    Active,
    Bounced,
    Held,
    Unsubscribed,
    Deleted,
}

[XmlType("EmailType", Namespace = "http://exacttarget.com/wsdl/partnerAPI")]
public enum XsEmailType
{
    Text,
    HTML,
}

[XmlType("Subscriber", Namespace = "http://exacttarget.com/wsdl/partnerAPI")]
public class XsSubscriber : XsAPIObject
{
    public string? EmailAddress { get; set; }

    [XmlElement("Attributes")]
    public List<XsAttribute> Attributes { get; set; } = new();

    public string? SubscriberKey { get; set; }

    public XsSubscriberStatus Status { get; set; }

    [XmlIgnore]
    public bool StatusSpecified { get; set; }

    public XsEmailType EmailTypePreference { get; set; }

    [XmlIgnore]
    public bool EmailTypePreferenceSpecified { get; set; }
}
#pragma warning restore CA1002, CA1051, CA1034, CA1707, CA2227, SA1402
