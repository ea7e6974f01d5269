using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Sfmc.Generator;

namespace Sfmc.Benchmarks;

/// <summary>
/// The DE part of the generator on 200 DE files × 30 fields.
/// Goal: cold ≤ 300 ms on a 2-core machine; a run after an unrelated C# edit does no DE work (all steps cached).
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    public const int Files = 200;
    public const int FieldsPerFile = 30;

    private ImmutableArray<AdditionalText> _files;
    private CSharpCompilation _compilation = null!;
    private CSharpCompilation _edited = null!;
    private GeneratorDriver _warm = null!;

    [GlobalSetup]
    public void Setup()
    {
        Prepare();
        _warm = CreateDriver().RunGenerators(_compilation);

        // Guard the claim this benchmark measures: after an unrelated edit, no DE step does work.
        var result = _warm.RunGenerators(_edited).GetRunResult().Results.Single();
        var work = result.TrackedSteps
            .Where(s => s.Key is "ParseDataExtension" or "EmitDataExtension" or "DataExtensionCrossChecks")
            .SelectMany(s => s.Value).SelectMany(s => s.Outputs)
            .Count(o => o.Reason != IncrementalStepRunReason.Cached);
        if (work != 0 || result.GeneratedSources.Length != Files)
        {
            throw new InvalidOperationException($"Expected {Files} sources and no DE work after an unrelated edit; saw {result.GeneratedSources.Length} sources, {work} uncached outputs.");
        }
    }

    /// <summary>Inputs only: no generator code runs here (so a cold-start measurement stays cold).</summary>
    public void Prepare()
    {
        _files = CreateFiles().ToImmutableArray();
        _compilation = Compilation("class A { }");
        _edited = Compilation("class A { int X => 1; }");
    }

    /// <summary>A fresh driver: parse, check and emit all 200 DEs (JIT warm).</summary>
    [Benchmark(Baseline = true)]
    public GeneratorDriver FullRun() => CreateDriver().RunGenerators(_compilation);

    /// <summary>Only the DE part — our parser and emitter on 200 files — without Roslyn's driver and its parsing of the output.</summary>
    [Benchmark]
    public int ParseAndEmit() => ParseAndEmitAll(_files);

    /// <summary>The warm driver after an unrelated C# edit: every DE step cached.</summary>
    [Benchmark]
    public GeneratorDriver AfterUnrelatedEdit() => _warm.RunGenerators(_edited);

    internal static int ParseAndEmitAll(ImmutableArray<AdditionalText> files)
    {
        var length = 0;
        foreach (var file in files)
        {
            var model = Sfmc.Generator.DataExtensions.DataExtensionParser.Parse(file, CancellationToken.None).Model!;
            length += Sfmc.Generator.DataExtensions.DataExtensionEmitter.Emit(model, "Bench.DataExtensions").Length;
        }

        return length;
    }

    internal ImmutableArray<AdditionalText> FilesForColdStart => _files;

    private GeneratorDriver CreateDriver() => CSharpGeneratorDriver.Create(
        new[] { new SfmcGenerator().AsSourceGenerator() },
        _files,
        (CSharpParseOptions)_compilation.SyntaxTrees[0].Options,
        new Options("build_property.RootNamespace", "Bench"),
        new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>A one-file compilation against the .NET 10 reference assemblies (shared with the SOAP benchmarks).</summary>
    internal static CSharpCompilation Compilation(string source) => CSharpCompilation.Create(
        "Bench",
        new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest)) },
        Basic.Reference.Assemblies.Net100.References.All,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

    internal static IEnumerable<AdditionalText> CreateFiles()
    {
        string[] types = { "Text", "Number", "Decimal", "Date", "Boolean", "EmailAddress", "Phone", "Locale" };
        for (var file = 0; file < Files; file++)
        {
            var json = new StringBuilder();
            json.Append("{\n  \"customerKey\": \"bench_de_").Append(file.ToString(CultureInfo.InvariantCulture))
                .Append("\",\n  \"name\": \"Bench DE ").Append(file.ToString(CultureInfo.InvariantCulture)).Append("\",\n  \"fields\": [\n");
            for (var field = 0; field < FieldsPerFile; field++)
            {
                var type = types[field % types.Length];
                json.Append("    { \"name\": \"field ").Append(field.ToString(CultureInfo.InvariantCulture)).Append("\", \"fieldType\": \"").Append(type).Append('"');
                json.Append(type switch
                {
                    "Text" or "Phone" or "Locale" => ", \"maxLength\": 100",
                    "EmailAddress" => ", \"maxLength\": 254",
                    "Decimal" => ", \"maxLength\": 18, \"scale\": 2",
                    _ => "",
                });
                json.Append(field == 0 ? ", \"isPrimaryKey\": true, \"isRequired\": true }" : " }");
                json.Append(field == FieldsPerFile - 1 ? "\n" : ",\n");
            }

            json.Append("  ]\n}\n");
            yield return new Text($"/bench/De{file}.de.json", json.ToString());
        }
    }

    /// <summary>An in-memory additional file (shared with the SOAP benchmarks).</summary>
    internal sealed class Text(string path, string text) : AdditionalText
    {
        private readonly SourceText _text = SourceText.From(text, Encoding.UTF8);

        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
    }

    /// <summary>MSBuild properties as the generator sees them (shared with the SOAP benchmarks).</summary>
    internal sealed class Options(string key, string? value) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Values(key, value);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => GlobalOptions;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => GlobalOptions;

        private sealed class Values(string key, string? value) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string name, out string result)
            {
                result = value ?? "";
                return name == key && value is not null;
            }
        }
    }
}

/// <summary>The same full run, measured as the first call in a fresh process (JIT included): what a cold build pays.</summary>
[SimpleJob(RunStrategy.ColdStart, launchCount: 5, warmupCount: 0, iterationCount: 1)]
public class GeneratorColdStartBenchmarks
{
    private GeneratorBenchmarks _inner = null!;

    [GlobalSetup]
    public void Setup()
    {
        _inner = new GeneratorBenchmarks();
        _inner.Prepare();
    }

    /// <summary>Generator driver + 200 DEs, first call in the process.</summary>
    [Benchmark]
    public GeneratorDriver ColdFullRun() => _inner.FullRun();

    /// <summary>Only the DE part (our parser and emitter), first call in the process.</summary>
    [Benchmark]
    public int ColdParseAndEmit() => GeneratorBenchmarks.ParseAndEmitAll(_inner.FilesForColdStart);
}
