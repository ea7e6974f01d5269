using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using Sfmc.Generator.DataExtensions;
using Xunit;

namespace Sfmc.Generator.Tests;

/// <summary>The editor schema (specs/sfmc-de.schema.json) and the generator speak the same vocabulary.</summary>
public sealed class SchemaFileTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(GeneratorHarness.RepoRoot, "specs", "sfmc-de.schema.json"))).RootElement;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_files_sfmc_pull_writes_compile_without_a_diagnostic(bool mcdev)
    {
        // Every DE the tests declare (hand-written and mcdev-retrieved), written back as `sfmc pull` writes it.
        var declared = Directory.GetFiles(Path.Combine(GeneratorHarness.RepoRoot, "tests", "TestData", "DataExtensions"), "*.de.json")
            .Concat(Directory.GetFiles(Path.Combine(GeneratorHarness.RepoRoot, "tests", "TestData", "mcdev"), "*.dataExtension-meta.json"))
            .Select(Sfmc.Emulator.DataExtensionFiles.LoadFile)
            .ToList();
        var files = declared.Select(d => GeneratorHarness.File(
            "/project/DataExtensions/" + Sfmc.Emulator.DataExtensionFiles.FileName(d, mcdev),
            mcdev ? Sfmc.Emulator.DataExtensionFiles.ToMcdevJson(d) : Sfmc.Emulator.DataExtensionFiles.ToJson(d)));

        var (result, output, diagnostics) = GeneratorHarness.Run(files);

        Assert.Empty(diagnostics);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning));
        foreach (var dataExtension in declared)
        {
            // Each DE's generated code is there, under its own key (the DE files themselves are not syntax trees).
            Assert.Contains(output.SyntaxTrees, t => t.ToString().Contains($"\"{dataExtension.CustomerKey}\"", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Schema_properties_are_the_ones_the_parser_knows()
    {
        Assert.Equal(Known("DeJsonProperties"), Schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Equal(Known("FieldProperties"), Schema.GetProperty("definitions").GetProperty("field").GetProperty("properties").EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public void Schema_field_types_are_the_generator_field_types()
    {
        var types = Schema.GetProperty("definitions").GetProperty("field").GetProperty("properties").GetProperty("fieldType").GetProperty("enum").EnumerateArray().Select(e => e.GetString());
        Assert.Equal(Enum.GetNames<DataExtensions.Model.FieldType>(), types);
        Assert.Equal(Enum.GetNames<DataExtensions.Model.FieldType>(), Enum.GetNames<Sfmc.Client.DataExtensionFieldType>());
    }

    [Fact]
    public void The_generators_field_type_table_and_the_runtimes_agree_row_by_row()
    {
        var generator = DataExtensions.Model.FieldTypes.All;
        var runtime = Sfmc.Client.DataExtensionFieldTypes.All;

        Assert.Equal(Enum.GetValues<DataExtensions.Model.FieldType>(), generator.Select(r => r.Type));
        Assert.Equal(Enum.GetValues<Sfmc.Client.DataExtensionFieldType>(), runtime.Select(r => r.Type));
        Assert.Equal(generator.Count, runtime.Count);
        for (var i = 0; i < generator.Count; i++)
        {
            var (g, r) = (generator[i], runtime[i]);
            Assert.Equal(g.Type.ToString(), r.Type.ToString());
            Assert.Equal(g.Length == DataExtensions.Model.LengthRule.Characters, r.HasCharacterLength);
            Assert.Equal(g.Length == DataExtensions.Model.LengthRule.Precision, r.HasPrecision);
            Assert.Equal(g.MaxLengthLimit, r.MaxLengthLimit);
            Assert.Equal(g.DefaultMaxLength, r.DefaultMaxLength);
        }
    }

    [Fact]
    public void Declarations_schema_properties_are_the_ones_the_sfmc_json_parser_knows()
    {
        var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(GeneratorHarness.RepoRoot, "specs", "sfmc.schema.json"))).RootElement;
        var definitions = schema.GetProperty("definitions");
        var journey = definitions.GetProperty("journey");
        var dataField = definitions.GetProperty("field").GetProperty("oneOf")[1];
        Assert.Equal(Known("RootProperties", typeof(Declarations.DeclarationsParser)), Names(schema));
        Assert.Equal(Known("JourneyProperties", typeof(Declarations.DeclarationsParser)), Names(journey));
        Assert.Equal(Known("MessageProperties", typeof(Declarations.DeclarationsParser)), Names(definitions.GetProperty("send")));
        Assert.Equal(Known("MobileConnectProperties", typeof(Declarations.DeclarationsParser)), Names(definitions.GetProperty("mobileConnectMessage")));
        Assert.Equal(Known("DataFieldProperties", typeof(Declarations.DeclarationsParser)), Names(dataField));
        Assert.Equal("#/definitions/field", journey.GetProperty("properties").GetProperty("dataFields").GetProperty("items").GetProperty("$ref").GetString());
        Assert.Equal("#/definitions/field", definitions.GetProperty("send").GetProperty("properties").GetProperty("attributes").GetProperty("items").GetProperty("$ref").GetString());
        Assert.Equal(Enum.GetNames<DataExtensions.Model.FieldType>(), dataField.GetProperty("properties").GetProperty("fieldType").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
    }

    private static string[] Names(JsonElement schema) =>
        schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();

    private static string[] Known(string field, Type? owner = null) =>
        ((string[])(owner ?? typeof(DataExtensionParser)).GetField(field, BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!)
        .OrderBy(n => n, StringComparer.Ordinal)
        .ToArray();
}
