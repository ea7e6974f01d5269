using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
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
/// <remarks>
/// The body is read as a stream into one array of its exact size (directly when the length is declared; through
/// pooled chunks when it is not) and handed on as <see cref="SfmcBufferedContent"/>, which the client's readers take
/// without copying: one byte of memory per byte of body (briefly two while a chunked body is put together). An XML answer is looked at while it arrives: a DTD in
/// its prolog is refused at once, before the rest of the body is read.
/// </remarks>
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

            var prolog = IsXml(request, response) ? new XmlPrologScanner() : (XmlPrologScanner?)null;
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var bytes = declared is { } length
                ? await ReadDeclaredAsync(request, body, (int)length, prolog, cancellationToken)
                : await ReadChunkedAsync(request, body, prolog, cancellationToken);

            var content = new SfmcBufferedContent(bytes);
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

    /// <summary>A body of known length, read straight into its array (a body longer than declared is refused).</summary>
    private async Task<byte[]> ReadDeclaredAsync(HttpRequestMessage request, Stream body, int length, XmlPrologScanner? prolog, CancellationToken cancellationToken)
    {
        var bytes = length == 0 ? [] : new byte[length];
        var filled = 0;
        int read;
        while (filled < length && (read = await body.ReadAsync(bytes.AsMemory(filled, Math.Min(ChunkBytes, length - filled)), cancellationToken)) > 0)
        {
            Look(request, ref prolog, bytes.AsSpan(filled, read));
            filled += read;
        }

        if (filled < length)
        {
            throw new HttpRequestException($"SFMC's answer to {request.Method} {request.RequestUri?.AbsolutePath} ended after {filled:N0} of its {length:N0} declared bytes.");
        }

        return bytes;
    }

    /// <summary>A body of unknown length: pooled chunks while it arrives, then one array of its size.</summary>
    private async Task<byte[]> ReadChunkedAsync(HttpRequestMessage request, Stream body, XmlPrologScanner? prolog, CancellationToken cancellationToken)
    {
        var chunks = new List<byte[]>();
        long total = 0;
        try
        {
            var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
            chunks.Add(chunk);
            var used = 0;
            int read;
            while ((read = await body.ReadAsync(chunk.AsMemory(used, ChunkBytes - used), cancellationToken)) > 0)
            {
                if (total + read > maxBytes)
                {
                    throw TooLarge(request, null);
                }

                Look(request, ref prolog, chunk.AsSpan(used, read));
                used += read;
                total += read;
                if (used == ChunkBytes)
                {
                    chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
                    chunks.Add(chunk);
                    used = 0;
                }
            }

            var bytes = total == 0 ? [] : new byte[total];
            var offset = 0;
            foreach (var full in chunks)
            {
                var count = (int)Math.Min(ChunkBytes, total - offset);
                full.AsSpan(0, count).CopyTo(bytes.AsSpan(offset));
                offset += count;
            }

            return bytes;
        }
        finally
        {
            foreach (var chunk in chunks)
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
    }

    private static void Look(HttpRequestMessage request, ref XmlPrologScanner? prolog, ReadOnlySpan<byte> bytes)
    {
        if (prolog is not { } scanner)
        {
            return;
        }

        switch (scanner.Scan(bytes))
        {
            case XmlPrologScanner.Verdict.Doctype:
                throw new SfmcException($"SFMC's answer to {request.Method} {request.RequestUri?.AbsolutePath} declares a DTD (a DOCTYPE); DTDs are prohibited in SOAP messages, so it was not read further.");
            case XmlPrologScanner.Verdict.Done:
                prolog = null;
                break;
            default:
                prolog = scanner;
                break;
        }
    }

    /// <summary>SOAP calls and answers that say they are XML.</summary>
    private static bool IsXml(HttpRequestMessage request, HttpResponseMessage response) =>
        request.Content is Soap.SoapEnvelopeContent
        || response.Content.Headers.ContentType?.MediaType?.EndsWith("xml", StringComparison.OrdinalIgnoreCase) == true;

    private SfmcException TooLarge(HttpRequestMessage request, long? declared) => new(string.Create(
        CultureInfo.InvariantCulture,
        $"SFMC's answer to {request.Method} {request.RequestUri?.AbsolutePath} is larger than {maxBytes:N0} bytes (SfmcClientOptions.MaxResponseBytes){(declared is null ? "" : $": it declares {declared.Value:N0}")}; it was not read further."));
}

/// <summary>
/// An XML prolog read a piece at a time (pieces may split anywhere): byte order mark, white space, processing
/// instructions and comments are passed over; a DOCTYPE is the verdict <see cref="Verdict.Doctype"/>; anything else
/// (the root element, or text that is no XML, left to the parser) ends the look.
/// </summary>
internal struct XmlPrologScanner
{
    private const string Doctype = "DOCTYPE";
    private State _state;
    private int _matched;

    public enum Verdict
    {
        More,
        Done,
        Doctype,
    }

    private enum State
    {
        Between,
        Open,
        Bang,
        Instruction,
        InstructionQuestion,
        CommentStart,
        Comment,
        CommentDash,
        CommentDashDash,
        Doctype,
    }

    public Verdict Scan(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            switch (_state)
            {
                case State.Between when b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF:
                    break;
                case State.Between when b == '<':
                    _state = State.Open;
                    break;
                case State.Between:
                    return Verdict.Done;
                case State.Open:
                    if (b == '?')
                    {
                        _state = State.Instruction;
                        break;
                    }

                    if (b == '!')
                    {
                        _state = State.Bang;
                        break;
                    }

                    return Verdict.Done;
                case State.Bang:
                    if (b == '-')
                    {
                        _state = State.CommentStart;
                        break;
                    }

                    if (b == 'D')
                    {
                        _state = State.Doctype;
                        _matched = 1;
                        break;
                    }

                    return Verdict.Done;
                case State.Doctype:
                    if (b != Doctype[_matched])
                    {
                        return Verdict.Done;
                    }

                    if (++_matched == Doctype.Length)
                    {
                        return Verdict.Doctype;
                    }

                    break;
                case State.Instruction:
                    _state = b == '?' ? State.InstructionQuestion : State.Instruction;
                    break;
                case State.InstructionQuestion:
                    _state = b == '>' ? State.Between : b == '?' ? State.InstructionQuestion : State.Instruction;
                    break;
                case State.CommentStart:
                    if (b != '-')
                    {
                        return Verdict.Done;
                    }

                    _state = State.Comment;
                    break;
                case State.Comment:
                    _state = b == '-' ? State.CommentDash : State.Comment;
                    break;
                case State.CommentDash:
                    _state = b == '-' ? State.CommentDashDash : State.Comment;
                    break;
                case State.CommentDashDash:
                    _state = b == '>' ? State.Between : b == '-' ? State.CommentDashDash : State.Comment;
                    break;
            }
        }

        return Verdict.More;
    }
}

/// <summary>
/// A response body already read into memory by <see cref="SfmcResponseBufferHandler"/>; <see cref="ReadBytesAsync"/>
/// hands its array out without the copy <see cref="HttpContent.ReadAsByteArrayAsync()"/> makes.
/// </summary>
internal sealed class SfmcBufferedContent(byte[] bytes) : HttpContent
{
    private Soap.SoapFault? _fault;
    private bool _faultRead;

    /// <summary>The body's bytes: the buffered array itself for <see cref="SfmcBufferedContent"/>, else a read of <paramref name="content"/>.</summary>
    public static Task<byte[]> ReadBytesAsync(HttpContent content, CancellationToken cancellationToken) =>
        content is SfmcBufferedContent buffered ? Task.FromResult(buffered.Bytes) : content.ReadAsByteArrayAsync(cancellationToken);

    public byte[] Bytes => bytes;

    /// <summary>The SOAP fault in the body, if any: parsed on first use, once (see <see cref="SfmcAnswer.SoapFaultOf"/>).</summary>
    public Soap.SoapFault? SoapFault
    {
        get
        {
            if (!_faultRead)
            {
                _fault = Soap.SoapEnvelope.TryReadFault(bytes);
                _faultRead = true;
            }

            return _fault;
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes, 0, bytes.Length);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) => stream.WriteAsync(bytes, cancellationToken).AsTask();

    protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult<Stream>(new MemoryStream(bytes, writable: false));

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken) => new MemoryStream(bytes, writable: false);

    protected override bool TryComputeLength(out long length)
    {
        length = bytes.Length;
        return true;
    }
}
