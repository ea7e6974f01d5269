using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Sfmc.Generator.Tests;

/// <summary>The pipeline caches: unrelated edits do no DE work; editing one DE file re-emits only that DE.</summary>
public sealed class IncrementalTests
{
    private static readonly string[] ModelSteps =
    {
        TrackingNames.ParseDataExtension, TrackingNames.DataExtensionModels, TrackingNames.DataExtensionDeclarations, TrackingNames.EmitDataExtension,
    };

    [Fact]
    public void Unrelated_csharp_edit_leaves_every_DE_step_cached()
    {
        var files = AllFiles();
        var compilation = GeneratorHarness.CreateCompilation("class A { }");
        var driver = GeneratorHarness.CreateDriver(files).RunGenerators(compilation);

        var edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees.Single(),
            CSharpSyntaxTree.ParseText("class A { int X => 1; }", GeneratorHarness.ParseOptions, path: "/project/Source0.cs"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (var step in ModelSteps.Append(TrackingNames.DataExtensionCrossChecks).Append(TrackingNames.Options))
        {
            var reasons = Reasons(result, step);
            Assert.NotEmpty(reasons);
            Assert.All(reasons, reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
        }
    }

    [Fact]
    public void Editing_one_DE_file_reemits_only_that_DE()
    {
        var files = AllFiles();
        var driver = GeneratorHarness.CreateDriver(files).RunGenerators(GeneratorHarness.CreateCompilation("class A { }"));

        var target = files.Single(f => f.Path.EndsWith("OrderLines.de.json", StringComparison.Ordinal));
        var changedText = target.GetText()!.ToString().Replace("\"maxLength\": 4000", "\"maxLength\": 2000", StringComparison.Ordinal);
        Assert.NotEqual(target.GetText()!.ToString(), changedText);
        driver = driver.ReplaceAdditionalText(target, GeneratorHarness.File(target.Path, changedText));
        var result = driver.RunGenerators(GeneratorHarness.CreateCompilation("class A { }")).GetRunResult().Results.Single();

        var parse = Reasons(result, TrackingNames.ParseDataExtension);
        Assert.Equal(1, parse.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(files.Count - 1, parse.Count(r => r == IncrementalStepRunReason.Cached));

        var emit = Reasons(result, TrackingNames.EmitDataExtension);
        Assert.Equal(1, emit.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(files.Count - 1, emit.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));

        // The cross-file checks see keys and names only: a maxLength edit leaves them unchanged.
        Assert.All(Reasons(result, TrackingNames.DataExtensionCrossChecks), r => Assert.True(r is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached, r.ToString()));
        Assert.Contains("public const int Note = 2000;", result.GeneratedSources.Single(s => s.HintName == "DataExtensions.OrderLinesRow.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Whitespace_only_edit_does_not_change_generated_output()
    {
        var files = AllFiles();
        var driver = GeneratorHarness.CreateDriver(files).RunGenerators(GeneratorHarness.CreateCompilation("class A { }"));
        var target = files[0];
        driver = driver.ReplaceAdditionalText(target, GeneratorHarness.File(target.Path, "\n\n" + target.GetText()!));
        var result = driver.RunGenerators(GeneratorHarness.CreateCompilation("class A { }")).GetRunResult().Results.Single();

        // The model moved (locations are part of it), but the emitted text is equal, so nothing downstream reruns.
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o =>
            Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }

    private static readonly string[] SoapSteps =
    {
        TrackingNames.SoapOptions, TrackingNames.SoapDeclarations, TrackingNames.ParseWsdl, TrackingNames.WsdlModel, TrackingNames.SelectSoapTypes, TrackingNames.EmitSoapType, TrackingNames.EmitSoapEnum,
    };

    [Fact]
    public void Unrelated_edits_leave_every_SOAP_step_cached()
    {
        var files = AllFiles().Append(GeneratorHarness.SpecWsdl()).ToList();
        var compilation = GeneratorHarness.CreateCompilation("class A { }");
        var driver = GeneratorHarness.CreateDriver(files).RunGenerators(compilation);

        // A C# edit, then a DE file edit: neither touches SOAP.
        var edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees.Single(),
            CSharpSyntaxTree.ParseText("class A { int X => 1; }", GeneratorHarness.ParseOptions, path: "/project/Source0.cs"));
        var target = files.Single(f => f.Path.EndsWith("OrderLines.de.json", StringComparison.Ordinal));
        var afterCsharp = driver.RunGenerators(edited);
        var afterDe = afterCsharp.ReplaceAdditionalText(target, GeneratorHarness.File(target.Path, target.GetText()!.ToString().Replace("4000", "2000", StringComparison.Ordinal))).RunGenerators(edited);

        foreach (var run in new[] { afterCsharp.GetRunResult().Results.Single(), afterDe.GetRunResult().Results.Single() })
        {
            foreach (var step in SoapSteps)
            {
                var reasons = Reasons(run, step);
                Assert.NotEmpty(reasons);
                Assert.All(reasons, reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
            }
        }
    }

    [Fact]
    public void Editing_one_WSDL_type_reemits_only_that_type()
    {
        var wsdl = GeneratorHarness.SpecWsdl();
        var driver = GeneratorHarness.CreateDriver([wsdl]).RunGenerators(GeneratorHarness.CreateCompilation("class A { }"));

        var text = wsdl.GetText()!.ToString();
        const string anchor = "<element name=\"SubscriberKey\" minOccurs=\"0\" maxOccurs=\"1\" type=\"xsd:string\" />";
        Assert.Contains(anchor, text, StringComparison.Ordinal);
        var first = text.IndexOf(anchor, text.IndexOf("<complexType name=\"Subscriber\">", StringComparison.Ordinal), StringComparison.Ordinal);
        var changed = text.Insert(first, "<element name=\"Nickname\" type=\"xsd:string\" minOccurs=\"0\" maxOccurs=\"1\" />");
        driver = driver.ReplaceAdditionalText(wsdl, GeneratorHarness.File(wsdl.Path, changed));
        var result = driver.RunGenerators(GeneratorHarness.CreateCompilation("class A { }")).GetRunResult().Results.Single();

        var emitted = result.TrackedSteps[TrackingNames.EmitSoapType].SelectMany(s => s.Outputs).ToList();
        var modified = emitted.Where(o => o.Reason is IncrementalStepRunReason.Modified or IncrementalStepRunReason.New).ToList();
        var source = Assert.Single(modified).Value;
        Assert.Contains("Nickname", source.ToString(), StringComparison.Ordinal);
        Assert.True(emitted.Count > 50);
        Assert.All(Reasons(result, TrackingNames.EmitSoapEnum), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void Step_outputs_hold_no_Roslyn_objects()
    {
        var result = GeneratorHarness.CreateDriver(AllFiles().Append(GeneratorHarness.SpecWsdl()).Append(GeneratorHarness.SpecOpenApi()).Concat(GeneratorHarness.TestDataFiles("Declarations/sfmc.json"))).RunGenerators(GeneratorHarness.CreateCompilation("class A { }")).GetRunResult().Results.Single();
        // Our own steps after the input filter (DataExtensionFiles holds the AdditionalText inputs by design).
        var ours = ModelSteps.Append(TrackingNames.DataExtensionCrossChecks).Append(TrackingNames.Options).Concat(SoapSteps)
            .Concat([TrackingNames.ParseDeclarations, TrackingNames.DeclarationsModel, TrackingNames.ResolveJourneys, TrackingNames.EmitJourney, TrackingNames.EmitJourneyAccessors])
            .Concat([TrackingNames.ReadOnlyDataExtensions, TrackingNames.ResolveMessaging, TrackingNames.EmitMessage, TrackingNames.EmitMessagingAccessors])
            .Concat([TrackingNames.ParseOpenApi, TrackingNames.RestApi, TrackingNames.EmitRestSchema, TrackingNames.EmitRestOperations])
            .ToList();
        Assert.All(ours.Where(s => s != TrackingNames.Options), s => Assert.True(result.TrackedSteps.ContainsKey(s), s + " did not run"));
        foreach (var step in result.TrackedSteps.Where(s => ours.Contains(s.Key)))
        {
            foreach (var output in step.Value.SelectMany(s => s.Outputs))
            {
                AssertNoRoslynObjects(output.Value, step.Key, new HashSet<object>(ReferenceEqualityComparer.Instance));
            }
        }
    }

    [Fact]
    public void Equal_inputs_give_equal_models()
    {
        var first = DataExtensions.DataExtensionParser.Parse("/p/a.de.json", Microsoft.CodeAnalysis.Text.SourceText.From(OrderLines()), default);
        var second = DataExtensions.DataExtensionParser.Parse("/p/a.de.json", Microsoft.CodeAnalysis.Text.SourceText.From(OrderLines()), default);
        Assert.NotNull(first.Model);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
    }

    private static string OrderLines() => System.IO.File.ReadAllText(System.IO.Path.Combine(GeneratorHarness.TestData, "DataExtensions", "OrderLines.de.json"));

    private static List<AdditionalText> AllFiles() => GeneratorHarness.TestDataFiles("DataExtensions/*.de.json")
        .Concat(GeneratorHarness.TestDataFiles("mcdev/*.dataExtension-meta.json"))
        .ToList();

    internal static List<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();

    private static void AssertNoRoslynObjects(object? value, string step, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        var type = value.GetType();
        Assert.False(
            value is ISymbol or Compilation or SyntaxNode or SyntaxTree or Location or AdditionalText or SemanticModel,
            $"Step {step} holds a {type.Name}, which roots compilations and breaks caching.");
        if (value is IEnumerable items)
        {
            foreach (var item in items)
            {
                AssertNoRoslynObjects(item, step, seen);
            }

            return;
        }

        foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertNoRoslynObjects(field.GetValue(value), step, seen);
        }
    }
}
