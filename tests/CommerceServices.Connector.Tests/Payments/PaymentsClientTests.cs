using System.Collections.Concurrent;
using CommerceServices.Connector.Payments;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Payments;
using CommerceServices.Testing;

namespace CommerceServices.Connector.Tests.Payments;

/// <summary><c>AddCommerceServicesPayments</c>: the typed client, signed by the connector, against a real platform.</summary>
public sealed class PaymentsClientTests(ConnectorFixture platform) : IClassFixture<ConnectorFixture>, IDisposable
{
    private readonly TempStore _temp = new();

    public void Dispose() => _temp.Dispose();

    internal static AuthorizePaymentRequest Payment(string card = "4111111111111111", long amount = 2500, string reference = "order-1") =>
        new(reference, amount, "EUR", new CardDetails(card, 12, 2034, "737"));

    [Fact]
    public async Task TheWholeLifecycle_GoesThroughTheTypedClient()
    {
        await using var shop = await SandboxShopAsync();
        var payments = shop.Payments;

        var authorized = await payments.AuthorizeAsync(Payment(amount: 2500));
        var id = authorized.Payment!.Id;
        var captured = await payments.CaptureAsync(id, 2000);
        var refunded = await payments.RefundAsync(id, 500);
        var read = await payments.GetAsync(id);
        var listed = await payments.ListAsync(new PaymentListFilter(Status: PaymentStatuses.PartiallyRefunded));
        var voidable = await payments.AuthorizeAsync(Payment(reference: "order-2"));
        var voided = await payments.VoidAsync(voidable.Payment!.Id);

        Assert.True(authorized.Success, authorized.Message);
        Assert.Equal(("visa", "1111"), (authorized.Payment.Card!.Brand, authorized.Payment.Card.Last4));
        Assert.Equal(2000, captured.Payment!.CapturedAmount);
        Assert.Equal(PaymentStatuses.PartiallyRefunded, refunded.Payment!.Status);
        Assert.Equal(500, read.Payment!.RefundedAmount);
        Assert.Equal([id], listed.Value!.Data.Select(p => p.Id));
        Assert.Equal(PaymentStatuses.Voided, voided.Payment!.Status);
    }

    [Fact]
    public async Task DeclinesAndRefusals_AreResultsWithThePlatformsCodes_NotExceptions()
    {
        await using var shop = await SandboxShopAsync();

        var declined = await shop.Payments.AuthorizeAsync(Payment(card: "4000000000009995"));
        var authorized = await shop.Payments.AuthorizeAsync(Payment());
        var refundBeforeCapture = await shop.Payments.RefundAsync(authorized.Payment!.Id, 100);
        var unknown = await shop.Payments.GetAsync("pay_doesnotexist");
        var luhn = await shop.Payments.AuthorizeAsync(Payment(card: "4242424242424241"));

        Assert.False(declined.Success);
        Assert.True(declined.Declined);
        Assert.Equal(ProblemCodes.CardDeclined, declined.Code);
        Assert.Equal(DeclineReasons.InsufficientFunds, declined.Payment!.DeclineReason);
        Assert.Equal(ProblemCodes.InvalidPaymentState, refundBeforeCapture.Code);
        Assert.Equal(409, refundBeforeCapture.Failure!.Status);
        Assert.Equal(ProblemCodes.PaymentNotFound, unknown.Code);
        Assert.Equal(ProblemCodes.InvalidRequest, luhn.Code);
        Assert.Contains("card.number", luhn.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EachOperationSendsItsOwnIdempotencyKey_AndTheCallersKeyMakesARepeatSafe()
    {
        await using var shop = await SandboxShopAsync();

        var one = await shop.Payments.AuthorizeAsync(Payment());
        var two = await shop.Payments.AuthorizeAsync(Payment());
        var mine = await shop.Payments.AuthorizeAsync(Payment(reference: "order-9"), idempotencyKey: "order-9/authorize");
        var mineAgain = await shop.Payments.AuthorizeAsync(Payment(reference: "order-9"), idempotencyKey: "order-9/authorize");

        Assert.NotEqual(one.IdempotencyKey, two.IdempotencyKey);
        Assert.NotEqual(one.Payment!.Id, two.Payment!.Id);
        Assert.Equal("order-9/authorize", mine.IdempotencyKey);
        Assert.Equal(mine.Payment!.Id, mineAgain.Payment!.Id);
        Assert.Equal(3, (await shop.Payments.ListAsync()).Value!.Data.Count);
    }

    [Fact]
    public async Task AnAnswerLostOnTheWay_IsRetriedWithTheSameKey_AndChargesOnce()
    {
        var lost = new LoseFirstAnswer();
        await using var shop = await SandboxShopAsync(lost);

        var authorized = await shop.Payments.AuthorizeAsync(Payment());

        Assert.True(authorized.Success, authorized.Message);
        Assert.True(lost.Keys.Count >= 2, "the request was not retried");
        Assert.Single(lost.Keys.Distinct());
        Assert.Single((await shop.Payments.ListAsync()).Value!.Data);
    }

    /// <summary>A shop bound to a new testing data space, with the connector and the payments client as its app registers them.</summary>
    private async Task<Shop> SandboxShopAsync(DelegatingHandler? innermost = null)
    {
        var account = await platform.NewAccountAsync();
        var (apiKey, privateKey) = await platform.NewKeyAsync(account, GatewayEnvironment.Sandbox);
        var dataSpace = await platform.NewDataSpaceAsync(account, "testing");
        var store = Path.Combine(_temp.Path, Guid.NewGuid().ToString("N"));
        await using (var test = platform.NewConnector(store))
        {
            var saved = await test.Connector.ConfigureAsync(new ConnectorChange
                { Environment = GatewayEnvironment.Sandbox, ApiKey = apiKey, PrivateKeyPem = privateKey, DataSpaceId = dataSpace });
            Assert.True(saved.Success, saved.Message);
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CommerceServices:StoreDirectory"] = store,
            ["CommerceServices:SandboxGatewayUrl"] = platform.Host.SandboxGatewayUrl.ToString(),
            ["CommerceServices:ProductionGatewayUrl"] = platform.Host.ProductionGatewayUrl.ToString(),
            ["CommerceServices:RetryDelay"] = "00:00:00.050",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddCommerceServicesConnector(configuration).AddCommerceServicesPayments();
        if (innermost is not null)
        {
            services.AddHttpClient<PaymentsClient>().AddHttpMessageHandler(() => innermost);
        }

        return new Shop(services.BuildServiceProvider());
    }

    private sealed class Shop(ServiceProvider services) : IAsyncDisposable
    {
        public PaymentsClient Payments { get; } = services.GetRequiredService<PaymentsClient>();

        public ValueTask DisposeAsync() => services.DisposeAsync();
    }

    /// <summary>Lets the first POST reach the platform, then loses its answer, as a dropped connection would.</summary>
    private sealed class LoseFirstAnswer : DelegatingHandler
    {
        public ConcurrentQueue<string> Keys { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Post)
            {
                Keys.Enqueue(request.Headers.GetValues(GatewayHeaders.IdempotencyKey).Single());
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Post && Keys.Count == 1)
            {
                response.Dispose();
                throw new HttpRequestException("The connection was reset before the answer arrived.");
            }

            return response;
        }
    }
}
