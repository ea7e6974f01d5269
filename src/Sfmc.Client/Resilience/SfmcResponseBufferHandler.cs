using System;
using System.Buffers;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace Sfmc.Client;

/// <summary>
/// The innermost handler of the SFMC clients: reads each response body into memory before the answer goes back up the
/// pipeline, so that every byte is read under the attempt timeout, the total timeout and the caller's token (a body
/// that drips after its headers is a timeout like any other, and retried when the call is safe to replay), and never
/// more than <see cref="SfmcClientOptions.MaxResponseBytes"/> of it (a larger or endless answer is an
/// <see cref="SfmcException"/> naming the limit, not an <see cref="OutOfMemoryException"/>).
/// </summary>
internal sealed class SfmcResponseBufferHandler(long maxBytes) : DelegatingHandler
{
    private const int ChunkBytes = 64 * 1024;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        try
        {
            var declared = response.Content.Headers.ContentLength;
            if (declared > maxBytes)
            {
                throw TooLarge(request, declared.Value);
            }

            var buffer = new MemoryStream(declared is { } length ? (int)length : ChunkBytes);
            var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                int read;
                while ((read = await body.ReadAsync(chunk.AsMemory(0, ChunkBytes), cancellationToken)) > 0)
                {
                    if (buffer.Length + read > maxBytes)
                    {
                        throw TooLarge(request, null);
                    }

                    buffer.Write(chunk, 0, read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }

            var content = new ByteArrayContent(buffer.GetBuffer(), 0, (int)buffer.Length);
            foreach (var header in response.Content.Headers)
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content.Dispose();
            response.Content = content;
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private SfmcException TooLarge(HttpRequestMessage request, long? declared) => new(string.Create(
        CultureInfo.InvariantCulture,
        $"SFMC's answer to {request.Method} {request.RequestUri?.AbsolutePath} is larger than {maxBytes:N0} bytes (SfmcClientOptions.MaxResponseBytes){(declared is null ? "" : $": it declares {declared.Value:N0}")}; it was not read further."));
}
