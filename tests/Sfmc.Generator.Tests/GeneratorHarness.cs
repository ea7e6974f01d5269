using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Sfmc.Generator.Tests;

/// <summary>Drives the generator in memory, as the compiler would.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>Where test data is copied beside the test assembly.</summary>
    public static string TestData => Path.Combine(AppContext.BaseDirectory, "TestData");

    /// <summary>The repository root, recorded at build time.</summary>
    public static string RepoRoot => Path.GetFullPath(Metadata("RepoRoot"));

    /// <summary>This project's source folder (for baselines that are read and, on request, rewritten in place).</summary>
    public static string SourceDirectory() => Path.Combine(RepoRoot, "tests", "Sfmc.Generator.Tests");

    /// <summary>A value the build recorded with AssemblyMetadata.</summary>
    public static string Metadata(string key) => typeof(GeneratorHarness).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>()
        .Single(a => a.Key == key).Value!;

    private static readonly ImmutableArray<MetadataReference> References = Basic.Reference.Assemblies.Net100.References.All
        .Cast<MetadataReference>()
        .Append(MetadataReference.CreateFromFile(typeof(Sfmc.Client.DataExtensionInfo).Assembly.Location))
        .ToImmutableArray();

    public static CSharpCompilation CreateCompilation(params string[] sources) => CSharpCompilation.Create(
        "Consumer",
        sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"/project/Source{i}.cs")),
        References,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver(IEnumerable<AdditionalText> files, string? rootNamespace = "Contoso", string? sfmcNamespace = null, IReadOnlyDictionary<string, string>? properties = null)
    {
        var options = new Dictionary<string, string>();
        foreach (var (key, value) in properties ?? new Dictionary<string, string>())
        {
            options["build_property." + key] = value;
        }

        if (rootNamespace is not null)
        {
            options["build_property.RootNamespace"] = rootNamespace;
        }

        if (sfmcNamespace is not null)
        {
            options["build_property.SfmcNamespace"] = sfmcNamespace;
        }

        return CSharpGeneratorDriver.Create(
            new[] { new SfmcGenerator().AsSourceGenerator() },
            files,
            ParseOptions,
            new TestOptionsProvider(options),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
    }

    /// <summary>Runs the generator on the files; returns the run result and the compilation with generated code.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics) Run(
        IEnumerable<AdditionalText> files, string? rootNamespace = "Contoso", string? sfmcNamespace = null, params string[] sources)
    {
        var driver = CreateDriver(files, rootNamespace, sfmcNamespace)
            .RunGeneratorsAndUpdateCompilation(CreateCompilation(sources), out var output, out var diagnostics);
        return (driver.GetRunResult(), output, diagnostics);
    }

    /// <summary>Runs the generator with MSBuild properties (SfmcSoapObjects, …).</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics) Run(
        IEnumerable<AdditionalText> files, IReadOnlyDictionary<string, string> properties, params string[] sources)
    {
        var driver = CreateDriver(files, "Contoso", null, properties)
            .RunGeneratorsAndUpdateCompilation(CreateCompilation(sources), out var output, out var diagnostics);
        return (driver.GetRunResult(), output, diagnostics);
    }

    /// <summary>The checked-in WSDL (specs/etframework.wsdl).</summary>
    public static AdditionalText SpecWsdl() => File("/project/etframework.wsdl", System.IO.File.ReadAllText(Path.Combine(RepoRoot, "specs", "etframework.wsdl")));

    /// <summary>The checked-in OpenAPI subset (specs/sfmc-rest.openapi.yaml).</summary>
    public static AdditionalText SpecOpenApi() => File("/project/sfmc-rest.openapi.yaml", System.IO.File.ReadAllText(Path.Combine(RepoRoot, "specs", "sfmc-rest.openapi.yaml")));

    public static AdditionalText File(string path, string text) => new InMemoryAdditionalText(path, text, null);

    /// <summary>A file with the <c>SfmcKind</c> metadata Sfmc.props gives it (OpenApi for the SfmcOpenApi item).</summary>
    public static AdditionalText File(string path, string text, string kind) => new InMemoryAdditionalText(path, text, kind);

    /// <summary>Loads test data files matching a pattern like <c>mcdev/*.dataExtension-meta.json</c>, with stable fake paths.</summary>
    public static IReadOnlyList<AdditionalText> TestDataFiles(string pattern)
    {
        var directory = Path.Combine(TestData, Path.GetDirectoryName(pattern)!);
        return Directory.GetFiles(directory, Path.GetFileName(pattern))
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => File("/project/" + Path.GetFileName(p), System.IO.File.ReadAllText(p)))
            .ToList();
    }

    /// <summary>Errors and warnings of a compilation, excluding none: generated code must be warning-free.</summary>
    public static IReadOnlyList<Diagnostic> Problems(Compilation compilation) => compilation.GetDiagnostics()
        .Where(d => d.Severity >= DiagnosticSeverity.Warning)
        .ToList();

    private sealed class InMemoryAdditionalText : AdditionalText
    {
        private readonly SourceText _text;

        public InMemoryAdditionalText(string path, string text, string? kind)
        {
            Path = path;
            Kind = kind;
            _text = SourceText.From(text, Encoding.UTF8);
        }

        public override string Path { get; }

        public string? Kind { get; }

        public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
    }

    private sealed class TestOptionsProvider : AnalyzerConfigOptionsProvider
    {
        private readonly TestOptions _global;

        public TestOptionsProvider(Dictionary<string, string> global) => _global = new TestOptions(global);

        public override AnalyzerConfigOptions GlobalOptions => _global;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => TestOptions.Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => textFile is InMemoryAdditionalText { Kind: { } kind }
            ? new TestOptions(new Dictionary<string, string> { ["build_metadata.AdditionalFiles.SfmcKind"] = kind })
            : TestOptions.Empty;
    }

    private sealed class TestOptions : AnalyzerConfigOptions
    {
        public static readonly TestOptions Empty = new(new Dictionary<string, string>());
        private readonly Dictionary<string, string> _values;

        public TestOptions(Dictionary<string, string> values) => _values = values;

        public override bool TryGetValue(string key, out string value) => _values.TryGetValue(key, out value!);
    }
}
