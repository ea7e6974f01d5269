using System;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Distributed;

namespace Sfmc.Client;

/// <summary>
/// Where tokens are kept between requests. Keys are per (auth base URI, client id, account id), so two business units
/// never share or overwrite each other's token. The default keeps them in this process; register
/// <see cref="DistributedCacheSfmcTokenStore"/> to share one token between processes (Redis).
/// </summary>
public interface ISfmcTokenStore
{
    /// <summary>The stored token, or null.</summary>
    ValueTask<SfmcToken?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Stores a token until it expires.</summary>
    ValueTask SetAsync(string key, SfmcToken token, CancellationToken cancellationToken);

    /// <summary>Forgets a token (it was refused).</summary>
    ValueTask RemoveAsync(string key, CancellationToken cancellationToken);
}

/// <summary>Tokens in this process's memory (the default).</summary>
public sealed class InMemorySfmcTokenStore : ISfmcTokenStore
{
    private readonly ConcurrentDictionary<string, SfmcToken> _tokens = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<SfmcToken?> GetAsync(string key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_tokens.TryGetValue(key, out var token) ? token : null);

    /// <inheritdoc />
    public ValueTask SetAsync(string key, SfmcToken token, CancellationToken cancellationToken)
    {
        _tokens[key] = token;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken)
    {
        _tokens.TryRemove(key, out _);
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Tokens in an <see cref="IDistributedCache"/> (Redis in production), so several processes share one token instead
/// of each asking SFMC for its own. Entries expire with the token. The cache holds bearer tokens: secure it as such.
/// </summary>
public sealed class DistributedCacheSfmcTokenStore(IDistributedCache cache) : ISfmcTokenStore
{
    /// <inheritdoc />
    public async ValueTask<SfmcToken?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var bytes = await cache.GetAsync(key, cancellationToken);
        if (bytes is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            return new SfmcToken(
                root.GetProperty("t").GetString()!,
                DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("e").GetInt64()),
                new Uri(root.GetProperty("r").GetString()!),
                new Uri(root.GetProperty("s").GetString()!),
                root.TryGetProperty("c", out var scope) ? scope.GetString() : null);
        }
        catch (Exception ex) when (ex is JsonException or System.Collections.Generic.KeyNotFoundException or InvalidOperationException or UriFormatException)
        {
            return null; // Unreadable entry (another version wrote it): fetch a new token.
        }
    }

    /// <inheritdoc />
    public async ValueTask SetAsync(string key, SfmcToken token, CancellationToken cancellationToken)
    {
        var body = SfmcClient.Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("t", token.AccessToken);
            writer.WriteNumber("e", token.ExpiresAt.ToUnixTimeMilliseconds());
            writer.WriteString("r", token.RestInstanceUrl.ToString());
            writer.WriteString("s", token.SoapInstanceUrl.ToString());
            if (token.Scope is not null)
            {
                writer.WriteString("c", token.Scope);
            }

            writer.WriteEndObject();
        });

        await cache.SetAsync(key, body, new DistributedCacheEntryOptions { AbsoluteExpiration = token.ExpiresAt }, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken) => await cache.RemoveAsync(key, cancellationToken);
}
