using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Timeout;

namespace CommerceServices.Connector;

/// <summary>
/// The connector's HTTP pipeline on Microsoft.Extensions.Http.Resilience's standard handler, one pipeline per gateway
/// (scheme, host and port), with the connector's rules:
/// <list type="bullet">
/// <item>Retries, with exponential backoff and jitter, what may succeed a moment later: a 429 (the request was turned
/// away before it ran), waiting as long as <c>Retry-After</c> says when it says at most
/// <see cref="MaximumRetryAfter"/>; and network errors, attempt timeouts and 5xx of a request that can safely run
/// twice: GET, HEAD, PUT, DELETE, OPTIONS, or any request carrying an <c>Idempotency-Key</c> the platform honours. A
/// POST or PATCH without one is never sent again: it may have committed before its answer was lost, and would run twice
/// (a copy, a payment). Other 4xx are answers, never retried.</item>
/// <item>Gives a call <see cref="CommerceServicesConnectorOptions.TotalTimeout"/> in all, and each attempt
/// <see cref="CommerceServicesConnectorOptions.AttemptTimeout"/>.</item>
/// <item>Opens a circuit breaker for a gateway that keeps failing (network errors, timeouts, 5xx): calls to it fail at
/// once, as unreachable, for <see cref="CommerceServicesConnectorOptions.BreakDuration"/>, then one call tries it again
/// and closes the breaker if it succeeds. A refusal (4xx, 429) is an answer, not a failure of the gateway.</item>
/// </list>
/// <see cref="GatewayFailureHandler"/>, outside it, turns the pipeline's own exceptions into
/// <see cref="HttpRequestException"/>, which is what an app expects from an <see cref="HttpClient"/>.
/// </summary>
internal static partial class GatewayResilience
{
    /// <summary>The longest <c>Retry-After</c> honoured; a longer one is answered at once with the 429.</summary>
    public static readonly TimeSpan MaximumRetryAfter = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan MinimumSamplingDuration = TimeSpan.FromSeconds(30);

    public static IHttpClientBuilder AddGatewayResilience(this IHttpClientBuilder builder)
    {
        builder.Services.TryAddTransient<GatewayFailureHandler>();
        // An app's handler for all its clients (ConfigureHttpClientDefaults) would retry by other rules around these.
        // The library marks the removal as under evaluation; its one job here is what it says, and a test holds it.
#pragma warning disable EXTEXP0001
        builder.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.AddHttpMessageHandler<GatewayFailureHandler>();
        builder.AddStandardResilienceHandler().Configure(Configure).SelectPipelineByAuthority();
        return builder;
    }

    private static void Configure(HttpStandardResilienceOptions pipeline, IServiceProvider services)
    {
        var settings = services.GetRequiredService<IOptions<CommerceServicesConnectorOptions>>().Value; // validated on start
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayResilience).FullName!);

        pipeline.TotalRequestTimeout.Timeout = settings.TotalTimeout;
        pipeline.AttemptTimeout.Timeout = settings.AttemptTimeout;

        var retry = pipeline.Retry;
        retry.MaxRetryAttempts = Math.Max(1, settings.MaxRetries); // the strategy needs one; 0 retries is ShouldHandle's no
        retry.Delay = settings.RetryDelay;
        retry.BackoffType = DelayBackoffType.Exponential;
        retry.UseJitter = true;
        retry.ShouldRetryAfterHeader = true;
        retry.ShouldHandle = args => ValueTask.FromResult(settings.MaxRetries > 0 && ShouldRetry(args.Outcome, args.Context));
        retry.OnRetry = args =>
        {
            var reason = args.Outcome.Exception is { } e ? e.GetType().Name
                : ((int)args.Outcome.Result!.StatusCode).ToString(CultureInfo.InvariantCulture);
            LogRetry(logger, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, reason);
            return ValueTask.CompletedTask;
        };

        var breaker = pipeline.CircuitBreaker;
        breaker.FailureRatio = settings.BreakFailureRatio;
        breaker.MinimumThroughput = settings.BreakMinimumThroughput;
        breaker.BreakDuration = settings.BreakDuration;
        // The standard handler wants at least two attempts' time in the window it counts failures over.
        breaker.SamplingDuration = settings.AttemptTimeout * 2 > MinimumSamplingDuration ? settings.AttemptTimeout * 2 : MinimumSamplingDuration;
        breaker.ShouldHandle = args => ValueTask.FromResult(IsGatewayFailure(args.Outcome));
        breaker.OnOpened = args =>
        {
            LogBreakerOpened(logger, Gateway(args.Context), args.BreakDuration.TotalSeconds);
            return ValueTask.CompletedTask;
        };
        breaker.OnClosed = args =>
        {
            LogBreakerClosed(logger, Gateway(args.Context));
            return ValueTask.CompletedTask;
        };
    }

    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        var request = context.GetRequestMessage();
        if (outcome.Exception is not null)
        {
            return outcome.Exception is HttpRequestException or TimeoutRejectedException
                && !context.CancellationToken.IsCancellationRequested
                && IsSafeToRepeat(request);
        }

        var response = outcome.Result!;
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return RetryAfter(response) is not { } wait || wait <= MaximumRetryAfter;
        }

        return (int)response.StatusCode >= 500 && IsSafeToRepeat(request);
    }

    /// <summary>What says the gateway itself is in trouble: it could not be reached, did not answer, or failed.</summary>
    private static bool IsGatewayFailure(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is HttpRequestException or TimeoutRejectedException
        || (outcome.Result is { } response && (int)response.StatusCode >= 500);

    /// <summary>Whether running the request twice does no more than running it once.</summary>
    internal static bool IsSafeToRepeat(HttpRequestMessage? request)
    {
        if (request is null)
        {
            return false;
        }

        var method = request.Method;
        return method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Put || method == HttpMethod.Delete
               || method == HttpMethod.Options
               || (request.Headers.TryGetValues(Protocol.GatewayHeaders.IdempotencyKey, out var keys) && keys.Any(k => k.Length > 0));
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
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

    private static string Gateway(ResilienceContext context) =>
        context.GetRequestMessage()?.RequestUri?.GetLeftPart(UriPartial.Authority) ?? "(unknown)";

    [LoggerMessage(EventId = ConnectorLogEvents.Retry, Level = LogLevel.Information, Message = "Gateway call failed transiently ({Reason}); attempt {Attempt} in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, int attempt, double delayMs, string reason);

    [LoggerMessage(EventId = ConnectorLogEvents.BreakerOpened, Level = LogLevel.Warning,
        Message = "The gateway at {Gateway} failed repeatedly; calls to it fail at once for {Seconds} s, then one tries it again")]
    private static partial void LogBreakerOpened(ILogger logger, string gateway, double seconds);

    [LoggerMessage(EventId = ConnectorLogEvents.BreakerClosed, Level = LogLevel.Information, Message = "The gateway at {Gateway} answers again; calls go through")]
    private static partial void LogBreakerClosed(ILogger logger, string gateway);
}
