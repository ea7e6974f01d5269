using System;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Sfmc.Generator;

namespace Sfmc.Benchmarks;

/// <summary>
/// The REST part of the generator on specs/sfmc-rest.openapi.yaml: a fresh driver (read with Microsoft.OpenApi.Readers,
/// merge, emit classes and operations), the warm driver after an unrelated C# edit (every REST step cached), and after
/// an edit of the spec. The NSwag command-line route on the same spec is measured beside it (docs/benchmarks.md).
/// </summary>
[MemoryDiagnoser]
public class RestGeneratorBenchmarks
{
    private AdditionalText _spec = null!;
    private AdditionalText _editedSpec = null!;
    private CSharpCompilation _compilation = null!;
    private CSharpCompilation _edited = null!;
    private GeneratorDriver _warm = null!;

    [GlobalSetup]
    public void Setup()
    {
        Prepare();
        _warm = CreateDriver().RunGenerators(_compilation);
        var result = _warm.RunGenerators(_edited).GetRunResult().Results.Single();
        var work = result.TrackedSteps.Where(s => s.Key is "ParseOpenApi" or "RestApi" or "EmitRestSchema" or "EmitRestOperations")
            .SelectMany(s => s.Value).SelectMany(s => s.Outputs).Count(o => o.Reason != IncrementalStepRunReason.Cached);
        if (work != 0 || result.GeneratedSources.Length < 20 || !result.Diagnostics.IsEmpty)
        {
            throw new InvalidOperationException($"Expected the REST sources, no diagnostics and no REST work after an unrelated edit; saw {result.GeneratedSources.Length} sources, {work} uncached outputs, {result.Diagnostics.Length} diagnostics: {string.Join("; ", result.Diagnostics)}.");
        }
    }

    public void Prepare()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "sfmc-rest.openapi.yaml");
        var text = File.ReadAllText(path);
        _spec = new GeneratorBenchmarks.Text(path, text);
        _editedSpec = new GeneratorBenchmarks.Text(path, text.Replace("        tokenId: { type: string }", "        tokenId: { type: string }\n        queuedAt: { type: string, format: date-time }", StringComparison.Ordinal));
        _compilation = GeneratorBenchmarks.Compilation("class A { }");
        _edited = GeneratorBenchmarks.Compilation("class A { int X => 1; }");
    }

    /// <summary>The whole spec through a fresh driver (JIT warm).</summary>
    [Benchmark(Baseline = true)]
    public GeneratorDriver FullRun() => CreateDriver().RunGenerators(_compilation);

    /// <summary>The warm driver after an unrelated C# edit: every REST step cached.</summary>
    [Benchmark]
    public GeneratorDriver AfterUnrelatedEdit() => _warm.RunGenerators(_edited);

    /// <summary>The warm driver after the spec gains a property: the spec is read again, one class is emitted again.</summary>
    [Benchmark]
    public GeneratorDriver AfterSpecEdit() => _warm.ReplaceAdditionalText(_spec, _editedSpec).RunGenerators(_compilation);

    private GeneratorDriver CreateDriver() => CSharpGeneratorDriver.Create(
        new[] { new SfmcGenerator().AsSourceGenerator() },
        new[] { _spec },
        (CSharpParseOptions)_compilation.SyntaxTrees[0].Options,
        new GeneratorBenchmarks.Options("build_property.RootNamespace", "Bench"),
        new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
}

/// <summary>The spec as the first call in a fresh process (JIT and loading Microsoft.OpenApi included): what a cold build pays.</summary>
[SimpleJob(RunStrategy.ColdStart, launchCount: 5, warmupCount: 0, iterationCount: 1)]
public class RestGeneratorColdStartBenchmarks
{
    private RestGeneratorBenchmarks _inner = null!;

    [GlobalSetup]
    public void Setup()
    {
        _inner = new RestGeneratorBenchmarks();
        _inner.Prepare();
    }

    [Benchmark]
    public GeneratorDriver ColdFullRun() => _inner.FullRun();
}
