using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Sfmc.Generator.DataExtensions;
using Sfmc.Generator.Declarations;
using Sfmc.Generator.Diagnostics;

namespace Sfmc.Generator;

/// <summary>
/// Checks constant strings passed where an SFMC key is expected — any parameter marked <c>[SfmcKey(kind)]</c>, which
/// includes <c>[DataExtensionKey("…")]</c> — against what the project declares: DE keys from its DE files
/// (SFMC0150/0151), journey EventDefinitionKeys from its sfmc.json (SFMC0350/0351). Unknown → error with "did you
/// mean"; differs only in case → error (SFMC keys are case-sensitive).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SfmcKeyAnalyzer : DiagnosticAnalyzer
{
    private const string SfmcKeyAttribute = "Sfmc.Client.SfmcKeyAttribute";
    private const int DataExtensionKind = 0; // Sfmc.Client.SfmcKeyKind.DataExtension
    private const int JourneyKind = 1; // Sfmc.Client.SfmcKeyKind.Journey

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.UnknownDataExtensionKey,
        DiagnosticDescriptors.DataExtensionKeyCaseMismatch,
        DiagnosticDescriptors.UnknownJourneyKey,
        DiagnosticDescriptors.JourneyKeyCaseMismatch);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var marker = start.Compilation.GetTypeByMetadataName(SfmcKeyAttribute);
            if (marker is null)
            {
                return; // The project does not reference Sfmc.Client.
            }

            // Read lazily and once: most compilations pass no constant key at all.
            var declared = new Lazy<Declared>(() => ReadDeclared(start.Options.AdditionalFiles, start.CancellationToken));
            // Since Roslyn 4.14 (our minimum), attribute arguments are argument operations too.
            start.RegisterOperationAction(
                operation => Check(operation.ReportDiagnostic, (IArgumentOperation)operation.Operation, marker, declared),
                OperationKind.Argument);
        });
    }

    private static Declared ReadDeclared(ImmutableArray<AdditionalText> files, System.Threading.CancellationToken cancellationToken)
    {
        var dataExtensions = new SortedSet<string>(StringComparer.Ordinal);
        var journeys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (DataExtensionParser.IsDataExtensionFile(file.Path)
                && DataExtensionParser.Parse(file, cancellationToken).Model is { } model)
            {
                dataExtensions.Add(model.CustomerKey);
            }
            else if (DeclarationsParser.IsDeclarationsFile(file.Path)
                && DeclarationsParser.Parse(file, cancellationToken).Model is { } declarations)
            {
                journeys.UnionWith(declarations.Journeys.Select(j => j.EventDefinitionKey));
            }
        }

        return new Declared(dataExtensions.ToImmutableArray(), journeys.ToImmutableArray());
    }

    private static void Check(Action<Diagnostic> report, IArgumentOperation argument, INamedTypeSymbol marker, Lazy<Declared> declared)
    {
        if (argument.Parameter is not { } parameter
            || argument.Value.ConstantValue is not { HasValue: true, Value: string key }
            || KeyKind(parameter, marker) is not { } kind)
        {
            return;
        }

        var location = argument.Value.Syntax.GetLocation();
        if (kind == DataExtensionKind)
        {
            Verify(report, key, location, declared.Value.DataExtensions, DiagnosticDescriptors.UnknownDataExtensionKey, DiagnosticDescriptors.DataExtensionKeyCaseMismatch);
        }
        else if (kind == JourneyKind)
        {
            Verify(report, key, location, declared.Value.Journeys, DiagnosticDescriptors.UnknownJourneyKey, DiagnosticDescriptors.JourneyKeyCaseMismatch);
        }
    }

    private static int? KeyKind(IParameterSymbol parameter, INamedTypeSymbol marker)
    {
        foreach (var attribute in parameter.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, marker)
                && attribute.ConstructorArguments.Length == 1
                && attribute.ConstructorArguments[0].Value is int kind)
            {
                return kind;
            }
        }

        return null;
    }

    private static void Verify(Action<Diagnostic> report, string key, Location location, ImmutableArray<string> declared, DiagnosticDescriptor unknown, DiagnosticDescriptor caseMismatch)
    {
        if (declared.Contains(key, StringComparer.Ordinal))
        {
            return;
        }

        var caseMatch = declared.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
        report(caseMatch is not null
            ? Diagnostic.Create(caseMismatch, location, key, caseMatch)
            : Diagnostic.Create(unknown, location, key, Common.Naming.DidYouMean(key, declared)));
    }

    private sealed record Declared(ImmutableArray<string> DataExtensions, ImmutableArray<string> Journeys);
}
