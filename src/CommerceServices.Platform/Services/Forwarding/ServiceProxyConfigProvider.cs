using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;

namespace CommerceServices.Platform.Services.Forwarding;

/// <summary>
/// YARP's routes and clusters, made from the service registry: each forwarded service is a route
/// (<c>{pathPrefix}/{**rest}</c>) and a cluster of its upstreams (load balanced by power of two choices, passive health
/// checks always, active ones on <c>healthPath</c>, <c>timeoutSeconds</c> as the activity timeout). When the registry
/// changes, a new configuration replaces the old one and YARP applies it without a restart.
/// </summary>
internal sealed class ServiceProxyConfigProvider : IProxyConfigProvider, IDisposable
{
    private readonly ServiceRegistry _registry;
    private readonly IOptions<ServiceGatewayOptions> _options;
    private volatile Snapshot _config;

    public ServiceProxyConfigProvider(ServiceRegistry registry, IOptions<ServiceGatewayOptions> options)
    {
        _registry = registry;
        _options = options;
        _config = Build(registry.All);
        _registry.Changed += OnChanged;
    }

    public IProxyConfig GetConfig() => _config;

    public void Dispose() => _registry.Changed -= OnChanged;

    private void OnChanged(IReadOnlyList<ServiceDefinition> services)
    {
        var old = Interlocked.Exchange(ref _config, Build(services));
        old.SignalChange();
    }

    private Snapshot Build(IReadOnlyList<ServiceDefinition> services)
    {
        var options = _options.Value;
        var forwarded = services.Where(s => !s.InProcess).ToList();
        var routes = forwarded.Select(s => new RouteConfig
        {
            RouteId = s.Id,
            ClusterId = s.Id,
            Match = new RouteMatch { Path = s.PathPrefix + "/{**rest}" },
            MaxRequestBodySize = options.MaxRequestBodySize,
        }).ToList();
        var clusters = forwarded.Select(s => new ClusterConfig
        {
            ClusterId = s.Id,
            LoadBalancingPolicy = LoadBalancingPolicies.PowerOfTwoChoices,
            Destinations = s.Upstreams.Select((u, i) => (u, i))
                .ToDictionary(d => $"{s.Id}-{d.i}", d => new DestinationConfig { Address = d.u.AbsoluteUri }, StringComparer.Ordinal),
            HealthCheck = new HealthCheckConfig
            {
                AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
                Passive = new PassiveHealthCheckConfig
                {
                    Enabled = true,
                    Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate,
                    ReactivationPeriod = TimeSpan.FromSeconds(30),
                },
                Active = s.HealthPath is null ? null : new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = options.HealthCheckInterval,
                    Timeout = TimeSpan.FromSeconds(Math.Min(s.TimeoutSeconds, 10)),
                    Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                    Path = s.HealthPath,
                },
            },
            HttpRequest = new ForwarderRequestConfig
            {
                ActivityTimeout = TimeSpan.FromSeconds(s.TimeoutSeconds),
                Version = HttpVersion.Version11,
                VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            },
        }).ToList();
        return new Snapshot(routes, clusters);
    }

    private sealed class Snapshot(IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters) : IProxyConfig
    {
        private readonly CancellationTokenSource _changed = new();

        public string RevisionId { get; } = Guid.NewGuid().ToString("N");

        public IReadOnlyList<RouteConfig> Routes => routes;

        public IReadOnlyList<ClusterConfig> Clusters => clusters;

        public IChangeToken ChangeToken => new CancellationChangeToken(_changed.Token);

        public void SignalChange() => _changed.Cancel();
    }
}
