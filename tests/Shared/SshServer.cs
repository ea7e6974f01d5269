using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace Sfmc.Tests.Shared;

/// <summary>
/// A real OpenSSH server for the file-drop tests, nothing shared with the system's: its own <c>sshd</c> on a free
/// 127.0.0.1 port, a generated ed25519 host key, its own config, and a throwaway client key (with a passphrase) and
/// password user, all in a temp folder. SFTP sessions start in <see cref="Root"/> (what the emulator's
/// <c>FileTransferRoot</c> points at), so <c>Import/x.csv</c> lands in <c>{Root}/Import/x.csv</c>. Stopped and
/// removed on dispose. Needs root (CI runs as root) and <c>openssh-server</c> (<c>.ci/run</c> installs it). Shared by the
/// tests and the benchmarks.
/// </summary>
public sealed class SshServer : IAsyncDisposable
{
    public const string PasswordUser = "sfmcsftptest";
    public const string KeyPassphrase = "correct horse battery staple";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sfmc-sshd-" + Guid.NewGuid().ToString("N")[..8]);

    public string Root => Path.Combine(_folder, "sftp");

    public int Port { get; private set; }

    /// <summary>The host key's fingerprint as <c>ssh-keygen -lf</c> prints it: <c>SHA256:…</c>.</summary>
    public string HostKeyFingerprint { get; private set; } = "";

    /// <summary>The client key (OpenSSH format, encrypted with <see cref="KeyPassphrase"/>).</summary>
    public string ClientKeyPath => Path.Combine(_folder, "client_key");

    /// <summary>A key the server does not know.</summary>
    public string StrangerKeyPath => Path.Combine(_folder, "stranger_key");

    public string Password { get; } = "pw-" + Guid.NewGuid().ToString("N")[..12];

    private string PidFile => Path.Combine(_folder, "sshd.pid");

    private SshServer()
    {
    }

    public static async Task<SshServer> StartAsync()
    {
        var server = new SshServer();
        await server.InitializeAsync();
        return server;
    }

    private async Task InitializeAsync()
    {
        if (!File.Exists("/usr/sbin/sshd"))
        {
            throw new InvalidOperationException("The file-drop tests need OpenSSH's sshd: apt-get install -y openssh-server (.ci/run does).");
        }

        Directory.CreateDirectory(Path.Combine(Root, "Import"));
        Run("chmod", "-R", "777", Root);
        Directory.CreateDirectory("/run/sshd");
        await RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", $"{_folder}/host_key");
        await RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", KeyPassphrase, "-f", ClientKeyPath);
        await RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", StrangerKeyPath);
        File.Copy(ClientKeyPath + ".pub", Path.Combine(_folder, "authorized_keys"));
        HostKeyFingerprint = (await RunAsync("ssh-keygen", "-l", "-E", "sha256", "-f", $"{_folder}/host_key.pub")).Split(' ')[1];

        // A password user for password authentication (sshd reads /etc/shadow with UsePAM no).
        if (!File.ReadAllText("/etc/passwd").Contains(PasswordUser + ":", StringComparison.Ordinal))
        {
            await RunAsync("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", PasswordUser);
        }

        await RunAsync("bash", "-c", $"echo '{PasswordUser}:{Password}' | chpasswd");

        Port = FreePort();
        File.WriteAllText(Path.Combine(_folder, "sshd_config"), $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {_folder}/host_key
            PidFile {PidFile}
            AuthorizedKeysFile {_folder}/authorized_keys
            PasswordAuthentication yes
            KbdInteractiveAuthentication no
            PermitRootLogin yes
            StrictModes no
            UsePAM no
            MaxStartups 50
            Subsystem sftp internal-sftp -d {Root}
            """);
        await RunAsync("/usr/sbin/sshd", "-f", $"{_folder}/sshd_config", "-E", $"{_folder}/sshd.log");
        for (var i = 0; i < 100 && !File.Exists(PidFile); i++)
        {
            await Task.Delay(50);
        }
    }

    /// <summary>Drops every open SSH connection: kills the per-connection sshd processes, as a network failure would.</summary>
    public void DropConnections()
    {
        var master = File.ReadAllText(PidFile).Trim();
        Run("pkill", "-KILL", "-P", master);
    }

    /// <summary>The server's log (authentication failures, sessions).</summary>
    public string Log => File.Exists(Path.Combine(_folder, "sshd.log")) ? File.ReadAllText(Path.Combine(_folder, "sshd.log")) : "";

    public ValueTask DisposeAsync()
    {
        if (File.Exists(PidFile))
        {
            DropConnections();
            Run("kill", File.ReadAllText(PidFile).Trim());
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Options for this server: the pinned host key and the given credentials.</summary>
    public void Configure(Sfmc.Client.SfmcFileTransferOptions options, bool password = false)
    {
        options.Host = "127.0.0.1";
        options.Port = Port;
        options.HostKeySha256 = [HostKeyFingerprint];
        if (password)
        {
            options.Username = PasswordUser;
            options.Password = Password;
        }
        else
        {
            options.Username = "root";
            options.PrivateKeyPath = ClientKeyPath;
            options.PrivateKeyPassphrase = KeyPassphrase;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Run(string file, params string[] arguments)
    {
        using var process = Process.Start(Start(file, arguments))!;
        process.WaitForExit(10_000);
    }

    private static ProcessStartInfo Start(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    private static async Task<string> RunAsync(string file, params string[] arguments)
    {
        using var process = Process.Start(Start(file, arguments))!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {error}");
        }

        return output;
    }
}
