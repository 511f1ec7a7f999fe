using CommerceServices.Protocol.Keys;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CommerceServices.Cli.Tests.Commands;
using CommerceServices.Testing;

namespace CommerceServices.Cli.Tests;

/// <summary>
/// The platform never stores or logs a private key (R7, DESIGN.md section 6): a real platform process is driven by the
/// real CLI, then everything it left on disk and everything it wrote to stdout/stderr is searched for every private key.
/// </summary>
public sealed partial class SecretsAtRestTests : IAsyncLifetime
{
    private const string OperatorToken = "secrets-at-rest-operator-token";

    private readonly DirectoryInfo _dataDirectory = Directory.CreateTempSubdirectory("cs-secrets-data-");
    private readonly DirectoryInfo _cliFiles = Directory.CreateTempSubdirectory("cs-secrets-cli-");
    private readonly StringBuilder _platformLog = new();
    private Process? _platform;
    private string _portalUrl = "";

    public async Task InitializeAsync()
    {
        _portalUrl = $"http://127.0.0.1:{PostgresServer.FreePort()}";
        var start = ChildProcess.StartInfo("CommerceServices.Platform.dll",
        [
            $"--Platform:PortalUrl={_portalUrl}",
            $"--Platform:ProductionGatewayUrl=http://127.0.0.1:{PostgresServer.FreePort()}",
            $"--Platform:SandboxGatewayUrl=http://127.0.0.1:{PostgresServer.FreePort()}",
            $"--Platform:DataDirectory={_dataDirectory.FullName}",
            $"--Platform:OperatorToken={OperatorToken}",
            // As much logging as the platform can produce, so the scan below has the most text to look through.
            "--Logging:LogLevel:Default=Trace",
            "--Logging:LogLevel:Microsoft.AspNetCore=Trace",
            "--Logging:LogLevel:Microsoft.EntityFrameworkCore=Debug",
        ]);
        _platform = new Process { StartInfo = start };
        _platform.OutputDataReceived += (_, e) => Capture(e.Data);
        _platform.ErrorDataReceived += (_, e) => Capture(e.Data);
        _platform.Start();
        _platform.BeginOutputReadLine();
        _platform.BeginErrorReadLine();
        await WaitUntilHealthyAsync();
    }

    public Task DisposeAsync()
    {
        StopPlatform();
        _platform?.Dispose();
        _dataDirectory.Delete(recursive: true);
        _cliFiles.Delete(recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task AFullRunThroughTheCli_LeavesNoPrivateKeyInTheDataDirectoryOrTheLogs()
    {
        var privateKeys = new List<string>();
        var account = (await CliAsync("accounts", "create", "--email", "secrets@example.test", "--json"))
            .Json["id"]!.GetValue<string>();
        await CliAsync("entitlements", "grant", "--account", account, "--service", "payments");

        var sandbox = (await CliAsync("keys", "create", "--account", account, "--environment", "sandbox", "--json")).Json;
        privateKeys.Add(sandbox["privateKey"]!.GetValue<string>());

        var production = await CliAsync("keys", "create", "--account", account, "--environment", "production");
        privateKeys.Add(PemIn(production.Stdout));

        var rolled = (await CliAsync("keys", "roll", "--account", account, "--environment", "sandbox", "--grace", "1h", "--json")).Json;
        privateKeys.Add(rolled["privateKey"]!.GetValue<string>());

        var keyFile = Path.Combine(_cliFiles.FullName, "production.key.pem");
        await CliAsync("keys", "roll", "--account", account, "--environment", "production", "--grace", "90s", "--private-key-out", keyFile);
        privateKeys.Add(await File.ReadAllTextAsync(keyFile));

        var listed = (await CliAsync("keys", "list", "--account", account, "--json")).Json.AsArray();
        var apiKeys = listed.Select(k => k!["apiKey"]!.GetValue<string>()).ToList();
        await CliAsync("keys", "delete", "--account", account, "--api-key", sandbox["apiKey"]!.GetValue<string>());
        await CliAsync("keys", "list", "--account", account);
        await CliAsync("audit", "list", "--account", account);

        StopPlatform();

        Assert.Equal(4, apiKeys.Count);
        Assert.Equal(4, privateKeys.Distinct().Count());
        var files = _dataDirectory.EnumerateFiles("*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => f.Name == "platform.db");
        var stored = files.ToDictionary(f => f.FullName, f => File.ReadAllBytes(f.FullName));
        var log = _platformLog.ToString();

        // Not vacuous: the data directory does hold what the platform must keep, and the log is not empty.
        foreach (var apiKey in apiKeys)
        {
            Assert.True(stored.Values.Any(bytes => Contains(bytes, Encoding.ASCII.GetBytes(apiKey))),
                $"API key {apiKey} was not found under {_dataDirectory.FullName}: the scan would prove nothing.");
        }

        Assert.Contains("Platform ready", log, StringComparison.Ordinal);

        foreach (var secret in privateKeys.SelectMany(SecretFragments))
        {
            foreach (var (path, bytes) in stored)
            {
                Assert.False(Contains(bytes, secret.Bytes), $"{path} contains {secret.What} of a private key.");
            }

            Assert.False(Contains(Encoding.UTF8.GetBytes(log), secret.Bytes), $"The platform's output contains {secret.What} of a private key.");
        }
    }

    /// <summary>
    /// What would give a private key away: each base64 line of its PKCS#8 and PKCS#1 PEM, and the raw bytes of its
    /// private exponent and primes (in case something stored the key in binary).
    /// </summary>
    private static IEnumerable<(string What, byte[] Bytes)> SecretFragments(string privateKeyPem)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(privateKeyPem);
        foreach (var pem in new[] { privateKeyPem, rsa.ExportPkcs8PrivateKeyPem(), rsa.ExportRSAPrivateKeyPem() })
        {
            var lines = KeysCommandsTests.PemBodyLines(pem).ToList();
            Assert.True(lines.Count > 20, pem);
            foreach (var line in lines.Where(l => l.Length >= 16))
            {
                yield return ($"the PEM line '{line}'", Encoding.ASCII.GetBytes(line));
            }
        }

        var parameters = rsa.ExportParameters(includePrivateParameters: true);
        yield return ("the private exponent", parameters.D![..64]);
        yield return ("the prime P", parameters.P![..64]);
        yield return ("the prime Q", parameters.Q![..64]);
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    private static string PemIn(string text)
    {
        var match = PrivateKeyPem().Match(text);
        Assert.True(match.Success, text);
        return match.Value;
    }

    [GeneratedRegex(RsaPem.Pkcs8PrivateKeyBegin + ".+?-----END " + RsaPem.Pkcs8PrivateKeyLabel + "-----", RegexOptions.Singleline)]
    private static partial Regex PrivateKeyPem();

    private async Task<CliRun> CliAsync(params string[] arguments)
    {
        var run = await CliRunner.RunAsync([.. arguments, "--platform", _portalUrl, "--token", OperatorToken]);
        Assert.True(run.ExitCode == ExitCodes.Ok,
            $"{run}\n--- platform (exited: {_platform!.HasExited})\n{PlatformLogTail()}");
        return run;
    }

    private string PlatformLogTail()
    {
        lock (_platformLog)
        {
            var log = _platformLog.ToString();
            return log.Length > 6000 ? log[^6000..] : log;
        }
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_platformLog)
        {
            _platformLog.AppendLine(line);
        }
    }

    private async Task WaitUntilHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_platform!.HasExited)
            {
                throw new InvalidOperationException($"The platform exited with {_platform.ExitCode}:\n{PlatformLogTail()}");
            }

            try
            {
                using var response = await http.GetAsync($"{_portalUrl}/healthz");
                if (response.IsSuccessStatusCode)
                {
                    // And it is this platform (not another process that took the port): it knows our operator token.
                    using var request = new HttpRequestMessage(HttpMethod.Get, $"{_portalUrl}/api/v1/accounts");
                    request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", OperatorToken);
                    using var accounts = await http.SendAsync(request);
                    Assert.True(accounts.IsSuccessStatusCode, $"{_portalUrl} is healthy but refuses our operator token:\n{PlatformLogTail()}");
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The platform did not become healthy within 60 s:\n{PlatformLogTail()}");
    }

    /// <summary>SIGTERM first (a graceful shutdown flushes SQLite), then kill after 10 seconds.</summary>
    private void StopPlatform()
    {
        if (_platform is null || _platform.HasExited)
        {
            return;
        }

        if (!OperatingSystem.IsWindows())
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _platform.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
            kill?.WaitForExit();
        }

        if (!_platform.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            _platform.Kill(entireProcessTree: true);
            _platform.WaitForExit();
        }

        _platform.WaitForExit(); // Drains the asynchronous stdout/stderr readers.
    }
}
