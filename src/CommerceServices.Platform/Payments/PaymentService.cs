using System.Globalization;
using System.Text;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Gateway;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Payments;

namespace CommerceServices.Platform.Payments;

/// <summary>
/// Payment Services' application code: authorize, capture, void, refund, read. Knows the caller only through the
/// verified <see cref="GatewayCaller"/>; acts only on the caller's data space. Refusals are values (<see cref="PlatformError"/>).
/// </summary>
public sealed class PaymentService(PlatformDbContext db, TimeProvider time, IServiceProvider services)
{
    public const int MaximumReferenceLength = 100;
    public const int DefaultPageSize = 20;
    public const int MaximumPageSize = 100;

    // A transition that lost a race re-reads the payment and decides again; a handful of rounds is plenty, because
    // every round some writer wins.
    private const int TransitionAttempts = 8;

    public async Task<Outcome<PaymentRecord>> AuthorizeAsync(GatewayCaller caller, AuthorizePaymentRequest? request, CancellationToken ct)
    {
        if (Validate(request) is { } invalid)
        {
            return invalid;
        }

        var card = request!.Card!;
        var digits = CardNumber.Digits(card.Number!);
        var testCard = TestCards.Find(digits);
        if (caller.Environment == GatewayEnvironment.Production && testCard is not null)
        {
            return new PlatformError(ProblemCodes.TestCardInProduction,
                "This is a sandbox test card: the production gateway takes real cards only. Use test cards with a sandbox key pair and a testing data space.");
        }

        if (caller.Environment == GatewayEnvironment.Sandbox && testCard is null)
        {
            return new PlatformError(ProblemCodes.InvalidRequest,
                "'card.number' is not a sandbox test card: the sandbox takes only the documented test cards (for example 4111 1111 1111 1111), never real ones.");
        }

        if (ProcessorFor(caller) is not { } processor)
        {
            return ProcessorNotConfigured();
        }

        var amount = request.Amount!.Value;
        var currency = request.Currency!.Trim().ToUpperInvariant();
        var result = await processor.AuthorizeAsync(new ProcessorAuthorization(request.Reference!.Trim(), amount, currency, digits,
            card.ExpMonth!.Value, card.ExpYear!.Value, card.Cvc!.Trim()), ct);
        if (result.Failure is { } failure)
        {
            return new PlatformError(ProblemCodes.ProcessorFailed, $"The card processor did not authorize the payment: {failure} Nothing was recorded; try again.");
        }

        var now = Now();
        var payment = new Payment
        {
            Id = Ids.New("pay"),
            DataSpaceId = caller.DataSpaceId!,
            Reference = request.Reference!.Trim(),
            Amount = amount,
            Currency = currency,
            Status = result.Approved ? PaymentStatuses.Authorized : PaymentStatuses.Declined,
            DeclineReason = result.Approved ? null : result.DeclineReason ?? DeclineReasons.DoNotHonour,
            CardBrand = CardBrands.Of(digits),
            CardLast4 = digits[^4..],
            CardExpMonth = card.ExpMonth,
            CardExpYear = card.ExpYear,
            ProcessorReference = result.ProcessorReference,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Payments.Add(payment);
        await db.SaveChangesAsync(ct);
        db.Entry(payment).State = EntityState.Detached;
        return View(payment);
    }

    public Task<Outcome<PaymentRecord>> CaptureAsync(GatewayCaller caller, string id, CapturePaymentRequest? request, CancellationToken ct)
    {
        if (request?.Amount is <= 0)
        {
            return Task.FromResult<Outcome<PaymentRecord>>(new PlatformError(ProblemCodes.InvalidRequest,
                "'amount' must be a positive whole number of minor units, or left out to capture the whole authorization."));
        }

        return TransitionAsync(caller, id, payment =>
        {
            if (payment.Status != PaymentStatuses.Authorized)
            {
                return (StateRefusal(payment, "captured", "only an authorized payment can be captured, once"), null);
            }

            var amount = request?.Amount ?? payment.Amount;
            if (amount > payment.Amount)
            {
                return (new PlatformError(ProblemCodes.AmountExceedsRemaining,
                    $"'amount' {amount} is more than the {payment.Amount} authorized ({Currencies.Format(payment.Amount, payment.Currency)})."), null);
            }

            return (null, new Change(PaymentStatuses.Captured, amount, 0, null,
                (processor, p) => processor.CaptureAsync(p.ProcessorReference ?? p.Id, amount, p.Currency, ct)));
        }, ct);
    }

    public Task<Outcome<PaymentRecord>> VoidAsync(GatewayCaller caller, string id, CancellationToken ct) =>
        TransitionAsync(caller, id, payment => payment.Status != PaymentStatuses.Authorized
            ? (StateRefusal(payment, "voided", "only an authorized payment that is not captured can be voided"), null)
            : (null, new Change(PaymentStatuses.Voided, 0, 0, null, (processor, p) => processor.VoidAsync(p.ProcessorReference ?? p.Id, ct))), ct);

    public Task<Outcome<PaymentRecord>> RefundAsync(GatewayCaller caller, string id, RefundPaymentRequest? request, CancellationToken ct)
    {
        if (request?.Amount is not > 0)
        {
            return Task.FromResult<Outcome<PaymentRecord>>(new PlatformError(ProblemCodes.InvalidRequest,
                "'amount' is required: a positive whole number of minor units, at most what is captured and not yet refunded."));
        }

        var amount = request.Amount.Value;
        return TransitionAsync(caller, id, payment =>
        {
            if (payment.Status is not (PaymentStatuses.Captured or PaymentStatuses.PartiallyRefunded))
            {
                return (StateRefusal(payment, "refunded", "only a captured payment with money left on it can be refunded"), null);
            }

            var remaining = payment.CapturedAmount - payment.RefundedAmount;
            if (amount > remaining)
            {
                return (new PlatformError(ProblemCodes.AmountExceedsRemaining,
                    $"'amount' {amount} is more than the {remaining} left to refund ({Currencies.Format(remaining, payment.Currency)} of " +
                    $"{Currencies.Format(payment.CapturedAmount, payment.Currency)} captured)."), null);
            }

            var refunded = payment.RefundedAmount + amount;
            var refund = new Refund { Id = Ids.New("rfd"), PaymentId = payment.Id, DataSpaceId = payment.DataSpaceId, Amount = amount, CreatedAt = Now() };
            return (null, new Change(refunded == payment.CapturedAmount ? PaymentStatuses.Refunded : PaymentStatuses.PartiallyRefunded,
                payment.CapturedAmount, refunded, refund, (processor, p) => processor.RefundAsync(p.ProcessorReference ?? p.Id, amount, p.Currency, ct)));
        }, ct);
    }

    public async Task<Outcome<PaymentRecord>> GetAsync(GatewayCaller caller, string id, CancellationToken ct) =>
        await FindAsync(caller, id, ct) is { } payment ? View(payment) : NotFound(id);

    public async Task<Outcome<PaymentList>> ListAsync(GatewayCaller caller, PaymentListQuery query, CancellationToken ct)
    {
        var dataSpace = caller.DataSpaceId!;
        var payments = db.Payments.AsNoTracking().Include(p => p.Refunds).Where(p => p.DataSpaceId == dataSpace);
        if (query.Status is { Length: > 0 } status)
        {
            if (!PaymentStatuses.All.Contains(status))
            {
                return Invalid($"'status' must be one of {string.Join(", ", PaymentStatuses.All)}.");
            }

            payments = payments.Where(p => p.Status == status);
        }

        if (query.Reference is { Length: > 0 } reference)
        {
            payments = payments.Where(p => p.Reference == reference);
        }

        if (query.CreatedFrom is { Length: > 0 })
        {
            if (!TryParseTime(query.CreatedFrom, out var from))
            {
                return Invalid("'createdFrom' must be an ISO 8601 time with an offset, such as 2026-11-22T00:00:00Z.");
            }

            payments = payments.Where(p => p.CreatedAt >= from);
        }

        if (query.CreatedTo is { Length: > 0 })
        {
            if (!TryParseTime(query.CreatedTo, out var to))
            {
                return Invalid("'createdTo' must be an ISO 8601 time with an offset, such as 2026-11-23T00:00:00Z.");
            }

            payments = payments.Where(p => p.CreatedAt < to);
        }

        var limit = DefaultPageSize;
        if (query.Limit is { Length: > 0 } && (!int.TryParse(query.Limit, NumberStyles.None, CultureInfo.InvariantCulture, out limit)
                                              || limit is < 1 or > MaximumPageSize))
        {
            return Invalid($"'limit' must be a whole number from 1 to {MaximumPageSize}.");
        }

        if (query.Cursor is { Length: > 0 })
        {
            if (!PageCursor.TryRead(query.Cursor, out var afterTime, out var afterId))
            {
                return Invalid("'cursor' is not a cursor this API gave out: pass the 'nextCursor' of the previous page unchanged.");
            }

            payments = payments.Where(p => p.CreatedAt < afterTime || (p.CreatedAt == afterTime && string.Compare(p.Id, afterId) < 0));
        }

        var page = await payments.OrderByDescending(p => p.CreatedAt).ThenByDescending(p => p.Id).Take(limit + 1).ToListAsync(ct);
        var next = page.Count > limit ? PageCursor.Write(page[limit - 1].CreatedAt, page[limit - 1].Id) : null;
        return new PaymentList(page.Take(limit).Select(View).ToList(), next);
    }

    public static PaymentRecord View(Payment p) => new(
        p.Id, p.Reference, p.Status, p.DeclineReason, p.Amount, p.CapturedAmount, p.RefundedAmount, p.Currency,
        Currencies.Format(p.Amount, p.Currency),
        p is { CardBrand: { } brand, CardLast4: { } last4, CardExpMonth: { } month, CardExpYear: { } year } ? new CardSummary(brand, last4, month, year) : null,
        p.Refunds.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).Select(r => new RefundRecord(r.Id, r.Amount, r.CreatedAt)).ToList(),
        p.CreatedAt, p.UpdatedAt);

    /// <summary>What a transition does: the new state and amounts, an optional refund, and the processor's part.</summary>
    private sealed record Change(string Status, long CapturedAmount, long RefundedAmount, Refund? Refund,
        Func<IPaymentProcessor, Payment, Task<ProcessorResult>> Process);

    /// <summary>
    /// One transition, safe against a concurrent one on the same payment: the update applies only to the version that was
    /// read (a conditional UPDATE, no exception on a lost race); the loser reads the new state and decides again, so two
    /// captures, or a capture and a void, leave exactly one winner and the other gets the refusal of the state it finds.
    /// The processor is asked inside the transaction, after the row is won, so it is asked once per winning transition.
    /// </summary>
    private async Task<Outcome<PaymentRecord>> TransitionAsync(GatewayCaller caller, string id,
        Func<Payment, (PlatformError? Refusal, Change? Change)> decide, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (await FindAsync(caller, id, ct) is not { } payment)
            {
                return NotFound(id);
            }

            var (refusal, change) = decide(payment);
            if (refusal is not null)
            {
                return refusal;
            }

            if (ProcessorFor(caller) is not { } processor)
            {
                return ProcessorNotConfigured();
            }

            var now = Now();
            var version = payment.Version;
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var won = await db.Payments
                .Where(p => p.Id == payment.Id && p.Version == version)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(p => p.Status, change!.Status)
                    .SetProperty(p => p.CapturedAmount, change.CapturedAmount)
                    .SetProperty(p => p.RefundedAmount, change.RefundedAmount)
                    .SetProperty(p => p.UpdatedAt, now)
                    .SetProperty(p => p.Version, version + 1), ct);
            if (won == 0)
            {
                await transaction.RollbackAsync(ct);
                if (attempt + 1 >= TransitionAttempts)
                {
                    return new PlatformError(ProblemCodes.InvalidPaymentState,
                        "The payment is being changed by other requests at this moment; read it again and retry.");
                }

                continue;
            }

            if (change!.Refund is { } refund)
            {
                db.PaymentRefunds.Add(refund);
                await db.SaveChangesAsync(ct);
                db.Entry(refund).State = EntityState.Detached;
                payment.Refunds.Add(refund);
            }

            var processed = await change.Process(processor, payment);
            if (!processed.Approved)
            {
                await transaction.RollbackAsync(ct);
                return new PlatformError(ProblemCodes.ProcessorFailed,
                    $"The card processor refused the operation ({processed.DeclineReason ?? processed.Failure ?? "no reason given"}); the payment is unchanged.");
            }

            await transaction.CommitAsync(ct);
            payment.Status = change.Status;
            payment.CapturedAmount = change.CapturedAmount;
            payment.RefundedAmount = change.RefundedAmount;
            payment.UpdatedAt = now;
            payment.Version = version + 1;
            return View(payment);
        }
    }

    private Task<Payment?> FindAsync(GatewayCaller caller, string id, CancellationToken ct)
    {
        var dataSpace = caller.DataSpaceId!;
        return db.Payments.AsNoTracking().Include(p => p.Refunds).FirstOrDefaultAsync(p => p.Id == id && p.DataSpaceId == dataSpace, ct);
    }

    /// <summary>The sandbox's test cards for sandbox calls; for production, the processor the operator registered, if any.</summary>
    private IPaymentProcessor? ProcessorFor(GatewayCaller caller) => caller.Environment == GatewayEnvironment.Sandbox
        ? services.GetRequiredService<SandboxProcessor>()
        : services.GetService<IPaymentProcessor>();

    private static PlatformError ProcessorNotConfigured() => new(ProblemCodes.ProcessorNotConfigured,
        "Production payments need a card processor, and none is configured on this platform: the operator registers one " +
        "(an IPaymentProcessor, see the README's Payment Services section). Nothing was charged or recorded. Sandbox payments work without one.");

    private static PlatformError StateRefusal(Payment payment, string verb, string rule) => new(ProblemCodes.InvalidPaymentState,
        $"The payment is {payment.Status.Replace('_', ' ')} and cannot be {verb}: {rule}.");

    private static PlatformError NotFound(string id) => new(ProblemCodes.PaymentNotFound,
        $"There is no payment '{(id.Length > 100 ? id[..100] + "…" : id)}' in this data space.");

    private static PlatformError Invalid(string detail) => new(ProblemCodes.InvalidRequest, detail);

    // Milliseconds, as the database keeps them: the answer to a create reads the same as every later read of it.
    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());

    private static bool TryParseTime(string value, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);

    private static PlatformError? Validate(AuthorizePaymentRequest? request)
    {
        if (request?.Reference?.Trim() is not { Length: > 0 and <= MaximumReferenceLength })
        {
            return Invalid($"'reference' must be 1 to {MaximumReferenceLength} characters: your order number, for example.");
        }

        var currency = request.Currency?.Trim().ToUpperInvariant();
        if (currency is null || !Currencies.TryGetExponent(currency, out var exponent))
        {
            return Invalid($"'currency' must be an ISO 4217 code Payment Services takes, such as EUR, USD, JPY or KWD; '{Truncate(request.Currency)}' is not one.");
        }

        var maximum = Currencies.MaximumMinorUnits(exponent);
        if (request.Amount is not { } amount || amount < 1 || amount > maximum)
        {
            return Invalid($"'amount' must be a whole number of minor units from 1 to {maximum}: {currency} has {exponent} decimal place(s), " +
                           $"so 1 is {Currencies.Format(1, currency)}.");
        }

        if (request.Card is not { } card)
        {
            return Invalid("'card' is required: {number, expMonth, expYear, cvc}.");
        }

        var digits = card.Number is null ? "" : CardNumber.Digits(card.Number);
        if (digits.Length is < 12 or > 19 || !digits.All(char.IsAsciiDigit))
        {
            return Invalid("'card.number' must be 12 to 19 digits (spaces and dashes between groups are allowed).");
        }

        if (!CardBrands.PassesLuhn(digits))
        {
            return Invalid("'card.number' fails the card number check (Luhn check digit): it was mistyped.");
        }

        if (card.ExpMonth is not (>= 1 and <= 12))
        {
            return Invalid("'card.expMonth' must be a month from 1 to 12.");
        }

        if (card.ExpYear is not (>= 2000 and <= 2099))
        {
            return Invalid("'card.expYear' must be a four-digit year, such as 2030.");
        }

        var cvcLength = CardBrands.SecurityCodeLength(CardBrands.Of(digits));
        if (card.Cvc?.Trim() is not { } cvc || cvc.Length != cvcLength || !cvc.All(char.IsAsciiDigit))
        {
            return Invalid($"'card.cvc' must be the card's {cvcLength}-digit security code.");
        }

        return null;
    }

    private static string Truncate(string? value) => value is null ? "" : value.Length > 20 ? value[..20] + "…" : value;
}

/// <summary>The query of <c>GET /payments/v1/payments</c>, read as text so each bad value is named in the refusal.</summary>
public sealed record PaymentListQuery(string? Status, string? Reference, string? CreatedFrom, string? CreatedTo, string? Limit, string? Cursor);

internal static class CardNumber
{
    /// <summary>The number without the spaces and dashes people type between groups.</summary>
    public static string Digits(string number)
    {
        var builder = new StringBuilder(number.Length);
        foreach (var c in number)
        {
            if (c is not (' ' or '-'))
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}

/// <summary>An opaque page cursor: the creation time and id of the last payment of the page (newest first).</summary>
internal static class PageCursor
{
    public static string Write(DateTimeOffset createdAt, string id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{createdAt.ToUnixTimeMilliseconds()}:{id}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryRead(string cursor, out DateTimeOffset createdAt, out string id)
    {
        createdAt = default;
        id = "";
        if (cursor.Length > 200)
        {
            return false;
        }

        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=')));
            var colon = text.IndexOf(':');
            if (colon < 1 || !long.TryParse(text[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
                          || ms > 253402300799999)
            {
                return false;
            }

            createdAt = DateTimeOffset.FromUnixTimeMilliseconds(ms);
            id = text[(colon + 1)..];
            return id.Length > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
