using System.Net;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Events;
using CommerceServices.Platform.Payments;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Payments;
using CommerceServices.Protocol.Webhooks;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Platform.Tests.Payments;

/// <summary>
/// Concurrent calls while the sandbox processor is slow (the phases overlap for real): identical requests make one
/// payment and one processor call; a capture racing a void has one winner at the processor; refunds in flight never
/// reserve more than was captured.
/// </summary>
public abstract class PaymentConcurrencyTests(PlatformFixture fixture)
{
    private PlatformHost Platform => fixture.Host;

    public sealed class OnSqlite(SlowSandboxOnSqlite fixture) : PaymentConcurrencyTests(fixture), IClassFixture<SlowSandboxOnSqlite>;

    public sealed class OnPostgreSql(SlowSandboxOnPostgreSql fixture) : PaymentConcurrencyTests(fixture), IClassFixture<SlowSandboxOnPostgreSql>;

    [Fact]
    public async Task TwentyConcurrentIdenticalAuthorizations_MakeOnePayment_OneProcessorCall_AndOneEvent()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => merchant.AuthorizeAsync(dataSpace, Merchant.Payment(), key)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Single((await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()))).Distinct());
        var id = Assert.Single(await merchant.ListAsync(dataSpace))!["id"]!.GetValue<string>();
        Assert.Single(await ProcessorKeysAsync(id));
        Assert.Equal([WebhookEventTypes.PaymentAuthorized], await EventTypesAsync(id));
    }

    [Fact]
    public async Task TwentyConcurrentIdenticalCaptures_CaptureOnceAtTheProcessor()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        var id = (await merchant.AuthorizedAsync(dataSpace))["id"]!.GetValue<string>();
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/capture", new { amount = 1500 }, key)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single((await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()))).Distinct());
        Assert.Single(await ProcessorKeysAsync(id, OperationKinds.Capture));
        Assert.Equal([WebhookEventTypes.PaymentAuthorized, WebhookEventTypes.PaymentCaptured], await EventTypesAsync(id));
    }

    [Fact]
    public async Task CaptureRacingVoid_HasOneWinner_AtTheProcessorToo()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");

        for (var round = 0; round < 4; round++)
        {
            var id = (await merchant.AuthorizedAsync(dataSpace, reference: $"race-{round}"))["id"]!.GetValue<string>();

            var results = await Task.WhenAll(
                merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/capture", null, Guid.NewGuid().ToString()),
                merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/void", null, Guid.NewGuid().ToString()));

            var winner = await Assert.Single(results, r => r.StatusCode == HttpStatusCode.OK).ReadNodeAsync();
            var loser = Assert.Single(results, r => r.StatusCode == HttpStatusCode.Conflict);
            Assert.Equal(ProblemCodes.InvalidPaymentState, await loser.ProblemCodeAsync());
            Assert.Equal(1, (await ProcessorKeysAsync(id, OperationKinds.Capture)).Count + (await ProcessorKeysAsync(id, OperationKinds.Void)).Count);
            var status = winner["status"]!.GetValue<string>();
            Assert.Equal(status, (await (await merchant.GetAsync(dataSpace, $"/payments/v1/payments/{id}")).ReadNodeAsync())["status"]!.GetValue<string>());
            Assert.Equal([WebhookEventTypes.PaymentAuthorized, status == PaymentStatuses.Captured ? WebhookEventTypes.PaymentCaptured : WebhookEventTypes.PaymentVoided],
                await EventTypesAsync(id));
        }
    }

    [Fact]
    public async Task RefundsInFlight_ReserveTheirAmounts_SoTheyNeverAddUpToMoreThanWasCaptured()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        var id = (await merchant.AuthorizedAsync(dataSpace, amount: 1000))["id"]!.GetValue<string>();
        await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/capture");

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/refunds", new { amount = 300 })));

        Assert.Equal(3, results.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.All(results.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        var stored = await (await merchant.GetAsync(dataSpace, $"/payments/v1/payments/{id}")).ReadNodeAsync();
        Assert.Equal(900, stored["refundedAmount"]!.GetValue<long>());
        Assert.Equal(3, (await ProcessorKeysAsync(id, OperationKinds.Refund)).Count);
        Assert.Equal(3, (await EventTypesAsync(id)).Count(t => t == WebhookEventTypes.PaymentRefunded));
    }

    private async Task<List<string>> ProcessorKeysAsync(string paymentId, string kind = OperationKinds.Authorize)
    {
        await using var scope = Platform.Services.CreateAsyncScope();
        var prefix = $"{paymentId}/{kind}/";
        return await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().SandboxProcessorOperations.AsNoTracking()
            .Where(o => o.Key.StartsWith(prefix)).Select(o => o.Key).ToListAsync();
    }

    private async Task<List<string>> EventTypesAsync(string paymentId)
    {
        await using var scope = Platform.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().OutboxEvents.AsNoTracking()
            .Where(e => e.SubjectId == paymentId).OrderBy(e => e.Sequence).Select(e => e.Type).ToListAsync();
    }
}

/// <summary>A platform whose sandbox processor takes 150 ms each way, so concurrent calls overlap at the processor.</summary>
public sealed class SlowSandboxOnSqlite : PlatformFixture
{
    protected override StorageProvider Provider => StorageProvider.Sqlite;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Payments:Sandbox:Latency"] = "00:00:00.150" };
}

public sealed class SlowSandboxOnPostgreSql : PlatformFixture
{
    protected override StorageProvider Provider => StorageProvider.PostgreSql;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Payments:Sandbox:Latency"] = "00:00:00.150" };
}
