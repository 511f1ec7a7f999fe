using CommerceServices.Protocol.Services;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace CommerceServices.Platform.Services.Forwarding;

/// <summary>
/// Whether a service answers, as this node's YARP sees it: an upstream is unhealthy when its health check
/// (<c>healthPath</c>) failed twice in a row or too many recent calls to it failed; a service is healthy while one of its
/// upstreams is not unhealthy. Services inside the platform are healthy while the platform is.
/// </summary>
public sealed class ServiceHealth(IProxyStateLookup proxy)
{
    public bool IsHealthy(ServiceDefinition service) =>
        service.InProcess || UpstreamsOf(service).Any(u => u.Health != "unhealthy");

    public IReadOnlyList<UpstreamHealthView> UpstreamsOf(ServiceDefinition service)
    {
        if (service.InProcess)
        {
            return [];
        }

        if (!proxy.TryGetCluster(service.Id, out var cluster))
        {
            return service.Upstreams.Select(u => new UpstreamHealthView(u.AbsoluteUri, "unknown")).ToList();
        }

        return service.Upstreams.Select((u, i) =>
        {
            var health = cluster.Destinations.TryGetValue($"{service.Id}-{i}", out var destination) ? destination.Health : null;
            var state = health is null ? "unknown"
                : health.Active == DestinationHealth.Unhealthy || health.Passive == DestinationHealth.Unhealthy ? "unhealthy"
                : health.Active == DestinationHealth.Healthy || (service.HealthPath is null && health.Passive == DestinationHealth.Healthy) ? "healthy"
                : "unknown";
            return new UpstreamHealthView(u.AbsoluteUri, state);
        }).ToList();
    }
}
