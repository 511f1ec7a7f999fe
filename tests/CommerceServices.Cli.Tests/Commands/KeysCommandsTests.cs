using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CommerceServices.Cli.Commands;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;

namespace CommerceServices.Cli.Tests.Commands;

public sealed class KeysCommandsTests(PlatformFixture platform) : IClassFixture<PlatformFixture>, IDisposable
{
    private readonly DirectoryInfo _files = Directory.CreateTempSubdirectory("cs-cli-keys-");

    public void Dispose() => _files.Delete(recursive: true);

    [Fact]
    public async Task Create_PlatformMadePair_PrintsTheApiKeyAndAUsablePkcs8PrivateKey()
    {
        var id = await platform.NewAccountAsync();

        var issued = await platform.JsonAsync("keys", "create", "--account", id, "--environment", "sandbox");

        var apiKey = issued["apiKey"]!.GetValue<string>();
        Assert.True(ApiKeyFormat.Check(apiKey).IsValid, apiKey);
        Assert.StartsWith(ApiKeyFormat.SandboxPrefix, apiKey, StringComparison.Ordinal);
        Assert.Equal("sandbox", issued["environment"]!.GetValue<string>());
        Assert.Equal("active", issued["status"]!.GetValue<string>());
        var privateKey = issued["privateKey"]!.GetValue<string>();
        Assert.StartsWith(RsaPem.Pkcs8PrivateKeyBegin, privateKey, StringComparison.Ordinal);
        using var rsa = RSA.Create();
        rsa.ImportFromPem(privateKey);
        Assert.Equal(2048, rsa.KeySize);
    }

    [Fact]
    public async Task Create_WithOwnPublicKeyFile_RegistersItAndPrintsNoPrivateKey()
    {
        var id = await platform.NewAccountAsync();
        using var rsa = RSA.Create(2048);
        var file = Path.Combine(_files.FullName, "instance.pub.pem");
        await File.WriteAllTextAsync(file, rsa.ExportSubjectPublicKeyInfoPem());

        var run = (await platform.RunAsync("keys", "create", "--account", id, "--environment", "production",
            "--public-key-file", file, "--json")).Expect(ExitCodes.Ok);

        Assert.StartsWith(ApiKeyFormat.ProductionPrefix, run.Json["apiKey"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("uploaded", run.Json["origin"]!.GetValue<string>());
        Assert.Null(run.Json["privateKey"]);
        Assert.DoesNotContain("PRIVATE KEY", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_ForPeople_ShowsTheApiKeyAndWarnsThatThePrivateKeyIsShownOnlyOnce()
    {
        var id = await platform.NewAccountAsync();

        var run = (await platform.RunAsync("keys", "create", "--account", id, "--environment", "sandbox")).Expect(ExitCodes.Ok);

        Assert.Matches(@"API key\s+cs_sbx_\w{38}", run.Stdout);
        Assert.Contains("WARNING: The private key is shown only this once", run.Stdout, StringComparison.Ordinal);
        Assert.Contains(RsaPem.Pkcs8PrivateKeyBegin, run.Stdout, StringComparison.Ordinal);
        Assert.Contains("-----END PRIVATE KEY-----", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithPrivateKeyOut_WritesTheKeyToANewOwnerOnlyFileAndNotToStdout()
    {
        var id = await platform.NewAccountAsync();
        var file = Path.Combine(_files.FullName, "sandbox.key.pem");

        var run = (await platform.RunAsync("keys", "create", "--account", id, "--environment", "sandbox",
            "--private-key-out", file, "--json")).Expect(ExitCodes.Ok);

        var pem = await File.ReadAllTextAsync(file);
        Assert.StartsWith(RsaPem.Pkcs8PrivateKeyBegin, pem, StringComparison.Ordinal);
        Assert.Null(run.Json["privateKey"]);
        Assert.Equal(file, run.Json["privateKeyFile"]!.GetValue<string>());
        Assert.DoesNotContain("PRIVATE KEY", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(PemBodyLines(pem).First(), run.Stdout, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    public async Task Create_WithPrivateKeyOut_RefusesAnExistingFileBeforeMakingAPair()
    {
        var id = await platform.NewAccountAsync();
        var file = Path.Combine(_files.FullName, "existing.pem");
        await File.WriteAllTextAsync(file, "keep me");

        var run = await platform.RunAsync("keys", "create", "--account", id, "--environment", "sandbox", "--private-key-out", file);

        run.ExpectError(ExitCodes.Usage, CliError.InvalidFileCode);
        Assert.Equal("keep me", await File.ReadAllTextAsync(file));
        Assert.Empty((await platform.JsonAsync("keys", "list", "--account", id)).AsArray());
    }

    [Fact]
    public async Task List_ShowsEachPairsStatus_AsJsonAndAsATable()
    {
        var id = await platform.NewAccountAsync();
        var replaced = await CreateAsync(id, "sandbox");
        var sandbox = await CreateAsync(id, "sandbox");
        var production = await CreateAsync(id, "production");

        var keys = await platform.JsonAsync("keys", "list", "--account", id);
        var table = (await platform.RunAsync("keys", "list", "--account", id)).Expect(ExitCodes.Ok);

        Assert.Equal("revoked", StatusOf(keys, replaced));
        Assert.Equal("active", StatusOf(keys, sandbox));
        Assert.Equal("active", StatusOf(keys, production));
        foreach (var key in keys.AsArray())
        {
            Assert.Null(key!["privateKey"]);
            foreach (var field in new[] { "apiKey", "environment", "status", "createdAt" })
            {
                Assert.NotNull(key[field]);
            }

            Assert.True(key.AsObject().ContainsKey("expiresAt") && key.AsObject().ContainsKey("lastUsedAt"), key.ToJsonString());
        }

        Assert.Matches($@"{sandbox}\s*│\s*sandbox\s*│\s*active", table.Stdout);
        Assert.Matches($@"{replaced}\s*│\s*sandbox\s*│\s*revoked", table.Stdout);
    }

    [Fact]
    public async Task Roll_WithGrace_KeepsTheOldKeyExpiringUntilTheGraceEndsThenRevoked()
    {
        var id = await platform.NewAccountAsync();
        var old = await CreateAsync(id, "production");

        var rolled = await platform.JsonAsync("keys", "roll", "--account", id, "--environment", "production", "--grace", "2s");
        var rolledAt = DateTimeOffset.UtcNow;
        var during = await platform.JsonAsync("keys", "list", "--account", id);

        var newKey = rolled["apiKey"]!.GetValue<string>();
        Assert.NotEqual(old, newKey);
        Assert.StartsWith(RsaPem.Pkcs8PrivateKeyBegin, rolled["privateKey"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(old, rolled["previous"]!["apiKey"]!.GetValue<string>());
        Assert.Equal("expiring", rolled["previous"]!["status"]!.GetValue<string>());
        Assert.NotNull(rolled["previous"]!["expiresAt"]);
        if (DateTimeOffset.UtcNow - rolledAt < TimeSpan.FromSeconds(1.5))
        {
            Assert.Equal("expiring", StatusOf(during, old));
        }

        Assert.Equal("active", StatusOf(during, newKey));

        var expiresAt = DateTimeOffset.Parse(rolled["previous"]!["expiresAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        var wait = expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(300);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        var after = await platform.JsonAsync("keys", "list", "--account", id);
        Assert.Equal("revoked", StatusOf(after, old));
        Assert.Equal("active", StatusOf(after, newKey));
    }

    [Fact]
    public async Task Roll_ForPeople_ShowsWhenThePreviousKeyStopsWorking()
    {
        var id = await platform.NewAccountAsync();
        var old = await CreateAsync(id, "sandbox");

        var run = (await platform.RunAsync("keys", "roll", "--account", id, "--environment", "sandbox", "--grace", "1h")).Expect(ExitCodes.Ok);

        Assert.Contains($"Previous key {old} keeps working until ", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("WARNING: The private key is shown only this once", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("10")]
    [InlineData("5w")]
    public async Task Roll_WithABadGraceString_IsAUsageErrorThatSendsNothing(string grace)
    {
        var run = await platform.RunAsync("keys", "roll", "--account", "acc_any", "--environment", "sandbox", "--grace", grace, "--json");

        run.ExpectError(ExitCodes.Usage, "usage_error");
        Assert.Contains($"'{grace}' is not a valid --grace duration", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Roll_WithAGraceOutOfTheAllowedRange_IsRefusedWithInvalidGracePeriod()
    {
        var id = await platform.NewAccountAsync();
        await CreateAsync(id, "sandbox");

        var run = await platform.RunAsync("keys", "roll", "--account", id, "--environment", "sandbox", "--grace", "30d");

        run.ExpectError(ExitCodes.Refused, ProblemCodes.InvalidGracePeriod);
    }

    [Fact]
    public async Task Delete_RevokesTheKeyAtOnce()
    {
        var id = await platform.NewAccountAsync();
        var key = await CreateAsync(id, "sandbox");

        var deleted = await platform.JsonAsync("keys", "delete", "--account", id, "--api-key", key);
        var keys = await platform.JsonAsync("keys", "list", "--account", id);

        Assert.Equal(key, deleted["apiKey"]!.GetValue<string>());
        Assert.Equal("revoked", StatusOf(keys, key));
        Assert.NotNull(keys.AsArray().Single(k => k!["apiKey"]!.GetValue<string>() == key)!["revokedAt"]);
    }

    [Fact]
    public async Task Delete_UnknownKey_IsRefusedWithKeyNotFound()
    {
        var id = await platform.NewAccountAsync();

        var run = await platform.RunAsync("keys", "delete", "--account", id, "--api-key", ApiKeyFormat.Generate(GatewayEnvironment.Sandbox));

        run.ExpectError(ExitCodes.Refused, ProblemCodes.KeyNotFound);
    }

    [Fact]
    public async Task Create_UnknownEnvironment_IsRefusedWithInvalidEnvironment()
    {
        var id = await platform.NewAccountAsync();

        var run = await platform.RunAsync("keys", "create", "--account", id, "--environment", "staging", "--json");

        run.ExpectError(ExitCodes.Refused, ProblemCodes.InvalidEnvironment);
    }

    [Fact]
    public async Task Create_MalformedPemFile_IsRefusedWithMalformedPublicKey()
    {
        var id = await platform.NewAccountAsync();
        var file = Path.Combine(_files.FullName, "broken.pem");
        await File.WriteAllTextAsync(file, "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n");

        var run = await platform.RunAsync("keys", "create", "--account", id, "--environment", "sandbox", "--public-key-file", file);

        run.ExpectError(ExitCodes.Refused, ProblemCodes.MalformedPublicKey);
    }

    [Fact]
    public async Task Create_MissingPublicKeyFile_IsAUsageError()
    {
        var run = await platform.RunAsync("keys", "create", "--account", "acc_any", "--environment", "sandbox",
            "--public-key-file", Path.Combine(_files.FullName, "absent.pem"));

        run.ExpectError(ExitCodes.Usage, CliError.InvalidFileCode);
    }

    [Fact]
    public async Task Create_ForUnknownAccount_IsRefusedWithAccountNotFound()
    {
        var run = await platform.RunAsync("keys", "create", "--account", "acc_nobody", "--environment", "sandbox", "--json");

        run.ExpectError(ExitCodes.Refused, ProblemCodes.AccountNotFound);
        Assert.DoesNotContain("PRIVATE KEY", run.Stdout, StringComparison.Ordinal);
    }

    internal static IEnumerable<string> PemBodyLines(string pem) =>
        pem.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("-----", StringComparison.Ordinal));

    private async Task<string> CreateAsync(string accountId, string environment) =>
        (await platform.JsonAsync("keys", "create", "--account", accountId, "--environment", environment))["apiKey"]!.GetValue<string>();

    private static string? StatusOf(JsonNode keys, string apiKey) =>
        keys.AsArray().Single(k => k!["apiKey"]!.GetValue<string>() == apiKey)!["status"]!.GetValue<string>();
}
