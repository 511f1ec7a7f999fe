using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace CommerceServices.Platform.Services.Forwarding;

/// <summary>
/// How a failing upstream is kept from affecting the others: each service may have at most its
/// <c>maxConcurrentRequests</c> calls in progress on a node; one more is refused at once (503 <c>service_busy</c>),
/// never queued. A service that hangs therefore holds at most that many of the node's requests, connections and buffers,
/// and every other service keeps answering. (A circuit breaker was not chosen: it needs failures to open, and a service
/// that hangs fails only at its timeout, by which time a breaker would have let every caller pile up.)
/// </summary>
public sealed class ServiceLimits
{
    private readonly ConcurrentDictionary<string, (int Limit, ConcurrencyLimiter Limiter)> _limiters = new(StringComparer.Ordinal);

    /// <summary>A permit for one call to <paramref name="service"/>, or a lease that is not acquired when it is at its limit.</summary>
    public RateLimitLease TryEnter(ServiceDefinition service)
    {
        var entry = _limiters.AddOrUpdate(service.Id,
            static (_, s) => (s.MaxConcurrentRequests, New(s.MaxConcurrentRequests)),
            static (_, existing, s) => existing.Limit == s.MaxConcurrentRequests ? existing : (s.MaxConcurrentRequests, New(s.MaxConcurrentRequests)),
            service);
        return entry.Limiter.AttemptAcquire();
    }

    /// <summary>Calls in progress per service on this node, for the operator's view.</summary>
    public int InProgress(string serviceId) =>
        _limiters.TryGetValue(serviceId, out var entry) ? entry.Limit - (int)(entry.Limiter.GetStatistics()?.CurrentAvailablePermits ?? entry.Limit) : 0;

    private static ConcurrencyLimiter New(int limit) =>
        new(new ConcurrencyLimiterOptions { PermitLimit = limit, QueueLimit = 0, QueueProcessingOrder = QueueProcessingOrder.OldestFirst });
}
