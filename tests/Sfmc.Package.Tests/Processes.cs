using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit.Abstractions;

namespace Sfmc.Package.Tests;

/// <summary>Runs real processes (dotnet, the built tools, the samples) the way a user's shell would.</summary>
internal static class Processes
{
    public static string RepoRoot => Path.GetFullPath(Metadata("RepoRoot"));

    /// <summary>The configuration this test run was built in (src/ and samples/ outputs of the same one are used).</summary>
    public static string Configuration => Metadata("Configuration");

    public static string Metadata(string key) => typeof(Processes).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == key).Value!;

    /// <summary>The built output of a project under the repository (e.g. <c>src/Sfmc.Emulator.Tool</c>).</summary>
    public static string Output(string project, string assembly) =>
        Path.Combine(RepoRoot, project, "bin", Configuration, "net10.0", assembly);

    /// <summary>Starts a process with the test host's MSBuild/VSTest variables removed (they would steer nested builds).</summary>
    public static Process Start(string file, string arguments, string? directory = null, IReadOnlyDictionary<string, string?>? environment = null, bool redirectInput = false)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory ?? Environment.CurrentDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) || k.StartsWith("SFMC__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        return Process.Start(start)!;
    }

    /// <summary>Runs to the end (bounded by <paramref name="timeout"/>) and returns the exit code with stdout + stderr.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        ITestOutputHelper log, string file, string arguments, string? directory = null, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        using var process = Start(file, arguments, directory, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(8));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{file} {arguments}' did not finish within {timeout ?? TimeSpan.FromMinutes(8)}.");
        }

        var output = await stdout + await stderr;
        log.WriteLine($"$ {file} {arguments}  (exit {process.ExitCode})\n{output}");
        return (process.ExitCode, output);
    }

    /// <summary>Sends a POSIX signal (SIGTERM 15, SIGINT 2) as <c>kill</c>, docker stop or systemd would.</summary>
    public static void Signal(Process process, int signal)
    {
        if (kill(process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [DllImport("libc", SetLastError = true)]
#pragma warning disable CA5392, SYSLIB1054 // libc's kill: a plain DllImport is enough for a test helper
    private static extern int kill(int pid, int sig);
#pragma warning restore CA5392, SYSLIB1054

    /// <summary>A folder under the system temp folder, outside this repository (no Directory.Build.props of ours above it).</summary>
    public static string TempFolder(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), prefix + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }

    public static void DeleteQuietly(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A TCP port on 127.0.0.1 that nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Polls a GET until it answers 2xx (readiness of a started server), at most 30 s; checks the body.</summary>
    public static async Task WaitForHttpAsync(Uri uri, string expectedBody)
    {
        using var http = new System.Net.Http.HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(uri);
                if (response.IsSuccessStatusCode)
                {
                    Xunit.Assert.Contains(expectedBody, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                    return;
                }
            }
            catch (System.Net.Http.HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            catch (TaskCanceledException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"nothing answered GET {uri} within 30 s");
            }

            await Task.Delay(100);
        }
    }
}
