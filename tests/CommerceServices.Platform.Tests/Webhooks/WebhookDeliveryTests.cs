using System.Net;
using System.Text.Json.Nodes;
using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Tests.Gateway;
using CommerceServices.Platform.Tests.Payments;
using CommerceServices.Protocol;
using CommerceServices.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using StandardWebhooks;
using static CommerceServices.Platform.Tests.Webhooks.WebhooksTestKit;

namespace CommerceServices.Platform.Tests.Webhooks;

/// <summary>
/// Deliveries to a real receiver process that verifies every one with the StandardWebhooks package: what arrives, how it
/// is signed, retried, ordered, replayed, and what the platform does when the receiver is down, gone or rolls its secret.
/// Alone, after the parallel classes (TimingCollection): some tests hold the gaps between retries to the schedule.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private PlatformHost _host = null!;

    public async Task InitializeAsync() => _host = await StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task PaymentEvents_ArriveSignedInTheStandardWebhooksFormat_WithThePaymentAsTheApiReturnsIt()
    {
        var merchant = await Merchant.CreateAsync(_host);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, secret) = await CreateEndpointAsync(_host.Management, merchant.Account, receiver.Url, "sandbox", "payment.*");
        await receiver.SetSecretsAsync(secret);

        var payment = await merchant.AuthorizedAsync(dataSpace, reference: "order-42");
        var paymentId = payment.Text("id");
        Assert.Equal(HttpStatusCode.OK, (await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{paymentId}/capture")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{paymentId}/refunds", new { amount = 1000 })).StatusCode);

        var received = await receiver.WaitForAsync(r => r.Count >= 3, Patience, "three payment events");
        Assert.Equal(["payment.authorized", "payment.captured", "payment.refunded"], received.Select(r => r.Type));
        Assert.All(received, r => Assert.True(r.VerifiedWith == 0, $"{r.Type}: {r.VerifyError}"));
        Assert.Equal(3, received.Select(r => r.Id).Distinct().Count());

        var refunded = JsonNode.Parse(received[2].Body)!;
        Assert.Equal(received[2].Id, refunded.Text("id"));
        Assert.StartsWith("evt_", refunded.Text("id"));
        Assert.Equal("sandbox", refunded.Text("environment"));
        Assert.Equal(dataSpace, refunded.Text("dataSpaceId"));
        Assert.Equal(paymentId, refunded["data"].Text("id"));
        Assert.Equal("order-42", refunded["data"].Text("reference"));
        Assert.Equal(1000, refunded["data"]!["refundedAmount"]!.GetValue<long>());
        Assert.Equal("partially_refunded", refunded["data"].Text("status"));
        Assert.True(DateTimeOffset.TryParse(refunded.Text("createdAt"), out _));

        // Every event of the account's sandbox payments has its delivery: made in the event's own transaction.
        await using var scope = _host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var events = await db.OutboxEvents.Where(e => e.AccountId == merchant.Account && e.Type.StartsWith("payment.")).Select(e => e.Id).ToListAsync();
        var delivered = await db.WebhookDeliveries.Where(d => events.Contains(d.EventId)).Select(d => d.EventId).ToListAsync();
        Assert.Equal(events.Order(), delivered.Order());
    }

    [Fact]
    public async Task TheStandardWebhooksPackageAlone_ChecksOnlyTheFirstOfTwoSignatures_SoEachIsVerifiedOnItsOwn()
    {
        // Why the connector and the test receiver give the package one signature at a time (StandardWebhooks 1.1.2).
        var first = "whsec_" + Convert.ToBase64String(new byte[32]);
        var second = "whsec_" + Convert.ToBase64String(Enumerable.Repeat((byte)7, 32).ToArray());
        var now = DateTimeOffset.UtcNow;
        const string body = """{"id":"evt_1"}""";
        var header = new StandardWebhook(first).Sign("evt_1", now, body) + " " + new StandardWebhook(second).Sign("evt_1", now, body);
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = "evt_1", ["webhook-timestamp"] = now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["webhook-signature"] = header,
        };

        new StandardWebhook(first).Verify(body, headers);
        Assert.ThrowsAny<Exception>(() => new StandardWebhook(second).Verify(body, headers));
        headers["webhook-signature"] = header.Split(' ')[1];
        new StandardWebhook(second).Verify(body, headers);
    }

    [Fact]
    public async Task AFailingDelivery_IsRetriedOnTheSchedule_UntilItSucceeds_AndTheAttemptsAreListed()
    {
        // The circuit (and its probes, which may send a waiting delivery early) out of the way: this is about the schedule.
        await _host.DisposeAsync();
        _host = await StartAsync(extra: new Dictionary<string, string?> { ["Webhooks:CircuitThreshold"] = "1000" });
        var merchant = await Merchant.CreateAsync(_host);
        await using var receiver = await WebhookReceiver.StartAsync();
        var (endpoint, secret) = await CreateEndpointAsync(_host.Management, merchant.Account, receiver.Url);
        await receiver.SetSecretsAsync(secret);
        await receiver.SetBehaviourAsync(new ReceiverBehaviour(FailFirst: 3));

        var test = await PostAsync(_host.Management, $"/api/v1/accounts/{merchant.Account}/webhooks/{endpoint}/test");
        var received = await receiver.WaitForAsync(r => r.Any(x => x.Status == 204), Patience, "the test event to get through");

        Assert.Equal([500, 500, 500, 204], received.Select(r => r.Status));
        Assert.Single(received.Select(r => r.Id).Distinct()); // the same webhook-id on every retry
        Assert.All(received, r => Assert.Equal(0, r.VerifiedWith)); // signed anew, with a fresh timestamp, every time
        var gaps = received.Zip(received.Skip(1), (a, b) => (b.ArrivedAt - a.ArrivedAt).TotalMilliseconds).ToArray();
        double[] schedule = [400, 1200, 3000];
        for (var i = 0; i < gaps.Length; i++)
        {
            // ±20% jitter, and the worker's polling and a loaded machine on top.
            Assert.InRange(gaps[i], schedule[i] * 0.75, schedule[i] * 1.2 + 1500);
        }

        var attempts = (await EventuallyAsync(() => GetAsync(_host.Management, $"/api/v1/accounts/{merchant.Account}/webhooks/{endpoint}/attempts"),
            a => a.AsArray().Count == 4 && a[0].Text("deliveryState") == "succeeded", Patience, "four attempts listed")).AsArray();
        Assert.Equal([204, 500, 500, 500], attempts.Select(a => a!["statusCode"]!.GetValue<int>()));
        Assert.All(attempts, a => Assert.Equal(test.Text("id"), a.Text("deliveryId")));
        Assert.All(attempts, a => Assert.True(a!["durationMs"]!.GetValue<int>() >= 0));
        var delivery = (await GetAsync(_host.Management, $"/api/v1/accounts/{merchant.Account}/webhooks/{endpoint}/deliveries")).AsArray().Single()!;
        Assert.Equal(("succeeded", 4), (delivery.Text("state"), delivery["attempts"]!.GetValue<int>()));
        Assert.Null(delivery["nextAttemptAt"]);
    }

    [Fact]
    public async Task RetryAfter_On503_IsHonoured_OverTheShorterScheduleStep()
    {
        var merchant = await Merchant.CreateAsync(_host);
        await using var receiver = await WebhookReceiver.StartAsync();
        var (endpoint, secret) = await CreateEndpointAsync(_host.Management, merchant.Account, receiver.Url);
        await receiver.SetSecretsAsync(secret);
        await receiver.SetBehaviourAsync(new ReceiverBehaviour(FailFirst: 1, FailStatus: 503, RetryAfterSeconds: 3));

        await PostAsync(_host.Management, $"/api/v1/accounts/{merchant.Account}/webhooks/{endpoint}/test");
        var received = await receiver.WaitForAsync(r => r.Count >= 2, Patience, "the retry after Retry-After");

        Assert.Equal([503, 204], received.Select(r => r.Status));
        Assert.True(received[1].ArrivedAt - received[0].AnsweredAt >= TimeSpan.FromSeconds(2.9),
            $"retried after {(received[1].ArrivedAt - received[0].AnsweredAt).TotalSeconds:0.00} s; Retry-After said 3 (the schedule's first step is 0.4 s)");
    }

    [Fact]
    public async Task AnswerGone410_DisablesTheEndpointAtOnce_AndTellsTheAccount()
    {
        var merchant = await Merchant.CreateAsync(_host);
        await using var receiver = await WebhookReceiver.StartAsync();
        var (endpoint, secret) = await CreateEndpointAsync(_host.Management, merchant.Account, receiver.Url);
        await receiver.SetSecretsAsync(secret);
        await receiver.SetBehaviourAsync(new ReceiverBehaviour(Status: 410));

        await PostAsync(_host.Management, $"/api/v1/accounts/{merchant.Account}/webhooks/{endpoint}/test");
        var disabled = await EventuallyAsync(() => GetAsync(_host.Management, $"/api/v1/accounts/{merchant.Account}/webhooks/{endpoint}"),
            e => e.Text("status") == "disabled", Patience, "the endpoint to be disabled");

        Assert.Equal("gone", disabled.Text("disabledReason"));
        Assert.Single(await receiver.ReceivedAsync()); // no retry after 410
        var audit = (await GetAsync(_host.Management, $"/api/v1/accounts/{merchant.Account}/audit")).AsArray();
        Assert.Contains(audit, a => a.Text("action") == AuditActions.WebhookEndpointDisabled && a.Text("detail").Contains(endpoint, StringComparison.Ordinal));
        var test = await _host.Management.PostAsync($"/api/v1/accounts/{merchant.Account}/webhooks/{endpoint}/test", null);
        Assert.Equal(HttpStatusCode.Conflict, test.StatusCode);
        Assert.Equal(ProblemCodes.WebhookEndpointDisabled, (await test.ReadNodeAsync()).Text("code"));
    }

    [Fact]
    public async Task AnEndpointFailingForTheDisablePeriod_IsDisabled_AndTheAccountIsTold()
    {
        // Days shortened to seconds; retries close together so that failures go on all along.
        await _host.DisposeAsync();
        _host = await StartAsync(extra: new Dictionary<string, string?>
        {
            ["Webhooks:DisableAfter"] = "00:00:03",
            ["Webhooks:RetrySchedule"] = string.Join(',', Enumerable.Repeat("300ms", 40)),
            ["Webhooks:CircuitThreshold"] = "1000",
        });
        var merchant = await Merchant.CreateAsync(_host);
        await using var receiver = await WebhookReceiver.StartAsync();
        var (endpoint, secret) = await CreateEndpointAsync(_host.Management, merchant.Account, receiver.Url);
        await receiver.SetSecretsAsync(secret);
        await receiver.SetBehaviourAsync(new ReceiverBehaviour(Status: 500));
        var path = $"/api/v1/accounts/{merchant.Account}/webhooks/{endpoint}";

        await PostAsync(_host.Management, $"{path}/test");
        var failing = await EventuallyAsync(() => GetAsync(_host.Management, path), e => e.Text("status") == "failing", Patience, "failing");
        Assert.NotNull(failing["failingSince"]);
        var disabled = await EventuallyAsync(() => GetAsync(_host.Management, path), e => e.Text("status") == "disabled", Patience, "disabled");

        Assert.Equal("failing", disabled.Text("disabledReason"));
        var audit = (await GetAsync(_host.Management, $"/api/v1/accounts/{merchant.Account}/audit")).AsArray();
        var told = Assert.Single(audit, a => a.Text("action") == AuditActions.WebhookEndpointDisabled);
        Assert.Equal("platform", told.Text("actor"));
        var sent = (await receiver.ReceivedAsync()).Count;
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(sent, (await receiver.ReceivedAsync()).Count); // nothing more goes to a disabled endpoint
    }

    [Fact]
    public async Task AReceiverThatIsDown_IsNotSentEveryNewEvent_AndGetsEverythingSoonAfterItComesBack()
    {
        // Retries far apart, so what comes after the return is the platform noticing it, not a retry coming due.
        await _host.DisposeAsync();
        _host = await StartAsync(extra: new Dictionary<string, string?> { ["Webhooks:RetrySchedule"] = "1s,60s,60s" });
        var merchant = await Merchant.CreateAsync(_host);
        await using var receiver = await WebhookReceiver.StartAsync();
        var (endpoint, secret) = await CreateEndpointAsync(_host.Management, merchant.Account, receiver.Url);
        var path = $"/api/v1/accounts/{merchant.Account}/webhooks/{endpoint}";
        await receiver.SetSecretsAsync(secret); // kept for its restart
        await receiver.KillAsync();

        for (var i = 0; i < 5; i++)
        {
            await PostAsync(_host.Management, $"{path}/test");
        }

        // Down: after a few failures in a row new events wait, and only retries and one probe at a time go.
        await EventuallyAsync(() => GetAsync(_host.Management, path), e => e.Text("status") == "failing", Patience, "the endpoint to be failing");
        await EventuallyAsync(() => GetAsync(_host.Management, $"{path}/attempts?limit=500"), a => a.AsArray().Count >= 5, Patience, "five failed attempts");
        const int WhileDown = 40;
        for (var i = 0; i < WhileDown; i++)
        {
            await PostAsync(_host.Management, $"{path}/test");
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        var attemptsWhileDown = (await GetAsync(_host.Management, $"{path}/attempts?limit=500")).AsArray().Count;
        Assert.True(attemptsWhileDown < 5 + WhileDown, $"{attemptsWhileDown} attempts: every new event was tried against a receiver that is down");

        await receiver.RestartAsync();
        var back = System.Diagnostics.Stopwatch.StartNew();
        // Everything that waited is sent once the platform notices the return: within seconds, though retries are 60 s
        // away. A delivery whose send fails again after that (a receiver seconds old, on a busy machine, once closed a
        // connection unanswered) waits for its next retry like any failure: it counts here as sent, and stays pending.
        IReadOnlyList<ReceivedDelivery> received;
        while (true)
        {
            received = await receiver.ReceivedAsync();
            var attempts = (await GetAsync(_host.Management, $"{path}/attempts?limit=500")).AsArray()
                .Select(a => (At: DateTimeOffset.Parse(a.Text("at"), System.Globalization.CultureInfo.InvariantCulture),
                    Delivery: a.Text("deliveryId"), Succeeded: a!["statusCode"]?.GetValue<int>() is >= 200 and < 300, Line: a.ToJsonString()))
                .ToList();
            var firstSuccess = attempts.Where(a => a.Succeeded).Select(a => a.At).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
            var failedAgain = attempts.Where(a => !a.Succeeded && a.At > firstSuccess).Select(a => a.Delivery).Distinct()
                .Count(d => !attempts.Any(a => a.Delivery == d && a.Succeeded));
            if (received.Select(x => x.Id).Distinct().Count() + failedAgain >= 5 + WhileDown)
            {
                break;
            }

            Assert.True(back.Elapsed < TimeSpan.FromSeconds(20), $"took {back.Elapsed.TotalSeconds:0.0} s after the receiver came back (retries were 60 s away)\n" +
                string.Join('\n', _host.Logs.Lines.Where(l => l.Contains("Webhooks", StringComparison.Ordinal)).TakeLast(20)) +
                "\nthe last 60 attempts:\n" + string.Join('\n', attempts.Take(60).Select(a => a.Line)));
            await Task.Delay(200);
        }

        Assert.All(received, r => Assert.Equal(0, r.VerifiedWith));
        await EventuallyAsync(() => GetAsync(_host.Management, path), e => e.Text("status") == "enabled", Patience, "the endpoint to be healthy again");
    }

    [Fact]
    public async Task ASecretRoll_FailsNoVerification_DuringTheOverlap_AndTheOldSecretEndsWithIt()
    {
        var merchant = await Merchant.CreateAsync(_host);
        await using var receiver = await WebhookReceiver.StartAsync();
        var (endpoint, oldSecret) = await CreateEndpointAsync(_host.Management, merchant.Account, receiver.Url);
        await receiver.SetSecretsAsync(oldSecret);
        var path = $"/api/v1/accounts/{merchant.Account}/webhooks/{endpoint}";

        var rolled = await PostAsync(_host.Management, $"{path}/roll-secret", new { overlapSeconds = 3600 });
        var newSecret = rolled.Text("secret");
        Assert.StartsWith("whsec_", newSecret);
        Assert.NotEqual(oldSecret, newSecret);
        Assert.Equal(2, rolled["endpoint"]!["secrets"]!.AsArray().Count);

        // The receiver still has the old secret, then is given the new one: every delivery verifies all along.
        await PostAsync(_host.Management, $"{path}/test");
        await receiver.WaitForAsync(r => r.Count == 1, Patience, "a delivery during the overlap");
        await receiver.SetSecretsAsync(newSecret);
        await PostAsync(_host.Management, $"{path}/test");
        var received = await receiver.WaitForAsync(r => r.Count == 2, Patience, "a second delivery during the overlap");
        Assert.All(received, r => Assert.True(r.VerifiedWith == 0, r.VerifyError));
        Assert.All(received, r => Assert.Equal(2, r.Signature.Split(' ').Length));

        // A second roll with no overlap ends every earlier secret at once: one signature, which the first secret no longer makes.
        var third = (await PostAsync(_host.Management, $"{path}/roll-secret", new { overlapSeconds = 0 })).Text("secret");
        await receiver.SetSecretsAsync(oldSecret, newSecret, third);
        await PostAsync(_host.Management, $"{path}/test");
        var last = (await receiver.WaitForAsync(r => r.Count == 3, Patience, "a delivery after the overlap"))[2];
        Assert.Single(last.Signature.Split(' '));
        Assert.Equal(2, last.VerifiedWith);
    }

    [Fact]
    public async Task ALaterEventOfOnePayment_WaitsForTheEarlierOne_ButAnotherPaymentsEventsDoNot()
    {
        // Retries that cannot run out during the test (an exhausted earlier event lets the later one go, by design).
        await _host.DisposeAsync();
        _host = await StartAsync(extra: new Dictionary<string, string?> { ["Webhooks:RetrySchedule"] = "500ms,1s,60s" });
        var merchant = await Merchant.CreateAsync(_host);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, secret) = await CreateEndpointAsync(_host.Management, merchant.Account, receiver.Url, "sandbox", "payment.*");
        await receiver.SetSecretsAsync(secret);
        await receiver.SetBehaviourAsync(new ReceiverBehaviour(StatusByType: new() { ["payment.authorized"] = 500 }));

        var stuck = (await merchant.AuthorizedAsync(dataSpace, reference: "stuck")).Text("id");
        Assert.Equal(HttpStatusCode.OK, (await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{stuck}/capture")).StatusCode);
        await receiver.WaitForAsync(r => r.Count(x => x.Subject == stuck) >= 2, Patience, "two failed attempts of the stuck authorization");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(await receiver.ReceivedAsync(), r => r.Type == "payment.captured");

        // Across payments there is no order: another payment's capture is not held up by the stuck one.
        var other = (await merchant.AuthorizedAsync(dataSpace, reference: "other")).Text("id");
        Assert.Equal(HttpStatusCode.OK, (await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{other}/capture")).StatusCode);
        await receiver.WaitForAsync(r => r.Any(x => x.Subject == other), Patience, "the other payment's first event");
        await receiver.SetBehaviourAsync(new ReceiverBehaviour());
        var all = await receiver.WaitForAsync(r => r.Count(x => x.Type == "payment.captured" && x.Status == 204) == 2, Patience, "both captures");
        foreach (var subject in new[] { stuck, other })
        {
            var firstOk = all.First(r => r.Subject == subject && r.Type == "payment.authorized" && r.Status == 204);
            var capture = all.First(r => r.Subject == subject && r.Type == "payment.captured");
            Assert.True(capture.ArrivedAt >= firstOk.AnsweredAt, $"{subject}: the capture came before its authorization");
        }
    }

    [Fact]
    public async Task ReplayOfATimeRange_SendsEveryEventAgain_WithItsOriginalWebhookId()
    {
        var merchant = await Merchant.CreateAsync(_host);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        await using var receiver = await WebhookReceiver.StartAsync();
        var (endpoint, secret) = await CreateEndpointAsync(_host.Management, merchant.Account, receiver.Url, "sandbox", "payment.*");
        await receiver.SetSecretsAsync(secret);
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        for (var i = 0; i < 3; i++)
        {
            await merchant.AuthorizedAsync(dataSpace, reference: $"replay-{i}");
        }

        var first = await receiver.WaitForAsync(r => r.Count == 3, Patience, "three authorizations");
        var until = DateTimeOffset.UtcNow.AddSeconds(1);
        var replayed = await PostAsync(_host.Management, $"/api/v1/accounts/{merchant.Account}/webhooks/{endpoint}/replay", new { since, until });
        Assert.Equal(3, replayed["deliveries"]!.GetValue<int>());

        var all = await receiver.WaitForAsync(r => r.Count == 6, Patience, "the three replayed");
        Assert.Equal(first.Select(r => r.Id).Order(), all.Skip(3).Select(r => r.Id).Order());
        Assert.All(all, r => Assert.Equal(0, r.VerifiedWith));

        // One delivery on its own, too.
        var deliveries = (await GetAsync(_host.Management, $"/api/v1/accounts/{merchant.Account}/webhooks/{endpoint}/deliveries")).AsArray();
        Assert.Equal(3, deliveries.Count(d => d!["replay"]!.GetValue<bool>()));
        var original = deliveries.Last(d => !d!["replay"]!.GetValue<bool>())!;
        await PostAsync(_host.Management, $"/api/v1/accounts/{merchant.Account}/webhooks/{endpoint}/deliveries/{original.Text("id")}/replay");
        var again = await receiver.WaitForAsync(r => r.Count == 7, Patience, "the single replay");
        Assert.Equal(original.Text("eventId"), again[6].Id);

        var empty = await PostAsync(_host.Management, $"/api/v1/accounts/{merchant.Account}/webhooks/{endpoint}/replay",
            new { since = until.AddHours(1), until = until.AddHours(2) });
        Assert.Equal(0, empty["deliveries"]!.GetValue<int>());
    }

    [Fact]
    public async Task KeyAndDataSpaceChanges_AreEvents_ForTheirEnvironment()
    {
        var merchant = await Merchant.CreateAsync(_host);
        var testing = await merchant.DataSpaceAsync("testing");
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, secret) = await CreateEndpointAsync(_host.Management, merchant.Account, receiver.Url, "sandbox", "key.*", "data_space.*");
        await receiver.SetSecretsAsync(secret);

        var rolled = await PostAsync(_host.Management, $"/api/v1/accounts/{merchant.Account}/keys/roll", new { environment = "sandbox", graceSeconds = 7200 });
        var bind = await merchant.SendAsync(merchant.Sandbox, HttpMethod.Put,
            $"/merchant-registry/v1/registry/data-spaces/{testing}/instance", null, new { instanceId = "shop-1" });
        Assert.True(bind.IsSuccessStatusCode, await bind.Content.ReadAsStringAsync());
        Assert.True((await _host.Management.DeleteAsync($"/api/v1/accounts/{merchant.Account}/data-spaces/{testing}/instance")).IsSuccessStatusCode);
        // A production key's events go to production endpoints only.
        await PostAsync(_host.Management, $"/api/v1/accounts/{merchant.Account}/keys", new { environment = "production" });

        var notices = _host.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<KeyExpiryNotices>().Single();
        await notices.RecordDueAsync(CancellationToken.None); // 2 hours left: the 24-hour notice is due at once (or the worker did it already)
        Assert.Equal(0, await notices.RecordDueAsync(CancellationToken.None)); // and only once

        await receiver.WaitForAsync(r => r.Count >= 5, Patience, "key and data space events");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var received = await receiver.ReceivedAsync();
        // Across subjects (the old key, the new key, the data space) there is no order; per subject there is.
        Assert.Equal(["data_space.bound", "data_space.released", "key.created", "key.expiring", "key.rolled"], received.Select(r => r.Type).Order());
        Assert.True(received.ToList().FindIndex(r => r.Type == "data_space.bound") < received.ToList().FindIndex(r => r.Type == "data_space.released"));
        Assert.All(received, r => Assert.Equal(0, r.VerifiedWith));
        ReceivedDelivery Of(string type) => received.Single(r => r.Type == type);
        var rolledEvent = JsonNode.Parse(Of("key.rolled").Body)!;
        Assert.Equal(merchant.Sandbox.ApiKey, rolledEvent["data"].Text("apiKey"));
        Assert.Equal("expiring", rolledEvent["data"].Text("status"));
        Assert.Null(rolledEvent["dataSpaceId"]);
        var bound = JsonNode.Parse(Of("data_space.bound").Body)!;
        Assert.Equal(testing, bound.Text("dataSpaceId"));
        Assert.Equal("shop-1", bound["data"].Text("instanceId"));
        Assert.Equal(rolled.Text("apiKey"), JsonNode.Parse(Of("key.created").Body)!["data"].Text("apiKey"));
        Assert.Equal(merchant.Sandbox.ApiKey, JsonNode.Parse(Of("key.expiring").Body)!["data"].Text("apiKey"));
    }
}
