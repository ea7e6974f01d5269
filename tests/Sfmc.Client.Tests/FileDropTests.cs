using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Sfmc.Client.Tests.DataExtensions;
using Sfmc.Tests.Shared;
using Xunit;

namespace Sfmc.Client.Tests;

/// <summary>
/// File-drop imports end to end against a real OpenSSH server (<see cref="SshServer"/>) and the emulator reading the
/// same folder: rows → CSV → SFTP → ImportDefinition → Perform → import → REST read; dropped connections, host keys,
/// credentials, header mismatches, secrets.
/// </summary>
public sealed class FileDropTests(FileDropTests.Sshd sshd) : IClassFixture<FileDropTests.Sshd>
{
    private readonly SshServer ssh = sshd.Server;

    /// <summary>One real sshd for the class.</summary>
    public sealed class Sshd : IAsyncLifetime
    {
        public SshServer Server { get; private set; } = null!;

        public async Task InitializeAsync() => Server = await SshServer.StartAsync();

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }

    private Task<TestHost> StartAsync(bool password = false, Action<SfmcFileTransferOptions>? sftp = null) =>
        TestHost.StartAsync(emulator: o => o.FileTransferRoot = ssh.Root, client: o =>
        {
            ssh.Configure(o.FileTransfer, password);
            sftp?.Invoke(o.FileTransfer);
        });

    private static async IAsyncEnumerable<OrderLinesRow> Orders(int count, int from = 0)
    {
        for (var i = from; i < from + count; i++)
        {
            yield return new OrderLinesRow { OrderId = $"O-{i:D7}", LineNo = i % 3, Sku = "SKU, \"9\"", UnitPrice = i / 100m, Quantity = i % 5, Note = i % 7 == 0 ? "Grüße\nzwei Zeilen" : null };
            await Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Two_hundred_thousand_rows_go_through_CSV_SFTP_and_an_import_and_come_back_exactly_once()
    {
        await using var host = await StartAsync();
        host.PumpTime();
        var result = await host.Client.DataExtension<OrderLinesRow>().ImportAsync(Orders(200_000), new FileDropOptions { FileName = "orders-200k.csv" });

        Assert.Equal("Completed", result.Status);
        Assert.True(result.AllRowsImported, $"{result}");
        Assert.Equal(200_000, result.RowsWritten);
        Assert.Equal(200_000, result.TotalRows);
        Assert.Empty(result.UnmatchedColumns);
        Assert.True(File.Exists(Path.Combine(ssh.Root, "Import", "orders-200k.csv")));

        var seen = new HashSet<(string, int)>();
        var count = 0;
        await foreach (var row in host.Client.DataExtension<OrderLinesRow>().QueryAsync())
        {
            Assert.True(seen.Add((row.OrderId, row.LineNo)), $"{row.OrderId}/{row.LineNo} twice");
            count++;
            var i = int.Parse(row.OrderId[2..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(i / 100m, row.UnitPrice);
            Assert.Equal(i % 7 == 0 ? "Grüße\nzwei Zeilen" : null, row.Note);
        }

        Assert.Equal(200_000, count);
    }

    [Fact]
    public async Task A_connection_dropped_mid_upload_resumes_from_the_servers_size_and_the_file_is_byte_identical()
    {
        await using var host = await StartAsync();
        host.PumpTime();
        var content = RandomNumberGenerator.GetBytes(24 * 1024 * 1024);
        var dropped = 0;
        var progress = new SyncProgress(bytes =>
        {
            if (bytes > 6 * 1024 * 1024 && Interlocked.Exchange(ref dropped, 1) == 0)
            {
                ssh.DropConnections();
            }
        });

        // A stream that cannot seek: the resume comes from the bytes the uploader kept.
        var result = await host.Client.FileTransfer.UploadAsync(new ForwardOnlyStream(content), "Import/dropped.bin", progress);

        Assert.Equal(1, dropped);
        Assert.True(result.Resumes >= 1, $"resumes: {result.Resumes}");
        Assert.Equal(content.Length, result.Bytes);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(ssh.Root, "Import", "dropped.bin"))));
        Assert.Contains(host.AllLogText(), l => l.Contains("resuming", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_host_key_is_refused_before_any_data_is_sent_and_the_message_shows_the_key_to_pin()
    {
        await using var host = await StartAsync(sftp: o => o.HostKeySha256 = ["SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "SHA256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"]);
        var error = await Assert.ThrowsAsync<SfmcFileTransferException>(() =>
            host.Client.FileTransfer.UploadAsync(new MemoryStream("secret,data\n"u8.ToArray()), "Import/unpinned.csv"));

        Assert.Contains(ssh.HostKeyFingerprint, error.Message, StringComparison.Ordinal);
        Assert.Contains("not pinned", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(ssh.Root, "Import", "unpinned.csv")));
    }

    [Fact]
    public async Task A_wrong_key_or_password_is_a_clear_authentication_error_and_no_secret_reaches_logs_or_messages()
    {
        var keyText = await File.ReadAllTextAsync(ssh.ClientKeyPath);
        await using var wrongKey = await StartAsync(sftp: o => { o.PrivateKeyPath = ssh.StrangerKeyPath; o.PrivateKeyPassphrase = null; });
        var keyError = await Assert.ThrowsAsync<SfmcFileTransferException>(() => wrongKey.Client.FileTransfer.UploadAsync(new MemoryStream([1]), "Import/x.bin"));
        Assert.Contains("refused user 'root'", keyError.Message, StringComparison.Ordinal);

        await using var wrongPassword = await StartAsync(password: true, sftp: o => o.Password = "not-the-password-7731");
        var passwordError = await Assert.ThrowsAsync<SfmcFileTransferException>(() => wrongPassword.Client.FileTransfer.UploadAsync(new MemoryStream([1]), "Import/x.bin"));
        Assert.Contains($"refused user '{SshServer.PasswordUser}'", passwordError.Message, StringComparison.Ordinal);

        // The right key given as text (as from a secret store) with a wrong passphrase: the key's text is not quoted.
        await using var wrongPassphrase = await StartAsync(sftp: o => { o.PrivateKeyPath = null; o.PrivateKey = keyText; o.PrivateKeyPassphrase = "wrong-passphrase-5512"; });
        var passphraseError = await Assert.ThrowsAsync<SfmcFileTransferException>(() => wrongPassphrase.Client.FileTransfer.UploadAsync(new MemoryStream([1]), "Import/x.bin"));
        Assert.Contains("FileTransfer:PrivateKey", passphraseError.Message, StringComparison.Ordinal);

        // And the right ones work, password and key + passphrase alike, and still leave nothing secret behind.
        await using var good = await StartAsync(password: true);
        Assert.Equal(3, (await good.Client.FileTransfer.UploadAsync(new MemoryStream([1, 2, 3]), "Import/by-password.bin")).Bytes);
        await using var goodKey = await StartAsync(sftp: o => { o.PrivateKeyPath = null; o.PrivateKey = keyText; });
        Assert.Equal(2, (await goodKey.Client.FileTransfer.UploadAsync(new MemoryStream([1, 2]), "Import/by-key.bin")).Bytes);

        var everything = string.Join("\n", new[] { wrongKey, wrongPassword, wrongPassphrase, good, goodKey }.SelectMany(h => h.AllLogText())
            .Concat(new Exception[] { keyError, passwordError, passphraseError }.Select(e => e.ToString()))
            .Append(good.Client.Options.FileTransfer.ToString()));
        foreach (var secret in new[] { ssh.Password, "not-the-password-7731", SshServer.KeyPassphrase, "wrong-passphrase-5512", keyText.Split('\n')[1], good.Emulator.ClientSecret })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_header_in_the_wrong_case_is_refused_before_upload_or_imported_without_that_column_and_reported()
    {
        await using var host = await StartAsync();
        host.PumpTime();
        var file = "order id,line no,sku,unit price,quantity,Note\r\nH-1,1,s,1.50,2,lost note\r\nH-2,1,s,2.50,3,another\r\n"u8.ToArray();
        var dataExtension = host.Client.DataExtension<OrderLinesRow>();

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => dataExtension.ImportFileAsync(new MemoryStream(file), new FileDropOptions { FileName = "by-hand.csv" }));
        Assert.Contains("'Note' (did you mean 'note'?", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(ssh.Root, "Import", "by-hand.csv")));

        var result = await dataExtension.ImportFileAsync(new MemoryStream(file), new FileDropOptions { FileName = "by-hand.csv", AllowUnmatchedColumns = true });
        Assert.Equal(["Note"], result.UnmatchedColumns);
        Assert.Equal("Completed", result.Status);
        Assert.Equal(2, result.Successful);
        var row = await dataExtension.GetAsync(new DataExtensionPrimaryKey(new KeyValuePair<string, object?>("order id", "H-1"), new KeyValuePair<string, object?>("line no", 1)));
        Assert.NotNull(row);
        Assert.Equal(1.50m, row.UnitPrice);
        Assert.Null(row.Note); // SFMC skipped the column: the note is lost, which is why the default refuses the file
        Assert.Equal(file, await File.ReadAllBytesAsync(Path.Combine(ssh.Root, "Import", "by-hand.csv")));
    }

    [Fact]
    public async Task A_row_that_breaks_its_schema_stops_the_upload_deletes_the_partial_file_and_imports_nothing()
    {
        await using var host = await StartAsync();
        host.PumpTime();
        var rows = Orders(50_000).Select((r, i) => i == 40_000 ? r with { Sku = new string('x', 51) } : r);
        var error = await Assert.ThrowsAsync<DataExtensionValidationException>(() =>
            host.Client.DataExtension<OrderLinesRow>().ImportAsync(rows, new FileDropOptions { FileName = "broken.csv" }));

        Assert.Equal("sku", error.FieldName);
        Assert.False(File.Exists(Path.Combine(ssh.Root, "Import", "broken.csv")));
        Assert.Empty(await host.Emulator.GetRowsAsync(OrderLinesRow.CustomerKey));
    }

    [Fact]
    public async Task Imports_into_one_DE_do_not_overlap_within_a_process()
    {
        await using var host = await StartAsync();
        host.PumpTime();
        var events = new ConcurrentQueue<string>();
        var first = new SyncProgress(_ =>
        {
            if (events.IsEmpty)
            {
                Thread.Sleep(500); // hold the first upload while the second one is started
            }

            events.Enqueue("first");
        });
        var dataExtension = host.Client.DataExtension<OrderLinesRow>();
        var a = dataExtension.ImportAsync(Orders(30_000), new FileDropOptions { FileName = "a.csv", UploadProgress = first });
        await Task.Delay(100);
        var b = dataExtension.ImportAsync(Orders(30_000, from: 30_000), new FileDropOptions { FileName = "b.csv", UploadProgress = new SyncProgress(_ => events.Enqueue("second")) });
        var results = await Task.WhenAll(a, b);

        Assert.All(results, r => Assert.True(r.AllRowsImported, r.ToString()));
        var order = events.ToArray();
        Assert.Contains("second", order);
        Assert.Equal(order.Length, order.TakeWhile(e => e == "first").Count() + order.SkipWhile(e => e == "first").Count(e => e == "second"));
        Assert.Equal(60_000, (await host.Emulator.GetRowsAsync(OrderLinesRow.CustomerKey)).Count);
    }

    [Fact]
    public void Options_without_a_host_key_are_refused_at_start_up()
    {
        var errors = new SfmcClientOptionsValidator().Validate(null, new SfmcClientOptions { FileTransfer = new SfmcFileTransferOptions { Host = "mc.ftp.example", Username = "u", Password = "p" } });
        Assert.Contains(errors.Failures!, f => f.Contains("HostKeySha256", StringComparison.Ordinal));
        Assert.Equal("sftp-key", FileTransferClient.NormalizeFingerprint(" SHA256:sftp-key= "));
        Assert.Equal("sfmc-import-order_lines", FileDropImport.DefaultDefinitionKey("order_lines"));
        Assert.Equal(36, FileDropImport.DefaultDefinitionKey(new string('k', 40)).Length);
    }

    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    /// <summary>Reads the bytes in pieces, cannot seek: like a CSV being written.</summary>
    private sealed class ForwardOnlyStream(byte[] content) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, 50_000), content.Length - _position);
            Array.Copy(content, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
