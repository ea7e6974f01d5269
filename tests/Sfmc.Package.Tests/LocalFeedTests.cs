using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Threading.Tasks;
using System.Xml.Linq;
using Sfmc.Emulator;
using Xunit;
using Xunit.Abstractions;

namespace Sfmc.Package.Tests;

/// <summary>
/// A user's project outside this repository that has nothing of ours but two PackageReferences, restored from the
/// folder feed into an empty NuGet cache: it builds without warnings, runs against the emulator package, fails the build
/// at the right place for a row without its key and for a wrong DE key, and regenerates when a DE file changes.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class LocalFeedTests
{
    private readonly PackageFeed _feed;
    private readonly ITestOutputHelper _log;

    public LocalFeedTests(PackageFeed feed, ITestOutputHelper log)
    {
        _feed = feed;
        _log = log;
    }

    [Fact]
    public void The_packages_carry_what_a_user_needs()
    {
        using (var sfmc = ZipFile.OpenRead(Path.Combine(_feed.Feed, $"Sfmc.{_feed.Version}.nupkg")))
        {
            var entries = sfmc.Entries.Select(e => e.FullName.Replace('\\', '/')).ToHashSet(StringComparer.Ordinal);
            string[] expected =
            [
                "lib/net10.0/Sfmc.Client.dll", "lib/net10.0/Sfmc.Client.xml", "README.md",
                "analyzers/dotnet/cs/Sfmc.Generator.dll", "analyzers/dotnet/cs/Microsoft.OpenApi.dll",
                "analyzers/dotnet/cs/Microsoft.OpenApi.Readers.dll", "analyzers/dotnet/cs/SharpYaml.dll",
                "build/Sfmc.props", "buildTransitive/Sfmc.props", "buildTransitive/etframework.wsdl", "build/etframework.wsdl",
                "buildTransitive/sfmc-rest.openapi.yaml", "build/sfmc-rest.openapi.yaml",
                "schemas/sfmc-de.schema.json", "schemas/sfmc.schema.json",
            ];
            Assert.Equal([], expected.Where(e => !entries.Contains(e)));
            var nuspec = Nuspec(sfmc);
            Assert.Equal("MIT", Element(nuspec, "license").Value);
            Assert.Equal("expression", Element(nuspec, "license").Attribute("type")?.Value);
            Assert.Equal("README.md", Element(nuspec, "readme").Value);
            Assert.Matches("^[0-9a-f]{40}$", Element(nuspec, "repository").Attribute("commit")?.Value ?? "");
            // The generator's own dependencies travel inside analyzers/, never as package dependencies of the user.
            var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => e.Attribute("id")!.Value).ToList();
            Assert.DoesNotContain(dependencies, d => d.StartsWith("Microsoft.OpenApi", StringComparison.Ordinal) || d == "SharpYaml" || d.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal));
            Assert.Contains("Microsoft.Extensions.Http.Resilience", dependencies);
        }

        using (var emulator = ZipFile.OpenRead(Path.Combine(_feed.Feed, $"Sfmc.Emulator.{_feed.Version}.nupkg")))
        {
            Assert.Contains(emulator.Entries, e => e.FullName == "lib/net10.0/Sfmc.Emulator.dll");
            var nuspec = Nuspec(emulator);
            Assert.Contains(nuspec.Descendants(), e => e.Name.LocalName == "frameworkReference" && e.Attribute("name")?.Value == "Microsoft.AspNetCore.App");
            Assert.Contains(nuspec.Descendants(), e => e.Name.LocalName == "dependency" && e.Attribute("id")?.Value == "Sfmc" && e.Attribute("version")?.Value == _feed.Version);
        }

        using (var tool = ZipFile.OpenRead(Path.Combine(_feed.Feed, $"Sfmc.Emulator.Tool.{_feed.Version}.nupkg")))
        {
            Assert.Contains(Nuspec(tool).Descendants(), e => e.Name.LocalName == "packageType" && e.Attribute("name")?.Value == "DotnetTool");
            Assert.Contains(tool.Entries, e => e.FullName.EndsWith("DotnetToolSettings.xml", StringComparison.Ordinal));
        }

        foreach (var id in new[] { "Sfmc", "Sfmc.Emulator", "Sfmc.Emulator.Tool" })
        {
            Assert.True(File.Exists(Path.Combine(_feed.Feed, $"{id}.{_feed.Version}.snupkg")), $"no symbols package for {id}");
        }
    }

    [Fact]
    public async Task A_project_with_only_the_package_references_builds_runs_and_fails_where_it_should()
    {
        await InConsumerFolderAsync("sfmc-consumer", async directory =>
        {
        WriteConsumer(directory);

        // 1. Restore from the feed into the empty cache, build: zero warnings.
        var build = await Dotnet(directory, "build -nologo");
        Assert.True(build.ExitCode == 0, "build failed:\n" + build.Output);
        Assert.DoesNotContain(": warning ", build.Output, StringComparison.Ordinal);
        Assert.Contains("0 Warning(s)", build.Output, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(_feed.Cache, "sfmc", _feed.Version)), "Sfmc did not come from the feed into the test's own cache");

        // 2. dotnet run: upserts, journey entry, a transactional email and a SOAP retrieve against the emulator package.
        var run = await Dotnet(directory, "run --no-restore");
        Assert.True(run.ExitCode == 0, "run failed:\n" + run.Output);
        Assert.Contains("upserted 2/2 rows into Customers", run.Output, StringComparison.Ordinal);
        Assert.Contains("entered journey APIEvent-welcome as c-1", run.Output, StringComparison.Ordinal);
        Assert.Contains("emulator saw 1 journey entry, 1 email to ada@example.com", run.Output, StringComparison.Ordinal);
        Assert.Contains("subscriber c-1 <ada@example.com> Active", run.Output, StringComparison.Ordinal);
        Assert.Contains("rest: 2 rows of Customers, mcdev DE testExisting_dataExtension has 6 fields", run.Output, StringComparison.Ordinal);

        // 3. A row without its primary key: CS9035 at the object creation.
        await BuildFailsWithAsync(directory, "Bad.cs", "static class Bad\n{\n    public static object Make() => new Shop.DataExtensions.CustomersRow { EmailAddress = \"a@example.com\" };\n}\n",
            "Bad.cs(3,40): error CS9035", "SubscriberKey");

        // 4. A DE key literal that no DE file declares: SFMC0150 at the literal, with a suggestion.
        await BuildFailsWithAsync(directory, "BadKey.cs", "static class BadKey\n{\n    public static object Use(Sfmc.Client.SfmcClient c) => c.DataExtension(\"Custmers\");\n}\n",
            "BadKey.cs(3,75): error SFMC0150", "Did you mean 'Customers'?");

        // 5. Editing a DE file regenerates its row from the package: a new field becomes a property.
        File.WriteAllText(Path.Combine(directory, "Tier.cs"), "static class Tier\n{\n    public static string Name => Shop.DataExtensions.CustomersRow.Fields.LoyaltyTier;\n}\n");
        var before = await Dotnet(directory, "build --no-restore -nologo");
        Assert.NotEqual(0, before.ExitCode);
        Assert.Contains("LoyaltyTier", before.Output, StringComparison.Ordinal);
        var customers = Path.Combine(directory, "DataExtensions", "Customers.de.json");
        File.WriteAllText(customers, File.ReadAllText(customers).Replace(
            "{ \"name\": \"First Name\"", "{ \"name\": \"Loyalty Tier\", \"fieldType\": \"Text\", \"maxLength\": 20 },\n    { \"name\": \"First Name\"", StringComparison.Ordinal));
        var after = await Dotnet(directory, "build --no-restore -nologo");
        Assert.True(after.ExitCode == 0, "build after the DE edit failed:\n" + after.Output);
        Assert.DoesNotContain(": warning ", after.Output, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_native_AOT_publish_has_no_trim_or_AOT_warnings_and_runs_against_the_emulator()
    {
        // The README says "trim- and AOT-safe": a consumer of DE rows, REST, SOAP, a journey and a transactional send,
        // published with PublishAot=true from the package, must publish without one IL2xxx/IL3xxx warning and run.
        await InConsumerFolderAsync("sfmc-aot", async directory =>
        {
        File.WriteAllText(Path.Combine(directory, "Aot.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <PublishAot>true</PublishAot>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Sfmc" Version="{_feed.Version}" />
              </ItemGroup>
            </Project>
            """);
        Directory.CreateDirectory(Path.Combine(directory, "DataExtensions"));
        File.WriteAllText(Path.Combine(directory, "DataExtensions", "Customers.de.json"), """
            { "customerKey": "Customers", "name": "Customers",
              "fields": [
                { "name": "Subscriber Key", "fieldType": "Text", "maxLength": 254, "isPrimaryKey": true, "isRequired": true },
                { "name": "Email Address", "fieldType": "EmailAddress", "isRequired": true },
                { "name": "First Name", "fieldType": "Text", "maxLength": 50 },
                { "name": "Joined", "fieldType": "Date" },
                { "name": "Score", "fieldType": "Decimal", "maxLength": 9, "scale": 2 } ] }
            """);
        File.WriteAllText(Path.Combine(directory, "sfmc.json"), """
            { "journeys": [ { "name": "Welcome", "eventDefinitionKey": "APIEvent-welcome", "entryDataExtension": "Customers" } ],
              "transactionalEmails": [ { "name": "Receipt", "definitionKey": "receipt-email", "attributes": [ "Order Number" ] } ] }
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), """
            using Microsoft.Extensions.DependencyInjection;
            using Sfmc.Client;
            using Sfmc.Soap;
            using Aot.DataExtensions;

            var services = new ServiceCollection();
            services.AddSfmc(o =>
            {
                o.AuthBaseUri = new Uri(Environment.GetEnvironmentVariable("SFMC__AUTHBASEURI")!);
                o.ClientId = Environment.GetEnvironmentVariable("SFMC__CLIENTID")!;
                o.ClientSecret = Environment.GetEnvironmentVariable("SFMC__CLIENTSECRET")!;
            });
            await using var provider = services.BuildServiceProvider();
            var sfmc = provider.GetRequiredService<SfmcClient>();

            var customers = new[] { new CustomersRow { SubscriberKey = "c-1", EmailAddress = "ada@example.com", FirstName = "Ada", Joined = new DateTime(2026, 1, 2, 12, 0, 0, DateTimeKind.Utc), Score = 12.5m } };
            var written = await sfmc.DataExtension<CustomersRow>().UpsertAsync(customers);
            Console.WriteLine($"rows: {written.RowsSucceeded}/{written.RowsSubmitted}");
            await foreach (var row in sfmc.DataExtension<CustomersRow>().QueryAsync())
            {
                Console.WriteLine($"read: {row.SubscriberKey} {row.FirstName} {row.Score} {row.Joined:yyyy-MM-dd}");
            }

            await sfmc.Journeys.Welcome.EnterAsync("c-1", customers[0]);
            Console.WriteLine("journey: entered");
            var key = await sfmc.Transactional.Receipt.SendAsync("c-1", "ada@example.com", new() { OrderNumber = "A-1" });
            var status = await sfmc.Rest.GetEmailSendStatusAsync(key);
            Console.WriteLine($"rest: {status.EventCategoryType} for {status.Info?.To}");
            await sfmc.Soap.CreateAsync(new[] { new Subscriber { SubscriberKey = "c-1", EmailAddress = "ada@example.com" } });
            await foreach (var s in sfmc.Soap.RetrieveAsync<Subscriber>(Subscriber.Property.SubscriberKey.IsEqualTo("c-1")))
            {
                Console.WriteLine($"soap: {s.SubscriberKey} {s.EmailAddress} {s.Status}");
            }
            """);

        var publish = await Dotnet(directory, "publish -c Release -r linux-x64 -o out -nologo");
        Assert.True(publish.ExitCode == 0, "AOT publish failed:\n" + publish.Output);
        Assert.DoesNotMatch(@"warning IL[23]\d{3}", publish.Output);
        Assert.DoesNotContain(": warning ", publish.Output, StringComparison.Ordinal);
        var native = Path.Combine(directory, "out", "Aot");
        Assert.True(File.Exists(native), "no native executable");
        Assert.False(File.Exists(Path.Combine(directory, "out", "Aot.dll")), "the publish is not native");

        await using var emulator = await SfmcEmulator.StartAsync(o =>
        {
            o.DataExtensionFiles.Add(Path.Combine(directory, "DataExtensions"));
            o.DeclarationFiles.Add(Path.Combine(directory, "sfmc.json"));
        });
        var run = await Processes.RunAsync(_log, native, "", directory, new Dictionary<string, string?>
        {
            ["SFMC__AUTHBASEURI"] = emulator.BaseUri.ToString(),
            ["SFMC__CLIENTID"] = emulator.ClientId,
            ["SFMC__CLIENTSECRET"] = emulator.ClientSecret,
        }, TimeSpan.FromMinutes(1));
        Assert.True(run.ExitCode == 0, "the native program failed:\n" + run.Output);
        Assert.Equal(
            "rows: 1/1\nread: c-1 Ada 12.50 2026-01-02\njourney: entered\nrest: TransactionalSendEvents.EmailSent for ada@example.com\nsoap: c-1 ada@example.com Active",
            run.Output.Trim().ReplaceLineEndings("\n"));
        Assert.Single(emulator.JourneyEntries);
        });
    }

    [Fact]
    public async Task The_emulator_installs_as_a_dotnet_tool_from_the_feed()
    {
        await InConsumerFolderAsync("sfmc-tool", async directory =>
        {
        var install = await Dotnet(directory, $"tool install Sfmc.Emulator.Tool --version {_feed.Version} --tool-path tools");
        Assert.True(install.ExitCode == 0, "tool install failed:\n" + install.Output);
        var help = await Processes.RunAsync(_log, Path.Combine(directory, "tools", "sfmc-emulator"), "--help", directory, _feed.Environment, TimeSpan.FromMinutes(1));
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--sfmc-json", help.Output, StringComparison.Ordinal);
        });
    }

    /// <summary>Runs <paramref name="test"/> in a new folder outside the repository that has the feed's nuget.config; deletes it after.</summary>
    private async Task InConsumerFolderAsync(string prefix, Func<string, Task> test)
    {
        var directory = Processes.TempFolder(prefix);
        try
        {
            _feed.WriteNuGetConfig(directory);
            await test(directory);
        }
        finally
        {
            Processes.DeleteQuietly(directory);
        }
    }

    /// <summary>Adds <paramref name="file"/>, builds (it must fail, saying each of <paramref name="expected"/>), and removes the file again.</summary>
    private async Task BuildFailsWithAsync(string directory, string file, string source, params string[] expected)
    {
        File.WriteAllText(Path.Combine(directory, file), source);
        var build = await Dotnet(directory, "build --no-restore -nologo");
        Assert.NotEqual(0, build.ExitCode);
        foreach (var text in expected)
        {
            Assert.Contains(text, build.Output, StringComparison.Ordinal);
        }

        File.Delete(Path.Combine(directory, file));
    }

    private Task<(int ExitCode, string Output)> Dotnet(string directory, string arguments) =>
        Processes.RunAsync(_log, "dotnet", arguments, directory, _feed.Environment);

    private static XElement Nuspec(ZipArchive package)
    {
        using var stream = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XElement.Load(stream);
    }

    private static XElement Element(XElement nuspec, string name) => nuspec.Descendants().Single(e => e.Name.LocalName == name);

    private void WriteConsumer(string directory)
    {
        File.WriteAllText(Path.Combine(directory, "Shop.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Sfmc" Version="{_feed.Version}" />
                <PackageReference Include="Sfmc.Emulator" Version="{_feed.Version}" />
              </ItemGroup>
            </Project>
            """);
        var des = Path.Combine(directory, "DataExtensions");
        Directory.CreateDirectory(des);
        File.WriteAllText(Path.Combine(des, "Customers.de.json"), """
            {
              "customerKey": "Customers",
              "name": "Customers",
              "isSendable": true,
              "sendableDataExtensionField": "Subscriber Key",
              "sendableSubscriberField": "Subscriber Key",
              "fields": [
                { "name": "Subscriber Key", "fieldType": "Text", "maxLength": 254, "isPrimaryKey": true, "isRequired": true },
                { "name": "Email Address", "fieldType": "EmailAddress", "isRequired": true },
                { "name": "First Name", "fieldType": "Text", "maxLength": 50 }
              ]
            }
            """);
        File.WriteAllText(Path.Combine(des, "Orders.de.json"), """
            {
              "customerKey": "Orders",
              "name": "Orders",
              "fields": [
                { "name": "Order Id", "fieldType": "Text", "maxLength": 36, "isPrimaryKey": true, "isRequired": true },
                { "name": "Total", "fieldType": "Decimal", "maxLength": 18, "scale": 2, "isRequired": true }
              ]
            }
            """);
        // An sfmc-devtools (mcdev) file, exactly as mcdev retrieves it.
        File.WriteAllText(Path.Combine(des, "testExisting_dataExtension.dataExtension-meta.json"), """
            {
                "CustomerKey": "testExisting_dataExtension",
                "Name": "testExisting_dataExtension",
                "IsSendable": true,
                "SendableDataExtensionField": { "Name": "ContactKey" },
                "SendableSubscriberField": { "Name": "Subscriber Key" },
                "Fields": [
                    { "Name": "FirstName", "DefaultValue": "", "MaxLength": 50, "IsRequired": false, "IsPrimaryKey": false, "FieldType": "Text" },
                    { "Name": "LastName", "DefaultValue": "", "MaxLength": 55, "IsRequired": false, "IsPrimaryKey": false, "FieldType": "Text" },
                    { "Name": "EmailAddress", "DefaultValue": "", "MaxLength": 254, "IsRequired": false, "IsPrimaryKey": false, "FieldType": "EmailAddress" },
                    { "Name": "ContactKey", "DefaultValue": "", "MaxLength": 50, "IsRequired": true, "IsPrimaryKey": true, "FieldType": "Text" },
                    { "Name": "Birthday", "DefaultValue": "", "IsRequired": false, "IsPrimaryKey": false, "FieldType": "Date" },
                    { "Name": "Points", "DefaultValue": "0", "IsRequired": false, "IsPrimaryKey": false, "FieldType": "Number" }
                ],
                "r__folder_Path": "Data Extensions"
            }
            """);
        File.WriteAllText(Path.Combine(directory, "sfmc.json"), """
            {
              "journeys": [
                { "name": "Welcome", "eventDefinitionKey": "APIEvent-welcome", "entryDataExtension": "Customers" }
              ],
              "transactionalEmails": [
                { "name": "Receipt", "definitionKey": "receipt-email",
                  "attributes": [ "Order Number", { "name": "Total", "fieldType": "Decimal", "scale": 2 } ] }
              ]
            }
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), """
            using Microsoft.Extensions.DependencyInjection;
            using Sfmc.Client;
            using Sfmc.Emulator;
            using Sfmc.Soap;
            using Shop.DataExtensions;

            await using var emulator = await SfmcEmulator.StartAsync(o =>
            {
                o.DataExtensions.Add(CustomersRow.Schema);
                o.DataExtensions.Add(OrdersRow.Schema);
                o.DataExtensions.Add(TestExistingDataExtensionRow.Schema);
                o.JourneyEventDefinitionKeys.Add(Shop.Journeys.WelcomeJourney.EventDefinitionKey);
            });

            var services = new ServiceCollection();
            services.AddSfmc(o =>
            {
                o.AuthBaseUri = emulator.BaseUri;
                o.ClientId = emulator.ClientId;
                o.ClientSecret = emulator.ClientSecret;
            });
            await using var provider = services.BuildServiceProvider();
            var sfmc = provider.GetRequiredService<SfmcClient>();

            var customers = new[]
            {
                new CustomersRow { SubscriberKey = "c-1", EmailAddress = "ada@example.com", FirstName = "Ada" },
                new CustomersRow { SubscriberKey = "c-2", EmailAddress = "alan@example.com" },
            };
            var written = await sfmc.DataExtension<CustomersRow>().UpsertAsync(customers);
            Console.WriteLine($"upserted {written.RowsSucceeded}/{written.RowsSubmitted} rows into {CustomersRow.CustomerKey}");

            await sfmc.Journeys.Welcome.EnterAsync("c-1", customers[0]);
            Console.WriteLine($"entered journey {Shop.Journeys.WelcomeJourney.EventDefinitionKey} as c-1");
            await sfmc.Transactional.Receipt.SendAsync("c-1", "ada@example.com", new() { OrderNumber = "A-1001", Total = 99.95m });
            Console.WriteLine($"emulator saw {emulator.JourneyEntries.Count} journey entry, {emulator.SentMessages.Count(m => m.To == "ada@example.com")} email to ada@example.com");

            await sfmc.Soap.CreateAsync(new[] { new Subscriber { SubscriberKey = "c-1", EmailAddress = "ada@example.com" } });
            await foreach (var subscriber in sfmc.Soap.RetrieveAsync<Subscriber>(Subscriber.Property.EmailAddress.IsLike("%@example.com")))
            {
                Console.WriteLine($"subscriber {subscriber.SubscriberKey} <{subscriber.EmailAddress}> {subscriber.Status}");
            }

            var read = 0;
            await foreach (var row in sfmc.DataExtension<CustomersRow>().QueryAsync())
            {
                read++;
            }

            Console.WriteLine($"rest: {read} rows of Customers, mcdev DE {TestExistingDataExtensionRow.CustomerKey} has {TestExistingDataExtensionRow.Schema.Fields.Count} fields");
            """);
    }
}
