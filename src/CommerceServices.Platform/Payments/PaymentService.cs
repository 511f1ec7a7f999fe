using System.Globalization;
using System.Text;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Gateway;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Payments;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Payments;

/// <summary>
/// Payment Services' application code: authorize, capture, void, refund, read. Knows the caller only through the
/// verified <see cref="GatewayCaller"/>; acts only on the caller's data space. Refusals are values (<see cref="PlatformError"/>).
/// <para>
/// Each call that moves money is a small state machine over atomic phases (see <see cref="PaymentOperation"/>):
/// phase 1 claims the <c>Idempotency-Key</c> and records the intent — a <c>pending</c> payment, or the capture, void or
/// refund holding its payment — in one transaction (<see cref="RecordIntentAsync"/>); phase 2 calls the processor outside
/// any transaction under the operation's own key (<see cref="ForeignStateMutation"/>); phase 3 records the outcome, the
/// payment's new state, its event and the stored answer in one transaction (<see cref="OutcomeRecorder"/>). Refusals
/// decided before phase 1 (bad input, a state that does not allow the call) commit nothing and are not stored; a replay
/// commits nothing either.
/// </para>
/// </summary>
internal sealed class PaymentService(PlatformDbContext db, TimeProvider time, ForeignStateMutation processors, PaymentCompletion completion,
    SqliteWriteGate writeGate, IOptions<PaymentsOptions> options, IOptions<JsonOptions> json)
{
    public const int MaximumReferenceLength = 100;
    public const int DefaultPageSize = 20;
    public const int MaximumPageSize = 100;

    /// <summary>A key written before operations existed, still without an answer after this, died with its request.</summary>
    private static readonly TimeSpan LegacyKeyAbandoned = TimeSpan.FromMinutes(2);

    // A transition that lost a race re-reads the payment and decides again; a handful of rounds is plenty, because
    // every round some writer wins.
    private const int TransitionAttempts = 8;

    /// <summary>What phase 1 found: the key is another request's (so wait for its answer), or the call's result.</summary>
    private readonly record struct Attempt(bool KeyTaken, PaymentCallResult Result);

    public Task<PaymentCallResult> AuthorizeAsync(GatewayCaller caller, AuthorizePaymentRequest? request, string? idempotencyKey, string fingerprint,
        CancellationToken ct)
    {
        var card = request?.Card is { Number: { } number, ExpMonth: { } month, ExpYear: { } year, Cvc: { } cvc } && request.Reference is { } reference
            ? new AuthorizationCard(reference.Trim(), CardNumber.Digits(number), month, year, cvc.Trim())
            : null;
        return WithKeyAsync(caller, idempotencyKey, fingerprint, card, () => AuthorizeOnceAsync(caller, request, idempotencyKey, fingerprint, ct), ct);
    }

    private async Task<Attempt> AuthorizeOnceAsync(GatewayCaller caller, AuthorizePaymentRequest? request, string? idempotencyKey, string fingerprint,
        CancellationToken ct)
    {
        if (Validate(request) is { } invalid)
        {
            return new Attempt(false, invalid);
        }

        var card = request!.Card!;
        var digits = CardNumber.Digits(card.Number!);
        var testCard = TestCards.Find(digits);
        if (caller.Environment == GatewayEnvironment.Production && testCard is not null)
        {
            return new Attempt(false, new PlatformError(ProblemCodes.TestCardInProduction,
                "This is a sandbox test card: the production gateway takes real cards only. Use test cards with a sandbox key pair and a testing data space."));
        }

        if (caller.Environment == GatewayEnvironment.Sandbox && testCard is null)
        {
            return new Attempt(false, new PlatformError(ProblemCodes.InvalidRequest,
                "'card.number' is not a sandbox test card: the sandbox takes only the documented test cards (for example 4111 1111 1111 1111), never real ones."));
        }

        if (processors.ProcessorFor(caller.Environment.ToName()) is null)
        {
            return new Attempt(false, ProcessorNotConfigured());
        }

        var now = Now();
        var payment = new Payment
        {
            Id = Ids.New("pay"),
            DataSpaceId = caller.DataSpaceId!,
            Reference = request.Reference!.Trim(),
            Amount = request.Amount!.Value,
            Currency = request.Currency!.Trim().ToUpperInvariant(),
            Status = PaymentStatuses.Pending,
            CardBrand = CardBrands.Of(digits),
            CardLast4 = digits[^4..],
            CardExpMonth = card.ExpMonth,
            CardExpYear = card.ExpYear,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var operation = NewOperation(caller, payment, OperationKinds.Authorize, payment.Amount, null, idempotencyKey, now);
        if (!await RecordIntentAsync(operation, idempotencyKey, fingerprint, payment, null, ct))
        {
            return new Attempt(true, default);
        }

        var authorization = new AuthorizationCard(payment.Reference, digits, card.ExpMonth!.Value, card.ExpYear!.Value, card.Cvc!.Trim());
        return new Attempt(false, await AnswerAsync(completion.FinishAsync(operation, authorization, payment), payment.Id, ct));
    }

    public Task<PaymentCallResult> CaptureAsync(GatewayCaller caller, string id, CapturePaymentRequest? request, string? idempotencyKey,
        string fingerprint, CancellationToken ct)
    {
        if (request?.Amount is <= 0)
        {
            return Task.FromResult<PaymentCallResult>(new PlatformError(ProblemCodes.InvalidRequest,
                "'amount' must be a positive whole number of minor units, or left out to capture the whole authorization."));
        }

        return WithKeyAsync(caller, idempotencyKey, fingerprint, null, () => TransitionAsync(caller, id, idempotencyKey, fingerprint, payment =>
        {
            if (payment.Status != PaymentStatuses.Authorized || payment.PendingOperationId is not null)
            {
                return (StateRefusal(payment, "captured", "only an authorized payment can be captured, once"), null, 0);
            }

            var amount = request?.Amount ?? payment.Amount;
            if (amount > payment.Amount)
            {
                return (new PlatformError(ProblemCodes.AmountExceedsRemaining,
                    $"'amount' {amount} is more than the {payment.Amount} authorized ({Currencies.Format(payment.Amount, payment.Currency)})."), null, 0);
            }

            return (null, OperationKinds.Capture, amount);
        }, ct), ct);
    }

    public Task<PaymentCallResult> VoidAsync(GatewayCaller caller, string id, string? idempotencyKey, string fingerprint, CancellationToken ct) =>
        WithKeyAsync(caller, idempotencyKey, fingerprint, null, () => TransitionAsync(caller, id, idempotencyKey, fingerprint, payment =>
            payment.Status != PaymentStatuses.Authorized || payment.PendingOperationId is not null
                ? (StateRefusal(payment, "voided", "only an authorized payment that is not captured can be voided"), null, 0)
                : (null, OperationKinds.Void, 0), ct), ct);

    public Task<PaymentCallResult> RefundAsync(GatewayCaller caller, string id, RefundPaymentRequest? request, string? idempotencyKey,
        string fingerprint, CancellationToken ct)
    {
        if (request?.Amount is not > 0)
        {
            return Task.FromResult<PaymentCallResult>(new PlatformError(ProblemCodes.InvalidRequest,
                "'amount' is required: a positive whole number of minor units, at most what is captured and not yet refunded."));
        }

        var amount = request.Amount.Value;
        return WithKeyAsync(caller, idempotencyKey, fingerprint, null, () => TransitionAsync(caller, id, idempotencyKey, fingerprint, payment =>
        {
            if (payment.Status is not (PaymentStatuses.Captured or PaymentStatuses.PartiallyRefunded))
            {
                return (StateRefusal(payment, "refunded", "only a captured payment with money left on it can be refunded"), null, 0);
            }

            var remaining = payment.CapturedAmount - payment.RefundedAmount - payment.PendingRefundAmount;
            if (amount > remaining)
            {
                var pending = payment.PendingRefundAmount > 0 ? $", {Currencies.Format(payment.PendingRefundAmount, payment.Currency)} more being refunded now" : "";
                return (new PlatformError(ProblemCodes.AmountExceedsRemaining,
                    $"'amount' {amount} is more than the {remaining} left to refund ({Currencies.Format(remaining, payment.Currency)} of " +
                    $"{Currencies.Format(payment.CapturedAmount, payment.Currency)} captured{pending})."), null, 0);
            }

            return (null, OperationKinds.Refund, amount);
        }, ct), ct);
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

    /// <summary>
    /// A capture, void or refund: decides on the payment as read, then records the intent — holding the payment for a
    /// capture or void, reserving the amount for a refund — only if the payment is still the version that was read (a
    /// conditional UPDATE, no exception on a lost race). The loser reads the new state and decides again, so two captures,
    /// or a capture and a void, leave exactly one that reaches the processor; the other gets the refusal of the state it finds.
    /// </summary>
    private async Task<Attempt> TransitionAsync(GatewayCaller caller, string id, string? idempotencyKey, string fingerprint,
        Func<Payment, (PlatformError? Refusal, string? Kind, long Amount)> decide, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (await FindAsync(caller, id, ct) is not { } payment)
            {
                return new Attempt(false, NotFound(id));
            }

            var (refusal, kind, amount) = decide(payment);
            if (refusal is not null)
            {
                return new Attempt(false, refusal);
            }

            if (processors.ProcessorFor(caller.Environment.ToName()) is null)
            {
                return new Attempt(false, ProcessorNotConfigured());
            }

            var operation = NewOperation(caller, payment, kind!, amount, kind == OperationKinds.Refund ? Ids.New("rfd") : null, idempotencyKey, Now());
            bool recorded;
            try
            {
                recorded = await RecordIntentAsync(operation, idempotencyKey, fingerprint, null, payment, ct);
            }
            catch (LostRaceException)
            {
                if (attempt + 1 >= TransitionAttempts)
                {
                    return new Attempt(false, new PlatformError(ProblemCodes.InvalidPaymentState,
                        "The payment is being changed by other requests at this moment; read it again and retry."));
                }

                continue;
            }

            return recorded
                ? new Attempt(false, await AnswerAsync(completion.FinishAsync(operation, null, kind == OperationKinds.Refund ? null : payment), payment.Id, ct))
                : new Attempt(true, default);
        }
    }

    /// <summary>
    /// Phase 1, the first atomic phase: in one transaction, claims the client's key (when there is one) and records the
    /// intent — the operation at <see cref="RecoveryPoints.IntentRecorded"/>, with a <c>pending</c> payment for an
    /// authorization, or the hold on the payment for a capture, void or refund. False when the key turns out to be
    /// another request's: nothing is written then. A capture, void or refund whose payment changed since it was read
    /// throws <see cref="LostRaceException"/>, also with nothing written.
    /// </summary>
    private async Task<bool> RecordIntentAsync(PaymentOperation operation, string? idempotencyKey, string fingerprint, Payment? created,
        Payment? changed, CancellationToken ct)
    {
        // Once this transaction has begun the request's token no longer counts: the intent commits, or nothing does.
        ct.ThrowIfCancellationRequested();
        using var writer = await writeGate.EnterAsync(db, ct);
        // The transaction is all or nothing already: no savepoint around SaveChanges (on PostgreSQL each costs a round
        // trip and a subtransaction id).
        db.Database.AutoSavepointsEnabled = false;
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        if (idempotencyKey is not null && !await TryClaimAsync(operation, idempotencyKey, fingerprint))
        {
            await transaction.RollbackAsync(CancellationToken.None);
            return false;
        }

        if (created is not null)
        {
            db.Payments.Add(created);
        }
        else if (operation.Kind == OperationKinds.Refund)
        {
            // Refunds run side by side: the reservation is taken only if it still fits the row as it is now.
            var amount = operation.Amount;
            var reserved = await db.Payments
                .Where(p => p.Id == changed!.Id && (p.Status == PaymentStatuses.Captured || p.Status == PaymentStatuses.PartiallyRefunded)
                            && p.CapturedAmount - p.RefundedAmount - p.PendingRefundAmount >= amount)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(p => p.PendingRefundAmount, p => p.PendingRefundAmount + amount)
                    .SetProperty(p => p.Version, p => p.Version + 1), CancellationToken.None);
            if (reserved == 0)
            {
                await transaction.RollbackAsync(CancellationToken.None);
                throw new LostRaceException();
            }
        }
        else
        {
            // The hold, on the version that was read: the UPDATE names it, so a payment changed meanwhile is not touched.
            db.Payments.Attach(changed!);
            changed!.PendingOperationId = operation.Id;
            changed.Version++;
        }

        db.PaymentOperations.Add(operation);
        try
        {
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (DbUpdateConcurrencyException)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            throw new LostRaceException();
        }

        await transaction.CommitAsync(CancellationToken.None);
        db.ChangeTracker.Clear();
        return true;
    }

    /// <summary>
    /// Inserts the key, pointing at the operation, unless it exists: one statement both providers run atomically, so of
    /// concurrent first requests exactly one claims the key and none meets an error.
    /// </summary>
    private async Task<bool> TryClaimAsync(PaymentOperation operation, string key, string fingerprint)
    {
        var nowMs = operation.CreatedAt.ToUnixTimeMilliseconds();
        var expiresMs = nowMs + (long)IdempotencyRecordLifetime.TotalMilliseconds;
        return await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
             INSERT INTO "PaymentIdempotencyKeys" ("DataSpaceId", "Key", "Fingerprint", "CreatedAt", "ExpiresAt", "OperationId")
             VALUES ({operation.DataSpaceId}, {key}, {fingerprint}, {nowMs}, {expiresMs}, {operation.Id})
             ON CONFLICT ("DataSpaceId", "Key") DO NOTHING
             """, CancellationToken.None) == 1;
    }

    /// <summary>How long a key and its answer are kept; the recovery worker removes them after.</summary>
    public static readonly TimeSpan IdempotencyRecordLifetime = TimeSpan.FromHours(24);

    private sealed class LostRaceException : Exception;

    private PaymentOperation NewOperation(GatewayCaller caller, Payment payment, string kind, long amount, string? refundId, string? idempotencyKey,
        DateTimeOffset now)
    {
        var id = Ids.New("pop");
        var until = now + options.Value.ProcessorTimeout;
        return new PaymentOperation
        {
            Id = id,
            PaymentId = payment.Id,
            DataSpaceId = payment.DataSpaceId,
            AccountId = caller.AccountId,
            Environment = caller.Environment.ToName(),
            Kind = kind,
            Amount = amount,
            Currency = payment.Currency,
            RefundId = refundId,
            ProcessorReference = kind == OperationKinds.Authorize ? null : payment.ProcessorReference ?? payment.Id,
            ProcessorKey = $"{payment.Id}/{kind}/{id}",
            RecoveryPoint = RecoveryPoints.IntentRecorded,
            LockedUntil = until,
            NotAfter = until,
            IdempotencyKey = idempotencyKey,
            Attempts = 1,
            CreatedAt = now,
        };
    }

    /// <summary>
    /// The answer of phases 2–3, which run on without the request: a client that goes away stops only its own wait.
    /// Null from them means the outcome is not known yet: 503 <c>payment_pending</c>, not stored, so a retry gets the final one.
    /// </summary>
    private async Task<PaymentCallResult> AnswerAsync(Task<PaymentAnswer?> phases, string paymentId, CancellationToken ct) =>
        await phases.WaitAsync(ct) is { } answer ? answer : Pending(paymentId);

    private PaymentAnswer Pending(string paymentId) => PaymentAnswer.Of(new PlatformError(ProblemCodes.PaymentPending,
        $"The payment {paymentId} is recorded and its outcome at the card processor is not known yet; nothing is lost. Retry with the same " +
        "Idempotency-Key to get the final answer (the platform finishes the call in the background); never with a new key."),
        paymentId, json.Value.SerializerOptions);

    /// <summary>
    /// The idempotency rules around a call: no key, run it. A key already used gives that call's answer: stored (a replay,
    /// no commit), or — while its operation is unfinished — the answer it comes to, waited for up to
    /// <see cref="PaymentsOptions.RetryWait"/>. A retry whose operation was left between phases (its holder died or gave
    /// up) finishes it itself: it asks the processor under the operation's key, never doing the work twice. The same key
    /// with another request is refused.
    /// </summary>
    private async Task<PaymentCallResult> WithKeyAsync(GatewayCaller caller, string? key, string fingerprint, AuthorizationCard? card,
        Func<Task<Attempt>> run, CancellationToken ct)
    {
        if (key is null)
        {
            return (await run()).Result;
        }

        var dataSpace = caller.DataSpaceId!;
        var waitUntil = time.GetUtcNow() + options.Value.RetryWait;
        while (true)
        {
            var existing = await db.PaymentIdempotencyKeys.AsNoTracking().FirstOrDefaultAsync(r => r.DataSpaceId == dataSpace && r.Key == key, ct);
            if (existing is null || existing.ExpiresAt <= Now()
                                 || (existing is { Status: null, OperationId: null } && Now() - existing.CreatedAt > LegacyKeyAbandoned))
            {
                if (existing is not null)
                {
                    var createdAt = existing.CreatedAt;
                    using (await writeGate.EnterAsync(db, ct))
                    {
                        await db.PaymentIdempotencyKeys.Where(r => r.DataSpaceId == dataSpace && r.Key == key && r.CreatedAt == createdAt).ExecuteDeleteAsync(ct);
                    }
                }

                var attempt = await run();
                // A refusal is decided on the payment as read, which a concurrent request with the same key may just have
                // changed (its capture holds the payment): if the key is there now, this request is that one's retry.
                if (!attempt.KeyTaken && (attempt.Result.Refusal is null
                                          || !await db.PaymentIdempotencyKeys.AnyAsync(r => r.DataSpaceId == dataSpace && r.Key == key, ct)))
                {
                    return attempt.Result;
                }

                continue;
            }

            if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(existing.Fingerprint), Encoding.ASCII.GetBytes(fingerprint)))
            {
                return new PlatformError(ProblemCodes.IdempotencyKeyReused,
                    $"'{GatewayHeaders.IdempotencyKey}' {key} was first used with a different request (another call, payment or body); " +
                    "use a new key for a new operation.");
            }

            if (existing.Status is { } status)
            {
                return new PaymentCallResult(new PaymentAnswer(status, existing.ContentType ?? PaymentAnswer.Json, existing.Body ?? [], existing.Location), null, true);
            }

            if (existing.OperationId is { } operationId)
            {
                var running = completion.Running(operationId);
                if (running is null && await completion.TryTakeOverAsync(operationId, willSend: card is not null || !await IsAuthorizationAsync(operationId, ct), ct)
                        is { } taken)
                {
                    running = completion.FinishAsync(taken, card);
                }

                if (running is not null)
                {
                    var left = waitUntil - time.GetUtcNow();
                    try
                    {
                        var answer = await running.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, time, ct);
                        if (answer is not null)
                        {
                            return new PaymentCallResult(answer, null, true);
                        }

                        // Ended without a known outcome: its payment is pending, and the retry is told so.
                        var paymentId = await db.PaymentOperations.Where(o => o.Id == operationId).Select(o => o.PaymentId).FirstAsync(ct);
                        return Pending(paymentId);
                    }
                    catch (TimeoutException)
                    {
                        return InProgress(key);
                    }
                }
            }

            if (time.GetUtcNow() > waitUntil)
            {
                return InProgress(key);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), time, ct);
        }
    }

    private Task<bool> IsAuthorizationAsync(string operationId, CancellationToken ct) =>
        db.PaymentOperations.AnyAsync(o => o.Id == operationId && o.Kind == OperationKinds.Authorize, ct);

    private static PlatformError InProgress(string key) => new(ProblemCodes.IdempotencyKeyInProgress,
        $"The first request with '{GatewayHeaders.IdempotencyKey}' {key} is still running; retry shortly to get its answer.")
    {
        RetryAfter = TimeSpan.FromSeconds(1),
    };

    private Task<Payment?> FindAsync(GatewayCaller caller, string id, CancellationToken ct)
    {
        var dataSpace = caller.DataSpaceId!;
        return db.Payments.AsNoTracking().Include(p => p.Refunds).FirstOrDefaultAsync(p => p.Id == id && p.DataSpaceId == dataSpace, ct);
    }

    private static PlatformError ProcessorNotConfigured() => new(ProblemCodes.ProcessorNotConfigured,
        "Production payments need a card processor, and none is configured on this platform: the operator registers one " +
        "(an IPaymentProcessor, see the README's Payment Services section). Nothing was charged or recorded. Sandbox payments work without one.");

    private static PlatformError StateRefusal(Payment payment, string verb, string rule) => new(ProblemCodes.InvalidPaymentState,
        payment.Status == PaymentStatuses.Pending
            ? $"The payment is pending (its authorization is still at the card processor) and cannot be {verb}: {rule}. Read it again shortly."
            : payment.PendingOperationId is not null
                ? $"The payment is {payment.Status.Replace('_', ' ')} with a capture or void in progress and cannot be {verb}: {rule}."
                : $"The payment is {payment.Status.Replace('_', ' ')} and cannot be {verb}: {rule}.");

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
