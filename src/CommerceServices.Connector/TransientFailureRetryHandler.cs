using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace CommerceServices.Connector;

/// <summary>
/// Retries what may succeed a moment later, with exponential backoff and jitter (Polly): 429 (waiting as long as
/// <c>Retry-After</c> says: the request was turned away before it ran), and network errors, timeouts and 5xx of a
/// request that can safely run twice: GET, HEAD, PUT, DELETE, or any request carrying an <c>Idempotency-Key</c>
/// (<see cref="Protocol.GatewayHeaders.IdempotencyKey"/>) the platform honours. A POST or PATCH without one is never
/// retried on those: it may have committed before the answer was lost, and would run twice (a copy, a payment). Other
/// 4xx are answers, never retried.
/// </summary>
public sealed partial class TransientFailureRetryHandler : DelegatingHandler
{
    /// <summary>The longest <c>Retry-After</c> honoured; a longer one is answered at once with the 429.</summary>
    public static readonly TimeSpan MaximumRetryAfter = TimeSpan.FromSeconds(30);

    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public TransientFailureRetryHandler(IOptions<CommerceServicesConnectorOptions> options, ILogger<TransientFailureRetryHandler> logger)
    {
        var settings = options.Value;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (settings.MaxRetries > 0) // validated at start: 0 (no retries) to 10
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = settings.MaxRetries,
                Delay = settings.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome, args.Context)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
                OnRetry = args =>
                {
                    var reason = args.Outcome.Exception is { } e ? e.GetType().Name : ((int)args.Outcome.Result!.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    LogRetry(logger, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, reason);
                    return ValueTask.CompletedTask;
                },
            });
        }

        _pipeline = builder.AddTimeout(settings.AttemptTimeout).Build();
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RequestKey, request);
        try
        {
            var outcome = await _pipeline.ExecuteOutcomeAsync(
                static async (ctx, state) =>
                {
                    try
                    {
                        return Outcome.FromResult(await state.Handler.BaseSendAsync(state.Request, ctx.CancellationToken).ConfigureAwait(false));
                    }
                    catch (Exception e)
                    {
                        return Outcome.FromException<HttpResponseMessage>(e);
                    }
                },
                context, (Handler: this, Request: request)).ConfigureAwait(false);
            if (outcome.Exception is TimeoutRejectedException timeout && !cancellationToken.IsCancellationRequested)
            {
                throw new HttpRequestException($"The gateway did not answer within {timeout.Timeout.TotalSeconds:0.#} seconds.", timeout);
            }

            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static readonly ResiliencePropertyKey<HttpRequestMessage> RequestKey = new("CommerceServices.Request");

    private Task<HttpResponseMessage> BaseSendAsync(HttpRequestMessage request, CancellationToken ct) => base.SendAsync(request, ct);

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        var request = context.Properties.TryGetValue(RequestKey, out var sent) ? sent : null;
        if (outcome.Exception is not null)
        {
            return outcome.Exception is HttpRequestException or TimeoutRejectedException
                && !context.CancellationToken.IsCancellationRequested
                && IsSafeToRepeat(request);
        }

        var status = outcome.Result!.StatusCode;
        if (status == HttpStatusCode.TooManyRequests)
        {
            return RetryAfter(outcome.Result) is not { } wait || wait <= MaximumRetryAfter;
        }

        return (int)status >= 500 && IsSafeToRepeat(request);
    }

    /// <summary>Whether running the request twice does no more than running it once.</summary>
    internal static bool IsSafeToRepeat(HttpRequestMessage? request)
    {
        if (request is null)
        {
            return false;
        }

        var method = request.Method;
        return method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Put || method == HttpMethod.Delete
               || (request.Headers.TryGetValues(Protocol.GatewayHeaders.IdempotencyKey, out var keys) && keys.Any(k => k.Length > 0));
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        var retryAfter = response?.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    [LoggerMessage(EventId = ConnectorLogEvents.Retry, Level = LogLevel.Information, Message = "Gateway call failed transiently ({Reason}); attempt {Attempt} in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, int attempt, double delayMs, string reason);
}
