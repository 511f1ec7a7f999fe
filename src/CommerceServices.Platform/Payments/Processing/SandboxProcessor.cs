using CommerceServices.Platform.Data;
using CommerceServices.Protocol.Payments;

namespace CommerceServices.Platform.Payments;

/// <summary>The sandbox: approves or declines by test card (see <see cref="TestCards"/>), moves no money.</summary>
internal sealed class SandboxProcessor(TimeProvider time) : IPaymentProcessor
{
    public Task<ProcessorResult> AuthorizeAsync(ProcessorAuthorization authorization, CancellationToken cancellationToken)
    {
        var card = TestCards.Find(authorization.CardNumber);
        var now = time.GetUtcNow();
        var result = card?.DeclineReason is { } reason ? ProcessorResult.Decline(reason)
            : (authorization.ExpYear, authorization.ExpMonth).CompareTo((now.Year, now.Month)) < 0 ? ProcessorResult.Decline(DeclineReasons.ExpiredCard)
            : ProcessorResult.Approve(Ids.New("sbx"));
        return Task.FromResult(result);
    }

    public Task<ProcessorResult> CaptureAsync(string processorReference, long amount, string currency, CancellationToken cancellationToken) =>
        Task.FromResult(ProcessorResult.Approve(processorReference));

    public Task<ProcessorResult> VoidAsync(string processorReference, CancellationToken cancellationToken) =>
        Task.FromResult(ProcessorResult.Approve(processorReference));

    public Task<ProcessorResult> RefundAsync(string processorReference, long amount, string currency, CancellationToken cancellationToken) =>
        Task.FromResult(ProcessorResult.Approve(processorReference));
}
