using CommerceServices.Protocol;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Payments;

/// <summary>The card as the authorization needs it; it lives only in memory, as long as the call.</summary>
internal sealed record AuthorizationCard(string Reference, string Number, int ExpMonth, int ExpYear, string Cvc)
{
    public override string ToString() => $"AuthorizationCard {{ Reference = {Reference}, ExpMonth = {ExpMonth}, ExpYear = {ExpYear} }}";
}

/// <summary>
/// Phase 2, the foreign state mutation: the call to the card processor, made outside any database transaction (no lock
/// is held while the processor thinks) and under the operation's own idempotency key, so that making it again — after a
/// lost answer, a crash, a retry — is harmless. Each call is bounded by the operation's deadline; an exception out of the
/// processor is an unknown outcome, never a guess.
/// </summary>
internal sealed partial class ForeignStateMutation(IServiceProvider services, TimeProvider time, ILogger<ForeignStateMutation> logger)
{
    /// <summary>The sandbox's processor for sandbox calls; for production, the one the operator registered, if any.</summary>
    public IPaymentProcessor? ProcessorFor(string environment) => environment == GatewayEnvironment.Sandbox.ToName()
        ? services.GetRequiredService<SandboxProcessor>()
        : services.GetService<IPaymentProcessor>();

    /// <summary>Sends the operation (again) under its key; an authorization needs the card, which only a request carries.</summary>
    public async Task<ProcessorResult> SendAsync(PaymentOperation operation, AuthorizationCard? card, CancellationToken cancellationToken)
    {
        if (ProcessorFor(operation.Environment) is not { } processor)
        {
            return ProcessorResult.Unknown("No card processor is configured for this environment now.");
        }

        var key = operation.ProcessorKey;
        var notAfter = operation.NotAfter;
        return await BoundedAsync(operation, ct => operation.Kind switch
        {
            OperationKinds.Authorize => processor.AuthorizeAsync(new ProcessorAuthorization(key, notAfter, card!.Reference, operation.Amount,
                operation.Currency, card.Number, card.ExpMonth, card.ExpYear, card.Cvc), ct),
            OperationKinds.Capture => processor.CaptureAsync(new ProcessorCapture(key, notAfter, operation.ProcessorReference!, operation.Amount, operation.Currency), ct),
            OperationKinds.Void => processor.VoidAsync(new ProcessorVoid(key, notAfter, operation.ProcessorReference!), ct),
            OperationKinds.Refund => processor.RefundAsync(new ProcessorRefund(key, notAfter, operation.ProcessorReference!, operation.Amount, operation.Currency), ct),
            _ => throw new InvalidOperationException($"Unknown operation kind '{operation.Kind}'."),
        }, cancellationToken);
    }

    /// <summary>Asks the processor what happened to the operation's key.</summary>
    public async Task<ProcessorResult> AskAsync(PaymentOperation operation, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (ProcessorFor(operation.Environment) is not { } processor)
        {
            return ProcessorResult.Unknown("No card processor is configured for this environment now.");
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            return await processor.GetOperationAsync(operation.ProcessorKey, bounded.Token);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogUnknown(logger, operation.ProcessorKey, "lookup", e.GetType().Name);
            return ProcessorResult.Unknown($"The card processor could not be asked ({e.GetType().Name}).");
        }
    }

    private async Task<ProcessorResult> BoundedAsync(PaymentOperation operation, Func<CancellationToken, Task<ProcessorResult>> call,
        CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var left = operation.NotAfter - time.GetUtcNow();
        bounded.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        try
        {
            var result = await call(bounded.Token);
            return result.Outcome == ProcessorOutcome.NotReceived ? ProcessorResult.Unknown(result.Failure ?? "not received") : result;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // A timeout, a broken connection, a bug in the processor's client: the request may have been done or not.
            LogUnknown(logger, operation.ProcessorKey, operation.Kind, e.GetType().Name);
            return ProcessorResult.Unknown($"The card processor did not answer ({e.GetType().Name}).");
        }
    }

    [LoggerMessage(EventId = PaymentLogEvents.ProcessorUnknown, Level = LogLevel.Warning,
        Message = "Card processor call {ProcessorKey} ({Kind}) ended without an answer ({Exception}); its outcome will be asked for.")]
    private static partial void LogUnknown(ILogger logger, string processorKey, string kind, string exception);
}
