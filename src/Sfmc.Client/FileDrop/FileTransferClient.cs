using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Sfmc.Client;

/// <summary>
/// The account's Marketing Cloud SFTP (Setup › FTP Accounts): where file-drop imports read from. Bound from
/// configuration with the rest of <see cref="SfmcClientOptions"/>; password, key and passphrase are never logged and
/// never in an exception.
/// </summary>
public sealed class SfmcFileTransferOptions
{
    /// <summary>The SFTP host as Setup shows it (never derived from the subdomain).</summary>
    public string? Host { get; set; }

    /// <summary>The port (SFMC: 22).</summary>
    public int Port { get; set; } = 22;

    /// <summary>The FTP user (not a Marketing Cloud login).</summary>
    public string? Username { get; set; }

    /// <summary>The FTP user's password, for password authentication.</summary>
    public string? Password { get; set; }

    /// <summary>A private key's text (OpenSSH or PEM, e.g. from a secret store), for key authentication.</summary>
    public string? PrivateKey { get; set; }

    /// <summary>A private key file, for key authentication (instead of <see cref="PrivateKey"/>).</summary>
    public string? PrivateKeyPath { get; set; }

    /// <summary>The private key's passphrase, when it has one.</summary>
    public string? PrivateKeyPassphrase { get; set; }

    /// <summary>
    /// The SHA-256 fingerprints of the host keys to trust (<c>SHA256:…</c> as <c>ssh-keygen -lf</c> prints them, or the
    /// bare base64). More than one is allowed, for key rotations. Any other host key is refused before anything is sent;
    /// there is no "trust any key" setting.
    /// </summary>
    public IList<string> HostKeySha256 { get; set; } = new List<string>();

    /// <summary>The folder imports read from (SFMC: <c>Import</c>).</summary>
    public string ImportFolder { get; set; } = "Import";

    /// <summary>How long to wait for the connection and for each SFTP answer.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times an upload reconnects and resumes after a dropped connection.</summary>
    public int MaxResumeAttempts { get; set; } = 5;

    /// <summary>
    /// How many of the last bytes sent are kept to resume a stream that cannot seek (a CSV being written): a resume
    /// needs the bytes after what the server has, and SFTP acknowledges writes as they go, so a few MB suffice.
    /// Default 8 MB, allocated once per upload.
    /// </summary>
    public int ResumeBufferBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Host, port and user; never a secret.</summary>
    public override string ToString() => $"sftp://{Username}@{Host}:{Port}";
}

/// <summary>An upload that finished: where, how many bytes, how many times it resumed.</summary>
/// <param name="RemotePath">The file's path on the server.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Resumes">Reconnections after a dropped connection.</param>
public sealed record SfmcUploadResult(string RemotePath, long Bytes, int Resumes);

/// <summary>The SFTP upload failed: host key not pinned, authentication refused, connection lost beyond the resumes, or a server error.</summary>
public sealed class SfmcFileTransferException(string message, Exception? inner = null) : SfmcException(message, null, null, inner);

/// <summary>
/// Uploads to the account's SFTP (<see cref="SfmcClientOptions.FileTransfer"/>) with SSH.NET: host key pinned by
/// SHA-256, password or private key (with passphrase), straight from a stream (no temporary file), resumed from the
/// server-side size after a dropped connection, cancellable, with progress and <c>Sfmc</c> telemetry. Files are written
/// under their final name: a File Drop automation fires on an upload, not on a rename. Get it from
/// <see cref="SfmcClient.FileTransfer"/>.
/// </summary>
public sealed class FileTransferClient
{
    private const int ChunkBytes = 64 * 1024;
    private readonly SfmcClient _client;

    internal FileTransferClient(SfmcClient client) => _client = client;

    private SfmcFileTransferOptions Options => _client.Options.FileTransfer;

    /// <summary>The path of a file in the import folder.</summary>
    public string ImportPath(string fileName) => Options.ImportFolder.TrimEnd('/') + "/" + fileName;

    /// <summary>
    /// Uploads <paramref name="content"/> (read once, to its end) to <paramref name="remotePath"/>, replacing any file
    /// there. A dropped connection is resumed from the size the server has.
    /// </summary>
    /// <param name="content">The bytes; a seekable stream resumes from any point, another from the last <see cref="SfmcFileTransferOptions.ResumeBufferBytes"/>.</param>
    /// <param name="remotePath">E.g. <c>Import/orders.csv</c> (see <see cref="ImportPath"/>).</param>
    /// <param name="progress">Bytes the server has acknowledged so far.</param>
    /// <param name="cancellationToken">Stops the upload (the partial file stays on the server).</param>
    /// <exception cref="SfmcFileTransferException">See its summary.</exception>
    public Task<SfmcUploadResult> UploadAsync(Stream content, string remotePath, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrEmpty(remotePath);
        return UploadAsync(ReadOnlyMemory<byte>.Empty, content, remotePath, progress, cancellationToken);
    }

    /// <summary>Uploads <paramref name="prefix"/> then the rest of <paramref name="content"/> (a header already read from it).</summary>
    internal async Task<SfmcUploadResult> UploadAsync(ReadOnlyMemory<byte> prefix, Stream content, string remotePath, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var options = Options;
        using var activity = SfmcTelemetry.ActivitySource.StartActivity("Sfmc.FileTransfer.Upload");
        activity?.SetTag("server.address", options.Host);
        activity?.SetTag("sfmc.file_transfer.path", remotePath);
        var source = new ReplayableSource(prefix, content, options.ResumeBufferBytes);
        var resumes = 0;
        try
        {
            while (true)
            {
                try
                {
                    var bytes = await UploadOnceAsync(source, remotePath, resume: resumes > 0, progress, cancellationToken);
                    activity?.SetTag("sfmc.file_transfer.bytes", bytes);
                    activity?.SetTag("sfmc.file_transfer.resumes", resumes);
                    _client.Logger.LogInformation("Uploaded {Bytes} bytes to {Path} on {Host} ({Resumes} resumes).", bytes, remotePath, options.Host, resumes);
                    return new SfmcUploadResult(remotePath, bytes, resumes);
                }
                catch (Exception ex) when (IsConnectionLoss(ex) && resumes < options.MaxResumeAttempts && !cancellationToken.IsCancellationRequested)
                {
                    resumes++;
                    _client.Telemetry.FileTransferResumes.Add(1);
                    _client.Logger.LogWarning("The SFTP connection to {Host} was lost after {Bytes} bytes of {Path} ({Error}); resuming ({Attempt} of {Max}).",
                        options.Host, source.Position, remotePath, ex.GetType().Name, resumes, options.MaxResumeAttempts);
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200 * (1 << Math.Min(resumes, 5)), 5000)), _client.Time, cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            if (ex is SfmcException)
            {
                throw;
            }

            throw new SfmcFileTransferException($"Uploading {remotePath} to {options.Host}:{options.Port} failed after {resumes} resumes: {ex.GetType().Name}: {SfmcException.Clip(ex.Message)}", ex);
        }
        finally
        {
            source.Dispose();
        }
    }

    /// <summary>Deletes a file (best effort for a partial upload); false when it was not there.</summary>
    public async Task<bool> DeleteAsync(string remotePath, CancellationToken cancellationToken = default)
    {
        using var sftp = await ConnectAsync(cancellationToken);
        if (!await sftp.ExistsAsync(remotePath, cancellationToken))
        {
            return false;
        }

        await sftp.DeleteFileAsync(remotePath, cancellationToken);
        return true;
    }

    private async Task<long> UploadOnceAsync(ReplayableSource source, string remotePath, bool resume, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        using var sftp = await ConnectAsync(cancellationToken);
        long offset = 0;
        if (resume)
        {
            offset = await sftp.ExistsAsync(remotePath, cancellationToken) ? (await sftp.GetAttributesAsync(remotePath, cancellationToken)).Size : 0;
            source.Rewind(offset);
        }

        await using (var remote = await sftp.OpenAsync(remotePath, resume ? FileMode.OpenOrCreate : FileMode.Create, FileAccess.Write, cancellationToken))
        {
            remote.Seek(offset, SeekOrigin.Begin);
            var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
            try
            {
                int read;
                while ((read = await source.ReadAsync(buffer.AsMemory(0, ChunkBytes), cancellationToken)) > 0)
                {
                    await remote.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    _client.Telemetry.FileTransferBytes.Add(read);
                    progress?.Report(source.Position);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            await remote.FlushAsync(cancellationToken);
        }

        return source.Position;
    }

    /// <summary>Connects with the pinned host key and the configured credentials.</summary>
    private async Task<SftpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var options = Options;
        if (string.IsNullOrWhiteSpace(options.Host) || string.IsNullOrWhiteSpace(options.Username))
        {
            throw new SfmcFileTransferException("FileTransfer.Host and FileTransfer.Username must be set to upload files (Setup › FTP Accounts).");
        }

        var pinned = options.HostKeySha256.Select(NormalizeFingerprint).ToHashSet(StringComparer.Ordinal);
        var methods = new List<AuthenticationMethod>();
        if (!string.IsNullOrEmpty(options.PrivateKey) || !string.IsNullOrEmpty(options.PrivateKeyPath))
        {
            methods.Add(new PrivateKeyAuthenticationMethod(options.Username, LoadKey(options)));
        }

        if (!string.IsNullOrEmpty(options.Password))
        {
            methods.Add(new PasswordAuthenticationMethod(options.Username, options.Password));
        }

        var connection = new ConnectionInfo(options.Host, options.Port, options.Username, methods.ToArray()) { Timeout = options.Timeout };
        var sftp = new SftpClient(connection) { OperationTimeout = options.Timeout };
        (string Name, string Fingerprint, bool Trusted)? presented = null;
        sftp.HostKeyReceived += (_, e) =>
        {
            e.CanTrust = pinned.Contains(e.FingerPrintSHA256);
            presented = (e.HostKeyName, e.FingerPrintSHA256, e.CanTrust);
        };
        try
        {
            await sftp.ConnectAsync(cancellationToken);
            return sftp;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            sftp.Dispose();
            if (presented is { Trusted: false } key)
            {
                throw new SfmcFileTransferException(
                    $"The SFTP server {options.Host}:{options.Port} presented host key {key.Name} SHA256:{key.Fingerprint}, which is not pinned: nothing was sent. If it is the server's key (check it with your SFMC admin), add \"SHA256:{key.Fingerprint}\" to FileTransfer:HostKeySha256.", ex);
            }

            if (ex is SshAuthenticationException)
            {
                throw new SfmcFileTransferException($"The SFTP server {options.Host}:{options.Port} refused user '{options.Username}': {SfmcException.Clip(ex.Message)} Check FileTransfer:Password or the private key.", ex);
            }

            throw;
        }
    }

    private static PrivateKeyFile LoadKey(SfmcFileTransferOptions options)
    {
        var passphrase = string.IsNullOrEmpty(options.PrivateKeyPassphrase) ? null : options.PrivateKeyPassphrase;
        try
        {
            if (!string.IsNullOrEmpty(options.PrivateKey))
            {
                using var text = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(options.PrivateKey.Replace("\\n", "\n", StringComparison.Ordinal)));
                return new PrivateKeyFile(text, passphrase);
            }

            return new PrivateKeyFile(options.PrivateKeyPath!, passphrase);
        }
        catch (Exception ex) when (ex is SshException or InvalidOperationException or ArgumentException or IOException or NotSupportedException)
        {
            // SSH.NET's message says what is wrong (format, passphrase) without quoting the key; its inner exception is not kept.
            throw new SfmcFileTransferException($"The SFTP private key ({(options.PrivateKey is { Length: > 0 } ? "FileTransfer:PrivateKey" : "FileTransfer:PrivateKeyPath")}) could not be read: {ex.GetType().Name}: {SfmcException.Clip(ex.Message)}");
        }
    }

    /// <summary>SSH.NET's fingerprint form: base64 without padding; accepts <c>SHA256:</c> prefixes and padding.</summary>
    internal static string NormalizeFingerprint(string fingerprint)
    {
        var value = fingerprint.Trim();
        if (value.StartsWith("SHA256:", StringComparison.OrdinalIgnoreCase))
        {
            value = value[7..];
        }

        return value.TrimEnd('=');
    }

    private static bool IsConnectionLoss(Exception ex) => ex switch
    {
        SfmcException => false,
        SshAuthenticationException or SftpPermissionDeniedException or SftpPathNotFoundException => false,
        SshConnectionException or SshOperationTimeoutException or SocketException or IOException or ObjectDisposedException => true,
        SshException => true,
        _ => ex.InnerException is { } inner && IsConnectionLoss(inner),
    };

    /// <summary>
    /// The upload's source with the ability to go back: a seekable stream seeks; another keeps its last bytes (up to a
    /// limit) in one ring buffer, allocated once (memory stays flat however large the file). <see cref="Position"/>
    /// counts bytes read from the start (prefix included).
    /// </summary>
    private sealed class ReplayableSource(ReadOnlyMemory<byte> prefix, Stream content, int keepBytes) : IDisposable
    {
        private readonly long _origin = content.CanSeek ? content.Position : 0;
        private byte[] _ring = [];
        private long _keptStart; // the offset of the first kept byte
        private long _keptEnd; // bytes read from the source so far (= the offset after the last kept byte)
        private long _replay = -1; // while replaying: the next offset to return from the kept bytes

        public long Position => _replay >= 0 ? _replay : _keptEnd;

        public void Rewind(long offset)
        {
            if (offset > _keptEnd)
            {
                throw new SfmcFileTransferException($"The server's file has {offset} bytes but only {_keptEnd} were sent: it was changed by someone else during the upload.");
            }

            if (offset >= _keptStart)
            {
                _replay = offset == _keptEnd ? -1 : offset;
                return;
            }

            if (!content.CanSeek || offset < prefix.Length)
            {
                throw new SfmcFileTransferException($"The connection dropped and the server has {offset} bytes; the bytes after it are no longer held (FileTransfer:ResumeBufferBytes is {keepBytes}) and the source cannot seek.");
            }

            content.Position = _origin + offset - prefix.Length;
            _keptStart = _keptEnd = offset;
            _replay = -1;
        }

        public async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken)
        {
            if (_replay >= 0)
            {
                var at = (int)(_replay % _ring.Length);
                var count = (int)Math.Min(Math.Min(destination.Length, _keptEnd - _replay), _ring.Length - at);
                _ring.AsMemory(at, count).CopyTo(destination);
                _replay += count;
                if (_replay == _keptEnd)
                {
                    _replay = -1;
                }

                return count;
            }

            int read;
            if (_keptEnd < prefix.Length)
            {
                read = (int)Math.Min(destination.Length, prefix.Length - _keptEnd);
                prefix.Slice((int)_keptEnd, read).CopyTo(destination);
            }
            else
            {
                read = await content.ReadAsync(destination, cancellationToken);
            }

            if (read > 0)
            {
                Keep(destination.Span[..read]);
            }

            return read;
        }

        private void Keep(ReadOnlySpan<byte> bytes)
        {
            if (_ring.Length == 0)
            {
                _ring = new byte[Math.Max(keepBytes, ChunkBytes)];
            }

            while (bytes.Length > 0)
            {
                var at = (int)(_keptEnd % _ring.Length);
                var count = Math.Min(bytes.Length, _ring.Length - at);
                bytes[..count].CopyTo(_ring.AsSpan(at));
                bytes = bytes[count..];
                _keptEnd += count;
            }

            _keptStart = Math.Max(_keptStart, _keptEnd - _ring.Length);
        }

        public void Dispose() => _ring = [];
    }
}
