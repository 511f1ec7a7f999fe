using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace CommerceServices.Connector;

/// <summary>
/// Outside the resilience pipeline (<see cref="GatewayResilience"/>): its timeouts, open circuit and full concurrency
/// limit reach the app as <see cref="HttpRequestException"/> with a sentence, as any other failure to reach the gateway
/// does, rather than as Polly's exceptions.
/// </summary>
internal sealed class GatewayFailureHandler(IOptions<CommerceServicesConnectorOptions> options) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException e) when (!cancellationToken.IsCancellationRequested)
        {
            // The whole call's time is what ran out when it is spent, even if an attempt's own timeout fired at the
            // same moment (the retry then stops, and the attempt's exception is the one that comes out).
            var timeout = System.Diagnostics.Stopwatch.GetElapsedTime(started) >= options.Value.TotalTimeout ? options.Value.TotalTimeout : e.Timeout;
            throw new HttpRequestException($"The gateway did not answer within {timeout.TotalSeconds:0.#} seconds.", e);
        }
        catch (BrokenCircuitException e)
        {
            throw new HttpRequestException(
                $"it failed repeatedly just now, so calls to it are paused for up to {options.Value.BreakDuration.TotalSeconds:0.#} s", e);
        }
        catch (ExecutionRejectedException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HttpRequestException("too many calls to the gateway are under way at once from this instance", e);
        }
    }
}
