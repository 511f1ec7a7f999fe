using System.Text.Json.Nodes;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Events;
using CommerceServices.Protocol.Payments;
using CommerceServices.Protocol.Webhooks;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Platform.Tests.Payments;

/// <summary>
/// Every payment change records one event, in the transaction of the change: its type, account, environment, data space,
/// the payment as the API answered it, and a position among the payment's events.
/// </summary>
public abstract class EventOutboxTests(PlatformFixture fixture)
{
    private PlatformHost Platform => fixture.Host;

    public sealed class OnSqlite(SqlitePlatform fixture) : EventOutboxTests(fixture), IClassFixture<SqlitePlatform>;

    public sealed class OnPostgreSql(PostgresPlatform fixture) : EventOutboxTests(fixture), IClassFixture<PostgresPlatform>;

    [Fact]
    public async Task APaymentsLife_IsOneEventPerChange_InOrder_EachWithThePaymentAsTheApiAnsweredIt()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        var answers = new List<string>();
        var authorized = await merchant.AuthorizeAsync(dataSpace, Merchant.Payment(amount: 1000));
        answers.Add(await authorized.Content.ReadAsStringAsync());
        var id = JsonNode.Parse(answers[0])!["id"]!.GetValue<string>();
        foreach (var (path, body) in new (string, object?)[] { ("capture", null), ("refunds", new { amount = 400 }), ("refunds", new { amount = 600 }) })
        {
            answers.Add(await (await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/{path}", body)).Content.ReadAsStringAsync());
        }

        var events = await EventsAsync(id);

        Assert.Equal([WebhookEventTypes.PaymentAuthorized, WebhookEventTypes.PaymentCaptured, WebhookEventTypes.PaymentRefunded, WebhookEventTypes.PaymentRefunded],
            events.Select(e => e.Type));
        Assert.Equal(answers, events.Select(e => e.Data));
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
        Assert.All(events, e =>
        {
            Assert.Equal(merchant.Account, e.AccountId);
            Assert.Equal("sandbox", e.Environment);
            Assert.Equal(dataSpace, e.DataSpaceId);
            Assert.StartsWith("evt_", e.Id);
        });
        Assert.Equal(PaymentStatuses.Refunded, JsonNode.Parse(events[^1].Data)!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task ADeclineAndAVoid_AreEventsToo_AndARefusedCallIsNone()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        var declined = (await merchant.AuthorizedAsync(dataSpace, card: Cards.DoNotHonour))["id"]!.GetValue<string>();
        var voided = (await merchant.AuthorizedAsync(dataSpace))["id"]!.GetValue<string>();

        await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{voided}/void");
        await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{voided}/capture"); // refused: voided
        await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{declined}/capture"); // refused: declined

        Assert.Equal([WebhookEventTypes.PaymentDeclined], (await EventsAsync(declined)).Select(e => e.Type));
        Assert.Equal([WebhookEventTypes.PaymentAuthorized, WebhookEventTypes.PaymentVoided], (await EventsAsync(voided)).Select(e => e.Type));
    }

    [Fact]
    public async Task TheOutbox_AddsToTheCallersTransaction_AndNumbersASubjectsEvents()
    {
        await using var scope = Platform.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var outbox = scope.ServiceProvider.GetRequiredService<EventOutbox>();
        var subject = $"key_{Guid.NewGuid():N}";

        await using (var rolledBack = await db.Database.BeginTransactionAsync())
        {
            await outbox.AddAsync("key.created", "acc_x", "sandbox", null, subject, new { id = subject }, DateTimeOffset.UtcNow);
            await db.SaveChangesAsync();
            await rolledBack.RollbackAsync();
        }

        db.ChangeTracker.Clear();
        await outbox.AddAsync("key.created", "acc_x", "sandbox", null, subject, new { id = subject }, DateTimeOffset.UtcNow);
        await db.SaveChangesAsync();
        await outbox.AddAsync("key.rolled", "acc_x", "sandbox", null, subject, new { id = subject, rolled = true }, DateTimeOffset.UtcNow);
        await db.SaveChangesAsync();

        var events = await db.OutboxEvents.AsNoTracking().Where(e => e.SubjectId == subject).OrderBy(e => e.Sequence).ToListAsync();
        Assert.Equal([("key.created", 1L), ("key.rolled", 2L)], events.Select(e => (e.Type, e.Sequence)));
        Assert.Equal("""{"id":"SUBJECT","rolled":true}""".Replace("SUBJECT", subject), events[1].Data);
    }

    private async Task<List<OutboxEvent>> EventsAsync(string paymentId)
    {
        await using var scope = Platform.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().OutboxEvents.AsNoTracking()
            .Where(e => e.SubjectId == paymentId).OrderBy(e => e.Sequence).ToListAsync();
    }
}
