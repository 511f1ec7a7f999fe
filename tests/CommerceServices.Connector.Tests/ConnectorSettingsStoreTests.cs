using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using CommerceServices.Cli.Tests;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;

namespace CommerceServices.Connector.Tests;

/// <summary>The settings store: a stable instance id, private keys encrypted at rest, and writes a crash cannot break.</summary>
public sealed class ConnectorSettingsStoreTests(ConnectorFixture platform) : IClassFixture<ConnectorFixture>, IDisposable
{
    private readonly TempStore _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void TheInstanceId_IsMadeOnce_AndStaysTheSameAcrossLoadsAndSaves()
    {
        var first = new ConnectorSettingsStore(_temp.Store).Load();
        new ConnectorSettingsStore(_temp.Store).Save(first with { ProjectId = "p" });
        var again = new ConnectorSettingsStore(_temp.Store).Load();

        Assert.StartsWith("inst_", first.InstanceId, StringComparison.Ordinal);
        Assert.Equal(first.InstanceId, again.InstanceId);
        Assert.Equal("p", again.ProjectId);
    }

    [Fact]
    public void PrivateKeys_RoundTrip_ButAreNotInTheFileInClear()
    {
        using var rsa = RsaPem.CreateKey();
        var pem = rsa.ExportPkcs8PrivateKeyPem();
        var store = new ConnectorSettingsStore(_temp.Store);
        store.Save(store.Load() with { Production = new EnvironmentKeys(ApiKeyFormat.Generate(GatewayEnvironment.Production), pem) });

        var loaded = new ConnectorSettingsStore(_temp.Store).Load();

        Assert.Equal(pem, loaded.Production!.PrivateKeyPem);
        Assert.Contains(loaded.Production.ApiKey, File.ReadAllText(store.FilePath), StringComparison.Ordinal);
        AssertNoSecretUnder(_temp.Store, pem, "");
        Assert.DoesNotContain("BEGIN", loaded.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheStoreFile_IsReadableByItsOwnerOnly()
    {
        var store = new ConnectorSettingsStore(_temp.Store);
        store.Load();

        Assert.True(File.Exists(store.FilePath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.FilePath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(store.Directory));
        }
    }

    [Fact]
    public async Task AFullConfigureAndStatus_LeaveNoPrivateKeyInTheStoreOrTheLogs()
    {
        var account = await platform.NewAccountAsync();
        var (apiKey, privateKey) = await platform.NewKeyAsync(account, GatewayEnvironment.Sandbox);
        var dataSpace = await platform.NewDataSpaceAsync(account, "testing");
        await using var test = platform.NewConnector(_temp.Store);

        Assert.True((await test.Connector.ConfigureAsync(new ConnectorChange
            { Environment = GatewayEnvironment.Sandbox, ApiKey = apiKey, PrivateKeyPem = privateKey, DataSpaceId = dataSpace })).Success);
        Assert.Equal(ConnectionState.Verified, (await test.Connector.GetStatusAsync()).State);
        // A refusal too: its message must not carry the key either.
        var wrong = await test.Connector.ConfigureAsync(new ConnectorChange
            { Environment = GatewayEnvironment.Sandbox, ApiKey = apiKey, PrivateKeyPem = privateKey[..200] });

        Assert.Equal(ConnectorCodes.MalformedPrivateKey, wrong.Code);
        Assert.Contains("Connector status: verified", test.Logs.All, StringComparison.Ordinal); // the scan is not vacuous
        AssertNoSecretUnder(_temp.Store, privateKey, test.Logs.All + "\n" + wrong.Message);
    }

    [Fact]
    public async Task AWriterKilledMidWrite_LeavesAStoreThatLoads_AsOneCompleteVersion()
    {
        using var rsa = RsaPem.CreateKey();
        var pem = rsa.ExportPkcs8PrivateKeyPem();
        var pemFile = Path.Combine(_temp.Path, "key.pem");
        await File.WriteAllTextAsync(pemFile, pem);
        var kills = 0;

        for (var round = 0; round < 3; round++)
        {
            var start = ChildProcess.StartInfo("CommerceServices.Connector.StoreWriter.dll", [_temp.Store, pemFile]);
            start.RedirectStandardOutput = false;
            start.RedirectStandardError = false;
            start.StandardOutputEncoding = null;
            start.StandardErrorEncoding = null;
            using var writer = Process.Start(start)!;
            var reported = 0;
            try
            {
                // Read while it writes (every read sees a complete version), then kill it at whatever point it is.
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (reported < 20 + (round * 7) && DateTime.UtcNow < deadline)
                {
                    if (File.Exists(Path.Combine(_temp.Store, ConnectorSettingsStore.FileName)))
                    {
                        reported = Version(new ConnectorSettingsStore(_temp.Store).Load());
                    }

                    await Task.Delay(5);
                }
            }
            finally
            {
                writer.Kill(); // SIGKILL: no cleanup, no flush
                await writer.WaitForExitAsync();
            }

            kills++;

            var loaded = new ConnectorSettingsStore(_temp.Store).Load();
            var version = Version(loaded);
            Assert.True(version >= reported && reported >= 20, $"version {version} after {reported} had been read");
            Assert.StartsWith($"data-space-{version}-", loaded.DataSpaceId, StringComparison.Ordinal);
            Assert.Equal($"version-{version}", loaded.Sandbox!.ApiKey);
            Assert.Equal(pem, loaded.Sandbox.PrivateKeyPem);
        }

        Assert.Equal(3, kills);
    }

    /// <summary>The writer's version number; 0 for the first, empty settings the writer loads before its first save.</summary>
    private static int Version(ConnectorSettings settings) =>
        settings.ProjectId is null ? 0 : int.Parse(settings.ProjectId["project-".Length..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every base64 line of the key's PEM forms, and its private exponent's bytes, are absent from files and text.</summary>
    private static void AssertNoSecretUnder(string directory, string privateKeyPem, string text)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(privateKeyPem);
        var fragments = new[] { privateKeyPem, rsa.ExportPkcs8PrivateKeyPem(), rsa.ExportRSAPrivateKeyPem() }
            .SelectMany(pem => pem.Split('\n').Where(l => l.Length >= 16 && !l.StartsWith("-----", StringComparison.Ordinal)))
            .Select(l => Encoding.ASCII.GetBytes(l.Trim()))
            .Append(rsa.ExportParameters(true).D![..32])
            .ToList();
        Assert.True(fragments.Count > 40);
        var files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(files);
        var textBytes = Encoding.UTF8.GetBytes(text);
        foreach (var fragment in fragments)
        {
            foreach (var file in files)
            {
                Assert.True(File.ReadAllBytes(file).AsSpan().IndexOf(fragment) < 0, $"{file} holds part of the private key in clear.");
            }

            Assert.True(textBytes.AsSpan().IndexOf(fragment) < 0, "The logs or messages hold part of the private key.");
        }
    }
}
