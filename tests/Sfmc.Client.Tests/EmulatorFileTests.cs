using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Sfmc.Client.Tests.DataExtensions;
using Sfmc.Emulator;
using Xunit;

namespace Sfmc.Client.Tests;

/// <summary>The emulator reads the same DE files as the generator, and both agree on what they say.</summary>
public sealed class EmulatorFileTests
{
    /// <summary>
    /// The emulator reads DE files with its own loader (no Roslyn at run time); this keeps it equal to the generator:
    /// every DE file of this project, loaded by the emulator, is the generated row's <c>Schema</c>, field by field.
    /// </summary>
    [Fact]
    public void The_emulator_reads_every_DE_file_as_the_generator_does()
    {
        var generated = typeof(EmulatorFileTests).Assembly.GetTypes()
            .Select(t => t.GetProperty("Schema", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
            .Where(p => p?.PropertyType == typeof(DataExtensionInfo))
            .Select(p => (DataExtensionInfo)p!.GetValue(null)!)
            .ToDictionary(d => d.CustomerKey, StringComparer.Ordinal);
        var loaded = DataExtensionFiles.Load(Path.Combine(AppContext.BaseDirectory, "TestData", "DataExtensions"))
            .Concat(DataExtensionFiles.Load(Path.Combine(AppContext.BaseDirectory, "TestData", "mcdev")))
            .ToList();

        Assert.Equal(generated.Keys.Order(StringComparer.Ordinal), loaded.Select(d => d.CustomerKey).Order(StringComparer.Ordinal));
        foreach (var emulator in loaded)
        {
            var generator = generated[emulator.CustomerKey];
            Assert.Equal((generator.Name, generator.IsSendable, generator.SendableDataExtensionField, generator.SendableSubscriberField), (emulator.Name, emulator.IsSendable, emulator.SendableDataExtensionField, emulator.SendableSubscriberField));
            Assert.Equal(
                generator.Fields.Select(f => (f.Name, f.FieldType, f.MaxLength, f.Scale, f.IsPrimaryKey, f.IsRequired, f.DefaultValue)),
                emulator.Fields.Select(f => (f.Name, f.FieldType, f.MaxLength, f.Scale, f.IsPrimaryKey, f.IsRequired, f.DefaultValue)));
        }
    }

    /// <summary>Likewise for sfmc.json: the keys the emulator's tenant knows are the keys the generated classes carry.</summary>
    [Fact]
    public void The_emulator_reads_sfmc_json_as_the_generator_does()
    {
        var declared = EmulatorDeclarations.Load([Path.Combine(AppContext.BaseDirectory, "TestData", "Declarations", "sfmc.json")]);
        var types = typeof(EmulatorFileTests).Assembly.GetTypes();
        string[] Keys(Type open, string constant) => types
            .Where(t => t.BaseType is { IsGenericType: true } b && b.GetGenericTypeDefinition() == open)
            .Select(t => (string)t.GetField(constant)!.GetRawConstantValue()!)
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(Keys(typeof(Journey<>), "EventDefinitionKey"), declared.JourneyKeys.Order(StringComparer.Ordinal));
        Assert.Equal(Keys(typeof(TriggeredSend<>), "DefinitionKey"), declared.TriggeredSendKeys.Order(StringComparer.Ordinal));
        Assert.Equal(Keys(typeof(TransactionalDefinition<>), "DefinitionKey"), declared.TransactionalEmailKeys.Concat(declared.TransactionalSmsKeys).Order(StringComparer.Ordinal));
        Assert.NotEmpty(declared.JourneyKeys);
        Assert.NotEmpty(declared.TriggeredSendKeys);
        Assert.NotEmpty(declared.TransactionalEmailKeys);
        Assert.NotEmpty(declared.TransactionalSmsKeys);
    }

    private static string TestData(string folder) => Path.Combine(AppContext.BaseDirectory, "TestData", folder);

    [Fact]
    public void Loaded_definitions_match_the_generated_schemas()
    {
        var loaded = DataExtensionFiles.Load(TestData("DataExtensions")).Concat(DataExtensionFiles.Load(TestData("mcdev"))).ToDictionary(d => d.CustomerKey);
        foreach (var generated in new[] { OrderLinesRow.Schema, CustomersRow.Schema, TestExistingDataExtensionRow.Schema, TestNewDataExtensionRow.Schema, TestNewEventWithSchemaRow.Schema })
        {
            var file = loaded[generated.CustomerKey];
            Assert.Equal(generated.Name, file.Name);
            Assert.Equal(generated.IsSendable, file.IsSendable);
            Assert.Equal(generated.SendableDataExtensionField, file.SendableDataExtensionField);
            Assert.Equal(
                generated.Fields.Select(f => (f.Name, f.FieldType, f.MaxLength, f.Scale, f.IsPrimaryKey, f.IsRequired, f.DefaultValue)),
                file.Fields.Select(f => (f.Name, f.FieldType, f.MaxLength, f.Scale, f.IsPrimaryKey, f.IsRequired, f.DefaultValue)));
        }
    }

    [Fact]
    public async Task Emulator_serves_DEs_from_files()
    {
        await using var emulator = await SfmcEmulator.StartAsync(o =>
        {
            o.DataExtensionFiles.Add(TestData("DataExtensions"));
            o.DataExtensionFiles.Add(TestData("mcdev"));
        });
        var services = new ServiceCollection();
        services.AddSfmc(o => TestHost.Configure(o, emulator));
        await using var provider = services.BuildServiceProvider();
        var sfmc = provider.GetRequiredService<SfmcClient>();

        var result = await sfmc.DataExtension<TestExistingDataExtensionRow>().UpsertAsync(new[] { new TestExistingDataExtensionRow { ContactKey = "c1", EmailAddress = "a@b.c", FirstName = "Ada" } });

        Assert.True(result.Succeeded);
        Assert.Equal("Ada", Assert.Single(await emulator.GetRowsAsync("testExisting_dataExtension"))["FirstName"]);
    }

    [Fact]
    public void A_broken_file_is_reported_with_its_path()
    {
        var path = Path.Combine(Path.GetTempPath(), "sfmc-" + Guid.NewGuid().ToString("N") + ".de.json");
        File.WriteAllText(path, """{ "customerKey": "x", "name": "X", "fields": [ { "name": "a", "fieldType": "Txt" } ] }""");
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => DataExtensionFiles.Load(path));
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
