using System.Diagnostics;
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
/// The sandbox processor, the reference implementation of <see cref="IPaymentProcessor"/>, tested as if it were remote:
/// it keeps its books by operation key, answers a repeated key with the first result, refuses what arrives after its
/// deadline, tells what happened to a key, and — slow, failing or losing its answers as configured — never makes the
/// platform move money twice or lose it.
/// </summary>
public sealed class SandboxProcessorTests
{
    [Fact]
    public async Task AKeySentAgain_GetsTheFirstResult_AndIsDoneOnce()
    {
        await using var platform = await PlatformHost.StartAsync();
        var sandbox = platform.Services.GetRequiredService<SandboxProcessor>();
        var key = $"pay_test/authorize/{Guid.NewGuid():N}";
        var authorization = new ProcessorAuthorization(key, DateTimeOffset.UtcNow.AddMinutes(1), "order-1", 100, "EUR", "4111111111111111", 12, 2034, "737");

        var first = await sandbox.AuthorizeAsync(authorization, CancellationToken.None);
        var again = await sandbox.AuthorizeAsync(authorization with { CardNumber = "4000000000000002" }, CancellationToken.None);
        var asked = await sandbox.GetOperationAsync(key, CancellationToken.None);

        Assert.Equal(ProcessorOutcome.Approved, first.Outcome);
        Assert.Equal(first, again);
        Assert.Equal(first, asked);
        Assert.Equal(1, await CountAsync(platform, key));
    }

    [Fact]
    public async Task AnOperationReceivedAfterItsDeadline_IsRefusedAndNeverDone_AndAnUnknownKeyWasNeverReceived()
    {
        await using var platform = await PlatformHost.StartAsync();
        var sandbox = platform.Services.GetRequiredService<SandboxProcessor>();
        var key = $"pay_test/capture/{Guid.NewGuid():N}";

        var late = await sandbox.CaptureAsync(new ProcessorCapture(key, DateTimeOffset.UtcNow.AddSeconds(-1), "sbx_ref", 100, "EUR"), CancellationToken.None);
        var thenInTime = await sandbox.CaptureAsync(new ProcessorCapture(key, DateTimeOffset.UtcNow.AddMinutes(1), "sbx_ref", 100, "EUR"), CancellationToken.None);
        var unknown = await sandbox.GetOperationAsync("pay_test/capture/never-sent", CancellationToken.None);

        Assert.Equal(ProcessorOutcome.Failed, late.Outcome);
        Assert.Equal(ProcessorOutcome.Failed, thenInTime.Outcome);
        Assert.Equal(ProcessorOutcome.NotReceived, unknown.Outcome);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task EveryAnswerLost_ThePlatformAsksWhatHappened_AndRecordsItOnce(StorageProvider provider)
    {
        await using var platform = await PlatformHost.StartAsync(provider, new Dictionary<string, string?> { ["Payments:Sandbox:LostAnswerRate"] = "1" });
        var merchant = await Merchant.CreateAsync(platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");

        var authorized = await merchant.AuthorizeAsync(dataSpace, Merchant.Payment(), Guid.NewGuid().ToString());
        var id = (await authorized.ReadNodeAsync())["id"]!.GetValue<string>();
        var captured = await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/capture", null, Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.Created, authorized.StatusCode);
        Assert.Equal(HttpStatusCode.OK, captured.StatusCode);
        Assert.Equal(PaymentStatuses.Captured, (await captured.ReadNodeAsync())["status"]!.GetValue<string>());
        Assert.Equal(2, await CountAsync(platform, id + "/"));
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task AProcessorOutage_FailsTheAuthorization_WithAStoredAnswer_AndNoMoneyMoved(StorageProvider provider)
    {
        await using var platform = await PlatformHost.StartAsync(provider, new Dictionary<string, string?> { ["Payments:Sandbox:FailureRate"] = "1" });
        var merchant = await Merchant.CreateAsync(platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        var key = Guid.NewGuid().ToString();

        var failed = await merchant.AuthorizeAsync(dataSpace, Merchant.Payment(), key);
        var retry = await merchant.AuthorizeAsync(dataSpace, Merchant.Payment(), key);

        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        var problem = await failed.ReadNodeAsync();
        Assert.Equal(ProblemCodes.ProcessorFailed, problem["code"]!.GetValue<string>());
        var id = problem["paymentId"]!.GetValue<string>();
        Assert.Equal(await failed.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(PaymentStatuses.Failed, (await (await merchant.GetAsync(dataSpace, $"/payments/v1/payments/{id}")).ReadNodeAsync())["status"]!.GetValue<string>());
        Assert.Equal(0, await CountAsync(platform, id + "/"));
        await using var scope = platform.Services.CreateAsyncScope();
        Assert.Equal([WebhookEventTypes.PaymentFailed], await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().OutboxEvents
            .Where(e => e.SubjectId == id).Select(e => e.Type).ToListAsync());
    }

    [Fact]
    public async Task Latency_IsSpentOnTheWayThereAndBack_OutsideAnyTransaction()
    {
        await using var platform = await PlatformHost.StartAsync(settings: new Dictionary<string, string?> { ["Payments:Sandbox:Latency"] = "00:00:00.300" });
        var merchant = await Merchant.CreateAsync(platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");

        var watch = Stopwatch.StartNew();
        var slow = merchant.AuthorizeAsync(dataSpace, Merchant.Payment(reference: "slow"));
        await Task.Delay(100);
        // While the sandbox thinks, other payments of the data space are read and listed: no lock waits for it.
        var listed = await merchant.ListAsync(dataSpace);
        var response = await slow;

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(600), $"took {watch.Elapsed}");
        Assert.DoesNotContain(listed, p => p!["status"]!.GetValue<string>() != PaymentStatuses.Pending);
    }

    private static async Task<int> CountAsync(PlatformHost platform, string keyPrefix)
    {
        await using var scope = platform.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().SandboxProcessorOperations.CountAsync(o => o.Key.StartsWith(keyPrefix));
    }
}
