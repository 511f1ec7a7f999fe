using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CommerceServices.Connector.Tests;

/// <summary>The connector's settings are checked when the app starts; a bad one is named, never clamped.</summary>
public sealed class CommerceServicesConnectorOptionsTests
{
    [Theory]
    [InlineData("MaxRetries", "50", "CommerceServices:MaxRetries must be from 0 to 10; 50 is not.")]
    [InlineData("RetryDelay", "00:00:00", "CommerceServices:RetryDelay must be a time span above zero")]
    [InlineData("AttemptTimeout", "01:00:00", "CommerceServices:AttemptTimeout must be a time span from 10 ms to 5 minutes")]
    [InlineData("Environment", "staging", "CommerceServices:Environment must be 'sandbox' or 'production'; 'staging' is not.")]
    [InlineData("SandboxGatewayUrl", "ftp://gateway.test/", "CommerceServices:SandboxGatewayUrl must be an absolute http:// or https:// URL")]
    [InlineData("TotalTimeout", "00:00:05", "CommerceServices:TotalTimeout must be longer than AttemptTimeout (00:00:10)")]
    [InlineData("BreakFailureRatio", "1.5", "CommerceServices:BreakFailureRatio must be above 0 and at most 1, such as 0.5; 1.5 is not.")]
    [InlineData("BreakMinimumThroughput", "1", "CommerceServices:BreakMinimumThroughput must be from 2 to 10000; 1 is not.")]
    [InlineData("BreakDuration", "00:00:00.100", "CommerceServices:BreakDuration must be a time span from 500 ms to an hour")]
    public void ABadSetting_IsRefused_WithASentenceNamingTheKey(string key, string value, string sentence)
    {
        using var services = Services(key, value);

        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<CommerceServicesConnectorOptions>>().Value);

        Assert.Contains(sentence, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoRetries_IsAValidChoice_AndThePipelineIsBuiltWithIt()
    {
        using var services = Services("MaxRetries", "0");

        Assert.Equal(0, services.GetRequiredService<IOptions<CommerceServicesConnectorOptions>>().Value.MaxRetries);
        using var handler = services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(RegistryClient.HttpClientName);
        Assert.NotNull(handler);
    }

    private static ServiceProvider Services(string key, string value)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"CommerceServices:{key}"] = value, ["CommerceServices:StoreDirectory"] = Path.GetTempPath() })
            .Build();
        return new ServiceCollection().AddCommerceServicesConnector(configuration).BuildServiceProvider();
    }
}
