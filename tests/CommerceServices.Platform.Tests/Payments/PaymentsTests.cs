using System.Net;
using System.Text.Json.Nodes;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Payments;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Payments;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Platform.Tests.Payments;

/// <summary>Payment Services through real HTTP on the gateways, on SQLite and on PostgreSQL.</summary>
public abstract class PaymentsTests(PlatformFixture fixture)
{
    private PlatformHost Platform => fixture.Host;

    public sealed class OnSqlite(SqlitePlatform fixture) : PaymentsTests(fixture), IClassFixture<SqlitePlatform>;

    public sealed class OnPostgreSql(PostgresPlatform fixture) : PaymentsTests(fixture), IClassFixture<PostgresPlatform>;

    // The state machine: every state × every operation. Expected is the new status (200) or the refusal's code (409).
    public static TheoryData<string, string, string> Transitions => new()
    {
        { PaymentStatuses.Authorized, "capture", PaymentStatuses.Captured },
        { PaymentStatuses.Authorized, "capture-part", PaymentStatuses.Captured },
        { PaymentStatuses.Authorized, "void", PaymentStatuses.Voided },
        { PaymentStatuses.Authorized, "refund", ProblemCodes.InvalidPaymentState },
        { PaymentStatuses.Declined, "capture", ProblemCodes.InvalidPaymentState },
        { PaymentStatuses.Declined, "void", ProblemCodes.InvalidPaymentState },
        { PaymentStatuses.Declined, "refund", ProblemCodes.InvalidPaymentState },
        { PaymentStatuses.Voided, "capture", ProblemCodes.InvalidPaymentState },
        { PaymentStatuses.Voided, "void", ProblemCodes.InvalidPaymentState },
        { PaymentStatuses.Voided, "refund", ProblemCodes.InvalidPaymentState },
        { PaymentStatuses.Captured, "capture", ProblemCodes.InvalidPaymentState },
        { PaymentStatuses.Captured, "void", ProblemCodes.InvalidPaymentState },
        { PaymentStatuses.Captured, "refund", PaymentStatuses.PartiallyRefunded },
        { PaymentStatuses.Captured, "refund-all", PaymentStatuses.Refunded },
        { PaymentStatuses.PartiallyRefunded, "capture", ProblemCodes.InvalidPaymentState },
        { PaymentStatuses.PartiallyRefunded, "void", ProblemCodes.InvalidPaymentState },
        { PaymentStatuses.PartiallyRefunded, "refund", PaymentStatuses.PartiallyRefunded },
        { PaymentStatuses.PartiallyRefunded, "refund-all", PaymentStatuses.Refunded },
        { PaymentStatuses.Refunded, "capture", ProblemCodes.InvalidPaymentState },
        { PaymentStatuses.Refunded, "void", ProblemCodes.InvalidPaymentState },
        { PaymentStatuses.Refunded, "refund", ProblemCodes.InvalidPaymentState },
    };

    [Theory]
    [MemberData(nameof(Transitions))]
    public async Task EveryTransition_IsAllowedOrRefusedAsTheStateMachineSays(string state, string operation, string expected)
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        var id = await PaymentInStateAsync(merchant, dataSpace, state);
        var before = await (await merchant.GetAsync(dataSpace, $"/payments/v1/payments/{id}")).ReadNodeAsync();
        var left = before["capturedAmount"]!.GetValue<long>() - before["refundedAmount"]!.GetValue<long>();

        var response = operation switch
        {
            "capture" => await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/capture"),
            "capture-part" => await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/capture", new { amount = 1000 }),
            "void" => await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/void"),
            "refund" => await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/refunds", new { amount = 100 }),
            "refund-all" => await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/refunds", new { amount = left }),
            _ => throw new ArgumentOutOfRangeException(nameof(operation)),
        };

        if (expected == ProblemCodes.InvalidPaymentState)
        {
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            var problem = await response.ReadNodeAsync();
            Assert.Equal(expected, problem["code"]!.GetValue<string>());
            Assert.Contains($"is {state.Replace('_', ' ')}", problem["detail"]!.GetValue<string>());
            var after = await (await merchant.GetAsync(dataSpace, $"/payments/v1/payments/{id}")).ReadNodeAsync();
            Assert.Equal(state, after["status"]!.GetValue<string>());
        }
        else
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var payment = await response.ReadNodeAsync();
            Assert.Equal(expected, payment["status"]!.GetValue<string>());
            Assert.Equal(expected, (await (await merchant.GetAsync(dataSpace, $"/payments/v1/payments/{id}")).ReadNodeAsync())["status"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task PartialCapture_ThenRefunds_NeverGoBeyondWhatIsLeft()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        var id = (await merchant.AuthorizedAsync(dataSpace, amount: 5000))["id"]!.GetValue<string>();

        var tooMuch = await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/capture", new { amount = 5001 });
        var captured = await (await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/capture", new { amount = 3000 })).ReadNodeAsync();
        var first = await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/refunds", new { amount = 1000 });
        var beyond = await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/refunds", new { amount = 2001 });
        var rest = await (await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/refunds", new { amount = 2000 })).ReadNodeAsync();
        var zero = await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/refunds", new { amount = 0 });

        Assert.Equal(HttpStatusCode.Conflict, tooMuch.StatusCode);
        Assert.Equal(ProblemCodes.AmountExceedsRemaining, await tooMuch.ProblemCodeAsync());
        Assert.Equal(3000, captured["capturedAmount"]!.GetValue<long>());
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, beyond.StatusCode);
        Assert.Equal(ProblemCodes.AmountExceedsRemaining, await beyond.ProblemCodeAsync());
        Assert.Equal(PaymentStatuses.Refunded, rest["status"]!.GetValue<string>());
        Assert.Equal(3000, rest["refundedAmount"]!.GetValue<long>());
        Assert.Equal([1000L, 2000L], rest["refunds"]!.AsArray().Select(r => r!["amount"]!.GetValue<long>()));
        Assert.Equal(HttpStatusCode.BadRequest, zero.StatusCode);
        Assert.Equal(ProblemCodes.InvalidRequest, await zero.ProblemCodeAsync());
    }

    [Theory]
    [InlineData(Cards.DoNotHonour, DeclineReasons.DoNotHonour)]
    [InlineData(Cards.InsufficientFunds, DeclineReasons.InsufficientFunds)]
    [InlineData(Cards.ExpiredCard, DeclineReasons.ExpiredCard)]
    public async Task DeclineTestCards_AreRecordedAsDeclined_WithTheirReason(string card, string reason)
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");

        var response = await merchant.AuthorizeAsync(dataSpace, Merchant.Payment(card: card));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var payment = await response.ReadNodeAsync();
        Assert.Equal(PaymentStatuses.Declined, payment["status"]!.GetValue<string>());
        Assert.Equal(reason, payment["declineReason"]!.GetValue<string>());
        Assert.Equal(PaymentStatuses.Declined, (await merchant.ListAsync(dataSpace)).Single()!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task EverySucceedingTestCard_IsAuthorized_AndOnlyBrandLastFourAndExpiryComeBack()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");

        foreach (var card in TestCards.All.Where(c => c.DeclineReason is null))
        {
            var payment = await merchant.AuthorizedAsync(dataSpace, card: card.Number);

            Assert.Equal(PaymentStatuses.Authorized, payment["status"]!.GetValue<string>());
            Assert.Equal(card.Brand, payment["card"]!["brand"]!.GetValue<string>());
            Assert.Equal(card.Number[^4..], payment["card"]!["last4"]!.GetValue<string>());
            Assert.Equal(12, payment["card"]!["expMonth"]!.GetValue<int>());
            Assert.DoesNotContain(card.Number, payment.ToJsonString());
            Assert.Null(payment["card"]!["number"]);
            Assert.Null(payment["card"]!["cvc"]);
        }
    }

    [Fact]
    public async Task ACardInThePast_IsDeclinedAsExpired()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");

        var payment = await (await merchant.AuthorizeAsync(dataSpace, Merchant.Payment(expYear: 2020))).ReadNodeAsync();

        Assert.Equal(PaymentStatuses.Declined, payment["status"]!.GetValue<string>());
        Assert.Equal(DeclineReasons.ExpiredCard, payment["declineReason"]!.GetValue<string>());
    }

    public static TheoryData<string, object, string> BadAuthorizations => new()
    {
        { "Luhn failure", Merchant.Payment(card: Cards.FailsLuhn), "'card.number' fails the card number check" },
        { "not a test card in the sandbox", Merchant.Payment(card: Cards.RealLooking), "'card.number' is not a sandbox test card" },
        { "letters in the number", Merchant.Payment(card: "4111-abcd-1111-1111"), "'card.number'" },
        { "unknown currency", Merchant.Payment(currency: "XYZ"), "'currency'" },
        { "no currency", new { reference = "r", amount = 100, card = new { number = Cards.Visa, expMonth = 1, expYear = 2034, cvc = "737" } }, "'currency'" },
        { "zero amount", Merchant.Payment(amount: 0), "'amount'" },
        { "JPY beyond eight digits", Merchant.Payment(amount: 100_000_000, currency: "JPY"), "JPY has 0 decimal place(s)" },
        { "EUR beyond eight digits", Merchant.Payment(amount: 10_000_000_000, currency: "EUR"), "EUR has 2 decimal place(s)" },
        { "KWD beyond eight digits", Merchant.Payment(amount: 100_000_000_000, currency: "KWD"), "KWD has 3 decimal place(s)" },
        { "no reference", new { amount = 100, currency = "EUR", card = new { number = Cards.Visa, expMonth = 1, expYear = 2034, cvc = "737" } }, "'reference'" },
        { "no card", new { reference = "r", amount = 100, currency = "EUR" }, "'card'" },
        { "month 13", new { reference = "r", amount = 100, currency = "EUR", card = new { number = Cards.Visa, expMonth = 13, expYear = 2034, cvc = "737" } }, "'card.expMonth'" },
        { "two-digit year", new { reference = "r", amount = 100, currency = "EUR", card = new { number = Cards.Visa, expMonth = 1, expYear = 34, cvc = "737" } }, "'card.expYear'" },
        { "short security code", Merchant.Payment(cvc: "12"), "'card.cvc'" },
        { "three-digit code on an Amex", Merchant.Payment(card: "378282246310005", cvc: "737"), "'card.cvc' must be the card's 4-digit" },
    };

    [Theory]
    [MemberData(nameof(BadAuthorizations))]
    public async Task BadAuthorization_IsRefusedWithInvalidRequest_NamingTheField(string name, object body, string detail)
    {
        Assert.NotEmpty(name);
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");

        var response = await merchant.AuthorizeAsync(dataSpace, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadNodeAsync();
        Assert.Equal(ProblemCodes.InvalidRequest, problem["code"]!.GetValue<string>());
        Assert.Contains(detail, problem["detail"]!.GetValue<string>());
        Assert.Empty(await merchant.ListAsync(dataSpace));
    }

    [Theory]
    [InlineData("JPY", 99_999_999, "99999999 JPY")]
    [InlineData("EUR", 1234, "12.34 EUR")]
    [InlineData("KWD", 1500, "1.500 KWD")]
    [InlineData("eur", 9_999_999_999, "99999999.99 EUR")]
    public async Task Amounts_AreMinorUnitsOfTheCurrencysExponent(string currency, long amount, string display)
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");

        var payment = await merchant.AuthorizedAsync(dataSpace, amount: amount, currency: currency);

        Assert.Equal(amount, payment["amount"]!.GetValue<long>());
        Assert.Equal(currency.ToUpperInvariant(), payment["currency"]!.GetValue<string>());
        Assert.Equal(display, payment["displayAmount"]!.GetValue<string>());
    }

    [Fact]
    public async Task SameIdempotencyKeyAndBody_ReplaysTheFirstAnswer_WithoutASecondPayment()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        var key = Guid.NewGuid().ToString();

        var first = await merchant.AuthorizeAsync(dataSpace, Merchant.Payment(), key);
        var second = await merchant.AuthorizeAsync(dataSpace, Merchant.Payment(), key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.True(second.Headers.Contains("Idempotent-Replayed"));
        Assert.Single(await merchant.ListAsync(dataSpace));
    }

    [Fact]
    public async Task ARetriedCapture_GetsTheFirstAnswer_NotARefusal()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        var id = (await merchant.AuthorizedAsync(dataSpace))["id"]!.GetValue<string>();
        var key = Guid.NewGuid().ToString();

        var first = await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/capture", new { amount = 1200 }, key);
        var retry = await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/capture", new { amount = 1200 }, key);
        var withoutKey = await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/capture", new { amount = 1200 });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal(ProblemCodes.InvalidPaymentState, await withoutKey.ProblemCodeAsync());
    }

    [Fact]
    public async Task SameIdempotencyKey_WithADifferentBodyOrCall_IsRefusedWithIdempotencyKeyReused()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        var key = Guid.NewGuid().ToString();
        var id = (await (await merchant.AuthorizeAsync(dataSpace, Merchant.Payment(amount: 100), key)).ReadNodeAsync())["id"]!.GetValue<string>();

        var otherAmount = await merchant.AuthorizeAsync(dataSpace, Merchant.Payment(amount: 200), key);
        var otherCall = await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/void", null, key);
        var badKey = await merchant.AuthorizeAsync(dataSpace, Merchant.Payment(), new string('k', 256));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, otherAmount.StatusCode);
        Assert.Equal(ProblemCodes.IdempotencyKeyReused, await otherAmount.ProblemCodeAsync());
        Assert.Equal(ProblemCodes.IdempotencyKeyReused, await otherCall.ProblemCodeAsync());
        Assert.Equal(ProblemCodes.InvalidRequest, await badKey.ProblemCodeAsync());
        Assert.Single(await merchant.ListAsync(dataSpace));
    }

    [Fact]
    public async Task IdempotencyKeys_BelongToTheirDataSpace()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var one = await merchant.DataSpaceAsync("testing");
        var two = await merchant.DataSpaceAsync("testing");
        var key = Guid.NewGuid().ToString();

        var first = await (await merchant.AuthorizeAsync(one, Merchant.Payment(), key)).ReadNodeAsync();
        var second = await merchant.AuthorizeAsync(two, Merchant.Payment(), key);

        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.NotEqual(first["id"]!.GetValue<string>(), (await second.ReadNodeAsync())["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task TwentyConcurrentIdenticalRequests_MakeExactlyOnePayment_AndAllGetItsAnswer()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => merchant.AuthorizeAsync(dataSpace, Merchant.Payment(), key)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        Assert.Single(bodies.Distinct());
        Assert.Single(await merchant.ListAsync(dataSpace));
    }

    [Fact]
    public async Task TwoCapturesOrACaptureAndAVoidRacing_LeaveExactlyOneWinner()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");

        for (var round = 0; round < 6; round++)
        {
            var id = (await merchant.AuthorizedAsync(dataSpace, reference: $"race-{round}"))["id"]!.GetValue<string>();
            var second = round % 2 == 0 ? $"/payments/v1/payments/{id}/capture" : $"/payments/v1/payments/{id}/void";

            var results = await Task.WhenAll(
                merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/capture", new { amount = 1000 }),
                merchant.PostAsync(dataSpace, second, round % 2 == 0 ? new { amount = 2000 } : null));

            Assert.Single(results, r => r.StatusCode == HttpStatusCode.OK);
            var loser = Assert.Single(results, r => r.StatusCode == HttpStatusCode.Conflict);
            Assert.Equal(ProblemCodes.InvalidPaymentState, await loser.ProblemCodeAsync());
            var winner = await results.Single(r => r.StatusCode == HttpStatusCode.OK).ReadNodeAsync();
            var stored = await (await merchant.GetAsync(dataSpace, $"/payments/v1/payments/{id}")).ReadNodeAsync();
            Assert.Equal(winner["status"]!.GetValue<string>(), stored["status"]!.GetValue<string>());
            Assert.Equal(winner["capturedAmount"]!.GetValue<long>(), stored["capturedAmount"]!.GetValue<long>());
        }
    }

    [Fact]
    public async Task ConcurrentRefunds_NeverAddUpToMoreThanWasCaptured()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        var id = (await merchant.AuthorizedAsync(dataSpace, amount: 1000))["id"]!.GetValue<string>();
        await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/capture");

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/refunds", new { amount = 300 })));

        Assert.Equal(3, results.Count(r => r.StatusCode == HttpStatusCode.OK));
        var stored = await (await merchant.GetAsync(dataSpace, $"/payments/v1/payments/{id}")).ReadNodeAsync();
        Assert.Equal(900, stored["refundedAmount"]!.GetValue<long>());
        Assert.Equal(3, stored["refunds"]!.AsArray().Count);
    }

    [Fact]
    public async Task SandboxKeyOnTheProductionDataSpace_AndProductionKeyOnATestingOne_AreRefusedWithTypeMismatch()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var production = await merchant.DataSpaceAsync("production");
        var testing = await merchant.DataSpaceAsync("testing");

        var sandboxIntoProduction = await merchant.AuthorizeAsync(production, Merchant.Payment());
        var productionIntoTesting = await merchant.AuthorizeAsync(testing, Merchant.Payment(card: Cards.RealLooking), key: merchant.Production);
        var productionListsTesting = await merchant.GetAsync(testing, "/payments/v1/payments", merchant.Production);

        Assert.Equal(HttpStatusCode.Conflict, sandboxIntoProduction.StatusCode);
        Assert.Equal(ProblemCodes.DataSpaceTypeMismatch, await sandboxIntoProduction.ProblemCodeAsync());
        Assert.Equal(ProblemCodes.DataSpaceTypeMismatch, await productionIntoTesting.ProblemCodeAsync());
        Assert.Equal(ProblemCodes.DataSpaceTypeMismatch, await productionListsTesting.ProblemCodeAsync());
        Assert.Empty(await merchant.ListAsync(testing));
    }

    [Fact]
    public async Task ProductionWithoutAProcessor_AnswersProcessorNotConfigured_AndRefusesTestCardsFirst()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var production = await merchant.DataSpaceAsync("production");

        var realCard = await merchant.AuthorizeAsync(production, Merchant.Payment(card: Cards.RealLooking), key: merchant.Production);
        var testCard = await merchant.AuthorizeAsync(production, Merchant.Payment(card: Cards.Visa), key: merchant.Production);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, realCard.StatusCode);
        var problem = await realCard.ReadNodeAsync();
        Assert.Equal(ProblemCodes.ProcessorNotConfigured, problem["code"]!.GetValue<string>());
        Assert.Contains("IPaymentProcessor", problem["detail"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, testCard.StatusCode);
        Assert.Equal(ProblemCodes.TestCardInProduction, await testCard.ProblemCodeAsync());
        Assert.Empty(await merchant.ListAsync(production, key: merchant.Production));
    }

    [Fact]
    public async Task ProductionWithAProcessor_TakesRealCards_AndStillRefusesTestCards()
    {
        var processor = new RecordingProcessor();
        await using var platform = await PlatformHost.StartAsync(Platform.Provider,
            services: s => s.AddSingleton<IPaymentProcessor>(processor));
        var merchant = await Merchant.CreateAsync(platform);
        var production = await merchant.DataSpaceAsync("production");

        var authorized = await merchant.AuthorizeAsync(production, Merchant.Payment(card: Cards.RealLooking), key: merchant.Production);
        var id = (await authorized.ReadNodeAsync())["id"]!.GetValue<string>();
        var captured = await merchant.PostAsync(production, $"/payments/v1/payments/{id}/capture", key: merchant.Production);
        var testCard = await merchant.AuthorizeAsync(production, Merchant.Payment(card: "5555555555554444"), key: merchant.Production);

        Assert.Equal(HttpStatusCode.Created, authorized.StatusCode);
        Assert.Equal(PaymentStatuses.Captured, (await captured.ReadNodeAsync())["status"]!.GetValue<string>());
        Assert.Equal(ProblemCodes.TestCardInProduction, await testCard.ProblemCodeAsync());
        Assert.Equal(1, processor.Authorizations);
    }

    [Fact]
    public async Task APaymentOfAnotherDataSpaceOrAccount_AnswersNotFound()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var other = await Merchant.CreateAsync(Platform);
        var mine = await merchant.DataSpaceAsync("testing");
        var sibling = await merchant.DataSpaceAsync("testing");
        var theirs = await other.DataSpaceAsync("testing");
        var inSibling = (await merchant.AuthorizedAsync(sibling))["id"]!.GetValue<string>();
        var ofOtherAccount = (await other.AuthorizedAsync(theirs))["id"]!.GetValue<string>();

        foreach (var id in new[] { inSibling, ofOtherAccount, "pay_doesnotexist" })
        {
            foreach (var response in new[]
                     {
                         await merchant.GetAsync(mine, $"/payments/v1/payments/{id}"),
                         await merchant.PostAsync(mine, $"/payments/v1/payments/{id}/capture"),
                         await merchant.PostAsync(mine, $"/payments/v1/payments/{id}/void"),
                         await merchant.PostAsync(mine, $"/payments/v1/payments/{id}/refunds", new { amount = 1 }),
                     })
            {
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
                Assert.Equal(ProblemCodes.PaymentNotFound, await response.ProblemCodeAsync());
            }
        }

        Assert.Equal(PaymentStatuses.Authorized,
            (await (await other.GetAsync(theirs, $"/payments/v1/payments/{ofOtherAccount}")).ReadNodeAsync())["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_PagesWithACursor_AndFiltersByStatusReferenceAndTime()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await merchant.AuthorizedAsync(dataSpace, reference: $"order-{i}"))["id"]!.GetValue<string>());
        }

        await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{ids[0]}/void");
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await (await merchant.GetAsync(dataSpace, "/payments/v1/payments?limit=2" + (cursor is null ? "" : $"&cursor={cursor}"))).ReadNodeAsync();
            seen.AddRange(page["data"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()));
            cursor = page["nextCursor"]?.GetValue<string>();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(ids.Order(), seen.Order());
        Assert.Equal(ids[4], seen[0]);
        Assert.Equal([ids[0]], (await merchant.ListAsync(dataSpace, "?status=voided")).Select(p => p!["id"]!.GetValue<string>()));
        Assert.Equal([ids[2]], (await merchant.ListAsync(dataSpace, "?reference=order-2")).Select(p => p!["id"]!.GetValue<string>()));
        Assert.Empty(await merchant.ListAsync(dataSpace, "?createdTo=2020-01-01T00:00:00Z"));
        Assert.Equal(5, (await merchant.ListAsync(dataSpace, "?createdFrom=2020-01-01T00:00:00Z")).Count);
        foreach (var (query, field) in new[] { ("limit=0", "'limit'"), ("limit=x", "'limit'"), ("status=paid", "'status'"), ("cursor=%%%", "'cursor'"), ("createdFrom=yesterday", "'createdFrom'") })
        {
            var refused = await merchant.GetAsync(dataSpace, "/payments/v1/payments?" + query);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(field, (await refused.ReadNodeAsync())["detail"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Copy_CountsAndCopiesPaymentsAndRefunds_AndNeverDuplicates_EvenBackAndForth()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var a = await merchant.DataSpaceAsync("testing");
        var b = await merchant.DataSpaceAsync("testing");
        var refundedId = (await merchant.AuthorizedAsync(a, reference: "refunded"))["id"]!.GetValue<string>();
        await merchant.PostAsync(a, $"/payments/v1/payments/{refundedId}/capture");
        await merchant.PostAsync(a, $"/payments/v1/payments/{refundedId}/refunds", new { amount = 1000 });
        await merchant.PostAsync(a, $"/payments/v1/payments/{refundedId}/refunds", new { amount = 500 });
        await merchant.AuthorizedAsync(a, reference: "authorized");
        await merchant.AuthorizedAsync(b, reference: "made-in-b");

        var first = await CopyAsync(merchant, from: a, to: b);
        var again = await CopyAsync(merchant, from: a, to: b);
        var back = await CopyAsync(merchant, from: b, to: a);
        var forthAgain = await CopyAsync(merchant, from: a, to: b);

        Assert.Equal(5, await merchant.HoldingsAsync(a)); // 3 payments (one came back from b) and 2 refunds
        Assert.Equal(4, first); // 2 payments and 2 refunds
        Assert.Equal(0, again);
        Assert.Equal(1, back); // only "made-in-b" was new to a
        Assert.Equal(0, forthAgain);
        var inB = await merchant.ListAsync(b);
        Assert.Equal(["authorized", "made-in-b", "refunded"], inB.Select(p => p!["reference"]!.GetValue<string>()).Order());
        var copiedRefunds = inB.Single(p => p!["reference"]!.GetValue<string>() == "refunded")!["refunds"]!.AsArray();
        Assert.Equal([1000L, 500L], copiedRefunds.Select(r => r!["amount"]!.GetValue<long>()));
        Assert.Equal(5, await merchant.HoldingsAsync(b));
        Assert.Equal(["authorized", "made-in-b", "refunded"], (await merchant.ListAsync(a)).Select(p => p!["reference"]!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task DeleteGuard_SeesPaymentsAndRefunds_AndForcedDeleteRemovesThemAll()
    {
        var merchant = await Merchant.CreateAsync(Platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");
        var id = (await merchant.AuthorizedAsync(dataSpace))["id"]!.GetValue<string>();
        await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/capture", idempotencyKey: "k-1");
        await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/refunds", new { amount = 10 });

        var refused = await Platform.Management.DeleteAsync($"/api/v1/accounts/{merchant.Account}/data-spaces/{dataSpace}");
        var forced = await Platform.Management.DeleteAsync($"/api/v1/accounts/{merchant.Account}/data-spaces/{dataSpace}?force=true");

        Assert.Equal(ProblemCodes.DataSpaceNotEmpty, await refused.ProblemCodeAsync());
        Assert.Equal(HttpStatusCode.OK, forced.StatusCode);
        await using var scope = Platform.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        Assert.False(await db.Payments.AnyAsync(p => p.DataSpaceId == dataSpace));
        Assert.False(await db.PaymentRefunds.AnyAsync(r => r.DataSpaceId == dataSpace));
        Assert.False(await db.PaymentIdempotencyKeys.AnyAsync(k => k.DataSpaceId == dataSpace));
    }

    private async Task<int> CopyAsync(Merchant merchant, string from, string to)
    {
        var response = await merchant.SendAsync(merchant.Sandbox, HttpMethod.Post, $"/merchant-registry/v1/registry/data-spaces/{to}/copy", null, new { from });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.ReadNodeAsync())["copied"]!.AsArray().Single(h => h!["service"]!.GetValue<string>() == "payments")!["items"]!.GetValue<int>();
    }

    private static async Task<string> PaymentInStateAsync(Merchant merchant, string dataSpace, string state)
    {
        var card = state == PaymentStatuses.Declined ? Cards.DoNotHonour : Cards.Visa;
        var id = (await merchant.AuthorizedAsync(dataSpace, amount: 5000, card: card))["id"]!.GetValue<string>();
        async Task Step(string path, object? body = null) =>
            Assert.Equal(HttpStatusCode.OK, (await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/{path}", body)).StatusCode);
        switch (state)
        {
            case PaymentStatuses.Voided:
                await Step("void");
                break;
            case PaymentStatuses.Captured:
                await Step("capture");
                break;
            case PaymentStatuses.PartiallyRefunded:
                await Step("capture");
                await Step("refunds", new { amount = 1000 });
                break;
            case PaymentStatuses.Refunded:
                await Step("capture");
                await Step("refunds", new { amount = 5000 });
                break;
        }

        return id;
    }
}
