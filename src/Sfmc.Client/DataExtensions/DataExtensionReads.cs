using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Sfmc.Client;

/// <summary>Reads the typed and untyped DE clients share: paged row queries (and turning a sequence into an async one for the writer).</summary>
internal static class DataExtensionReads
{
    public static async IAsyncEnumerable<T> ToAsync<T>(IEnumerable<T> rows)
    {
        foreach (var row in rows)
        {
            yield return row;
        }

        await Task.CompletedTask;
    }

    /// <summary>
    /// Every row of a DE, page by page (<c>GET /data/v1/customobjectdata/key/{key}/rowset</c>); <paramref name="parse"/>
    /// turns one page's body into rows. Stops at a short page or when <c>count</c> is reached.
    /// </summary>
    public static async IAsyncEnumerable<T> QueryAsync<T>(SfmcClient client, string key, int pageSize, Func<byte[], IReadOnlyList<T>> parse, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        for (var page = 1; ; page++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"data/v1/customobjectdata/key/{Uri.EscapeDataString(key)}/rowset?$page={page}&$pageSize={pageSize}");
            var body = await client.SendAsync(request, new SfmcRequestContext { Replayable = true }, key, cancellationToken);
            var (rows, count) = SfmcClient.Read(request, body, b => (parse(b), ReadCount(b)));
            foreach (var row in rows)
            {
                yield return row;
            }

            if (rows.Count < pageSize || (long)page * pageSize >= count)
            {
                yield break;
            }
        }
    }

    /// <summary>The <c>count</c> of a paged answer (long.MaxValue when absent).</summary>
    private static long ReadCount(byte[] body)
    {
        var reader = new Utf8JsonReader(body);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("count"u8))
            {
                reader.Read();
                return reader.TokenType == JsonTokenType.Number ? reader.GetInt64() : long.MaxValue;
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= 1)
            {
                reader.Skip();
            }
        }

        return long.MaxValue;
    }
}
