using System;
using System.Collections.Generic;
using System.Net;

namespace Sfmc.Client;

/// <summary>
/// Base of every error the client raises for an SFMC answer. Messages carry the method, path, status and SFMC's own
/// message and errorcode — never a client secret or a token.
/// </summary>
public class SfmcException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SfmcException(string message, HttpStatusCode? statusCode = null, int? errorCode = null, Exception? inner = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
    }

    /// <summary>The HTTP status, when there was an answer.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>SFMC's <c>errorcode</c>, when it sent one.</summary>
    public int? ErrorCode { get; }

    /// <summary>The most characters of a peer's text (a fault string, an error message) quoted in an exception message.</summary>
    internal const int MaxQuotedLength = 1000;

    /// <summary>A peer's text as quoted in a message: whole up to <see cref="MaxQuotedLength"/> characters, else cut with its length noted.</summary>
    internal static string Clip(string text) => text.Length <= MaxQuotedLength
        ? text
        : string.Concat(text.AsSpan(0, MaxQuotedLength), "… (", text.Length.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), " characters)");
}

/// <summary>
/// SFMC answered with success, but with a body the client cannot read (not JSON, or not the shape SFMC documents). What
/// the call did on SFMC is unknown; the message names the call and quotes the reader's complaint.
/// </summary>
public sealed class SfmcResponseFormatException(string message, Exception? inner = null)
    : SfmcException(message, null, null, inner);

/// <summary>The credentials were refused (bad client id/secret, or a 401 that persisted after a token refresh).</summary>
public sealed class SfmcAuthenticationException(string message, HttpStatusCode? statusCode = null, Exception? inner = null)
    : SfmcException(message, statusCode, null, inner);

/// <summary>403: the installed package lacks a permission. <see cref="MissingScope"/> names it when SFMC says so.</summary>
public sealed class SfmcAuthorizationException(string message, string? missingScope, int? errorCode)
    : SfmcException(message, HttpStatusCode.Forbidden, errorCode)
{
    /// <summary>The scope SFMC said is missing, if it said.</summary>
    public string? MissingScope { get; } = missingScope;
}

/// <summary>404: the Data Extension (or other object) does not exist. External keys are case-sensitive.</summary>
public sealed class SfmcNotFoundException(string message, string? key, int? errorCode)
    : SfmcException(message, HttpStatusCode.NotFound, errorCode)
{
    /// <summary>The key that was not found.</summary>
    public string? Key { get; } = key;
}

/// <summary>400: SFMC rejected the request's content. <see cref="AdditionalErrors"/> lists SFMC's details.</summary>
public sealed class SfmcValidationException(string message, int? errorCode, IReadOnlyList<string> additionalErrors)
    : SfmcException(message, HttpStatusCode.BadRequest, errorCode)
{
    /// <summary>SFMC's <c>additionalErrors[].message</c>.</summary>
    public IReadOnlyList<string> AdditionalErrors { get; } = additionalErrors;
}

/// <summary>Still throttled (429) after every retry.</summary>
public sealed class SfmcRateLimitedException(string message, TimeSpan? retryAfter, int? errorCode)
    : SfmcException(message, HttpStatusCode.TooManyRequests, errorCode)
{
    /// <summary>SFMC's last Retry-After, if any.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>A transient failure (5xx, timeout, connection) that persisted through every retry, or one not safe to replay.</summary>
public sealed class SfmcTransientException(string message, HttpStatusCode? statusCode = null, Exception? inner = null)
    : SfmcException(message, statusCode, null, inner);
