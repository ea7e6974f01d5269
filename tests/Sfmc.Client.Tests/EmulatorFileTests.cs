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
