using System.Diagnostics;
using System.Text;
using CommerceServices.Testing;

namespace CommerceServices.Cli.Tests.FirstRun;

/// <summary>
/// The platform as a newcomer starts it — the built binary from another folder, <c>dotnet run</c>,
/// <c>--help</c> — keeps one data folder relative to where it was started and finds its settings next to the binary.
/// </summary>
public sealed class PlatformProcessTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("cs-first-run-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task Help_PrintsTheUsageAndEveryConfigurationKey_ExitsZero_AndStartsNothing()
    {
        var (exitCode, output) = await RunToEndAsync(ChildProcess.StartInfo("CommerceServices.Platform.dll", ["--help"]));

        Assert.True(exitCode == 0, output);
        foreach (var (key, _, _) in Platform.Hosting.FirstRun.PlatformUsage.Keys)
        {
            Assert.Contains(key, output);
        }

        Assert.Contains($"Data folder here: {Path.Combine(_folder.FullName, "data")}", output);
        Assert.DoesNotContain("(not found", output);
        Assert.Empty(_folder.EnumerateFileSystemInfos());
    }

    [Fact]
    public async Task DotnetRun_KeepsTheDataFolderWhereTheCommandWasTyped_NotInTheProjectFolder()
    {
        var start = new ProcessStartInfo(ChildProcess.DotnetHost)
        {
            ArgumentList = { "run", "--no-build", "--project", Path.Combine(Repository.Root, "src", "CommerceServices.Platform"), "--", "--help" },
        };

        var (exitCode, output) = await RunToEndAsync(start);

        Assert.True(exitCode == 0, output);
        Assert.Contains($"Data folder here: {Path.Combine(_folder.FullName, "data")}", output);
    }

    [Fact]
    public async Task TheBinaryStartedFromAnotherFolder_KeepsItsDataThere_ReadsItsSettings_AndNamesTheTokenFileWhenRefusing()
    {
        var portal = $"http://127.0.0.1:{PostgresServer.FreePort()}";
        var start = ChildProcess.StartInfo("CommerceServices.Platform.dll",
        [
            $"--Platform:PortalUrl={portal}",
            $"--Platform:ProductionGatewayUrl=http://127.0.0.1:{PostgresServer.FreePort()}",
            $"--Platform:SandboxGatewayUrl=http://127.0.0.1:{PostgresServer.FreePort()}",
        ]);
        start.WorkingDirectory = _folder.FullName;
        var log = new StringBuilder();
        using var platform = new Process { StartInfo = start };
        platform.OutputDataReceived += (_, e) => Append(log, e.Data);
        platform.ErrorDataReceived += (_, e) => Append(log, e.Data);
        platform.Start();
        platform.BeginOutputReadLine();
        platform.BeginErrorReadLine();
        try
        {
            await WaitUntilHealthyAsync(portal, log);
            var missing = await CliRunner.RunAsync(["accounts", "list", "--platform", portal]);
            var wrong = await CliRunner.RunAsync(["accounts", "list", "--platform", portal], new Dictionary<string, string?> { ["COMMERCE_SERVICES_TOKEN"] = "wrong" });

            var data = Path.Combine(_folder.FullName, "data");
            var tokenFile = Path.Combine(data, "operator-token");
            Assert.True(File.Exists(tokenFile), log.ToString());
            Assert.True(File.Exists(Path.Combine(data, "platform.db")));
            Assert.True(File.Exists(Path.Combine(data, ".gitignore")));
            Assert.Contains(tokenFile, Snapshot(log));
            // appsettings.json (next to the binary) turns ASP.NET Core's per-request lines off; without it they appear.
            Assert.DoesNotContain("Request starting", Snapshot(log));

            missing.ExpectError(ExitCodes.Refused, "missing_operator_token");
            Assert.Contains("--token", missing.Stderr);
            Assert.Contains("COMMERCE_SERVICES_TOKEN", missing.Stderr);
            Assert.Contains(tokenFile, missing.Stderr);
            wrong.ExpectError(ExitCodes.Refused, "invalid_operator_token");
            Assert.Contains("$COMMERCE_SERVICES_TOKEN", wrong.Stderr);
            Assert.Contains(tokenFile, wrong.Stderr);
        }
        finally
        {
            platform.Kill(entireProcessTree: true);
            await platform.WaitForExitAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    [Fact]
    public async Task BadSettings_ArePrintedAsTheirSentencesAlone_AndThePlatformExitsWithCode2()
    {
        var (exitCode, output) = await RunToEndAsync(ChildProcess.StartInfo("CommerceServices.Platform.dll",
        [
            "--Platform:PortalUrl=https://127.0.0.1:5080",
            "--Registry:BaseQuota:Production=-1",
            "--Gateway:RateLimitBurst=0",
        ]), TimeSpan.FromSeconds(90));

        Assert.True(exitCode == 2, $"exit code {exitCode}:\n{output}");
        Assert.Contains("Platform:PortalUrl must be an http URL", output);
        Assert.Contains("Registry:BaseQuota:Production must be a number of data spaces from 0 to 1000", output);
        Assert.Contains("Gateway:RateLimitBurst", output);
        Assert.DoesNotContain("   at ", output); // no stack trace
        Assert.DoesNotContain("Unhandled exception", output);
    }

    [Fact]
    public async Task ASecondPlatformOnTheSameSqliteDataFolder_RefusesToStart_NamingTheFolderAndPostgreSql()
    {
        var data = Path.Combine(_folder.FullName, "data");
        await using var first = await PlatformProcess.StartAsync(data, new Dictionary<string, string?>());

        var (exitCode, output) = await RunToEndAsync(ChildProcess.StartInfo("CommerceServices.Platform.dll",
        [
            $"--Platform:DataDirectory={data}",
            "--Platform:PortalUrl=http://127.0.0.1:0",
            "--Platform:ProductionGatewayUrl=http://127.0.0.1:0",
            "--Platform:SandboxGatewayUrl=http://127.0.0.1:0",
        ]), TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 3, $"exit code {exitCode}:\n{output}");
        Assert.Contains(data, output);
        Assert.Contains("PostgreSQL", output);
        Assert.DoesNotContain("   at ", output);
        Assert.False(first.HasExited);
    }

    private async Task<(int ExitCode, string Output)> RunToEndAsync(ProcessStartInfo start, TimeSpan? timeLimit = null)
    {
        start.WorkingDirectory = _folder.FullName;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(timeLimit ?? TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, $"still running after {timeLimit ?? TimeSpan.FromMinutes(3)}:\n{await stdout}{await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static async Task WaitUntilHealthyAsync(string portal, StringBuilder log)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await http.GetAsync($"{portal}/healthz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The platform did not become healthy within 90 s:\n{Snapshot(log)}");
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }

    private static string Snapshot(StringBuilder log)
    {
        lock (log)
        {
            return log.ToString();
        }
    }
}
