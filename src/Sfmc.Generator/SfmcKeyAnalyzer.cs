using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Sfmc.Generator.Common;
using Sfmc.Generator.DataExtensions;
using Sfmc.Generator.Declarations;
using Sfmc.Generator.Declarations.Model;
using Sfmc.Generator.Diagnostics;

namespace Sfmc.Generator;

/// <summary>
/// Checks constant strings passed where an SFMC key is expected — any parameter marked <c>[SfmcKey(kind)]</c>, which
/// includes <c>[DataExtensionKey("…")]</c> — against what the project declares: DE keys from its DE files
/// (SFMC0150/0151), journey EventDefinitionKeys (SFMC0350/0351) and triggered send, transactional and MobileConnect
/// keys (SFMC0352/0353) from its sfmc.json. Unknown → error with "did you mean"; differs only in case → error (SFMC
/// keys are case-sensitive). Also: an untyped write (<c>client.DataExtension("key").UpsertAsync(…)</c>) to a DE that
/// sfmc.json declares synchronized, hence read-only (SFMC0354).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SfmcKeyAnalyzer : DiagnosticAnalyzer
{
    private const string SfmcKeyAttribute = "Sfmc.Client.SfmcKeyAttribute";
    // The attribute's argument arrives as its underlying int; the enum is the runtime's own file, linked in.
    private const int DataExtensionKind = (int)Sfmc.Client.SfmcKeyKind.DataExtension;
    private const int JourneyKind = (int)Sfmc.Client.SfmcKeyKind.Journey;
    private const int TriggeredSendKind = (int)Sfmc.Client.SfmcKeyKind.TriggeredSend;
    private const int TransactionalKind = (int)Sfmc.Client.SfmcKeyKind.TransactionalMessage;
    private const int MobileConnectKind = (int)Sfmc.Client.SfmcKeyKind.MobileConnectMessage;
    private const string RowsClient = "Sfmc.Client.DataExtensionRowsClient";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.UnknownDataExtensionKey,
        DiagnosticDescriptors.DataExtensionKeyCaseMismatch,
        DiagnosticDescriptors.UnknownJourneyKey,
        DiagnosticDescriptors.JourneyKeyCaseMismatch,
        DiagnosticDescriptors.UnknownSendKey,
        DiagnosticDescriptors.SendKeyCaseMismatch,
        DiagnosticDescriptors.ReadOnlyDataExtensionWrite);

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
            var compilation = start.Compilation;
            var declared = new Lazy<DeclaredKeys>(() => ReadDeclared(start.Options.AdditionalFiles, start.CancellationToken).Merge(DeclaredKeys.FromReferences(compilation)));
            // Since Roslyn 4.14 (our minimum), attribute arguments are argument operations too.
            start.RegisterOperationAction(
                operation => Check(operation.ReportDiagnostic, (IArgumentOperation)operation.Operation, marker, declared),
                OperationKind.Argument);
            if (start.Compilation.GetTypeByMetadataName(RowsClient) is { } rowsClient)
            {
                start.RegisterOperationAction(
                    operation => CheckWrite(operation.ReportDiagnostic, (IInvocationOperation)operation.Operation, rowsClient, marker, declared),
                    OperationKind.Invocation);
            }
        });
    }

    /// <summary>The keys of this project's own DE files and sfmc.json (those of referenced assemblies are merged in by the caller).</summary>
    private static DeclaredKeys ReadDeclared(ImmutableArray<AdditionalText> files, System.Threading.CancellationToken cancellationToken)
    {
        var dataExtensions = new List<string>();
        DeclarationsModel? declarations = null;
        foreach (var file in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            if (DataExtensionParser.IsDataExtensionFile(file.Path)
                && DataExtensionParser.Parse(file, cancellationToken).Model is { } model)
            {
                dataExtensions.Add(model.CustomerKey);
            }
            else if (declarations is null && DeclarationsParser.IsDeclarationsFile(file.Path))
            {
                // The generator uses the first sfmc.json in path order (SFMC0304 warns of others); so does the analyzer.
                declarations = DeclarationsParser.Parse(file, cancellationToken).Model;
            }
        }

        return DeclaredKeys.From(dataExtensions, declarations);
    }

    /// <summary>
    /// <c>client.DataExtension("key").UpsertAsync|InsertAsync(…)</c> where the key is a constant naming a synchronized
    /// DE. The key must be written in the same expression: a rows client kept in a variable is not followed.
    /// </summary>
    private static void CheckWrite(Action<Diagnostic> report, IInvocationOperation invocation, INamedTypeSymbol rowsClient, INamedTypeSymbol marker, Lazy<DeclaredKeys> declared)
    {
        if (!SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, rowsClient)
            || invocation.TargetMethod.Name is not ("UpsertAsync" or "InsertAsync")
            || invocation.Instance is not IInvocationOperation { Arguments.Length: 1 } factory
            || factory.Arguments[0] is not { } argument
            || argument.Value.ConstantValue is not { HasValue: true, Value: string key }
            || argument.Parameter is not { } parameter
            || KeyKind(parameter, marker) != DataExtensionKind
            || !factory.TargetMethod.ReturnType.Equals(rowsClient, SymbolEqualityComparer.Default))
        {
            return;
        }

        if (declared.Value.ReadOnly.Contains(key, StringComparer.Ordinal))
        {
            report(Diagnostic.Create(DiagnosticDescriptors.ReadOnlyDataExtensionWrite, invocation.Syntax.GetLocation(), key, invocation.TargetMethod.Name == "InsertAsync" ? "inserts" : "upserts"));
        }
    }

    private static void Check(Action<Diagnostic> report, IArgumentOperation argument, INamedTypeSymbol marker, Lazy<DeclaredKeys> declared)
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
        else if (kind is TriggeredSendKind or TransactionalKind or MobileConnectKind)
        {
            var (what, keys) = kind switch
            {
                TriggeredSendKind => ("triggered send", declared.Value.TriggeredSends),
                TransactionalKind => ("transactional email or SMS definition", declared.Value.Transactional),
                _ => ("MobileConnect message", declared.Value.MobileConnect),
            };
            Verify(report, key, location, keys, DiagnosticDescriptors.UnknownSendKey, DiagnosticDescriptors.SendKeyCaseMismatch, what);
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

    /// <summary>
    /// Unknown key → <paramref name="unknown"/> (key, "did you mean"); a key that differs only in case →
    /// <paramref name="caseMismatch"/> (key, declared key). <paramref name="what"/>, when given, is the last argument of both.
    /// </summary>
    private static void Verify(Action<Diagnostic> report, string key, Location location, EquatableArray<string> declared, DiagnosticDescriptor unknown, DiagnosticDescriptor caseMismatch, string? what = null)
    {
        if (declared.Contains(key, StringComparer.Ordinal))
        {
            return;
        }

        var caseMatch = declared.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
        var detail = caseMatch ?? Common.Naming.DidYouMean(key, declared);
        var arguments = what is null ? new object[] { key, detail } : new object[] { key, detail, what };
        report(Diagnostic.Create(caseMatch is not null ? caseMismatch : unknown, location, arguments));
    }
}
