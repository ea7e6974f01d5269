namespace Sfmc.Generator;

/// <summary>Names of the incremental pipeline steps, for <c>WithTrackingName</c> and the incrementality tests.</summary>
internal static class TrackingNames
{
    public const string Options = nameof(Options);
    public const string DataExtensionFiles = nameof(DataExtensionFiles);
    public const string ParseDataExtension = nameof(ParseDataExtension);
    public const string DataExtensionModels = nameof(DataExtensionModels);
    public const string DataExtensionDeclarations = nameof(DataExtensionDeclarations);
    public const string DataExtensionCrossChecks = nameof(DataExtensionCrossChecks);
    public const string EmitDataExtension = nameof(EmitDataExtension);
    public const string SoapOptions = nameof(SoapOptions);
    public const string ParseWsdl = nameof(ParseWsdl);
    public const string WsdlModel = nameof(WsdlModel);
    public const string SoapDeclarations = nameof(SoapDeclarations);
    public const string SelectSoapTypes = nameof(SelectSoapTypes);
    public const string EmitSoapType = nameof(EmitSoapType);
    public const string EmitSoapEnum = nameof(EmitSoapEnum);
    public const string ParseDeclarations = nameof(ParseDeclarations);
    public const string DeclarationsModel = nameof(DeclarationsModel);
    public const string ResolveJourneys = nameof(ResolveJourneys);
    public const string EmitJourney = nameof(EmitJourney);
    public const string EmitJourneyAccessors = nameof(EmitJourneyAccessors);
    public const string ReadOnlyDataExtensions = nameof(ReadOnlyDataExtensions);
    public const string DeclaredKeys = nameof(DeclaredKeys);
    public const string SfmcLibraryReference = nameof(SfmcLibraryReference);
    public const string ResolveMessaging = nameof(ResolveMessaging);
    public const string EmitMessage = nameof(EmitMessage);
    public const string EmitMessagingAccessors = nameof(EmitMessagingAccessors);
    public const string LanguageVersion = nameof(LanguageVersion);
    public const string ParseOpenApi = nameof(ParseOpenApi);
    public const string RestApi = nameof(RestApi);
    public const string EmitRestSchema = nameof(EmitRestSchema);
    public const string EmitRestOperations = nameof(EmitRestOperations);
}
