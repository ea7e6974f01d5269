using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Sfmc.Generator.Diagnostics;

namespace Sfmc.Generator.DataExtensions;

/// <summary>
/// Checks constant strings passed where a DE key is expected — any parameter marked
/// <c>[SfmcKey(SfmcKeyKind.DataExtension)]</c>, which includes <c>[DataExtensionKey("…")]</c> — against the keys the
/// project's DE files declare. Unknown → SFMC0150 with "did you mean"; differs only in case → SFMC0151.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DataExtensionKeyAnalyzer : DiagnosticAnalyzer
{
    private const string SfmcKeyAttribute = "Sfmc.Client.SfmcKeyAttribute";
    private const int DataExtensionKind = 0; // Sfmc.Client.SfmcKeyKind.DataExtension

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.UnknownDataExtensionKey, DiagnosticDescriptors.DataExtensionKeyCaseMismatch);

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

            var declared = ReadDeclaredKeys(start.Options.AdditionalFiles, start.CancellationToken);
            // Since Roslyn 4.14 (our minimum), attribute arguments are argument operations too.
            start.RegisterOperationAction(
                operation => Check(operation.ReportDiagnostic, (IArgumentOperation)operation.Operation, marker, declared),
                OperationKind.Argument);
        });
    }

    private static ImmutableArray<string> ReadDeclaredKeys(ImmutableArray<AdditionalText> files, System.Threading.CancellationToken cancellationToken)
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (DataExtensionParser.IsDataExtensionFile(file.Path)
                && DataExtensionParser.Parse(file, cancellationToken).Model is { } model)
            {
                keys.Add(model.CustomerKey);
            }
        }

        return keys.ToImmutableArray();
    }

    private static void Check(Action<Diagnostic> report, IArgumentOperation argument, INamedTypeSymbol marker, ImmutableArray<string> declared)
    {
        if (argument.Parameter is { } parameter
            && IsDataExtensionKeyParameter(parameter, marker)
            && argument.Value.ConstantValue is { HasValue: true, Value: string key })
        {
            Verify(report, key, argument.Value.Syntax.GetLocation(), declared);
        }
    }

    private static bool IsDataExtensionKeyParameter(IParameterSymbol parameter, INamedTypeSymbol marker) =>
        parameter.GetAttributes().Any(a =>
            SymbolEqualityComparer.Default.Equals(a.AttributeClass, marker)
            && a.ConstructorArguments.Length == 1
            && a.ConstructorArguments[0].Value is int kind
            && kind == DataExtensionKind);

    private static void Verify(Action<Diagnostic> report, string key, Location location, ImmutableArray<string> declared)
    {
        if (declared.Contains(key, StringComparer.Ordinal))
        {
            return;
        }

        var caseMatch = declared.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
        report(caseMatch is not null
            ? Diagnostic.Create(DiagnosticDescriptors.DataExtensionKeyCaseMismatch, location, key, caseMatch)
            : Diagnostic.Create(DiagnosticDescriptors.UnknownDataExtensionKey, location, key, Common.Naming.DidYouMean(key, declared)));
    }
}
