using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace Sfmc.Generator.Tests;

/// <summary>
/// A real <c>dotnet build</c> of a consumer project, as a user would run it: the only honest proof that the
/// generator (and anything it bundles) loads inside the compiler, that the props pick DE files up, and that a row
/// without its primary key does not compile.
/// </summary>
public sealed class ConsumerBuildTests
{
    private readonly ITestOutputHelper _output;

    public ConsumerBuildTests(ITestOutputHelper output) => _output = output;

    [Fact]
    [Trait("Category", "Build")]
    public async Task Consumer_project_builds_runs_and_rejects_bad_input()
    {
        // Build the consumer against the same configuration of src/ that this test run built.
        var configuration = GeneratorHarness.Metadata("Configuration");
        var directory = Path.Combine(AppContext.BaseDirectory, "consumer-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        try
        {
            var src = Path.Combine(GeneratorHarness.RepoRoot, "src");
            File.WriteAllText(Path.Combine(directory, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <Import Project="{src}/Sfmc.Client/buildTransitive/Sfmc.props" />
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <RootNamespace>Consumer</RootNamespace>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <GenerateDocumentationFile>true</GenerateDocumentationFile>
                    <!-- Output elsewhere than bin/, as the artifacts layout does: a stale bin/ copy of a DE file must still not count. -->
                    <BaseOutputPath>out/</BaseOutputPath>
                  </PropertyGroup>
                  <ItemGroup>
                    <!-- An extra OpenAPI spec with any name: its operations join ours on client.Rest. -->
                    <SfmcOpenApi Include="extra-api.yaml" />
                    <ProjectReference Include="{src}/Sfmc.Client/Sfmc.Client.csproj" />
                    <ProjectReference Include="{src}/Sfmc.Generator/Sfmc.Generator.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                  </ItemGroup>
                </Project>
                """);
            Directory.CreateDirectory(Path.Combine(directory, "Schemas"));
            File.Copy(Path.Combine(GeneratorHarness.TestData, "DataExtensions", "OrderLines.de.json"), Path.Combine(directory, "Schemas", "OrderLines.de.json"));
            File.Copy(Path.Combine(GeneratorHarness.TestData, "mcdev", "testExisting_dataExtension.dataExtension-meta.json"), Path.Combine(directory, "testExisting_dataExtension.dataExtension-meta.json"));
            // A stale copy in an output folder (as CopyToOutputDirectory or an old layout leaves) must not count twice.
            Directory.CreateDirectory(Path.Combine(directory, "bin", "stale"));
            File.Copy(Path.Combine(GeneratorHarness.TestData, "DataExtensions", "OrderLines.de.json"), Path.Combine(directory, "bin", "stale", "OrderLines.de.json"));
            // sfmc.json beside the project is picked up by Sfmc.props; its journeys become C# 14 extension properties.
            File.WriteAllText(Path.Combine(directory, "sfmc.json"), """
                {
                  "journeys": [
                    { "name": "Order Placed", "eventDefinitionKey": "APIEvent-order-placed", "entryDataExtension": "order_lines" }
                  ]
                }
                """);
            File.WriteAllText(Path.Combine(directory, "extra-api.yaml"), """
                openapi: 3.0.3
                info: { title: Extra, version: "1" }
                paths:
                  /custom/v1/widgets/{id}:
                    get:
                      operationId: getWidget
                      parameters:
                        - { name: id, in: path, required: true, schema: { type: string } }
                      responses:
                        "200":
                          description: ok
                          content:
                            application/json:
                              schema: { $ref: "#/components/schemas/Widget" }
                components:
                  schemas:
                    Widget:
                      type: object
                      required: [id]
                      properties:
                        id: { type: string }
                        size: { type: integer }
                """);
            File.WriteAllText(Path.Combine(directory, "Program.cs"), """
                using Consumer.DataExtensions;
                using Sfmc.Client;

                // REST operations from specs/sfmc-rest.openapi.yaml and from the extra spec, on client.Rest.
                System.Func<SfmcClient, System.Threading.Tasks.Task<Consumer.Rest.SendStatusResponse>> status = client => client.Rest.GetEmailSendStatusAsync("m-1");
                System.Func<SfmcClient, System.Threading.Tasks.Task<Consumer.Rest.Widget>> widget = client => client.Rest.GetWidgetAsync("w-1");
                System.Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new Consumer.Rest.Widget { Id = "w-1", Size = 3 }) + " " + (status is not null && widget is not null));

                System.Func<SfmcClient, Consumer.Journeys.OrderPlacedJourney> journey = client => client.Journeys.OrderPlaced;
                System.Console.WriteLine(Consumer.Journeys.OrderPlacedJourney.EventDefinitionKey + " " + (journey is not null));

                var rows = new[]
                {
                    new OrderLinesRow { OrderId = "A-1", LineNo = 1, Sku = "SKU-9", UnitPrice = 9.99m, Quantity = 2 },
                };
                System.Console.WriteLine(DataExtensionJson.SerializeRowset(rows));
                System.Console.WriteLine(TestExistingDataExtensionRow.Fields.ContactKey);
                """);

            // 1. Builds with the generator loaded by the real compiler, and the program runs.
            var build = await Dotnet(directory, $"build Consumer.csproj -c {configuration} -p:BuildProjectReferences=false -nologo -v:q");
            Assert.True(build.ExitCode == 0, "Consumer build failed:\n" + build.Output);
            var dll = Directory.GetFiles(Path.Combine(directory, "out"), "Consumer.dll", SearchOption.AllDirectories).Single(f => !f.Contains($"{Path.DirectorySeparatorChar}ref{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
            var run = await Dotnet(directory, $"\"{dll}\"");
            Assert.Equal(0, run.ExitCode);
            Assert.Contains("""[{"keys":{"order id":"A-1","line no":1},"values":{"sku":"SKU-9","unit price":9.99,"quantity":2}}]""", run.Output, StringComparison.Ordinal);
            Assert.Contains("ContactKey", run.Output, StringComparison.Ordinal);
            Assert.Contains("APIEvent-order-placed True", run.Output, StringComparison.Ordinal);
            Assert.Contains("{\"id\":\"w-1\",\"size\":3} True", run.Output, StringComparison.Ordinal);

            // 2. A row without its primary key does not compile (CS9035: required member not set).
            File.WriteAllText(Path.Combine(directory, "Bad.cs"), """
                static class Bad
                {
                    public static object Make() => new Consumer.DataExtensions.OrderLinesRow { LineNo = 1, Sku = "x", UnitPrice = 1m };
                }
                """);
            var missingKey = await Dotnet(directory, $"build Consumer.csproj -c {configuration} -p:BuildProjectReferences=false -nologo -v:q");
            Assert.NotEqual(0, missingKey.ExitCode);
            Assert.Contains("CS9035", missingKey.Output, StringComparison.Ordinal);
            Assert.Contains("OrderId", missingKey.Output, StringComparison.Ordinal);
            File.Delete(Path.Combine(directory, "Bad.cs"));

            // 3. A misspelled key passed to the runtime's untyped overload fails the build, with a suggestion.
            await BadKeysFailTheBuildAsync(directory, $"build Consumer.csproj -c {configuration} -p:BuildProjectReferences=false -nologo -v:q");

            // 4. A broken DE file fails the build with an SFMC diagnostic at file(line,column).
            File.WriteAllText(Path.Combine(directory, "Schemas", "Broken.de.json"), "{\n  \"customerKey\": \"broken\",\n  \"name\": \"Broken\",\n  \"fields\": [ { \"name\": \"a\", \"fieldType\": \"Txt\" } ]\n}\n");
            var broken = await Dotnet(directory, $"build Consumer.csproj -c {configuration} -p:BuildProjectReferences=false -nologo -v:q");
            Assert.NotEqual(0, broken.ExitCode);
            Assert.Contains("Broken.de.json(4,43): error SFMC0104", broken.Output, StringComparison.Ordinal);

            // 5. A period in an EventDefinitionKey fails the build at its place in sfmc.json.
            File.Delete(Path.Combine(directory, "Schemas", "Broken.de.json"));
            File.WriteAllText(Path.Combine(directory, "sfmc.json"), "{\n  \"journeys\": [\n    { \"name\": \"Order Placed\", \"eventDefinitionKey\": \"APIEvent.order\" }\n  ]\n}\n");
            var period = await Dotnet(directory, $"build Consumer.csproj -c {configuration} -p:BuildProjectReferences=false -nologo -v:q");
            Assert.NotEqual(0, period.ExitCode);
            Assert.Contains("sfmc.json(3,53): error SFMC0300", period.Output, StringComparison.Ordinal);

            // 6. A broken reference in the extra spec fails the build at its line, with a suggestion.
            File.WriteAllText(Path.Combine(directory, "sfmc.json"), "{ }");
            File.WriteAllText(Path.Combine(directory, "extra-api.yaml"), File.ReadAllText(Path.Combine(directory, "extra-api.yaml")).Replace("schemas/Widget\"", "schemas/Widgt\"", StringComparison.Ordinal));
            var reference = await Dotnet(directory, $"build Consumer.csproj -c {configuration} -p:BuildProjectReferences=false -nologo -v:q");
            Assert.NotEqual(0, reference.ExitCode);
            Assert.Contains("extra-api.yaml(14,15): error SFMC0402", reference.Output, StringComparison.Ordinal);
            Assert.Contains("Did you mean 'Widget'?", reference.Output, StringComparison.Ordinal);
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: the folder lives under bin/ and is cleaned with it.
            }
        }
    }

    /// <summary>
    /// The large-project pattern: DE files and sfmc.json in a class library (Shop.Sfmc), the app referencing it. The app
    /// uses the library's rows and journeys, its constant keys are checked against the library's declarations (from the
    /// assembly attributes the generator puts on the library), and it generates no SOAP or REST code of its own.
    /// </summary>
    [Fact]
    [Trait("Category", "Build")]
    public async Task Two_project_consumer_builds_and_the_app_sees_the_library_keys()
    {
        var configuration = GeneratorHarness.Metadata("Configuration");
        var directory = Path.Combine(AppContext.BaseDirectory, "two-projects-" + Guid.NewGuid().ToString("N")[..8]);
        var src = Path.Combine(GeneratorHarness.RepoRoot, "src");
        var sfmc = $"""
              <Import Project="{src}/Sfmc.Client/buildTransitive/Sfmc.props" />
              <ItemGroup>
                <ProjectReference Include="{src}/Sfmc.Client/Sfmc.Client.csproj" />
                <ProjectReference Include="{src}/Sfmc.Generator/Sfmc.Generator.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
              </ItemGroup>
            """;
        try
        {
            var library = Path.Combine(directory, "Shop.Sfmc");
            var app = Path.Combine(directory, "Shop.App");
            Directory.CreateDirectory(library);
            Directory.CreateDirectory(app);
            File.WriteAllText(Path.Combine(library, "Shop.Sfmc.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                  </PropertyGroup>
                {sfmc}
                </Project>
                """);
            File.Copy(Path.Combine(GeneratorHarness.TestData, "DataExtensions", "OrderLines.de.json"), Path.Combine(library, "OrderLines.de.json"));
            File.WriteAllText(Path.Combine(library, "sfmc.json"), """
                { "journeys": [ { "name": "Order Placed", "eventDefinitionKey": "APIEvent-order-placed", "entryDataExtension": "order_lines" } ] }
                """);
            File.WriteAllText(Path.Combine(app, "Shop.App.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
                  </PropertyGroup>
                {sfmc}
                  <ItemGroup>
                    <ProjectReference Include="../Shop.Sfmc/Shop.Sfmc.csproj" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(app, "Program.cs"), """
                using Shop.Sfmc.DataExtensions;
                using Sfmc.Client;

                System.Func<SfmcClient, object> rows = client => client.DataExtension("order_lines");
                System.Func<SfmcClient, object> entry = client => client.Journeys.EnterAsync("APIEvent-order-placed", "c-1");
                System.Console.WriteLine(DataExtensionJson.SerializeRowset(new[] { new OrderLinesRow { OrderId = "A-1", LineNo = 1, Sku = "S", UnitPrice = 2m } }) + " " + (rows is not null && entry is not null));
                """);

            var libraryBuild = await Dotnet(library, $"build Shop.Sfmc.csproj -c {configuration} -p:BuildProjectReferences=false -nologo -v:q");
            Assert.True(libraryBuild.ExitCode == 0, "Library build failed:\n" + libraryBuild.Output);

            // 1. The app builds against the library, with its keys known, and runs.
            var appBuild = await Dotnet(app, $"build Shop.App.csproj -c {configuration} -p:BuildProjectReferences=false -nologo -v:q");
            Assert.True(appBuild.ExitCode == 0, "App build failed:\n" + appBuild.Output);
            var dll = Directory.GetFiles(Path.Combine(app, "bin"), "Shop.App.dll", SearchOption.AllDirectories).Single(f => !f.Contains($"{Path.DirectorySeparatorChar}ref{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
            var run = await Dotnet(app, $"\"{dll}\"");
            Assert.Equal(0, run.ExitCode);
            Assert.Contains("""[{"keys":{"order id":"A-1","line no":1},"values":{"sku":"S","unit price":2}}] True""", run.Output, StringComparison.Ordinal);

            // 2. The app generated nothing: rows, SOAP objects and REST operations all come from the library.
            var generated = Directory.GetFiles(Path.Combine(app, "obj"), "*.g.cs", SearchOption.AllDirectories)
                .Where(f => f.Contains("Sfmc.Generator", StringComparison.Ordinal)).Select(Path.GetFileName).ToList();
            Assert.Empty(generated);

            // 3. A misspelled key in the app fails its build, with the library's key as the suggestion.
            await BadKeysFailTheBuildAsync(app, $"build Shop.App.csproj -c {configuration} -p:BuildProjectReferences=false -nologo -v:q");
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: the folder lives under bin/ and is cleaned with it.
            }
        }
    }

    /// <summary>
    /// Adds a file with a misspelled DE key and journey key (of the order_lines DE and the APIEvent-order-placed journey),
    /// builds, expects SFMC0150 and SFMC0350 at their places with "did you mean", and removes the file.
    /// </summary>
    private async Task BadKeysFailTheBuildAsync(string directory, string build)
    {
        File.WriteAllText(Path.Combine(directory, "BadKey.cs"), """
            static class BadKey
            {
                public static object Use(Sfmc.Client.SfmcClient client) => client.DataExtension("order_line");
                public static object Enter(Sfmc.Client.SfmcClient client) => client.Journeys.EnterAsync("APIEvent-order-place", "c-1");
            }
            """);
        var badKey = await Dotnet(directory, build);
        Assert.NotEqual(0, badKey.ExitCode);
        Assert.Contains("BadKey.cs(3,85): error SFMC0150", badKey.Output, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'order_lines'?", badKey.Output, StringComparison.Ordinal);
        Assert.Contains("BadKey.cs(4,93): error SFMC0350", badKey.Output, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'APIEvent-order-placed'?", badKey.Output, StringComparison.Ordinal);
        File.Delete(Path.Combine(directory, "BadKey.cs"));
    }

    private async Task<(int ExitCode, string Output)> Dotnet(string directory, string arguments)
    {
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // The test host's MSBuild variables would point the nested build at the wrong SDK pieces.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new System.Threading.CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;
        _output.WriteLine($"$ dotnet {arguments}\n{output}");
        return (process.ExitCode, output);
    }
}
