using CommerceServices.Cli;
using CommerceServices.Cli.Tests;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Payments;
using CommerceServices.Testing;

namespace CommerceServices.Connector.Tests.Payments;

/// <summary><c>commerce-services payments list | get --store DIR</c> through the real binary, against a real platform.</summary>
public sealed class PaymentsCommandsTests(ConnectorFixture platform) : IClassFixture<ConnectorFixture>, IDisposable
{
    private readonly TempStore _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ListAndGet_ShowTheInstancesPayments_AsJsonAndAsATable()
    {
        var ids = await SandboxStoreWithPaymentsAsync();

        var list = (await Cli("payments", "list", "--store", _temp.Store, "--json")).Expect(ExitCodes.Ok).Json;
        var captured = (await Cli("payments", "list", "--store", _temp.Store, "--status", "captured", "--json")).Expect(ExitCodes.Ok).Json;
        var paged = (await Cli("payments", "list", "--store", _temp.Store, "--limit", "1", "--json")).Expect(ExitCodes.Ok).Json;
        var one = (await Cli("payments", "get", ids[0], "--store", _temp.Store, "--json")).Expect(ExitCodes.Ok).Json;
        var table = (await Cli("payments", "list", "--store", _temp.Store)).Expect(ExitCodes.Ok).Stdout;
        var details = (await Cli("payments", "get", ids[0], "--store", _temp.Store)).Expect(ExitCodes.Ok).Stdout;

        Assert.Equal(ids.Order(), list["data"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()).Order());
        Assert.Equal([ids[0]], captured["data"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()));
        Assert.Single(paged["data"]!.AsArray());
        Assert.NotNull(paged["nextCursor"]);
        Assert.Equal(PaymentStatuses.Captured, one["status"]!.GetValue<string>());
        Assert.Equal("1111", one["card"]!["last4"]!.GetValue<string>());
        Assert.Contains(ids[1], table, StringComparison.Ordinal);
        Assert.Contains("12.50 EUR", table, StringComparison.Ordinal);
        Assert.Contains("visa •••• 1111", details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Money_IsShownInOneFormat_AmountCapturedRefundedAlike()
    {
        var ids = await SandboxStoreWithPaymentsAsync();

        var table = (await Cli("payments", "list", "--store", _temp.Store)).Expect(ExitCodes.Ok).Stdout;
        var details = (await Cli("payments", "get", ids[0], "--store", _temp.Store)).Expect(ExitCodes.Ok).Stdout;

        var captured = table.Split('\n').Single(l => l.Contains(ids[0], StringComparison.Ordinal));
        Assert.Equal(2, captured.Split("12.50 EUR").Length - 1); // the amount and what was captured
        Assert.Contains("0.00 EUR", captured, StringComparison.Ordinal); // nothing refunded
        Assert.DoesNotContain("1250", table, StringComparison.Ordinal);
        Assert.Contains("9.90 EUR", table, StringComparison.Ordinal);
        Assert.DoesNotContain("1250", details, StringComparison.Ordinal);
        Assert.Matches(@"captured\s+12\.50 EUR", details);
        Assert.Matches(@"refunded\s+0\.00 EUR", details);
    }

    [Fact]
    public async Task Refusals_CarryThePlatformsCode_AndAMissingStoreIsAUsageError()
    {
        await SandboxStoreWithPaymentsAsync();

        var unknown = await Cli("payments", "get", "pay_doesnotexist", "--store", _temp.Store);
        var badStatus = await Cli("payments", "list", "--store", _temp.Store, "--status", "paid");
        var noStore = await Cli("payments", "list", "--store", Path.Combine(_temp.Path, "typo"));

        unknown.ExpectError(ExitCodes.Refused, ProblemCodes.PaymentNotFound);
        badStatus.ExpectError(ExitCodes.Refused, ProblemCodes.InvalidRequest);
        noStore.ExpectError(ExitCodes.Usage, CliError.UsageErrorCode);
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, "typo")));
    }

    private static Task<CliRun> Cli(params string[] arguments) => CliRunner.RunAsync(arguments);

    /// <summary>A sandbox store bound to a testing data space holding a captured and an authorized payment.</summary>
    private async Task<string[]> SandboxStoreWithPaymentsAsync()
    {
        var account = await platform.NewAccountAsync();
        var (apiKey, privateKey) = await platform.NewKeyAsync(account, GatewayEnvironment.Sandbox);
        var dataSpace = await platform.NewDataSpaceAsync(account, "testing");
        await using var test = platform.NewConnector(_temp.Store);
        var saved = await test.Connector.ConfigureAsync(new ConnectorChange
            { Environment = GatewayEnvironment.Sandbox, ApiKey = apiKey, PrivateKeyPem = privateKey, DataSpaceId = dataSpace,
              SandboxGatewayUrl = platform.Host.SandboxGatewayUrl });
        Assert.True(saved.Success, saved.Message);
        var payments = new ServiceCollection().AddLogging()
            .AddCommerceServicesConnector(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["CommerceServices:StoreDirectory"] = _temp.Store,
            }).Build())
            .AddCommerceServicesPayments().BuildServiceProvider();
        await using var _ = payments;
        var client = payments.GetRequiredService<CommerceServices.Connector.Payments.PaymentsClient>();
        var first = await client.AuthorizeAsync(PaymentsClientTests.Payment(amount: 1250, reference: "order-1"));
        Assert.True((await client.CaptureAsync(first.Payment!.Id)).Success);
        var second = await client.AuthorizeAsync(PaymentsClientTests.Payment(amount: 990, reference: "order-2"));
        return [first.Payment.Id, second.Payment!.Id];
    }
}
