using CommerceServices.Platform.Data;
using CommerceServices.Testing;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Tests.Hosting;

/// <summary>A bad setting stops the platform at start with a sentence naming its key; nothing is clamped silently.</summary>
public sealed class StartupValidationTests
{
    [Theory]
    [InlineData("Platform:PortalUrl", "https://127.0.0.1:5080", "Platform:PortalUrl must be an http URL")]
    [InlineData("Platform:DataDirectory", " ", "Platform:DataDirectory must name a folder")]
    [InlineData("Registry:BaseQuota:Production", "-1", "Registry:BaseQuota:Production must be a number of data spaces from 0 to 1000; -1 is not.")]
    [InlineData("Registry:EntitlementQuotas:shipping:Testing", "2", "Registry:EntitlementQuotas:shipping names no service of this platform")]
    [InlineData("Storage:ConnectionString", "Data Source=x.db;Bogus Keyword=1", "Storage:ConnectionString is not a valid Sqlite connection string")]
    [InlineData("Payments:ProcessorTimeout", "00:00:00", "Payments:ProcessorTimeout must be more than 0")]
    [InlineData("Payments:Sandbox:FailureRate", "1.5", "Payments:Sandbox:FailureRate must be a share from 0 to 1")]
    [InlineData("Payments:ClockSkew", "-00:00:01", "Payments:ClockSkew must be from 0 to 10 minutes")]
    public async Task ABadSetting_StopsTheStart_WithASentenceNamingTheKey(string key, string value, string sentence)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            PlatformHost.StartAsync(StorageProvider.Sqlite, new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(sentence, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgreSqlWithoutAConnectionString_StopsTheStart_SayingWhatToSet()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            PlatformHost.StartAsync(StorageProvider.Sqlite, new Dictionary<string, string?> { ["Storage:Provider"] = "PostgreSql" }));

        Assert.Contains("Storage:ConnectionString is required when Storage:Provider is PostgreSql", failure.Message, StringComparison.Ordinal);
    }
}
