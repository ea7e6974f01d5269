using Microsoft.AspNetCore.Builder;

namespace Sfmc.Emulator;

/// <summary>
/// What <see cref="EmulatorGate"/> needs to know of an endpoint, declared where it is mapped. Every endpoint declares
/// how it is authorized (a test enumerates them): <see cref="EmulatorEndpoints.RequireSfmcScope"/>,
/// <see cref="EmulatorEndpoints.RequireSfmcToken"/>, <see cref="EmulatorEndpoints.SfmcSoap"/> or ASP.NET Core's
/// <c>AllowAnonymous()</c>.
/// </summary>
/// <param name="Scope">The scope a scoped token must hold; null: any valid token.</param>
internal sealed record SfmcScopeMetadata(string? Scope);

/// <summary>A SOAP endpoint: the token travels in the envelope (checked by the endpoint), throttling is a SOAP fault.</summary>
internal sealed record SfmcSoapMetadata;

/// <summary>The synchronous rowset: bodies are bounded by <see cref="SfmcEmulatorOptions.MaxPayloadBytes"/> (SFMC's 5 MB).</summary>
internal sealed record SfmcRowsetLimitMetadata;

/// <summary>The emulator's own endpoints (health): no faults, no rate limit, not in the request log.</summary>
internal sealed record EmulatorUtilityMetadata;

internal static class EmulatorEndpoints
{
    /// <summary>A valid token, which, when it was issued for scopes, must hold <paramref name="scope"/> (else 403).</summary>
    public static TBuilder RequireSfmcScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new SfmcScopeMetadata(scope));

    /// <summary>A valid token, whatever its scopes.</summary>
    public static TBuilder RequireSfmcToken<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new SfmcScopeMetadata(null));

    /// <summary>SOAP: the endpoint checks the envelope's token itself.</summary>
    public static TBuilder SfmcSoap<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new SfmcSoapMetadata());

    /// <summary>Bodies bounded by the rowset limit instead of <see cref="SfmcEmulatorOptions.MaxRequestBytes"/>.</summary>
    public static TBuilder WithRowsetLimit<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new SfmcRowsetLimitMetadata());

    /// <summary>Outside SFMC's surface: not gated, not logged.</summary>
    public static TBuilder EmulatorUtility<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new EmulatorUtilityMetadata()).AllowAnonymous();
}
