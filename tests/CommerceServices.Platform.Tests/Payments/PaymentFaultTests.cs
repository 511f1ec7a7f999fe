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
/// Money moves exactly once whatever fails between the phases of a call: the process killed with SIGKILL after the intent
/// is recorded, after the processor answered, after the outcome is stored and before the answer is sent; the client
/// going away after the processor approved; the answer store failing. After a restart and a retry with the same key:
/// exactly one processor operation, the payment in its true state, the same answer to every retry, and one event.
/// Three classes per database, so that they run side by side: most of each case is waiting for a process or a deadline.
/// </summary>
public abstract class KilledAndRetriedPaymentTests(StorageProvider provider)
{
    public sealed class OnSqlite() : KilledAndRetriedPaymentTests(StorageProvider.Sqlite);

    public sealed class OnPostgreSql() : KilledAndRetriedPaymentTests(StorageProvider.PostgreSql);

    public static TheoryData<string, string> Kills()
    {
        var data = new TheoryData<string, string>();
        foreach (var boundary in new[] { FaultInjection.AfterIntent, FaultInjection.AfterProcessor, FaultInjection.AfterOutcome })
        {
            foreach (var kind in new[] { OperationKinds.Authorize, OperationKinds.Capture })
            {
                data.Add(boundary, kind);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Kills))]
    public async Task KilledAtABoundary_ThenRetriedWithTheSameKey_MovesMoneyOnce_AndAnswersTheSameEveryTime(string boundary, string kind)
    {
        await using var node = await PaymentNode.StartAsync(provider, PaymentFaults.Settings(), faultInjection: $"{boundary}:{kind}");
        var key = Guid.NewGuid().ToString();
        var paymentId = kind == OperationKinds.Capture ? await node.AuthorizedAsync() : null;
        var (path, body) = PaymentFaults.Call(kind, paymentId);

        var cut = node.SendAsync(HttpMethod.Post, path, body, key);
        Assert.True(await node.Process.WaitForOutputAsync(FaultInjection.Marker, TimeSpan.FromSeconds(60)), node.Process.Output);
        await node.KillAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => cut);
        await node.RestartAsync();

        var (first, firstBody) = await PaymentFaults.FinalAnswerAsync(node, path, body, key);
        var (second, secondBody) = await PaymentFaults.FinalAnswerAsync(node, path, body, key);

        Assert.Equal(kind == OperationKinds.Authorize ? HttpStatusCode.Created : HttpStatusCode.OK, first);
        Assert.Equal(first, second);
        Assert.Equal(firstBody, secondBody);
        paymentId ??= System.Text.Json.Nodes.JsonNode.Parse(firstBody)!["id"]!.GetValue<string>();
        var expected = kind == OperationKinds.Authorize ? PaymentStatuses.Authorized : PaymentStatuses.Captured;
        Assert.Equal(expected, (await node.PaymentAsync(paymentId))["status"]!.GetValue<string>());
        Assert.Single(await node.ProcessorOperationsAsync(paymentId, kind));
        Assert.Single(await node.EventTypesAsync(paymentId), kind == OperationKinds.Authorize ? WebhookEventTypes.PaymentAuthorized : WebhookEventTypes.PaymentCaptured);
        await using var db = node.Database();
        Assert.Single(await db.Payments.AsNoTracking().Where(p => p.DataSpaceId == node.DataSpace).ToListAsync());
    }
}

/// <summary>A process killed at a phase boundary and no retry: the recovery worker of the restarted node finishes the call.</summary>
public abstract class KilledAndRecoveredPaymentTests(StorageProvider provider)
{
    public sealed class OnSqlite() : KilledAndRecoveredPaymentTests(StorageProvider.Sqlite);

    public sealed class OnPostgreSql() : KilledAndRecoveredPaymentTests(StorageProvider.PostgreSql);

    public static TheoryData<string, string, string> Recoveries() => new()
    {
        // Never received by the processor and no retry to bring the card: failed once the deadline has passed.
        { FaultInjection.AfterIntent, OperationKinds.Authorize, PaymentStatuses.Failed },
        // Approved by the processor: recorded as the processor has it.
        { FaultInjection.AfterProcessor, OperationKinds.Authorize, PaymentStatuses.Authorized },
        // A capture is pushed through under its own key: done once, whether or not the processor had received it.
        { FaultInjection.AfterIntent, OperationKinds.Capture, PaymentStatuses.Captured },
        { FaultInjection.AfterProcessor, OperationKinds.Capture, PaymentStatuses.Captured },
    };

    [Theory]
    [MemberData(nameof(Recoveries))]
    public async Task KilledAtABoundary_WithNoRetry_IsFinishedByTheRecoveryWorker(string boundary, string kind, string expected)
    {
        await using var node = await PaymentNode.StartAsync(provider, PaymentFaults.Settings(clockSkew: "00:00:00"), faultInjection: $"{boundary}:{kind}");
        var key = Guid.NewGuid().ToString();
        var paymentId = kind == OperationKinds.Capture ? await node.AuthorizedAsync() : null;
        var (path, body) = PaymentFaults.Call(kind, paymentId);

        var cut = node.SendAsync(HttpMethod.Post, path, body, key);
        Assert.True(await node.Process.WaitForOutputAsync(FaultInjection.Marker, TimeSpan.FromSeconds(60)), node.Process.Output);
        await node.KillAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => cut);
        await node.RestartAsync();

        await using (var db = node.Database())
        {
            paymentId ??= await db.Payments.AsNoTracking().Where(p => p.DataSpaceId == node.DataSpace).Select(p => p.Id).SingleAsync();
        }

        var until = DateTime.UtcNow.AddSeconds(60);
        string status;
        while ((status = (await node.PaymentAsync(paymentId))["status"]!.GetValue<string>()) != expected && DateTime.UtcNow < until)
        {
            await Task.Delay(200);
        }

        Assert.Equal(expected, status);
        var done = await node.ProcessorOperationsAsync(paymentId, kind);
        Assert.Equal(expected == PaymentStatuses.Failed ? 0 : 1, done.Count);
        Assert.Single(await node.EventTypesAsync(paymentId), expected switch
        {
            PaymentStatuses.Failed => WebhookEventTypes.PaymentFailed,
            PaymentStatuses.Authorized => WebhookEventTypes.PaymentAuthorized,
            _ => WebhookEventTypes.PaymentCaptured,
        });

        // The client's retry, whenever it comes, gets the answer the recovery worker stored.
        using var retry = await node.SendAsync(HttpMethod.Post, path, body, key);
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"));
        if (expected == PaymentStatuses.Failed)
        {
            Assert.Equal(HttpStatusCode.BadGateway, retry.StatusCode);
            var problem = await retry.ReadNodeAsync();
            Assert.Equal(ProblemCodes.ProcessorFailed, problem["code"]!.GetValue<string>());
            Assert.Equal(paymentId, problem["paymentId"]!.GetValue<string>());
        }
        else
        {
            Assert.Equal(expected, (await retry.ReadNodeAsync())["status"]!.GetValue<string>());
        }
    }
}

/// <summary>A client that goes away after the processor approved, and an answer store that fails.</summary>
public abstract class ClientAndAnswerStoreFaultTests(StorageProvider provider)
{
    public sealed class OnSqlite() : ClientAndAnswerStoreFaultTests(StorageProvider.Sqlite);

    public sealed class OnPostgreSql() : ClientAndAnswerStoreFaultTests(StorageProvider.PostgreSql);

    [Fact]
    public async Task AClientThatGoesAwayAfterTheProcessorApproved_CancelsNothing_AndItsRetryGetsTheAnswer()
    {
        // The sandbox answers a second after doing the work: the client leaves in between.
        await using var platform = await PlatformHost.StartAsync(provider, new Dictionary<string, string?> { ["Payments:Sandbox:Latency"] = "00:00:01" });
        var merchant = await Merchant.CreateAsync(platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        var id = (await merchant.AuthorizedAsync(dataSpace))["id"]!.GetValue<string>();
        var key = Guid.NewGuid().ToString();

        using var leaving = new CancellationTokenSource();
        var capture = merchant.SendAsync(merchant.Sandbox, HttpMethod.Post, $"/payments/v1/payments/{id}/capture", dataSpace, new { }, key, leaving.Token);
        await PaymentFaults.WaitUntilAsync(async () => (await PaymentFaults.ProcessorKeysAsync(platform, id, OperationKinds.Capture)).Count == 1);
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => capture);

        var retry = await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/capture", null, key);
        var again = await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/capture", null, key);

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(PaymentStatuses.Captured, (await retry.ReadNodeAsync())["status"]!.GetValue<string>());
        Assert.Equal(await retry.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Single(await PaymentFaults.ProcessorKeysAsync(platform, id, OperationKinds.Capture));
        Assert.Single(await PaymentFaults.EventsAsync(platform, id), e => e == WebhookEventTypes.PaymentCaptured);
    }

    public static TheoryData<string> AnswerStoreFailures => new() { OperationKinds.Authorize, OperationKinds.Capture };

    /// <summary>
    /// The stored answer cannot be written (a trigger refuses it). The outcome is not recorded without it — it commits
    /// with the answer or not at all — and the retry, once the store works again, finishes the call without a second
    /// processor operation or a second payment.
    /// </summary>
    [Theory]
    [MemberData(nameof(AnswerStoreFailures))]
    public async Task WhenTheAnswerStoreFails_NothingIsRecordedWithoutIt_AndTheRetryFinishesTheCallOnce(string kind)
    {
        await using var platform = await PlatformHost.StartAsync(provider);
        var merchant = await Merchant.CreateAsync(platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        var id = kind == OperationKinds.Capture ? (await merchant.AuthorizedAsync(dataSpace))["id"]!.GetValue<string>() : null;
        var key = Guid.NewGuid().ToString();
        var path = id is null ? "/payments/v1/payments" : $"/payments/v1/payments/{id}/capture";
        var body = id is null ? Merchant.Payment() : new { };

        await PaymentFaults.AnswerStoreAsync(platform, failing: true);
        var failed = await merchant.PostAsync(dataSpace, path, body, key);
        var stateWhileFailing = id is null ? null : (await (await merchant.GetAsync(dataSpace, $"/payments/v1/payments/{id}")).ReadNodeAsync())["status"]!.GetValue<string>();
        await PaymentFaults.AnswerStoreAsync(platform, failing: false);
        var (status, answer) = await PaymentFaults.FinalAnswerAsync(() => merchant.PostAsync(dataSpace, path, body, key), TimeSpan.FromSeconds(150));
        var (againStatus, again) = await PaymentFaults.FinalAnswerAsync(() => merchant.PostAsync(dataSpace, path, body, key), TimeSpan.FromSeconds(10));

        Assert.True((int)failed.StatusCode >= 500, $"the first call answered {failed.StatusCode}");
        Assert.NotEqual(PaymentStatuses.Captured, stateWhileFailing);
        Assert.Equal(kind == OperationKinds.Authorize ? HttpStatusCode.Created : HttpStatusCode.OK, status);
        Assert.Equal(status, againStatus);
        Assert.Equal(answer, again);
        var payments = await merchant.ListAsync(dataSpace);
        var payment = Assert.Single(payments);
        id ??= payment!["id"]!.GetValue<string>();
        Assert.Equal(kind == OperationKinds.Authorize ? PaymentStatuses.Authorized : PaymentStatuses.Captured, payment!["status"]!.GetValue<string>());
        Assert.Single(await PaymentFaults.ProcessorKeysAsync(platform, id, kind));
        Assert.Single(await PaymentFaults.EventsAsync(platform, id), e => e == (kind == OperationKinds.Authorize ? WebhookEventTypes.PaymentAuthorized : WebhookEventTypes.PaymentCaptured));
    }
}

/// <summary>What the payment fault tests share: their deadlines, the calls they cut, and how they read what happened.</summary>
internal static class PaymentFaults
{
    /// <summary>
    /// Short deadlines, so a restarted node may finish what the killed one held within the test; not so short that a
    /// loaded machine makes the sandbox miss them.
    /// </summary>
    public static Dictionary<string, string?> Settings(string clockSkew = "00:05:00") => new()
    {
        ["Payments:ProcessorTimeout"] = "00:00:10",
        ["Payments:ClockSkew"] = clockSkew,
        ["Payments:RecoveryInterval"] = "00:00:00.500",
    };

    public static (string Path, object Body) Call(string kind, string? paymentId) => kind == OperationKinds.Authorize
        ? ("/payments/v1/payments", Merchant.Payment(reference: "order-killed"))
        : ($"/payments/v1/payments/{paymentId}/capture", new { });

    /// <summary>Retries with the key until the answer is final (not 409 in progress, not 503 pending); returns status and body.</summary>
    public static Task<(HttpStatusCode, string)> FinalAnswerAsync(PaymentNode node, string path, object body, string key) =>
        FinalAnswerAsync(() => node.SendAsync(HttpMethod.Post, path, body, key), TimeSpan.FromSeconds(60));

    public static async Task<(HttpStatusCode, string)> FinalAnswerAsync(Func<Task<HttpResponseMessage>> send, TimeSpan patience)
    {
        var until = DateTime.UtcNow + patience;
        while (true)
        {
            using var response = await send();
            var text = await response.Content.ReadAsStringAsync();
            var transient = response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.ServiceUnavailable or HttpStatusCode.InternalServerError
                            && !text.Contains(ProblemCodes.InvalidPaymentState, StringComparison.Ordinal);
            if (!transient || DateTime.UtcNow > until)
            {
                return (response.StatusCode, text);
            }

            await Task.Delay(250);
        }
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, "waited 30 s in vain");
            await Task.Delay(10);
        }
    }

    public static async Task<List<string>> ProcessorKeysAsync(PlatformHost platform, string paymentId, string kind)
    {
        await using var scope = platform.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var prefix = $"{paymentId}/{kind}/";
        return await db.SandboxProcessorOperations.AsNoTracking().Where(o => o.Key.StartsWith(prefix)).Select(o => o.Key).ToListAsync();
    }

    public static async Task<List<string>> EventsAsync(PlatformHost platform, string paymentId)
    {
        await using var scope = platform.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        return await db.OutboxEvents.AsNoTracking().Where(e => e.SubjectId == paymentId).Select(e => e.Type).ToListAsync();
    }

    /// <summary>Makes writing a stored answer fail (a trigger on the key table), or work again.</summary>
    public static async Task AnswerStoreAsync(PlatformHost platform, bool failing)
    {
        await using var scope = platform.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var sqlite = db.Database.IsSqlite();
        string[] statements = (failing, sqlite) switch
        {
            (true, true) =>
            [
                """
                CREATE TRIGGER "FailAnswerStore" BEFORE UPDATE ON "PaymentIdempotencyKeys" WHEN NEW."Status" IS NOT NULL
                BEGIN SELECT RAISE(ABORT, 'the answer store fails'); END;
                """,
            ],
            (true, false) =>
            [
                """
                CREATE FUNCTION fail_answer_store() RETURNS trigger AS $$
                BEGIN IF NEW."Status" IS NOT NULL THEN RAISE EXCEPTION 'the answer store fails'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql;
                """,
                """CREATE TRIGGER "FailAnswerStore" BEFORE UPDATE ON "PaymentIdempotencyKeys" FOR EACH ROW EXECUTE FUNCTION fail_answer_store();""",
            ],
            (false, true) => ["""DROP TRIGGER "FailAnswerStore";"""],
            (false, false) => ["""DROP TRIGGER "FailAnswerStore" ON "PaymentIdempotencyKeys";""", "DROP FUNCTION fail_answer_store();"],
        };
        foreach (var statement in statements)
        {
            await db.Database.ExecuteSqlRawAsync(statement);
        }
    }
}
