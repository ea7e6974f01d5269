using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Sfmc.Generator.Common;
using Sfmc.Generator.DataExtensions;
using Sfmc.Generator.Declarations;
using Sfmc.Generator.Declarations.Model;
using Sfmc.Generator.DataExtensions.Model;
using Sfmc.Generator.Diagnostics;
using Sfmc.Generator.Rest;
using Sfmc.Generator.Soap;

namespace Sfmc.Generator;

/// <summary>
/// The Sfmc source generator: the pipeline of steps (AdditionalTexts → filter → parse, one equatable model per file →
/// resolve → emit, one source per item), the DE cross-check and the MSBuild options; the work is in the folders. Diagnostics on spec files travel as <see cref="DiagnosticInfo"/> on their own output,
/// so a diagnostic that only moves never re-emits code.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class SfmcGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var options = context.AnalyzerConfigOptionsProvider
            .Select(static (provider, _) => ReadOptions(provider.GlobalOptions))
            .WithTrackingName(TrackingNames.Options);

        var parsed = context.AdditionalTextsProvider
            .Where(static file => DataExtensionParser.IsDataExtensionFile(file.Path))
            .WithTrackingName(TrackingNames.DataExtensionFiles)
            .Select(static (file, ct) => DataExtensionParser.Parse(file, ct))
            .WithTrackingName(TrackingNames.ParseDataExtension);

        var models = parsed
            .Where(static result => result.Model is not null)
            .Select(static (result, _) => result.Model!)
            .WithTrackingName(TrackingNames.DataExtensionModels);

        // Cross-file checks see only what they need (key, type name, where), so a field edit does not rerun them.
        var crossChecks = models
            .Select(static (model, _) => new DataExtensionIdentity(model.CustomerKey, model.Name, model.TypeName, model.FilePath, model.KeyLocation, model.NameLocation))
            .WithTrackingName(TrackingNames.DataExtensionDeclarations)
            .Collect()
            .Select(static (declarations, _) => CrossCheck(declarations))
            .WithTrackingName(TrackingNames.DataExtensionCrossChecks);

        // sfmc.json (one; more is a warning). The DE rows see only its synchronized (read-only) keys.
        var declarations = context.AdditionalTextsProvider
            .Where(static file => DeclarationsParser.IsDeclarationsFile(file.Path))
            .Select(static (file, ct) => DeclarationsParser.Parse(file, ct))
            .WithTrackingName(TrackingNames.ParseDeclarations)
            .Collect()
            .Select(static (results, _) => PickOne(results.Select(r => (r.Model, r.Diagnostics)), static m => m.FilePath, DiagnosticDescriptors.MultipleDeclarationFiles))
            .WithTrackingName(TrackingNames.DeclarationsModel);

        var readOnlyKeys = declarations
            .Select(static (d, _) => d.Model?.ReadOnlyKeys ?? EquatableArray<string>.Empty)
            .WithTrackingName(TrackingNames.ReadOnlyDataExtensions);

        var sources = models
            .Combine(crossChecks.Select(static (checks, _) => checks.SkippedFiles))
            .Combine(options.Select(static (o, _) => o.Namespace))
            .Combine(readOnlyKeys)
            .Select(static (input, _) =>
            {
                var (((model, skipped), @namespace), readOnly) = input;
                return skipped.Contains(model.FilePath)
                    ? null
                    : new GeneratedSource(DataExtensionEmitter.HintName(model), DataExtensionEmitter.Emit(model, @namespace, readOnly.Contains(model.CustomerKey)));
            })
            .WithTrackingName(TrackingNames.EmitDataExtension);

        context.RegisterSourceOutput(sources, static (spc, source) =>
        {
            if (source is not null)
            {
                spc.AddSource(source.HintName, source.Text);
            }
        });

        // The keys this project declares, as assembly attributes: projects that reference it check keys against them.
        var declaredKeys = models
            .Select(static (model, _) => model.CustomerKey)
            .Collect()
            .Combine(declarations.Select(static (d, _) => d.Model))
            .Select(static (input, _) => DeclaredKeys.From(input.Left, input.Right))
            .WithTrackingName(TrackingNames.DeclaredKeys);
        context.RegisterSourceOutput(declaredKeys, static (spc, keys) =>
        {
            if (keys.Emit() is { } source)
            {
                spc.AddSource(DeclaredKeys.HintName, source);
            }
        });

        // The large-project pattern: an app that declares nothing itself but references a library that does (DE files
        // in MyApp.Sfmc) gets its SOAP objects and REST operations from that library, so the package's default WSDL and
        // REST spec are not generated again on each of the app's builds. Its own specs (SfmcOpenApi, a WSDL it adds)
        // still are, and SfmcSoap/SfmcRest=true bring the defaults back.
        var skipDefaults = context.CompilationProvider
            .Select(static (compilation, _) => DeclaredKeys.ReferencesDeclaringAssembly(compilation))
            .WithTrackingName(TrackingNames.SfmcLibraryReference)
            .Combine(declaredKeys.Select(static (keys, _) => keys.IsEmpty))
            .Combine(context.AnalyzerConfigOptionsProvider.Select(static (provider, _) => (
                WantsSoap: provider.GlobalOptions.TryGetValue("build_property.SfmcSoap", out var soap) && soap.Equals("true", StringComparison.OrdinalIgnoreCase),
                WantsRest: provider.GlobalOptions.TryGetValue("build_property.SfmcRest", out var rest) && rest.Equals("true", StringComparison.OrdinalIgnoreCase))))
            .Select(static (input, _) =>
            {
                var ((library, declaresNothing), (soap, rest)) = input;
                return (SkipSoap: library && declaresNothing && !soap, SkipRest: library && declaresNothing && !rest);
            });

        InitializeSoap(context, declarations, skipDefaults.Select(static (s, _) => s.SkipSoap));
        InitializeDeclarations(context, declarations, models, options);
        InitializeRest(context, options, skipDefaults.Select(static (s, _) => s.SkipRest));

        context.RegisterSourceOutput(parsed.Select(static (result, _) => result.Diagnostics), ReportAll);
        context.RegisterSourceOutput(crossChecks.Select(static (checks, _) => checks.Diagnostics), ReportAll);
        context.RegisterSourceOutput(
            options.Select(static (o, _) => o.Diagnostic),
            static (spc, diagnostic) =>
            {
                if (diagnostic is not null)
                {
                    spc.ReportDiagnostic(diagnostic.ToDiagnostic());
                }
            });
    }

    /// <summary>
    /// SOAP: the WSDL (one; more is a warning) → parse into a schema model → select types (SfmcSoapObjects and
    /// sfmc.json's soapObjects) → one source per type and per enumeration. An unrelated C# edit, or an sfmc.json edit
    /// elsewhere than soapObjects, leaves every step cached.
    /// </summary>
    private static void InitializeSoap(IncrementalGeneratorInitializationContext context, IncrementalValueProvider<(DeclarationsModel? Model, EquatableArray<DiagnosticInfo> Diagnostics)> declarations, IncrementalValueProvider<bool> skipDefault)
    {
        var declaredObjects = declarations
            .Select(static (d, _) => d.Model?.SoapObjects ?? EquatableArray<SoapObjectModel>.Empty)
            .WithTrackingName(TrackingNames.SoapDeclarations);

        var soapOptions = context.AnalyzerConfigOptionsProvider
            .Select(static (provider, _) => SoapSelection.ReadOptions(provider.GlobalOptions))
            .WithTrackingName(TrackingNames.SoapOptions);

        var wsdl = context.AdditionalTextsProvider
            .Where(static file => WsdlParser.IsWsdlFile(file.Path))
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Combine(skipDefault)
            .Where(static input => !(input.Right && IsDefault(input.Left.Right.GetOptions(input.Left.Left))))
            .Select(static (input, ct) => WsdlParser.Parse(input.Left.Left, ct))
            .WithTrackingName(TrackingNames.ParseWsdl)
            .Collect()
            .Select(static (results, _) => PickOne(results.Select(r => (r.Model, r.Diagnostics)), static m => m.FilePath, DiagnosticDescriptors.MultipleWsdlFiles))
            .WithTrackingName(TrackingNames.WsdlModel);

        var selection = wsdl
            .Combine(soapOptions)
            .Combine(declaredObjects)
            .Select(static (input, _) =>
            {
                var (((model, _), options), declared) = input;
                return model is null ? null : SoapSelection.Select(model, options, declared);
            })
            .WithTrackingName(TrackingNames.SelectSoapTypes);

        var typeSources = selection
            .SelectMany(static (result, _) => result?.Types ?? EquatableArray<SoapTypeToEmit>.Empty)
            .Select(static (type, _) => new GeneratedSource(SoapEmitter.HintName(type), SoapEmitter.Emit(type)))
            .WithTrackingName(TrackingNames.EmitSoapType);

        var enumSources = selection
            .SelectMany(static (result, _) => result?.Enums ?? EquatableArray<SoapEnumToEmit>.Empty)
            .Select(static (model, _) => new GeneratedSource(SoapEmitter.HintName(model), SoapEmitter.Emit(model)))
            .WithTrackingName(TrackingNames.EmitSoapEnum);

        context.RegisterSourceOutput(typeSources, static (spc, source) => spc.AddSource(source.HintName, source.Text));
        context.RegisterSourceOutput(enumSources, static (spc, source) => spc.AddSource(source.HintName, source.Text));
        context.RegisterSourceOutput(wsdl.Select(static (w, _) => w.Diagnostics), ReportAll);
        context.RegisterSourceOutput(selection.Select(static (s, _) => s?.Diagnostics ?? EquatableArray<DiagnosticInfo>.Empty), ReportAll);
        context.RegisterSourceOutput(
            soapOptions.Select(static (o, _) => o.Diagnostic),
            static (spc, diagnostic) =>
            {
                if (diagnostic is not null)
                {
                    spc.ReportDiagnostic(diagnostic.ToDiagnostic());
                }
            });
    }

    /// <summary>
    /// sfmc.json → resolve against the DE models (entry DEs, data fields, attributes, read-only DEs) → one source per
    /// journey and per send definition, plus one file of <c>client.Journeys.X</c> and one of
    /// <c>client.TriggeredSends.X</c>/<c>client.Transactional.X</c>/<c>client.MobileConnect.X</c> accessors. An
    /// unrelated C# edit leaves every step cached.
    /// </summary>
    private static void InitializeDeclarations(
        IncrementalGeneratorInitializationContext context,
        IncrementalValueProvider<(DeclarationsModel? Model, EquatableArray<DiagnosticInfo> Diagnostics)> declarations,
        IncrementalValuesProvider<DataExtensionModel> models,
        IncrementalValueProvider<GeneratorOptions> options)
    {
        var inputs = declarations
            .Combine(models.Collect())
            .Combine(options.Select(static (o, _) => o.Namespace));

        var journeys = inputs
            .Select(static (input, _) => DeclarationResolver.ResolveJourneys(input.Left.Left.Model, input.Left.Right, input.Right))
            .WithTrackingName(TrackingNames.ResolveJourneys);

        var journeySources = journeys
            .SelectMany(static (resolution, _) => resolution.Journeys)
            .Select(static (journey, _) => new GeneratedSource(DeclarationEmitter.HintName(journey), DeclarationEmitter.EmitJourney(journey)))
            .WithTrackingName(TrackingNames.EmitJourney);

        var accessors = journeys
            .Select(static (resolution, _) => resolution.Journeys.Count == 0 ? null : DeclarationEmitter.EmitJourneyAccessors(resolution.Journeys))
            .WithTrackingName(TrackingNames.EmitJourneyAccessors);

        var messaging = inputs
            .Select(static (input, _) => DeclarationResolver.ResolveMessaging(input.Left.Left.Model, input.Left.Right, input.Right))
            .WithTrackingName(TrackingNames.ResolveMessaging);

        var messageSources = messaging
            .SelectMany(static (resolution, _) => resolution.Messages)
            .Select(static (message, _) => new GeneratedSource(DeclarationEmitter.HintName(message), DeclarationEmitter.EmitMessage(message)))
            .WithTrackingName(TrackingNames.EmitMessage);

        var messagingAccessors = messaging
            .Select(static (resolution, _) => resolution.IsEmpty ? null : DeclarationEmitter.EmitMessagingAccessors(resolution))
            .WithTrackingName(TrackingNames.EmitMessagingAccessors);

        context.RegisterSourceOutput(journeySources, static (spc, source) => spc.AddSource(source.HintName, source.Text));
        context.RegisterSourceOutput(messageSources, static (spc, source) => spc.AddSource(source.HintName, source.Text));
        // The accessors are C# 14 extension members: below C# 14 they are left out and SFMC0004 says what to set.
        var languageVersion = context.ParseOptionsProvider
            .Select(static (parse, _) => parse is CSharpParseOptions csharp ? (int)csharp.LanguageVersion : CSharp14)
            .WithTrackingName(TrackingNames.LanguageVersion);
        context.RegisterSourceOutput(accessors.Combine(languageVersion), static (spc, input) =>
        {
            if (input.Left is not null && input.Right >= CSharp14)
            {
                spc.AddSource(DeclarationEmitter.JourneyAccessorsHintName, input.Left);
            }
        });
        context.RegisterSourceOutput(messagingAccessors.Combine(languageVersion), static (spc, input) =>
        {
            if (input.Left is not null && input.Right >= CSharp14)
            {
                spc.AddSource(DeclarationEmitter.MessagingAccessorsHintName, input.Left);
            }
        });
        context.RegisterSourceOutput(languageVersion.Combine(accessors.Combine(messagingAccessors)), static (spc, input) =>
        {
            var declared = input.Right.Left is not null || input.Right.Right is not null;
            if (input.Left < CSharp11 || (declared && input.Left < CSharp14))
            {
                var needs = input.Left < CSharp11 ? "Sfmc's generated types" : "the journey and send accessors of sfmc.json (client.Journeys.X, client.Transactional.X, …)";
                spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.LanguageVersionTooOld, Location.None, FormatVersion(input.Left), needs, input.Left < CSharp11 ? "11" : "14"));
            }
        });
        context.RegisterSourceOutput(declarations.Select(static (d, _) => d.Diagnostics), ReportAll);
        context.RegisterSourceOutput(journeys.Select(static (j, _) => j.Diagnostics), ReportAll);
        context.RegisterSourceOutput(messaging.Select(static (m, _) => m.Diagnostics), ReportAll);
    }

    /// <summary>
    /// REST: OpenAPI files (ours, *.openapi.yaml|yml|json, or any file of the SfmcOpenApi item) → parse each into an
    /// equatable model → merge (first file wins a name) and keep what the operations reach → one source per class and
    /// one source of <c>client.Rest</c> operations per spec. A C# edit reruns nothing; a spec edit reruns only this part.
    /// </summary>
    private static void InitializeRest(IncrementalGeneratorInitializationContext context, IncrementalValueProvider<GeneratorOptions> options, IncrementalValueProvider<bool> skipDefault)
    {
        var specs = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Where(static input => OpenApiParser.IsOpenApiFile(input.Left.Path)
                || (input.Right.GetOptions(input.Left).TryGetValue("build_metadata.AdditionalFiles.SfmcKind", out var kind) && kind == "OpenApi"))
            .Combine(skipDefault)
            .Where(static input => !(input.Right && IsDefault(input.Left.Right.GetOptions(input.Left.Left))))
            .Select(static (input, ct) => OpenApiParser.Parse(input.Left.Left, ct))
            .WithTrackingName(TrackingNames.ParseOpenApi);

        var api = specs
            .Where(static result => result.Model is not null)
            .Select(static (result, _) => result.Model!)
            .Collect()
            .Select(static (models, _) => RestEmitter.Merge(models))
            .WithTrackingName(TrackingNames.RestApi);

        var @namespace = options.Select(static (o, _) => Sibling(o.Namespace, "Rest"));
        var schemaSources = api
            .SelectMany(static (model, _) => model.Schemas)
            .Combine(@namespace)
            .Select(static (input, _) =>
            {
                var item = new RestSchemaToEmit(input.Left, input.Right);
                return new GeneratedSource(RestEmitter.HintName(item), RestEmitter.Emit(item));
            })
            .WithTrackingName(TrackingNames.EmitRestSchema);

        var operationSources = api
            .Combine(@namespace)
            .SelectMany(static (input, _) => input.Left.Operations
                .GroupBy(o => o.FilePath, StringComparer.Ordinal)
                .Select(g => new RestOperationsToEmit(g.Key, input.Right, g.ToEquatableArray())))
            .Select(static (item, _) => new GeneratedSource(RestEmitter.HintName(item), RestEmitter.Emit(item)))
            .WithTrackingName(TrackingNames.EmitRestOperations);

        context.RegisterSourceOutput(schemaSources, static (spc, source) => spc.AddSource(source.HintName, source.Text));
        context.RegisterSourceOutput(operationSources, static (spc, source) => spc.AddSource(source.HintName, source.Text));
        context.RegisterSourceOutput(specs.Select(static (s, _) => s.Diagnostics), ReportAll);
        context.RegisterSourceOutput(api.Select(static (a, _) => a.Diagnostics), ReportAll);
    }

    /// <summary>Whether a file is one the package adds by default (its WSDL, its REST spec): <c>SfmcDefault="true"</c> in Sfmc.props.</summary>
    private static bool IsDefault(Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions options) =>
        options.TryGetValue("build_metadata.AdditionalFiles.SfmcDefault", out var value) && value.Equals("true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The namespace beside the DE namespace: <c>X.Rest</c> for <c>X.DataExtensions</c>, else the DE namespace itself.</summary>
    internal static string Sibling(string dataExtensionNamespace, string name) =>
        dataExtensionNamespace.EndsWith(".DataExtensions", StringComparison.Ordinal)
            ? dataExtensionNamespace.Substring(0, dataExtensionNamespace.Length - ".DataExtensions".Length) + "." + name
            : dataExtensionNamespace == "DataExtensions" ? name : dataExtensionNamespace;

    /// <summary>
    /// For a spec the project has one of (the WSDL, sfmc.json): the first usable file in ordinal path order, every
    /// file's diagnostics, and a warning naming the ignored ones.
    /// </summary>
    private static (TModel? Model, EquatableArray<DiagnosticInfo> Diagnostics) PickOne<TModel>(
        IEnumerable<(TModel? Model, EquatableArray<DiagnosticInfo> Diagnostics)> results, Func<TModel, string> path, DiagnosticDescriptor several)
        where TModel : class
    {
        var ordered = results.OrderBy(r => r.Model is null ? "" : path(r.Model), StringComparer.Ordinal).ToList();
        var diagnostics = ordered.SelectMany(r => r.Diagnostics).ToList();
        var models = ordered.Where(r => r.Model is not null).Select(r => r.Model!).ToList();
        if (models.Count > 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(several, null, path(models[0]), string.Join("', '", models.Skip(1).Select(path))));
        }

        return (models.FirstOrDefault(), diagnostics.ToEquatableArray());
    }

    // LanguageVersion values (Roslyn 4.14, which this generator compiles against, has no CSharp14 member yet).
    private const int CSharp11 = 1100;
    private const int CSharp14 = 1400;

    private static string FormatVersion(int version) => (version / 100).ToString(System.Globalization.CultureInfo.InvariantCulture) + (version % 100 == 0 ? "" : "." + (version % 100).ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static void ReportAll(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            context.ReportDiagnostic(diagnostic.ToDiagnostic());
        }
    }

    internal static GeneratorOptions ReadOptions(Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions options)
    {
        var custom = options.TryGetValue("build_property.SfmcNamespace", out var c) ? c : null;
        if (!string.IsNullOrWhiteSpace(custom))
        {
            custom = custom!.Trim();
            return IsValidNamespace(custom)
                ? new GeneratorOptions(custom, null)
                : new GeneratorOptions("DataExtensions", DiagnosticInfo.Create(DiagnosticDescriptors.InvalidNamespace, null, custom));
        }

        // RootNamespace comes from the project name by default; if it is not a valid namespace, fall back quietly.
        var root = options.TryGetValue("build_property.RootNamespace", out var r) ? r : null;
        root = root?.Trim();
        return new GeneratorOptions(!string.IsNullOrEmpty(root) && IsValidNamespace(root!) ? root + ".DataExtensions" : "DataExtensions", null);
    }

    private static bool IsValidNamespace(string value) => value.Split('.').All(part =>
        SyntaxFacts.IsValidIdentifier(part) && SyntaxFacts.GetKeywordKind(part) == SyntaxKind.None);

    /// <summary>
    /// Duplicate keys, keys differing only in case, colliding type names (the later file is not emitted: hint names
    /// must be unique). Deterministic: files in ordinal path order.
    /// </summary>
    internal static CrossCheckResult CrossCheck(ImmutableArray<DataExtensionIdentity> declarations)
    {
        var ordered = declarations.OrderBy(d => d.FilePath, StringComparer.Ordinal).ThenBy(d => d.CustomerKey, StringComparer.Ordinal).ToList();
        var diagnostics = new List<DiagnosticInfo>();
        var keys = new Dictionary<string, DataExtensionIdentity>(StringComparer.OrdinalIgnoreCase);
        var types = new Dictionary<string, DataExtensionIdentity>(StringComparer.Ordinal);
        var skipped = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var declaration in ordered)
        {
            if (keys.TryGetValue(declaration.CustomerKey, out var first))
            {
                diagnostics.Add(first.CustomerKey == declaration.CustomerKey
                    ? DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateCustomerKey, declaration.KeyLocation, declaration.CustomerKey, FileName(first.FilePath))
                    : DiagnosticInfo.Create(DiagnosticDescriptors.CustomerKeyCaseConflict, declaration.KeyLocation, declaration.CustomerKey, first.CustomerKey, FileName(first.FilePath)));
            }
            else
            {
                keys.Add(declaration.CustomerKey, declaration);
            }

            if (types.TryGetValue(declaration.TypeName, out var owner))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeNameCollision, declaration.NameLocation, declaration.Name, declaration.TypeName, owner.Name, FileName(owner.FilePath)));
                skipped.Add(declaration.FilePath);
            }
            else
            {
                types.Add(declaration.TypeName, declaration);
            }
        }

        return new CrossCheckResult(diagnostics.ToEquatableArray(), skipped.ToEquatableArray());
    }

    private static string FileName(string path) => System.IO.Path.GetFileName(path);

    /// <summary>What the DE cross-check sees of one DE file: its key, name, type name and where they are written.</summary>
    internal sealed record DataExtensionIdentity(string CustomerKey, string Name, string TypeName, string FilePath, LocationInfo KeyLocation, LocationInfo NameLocation);

    internal sealed record CrossCheckResult(EquatableArray<DiagnosticInfo> Diagnostics, EquatableArray<string> SkippedFiles);

    internal sealed record GeneratedSource(string HintName, string Text);
}
