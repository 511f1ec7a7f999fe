using System.Diagnostics.Metrics;

namespace CommerceServices.Platform.Observability;

/// <summary>
/// The platform's own metrics, in one <see cref="Meter"/> named <see cref="MeterName"/>: read them with
/// <c>dotnet-counters monitor -n CommerceServices.Platform --counters CommerceServices.Platform</c>, scrape them from
/// <c>/metrics</c>, or have them exported over OTLP by setting <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>. The names are listed
/// in docs/observability.md. Request durations are ASP.NET Core's own <c>http.server.request.duration</c>.
/// </summary>
public sealed class PlatformMetrics
{
    public const string MeterName = "CommerceServices.Platform";

    private readonly Counter<long> _gatewayRequests;
    private readonly Counter<long> _tokenVerifications;
    private readonly Counter<long> _tokenCacheHits;
    private readonly Counter<long> _keyChangeNotifications;
    private readonly Counter<long> _keyCacheResets;
    private readonly Counter<long> _storageErrors;
    private Func<int>? _keyCacheSize;

    public PlatformMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _gatewayRequests = meter.CreateCounter<long>("commerce.gateway.requests", "{request}",
            "Gateway requests by authentication outcome: 'ok' or the refusal's problem code.");
        _tokenVerifications = meter.CreateCounter<long>("commerce.gateway.token.verifications", "{token}",
            "RS256 signature verifications (tokens not found in the validated-token cache).");
        _tokenCacheHits = meter.CreateCounter<long>("commerce.gateway.token.cache_hits", "{token}",
            "Requests whose token was already verified on this node.");
        meter.CreateObservableGauge("commerce.gateway.key_cache.size", () => _keyCacheSize?.Invoke() ?? 0, "{key}",
            "API keys cached by this node (known and unknown ones).");
        _keyChangeNotifications = meter.CreateCounter<long>("commerce.key_changes.notifications", "{notification}",
            "Key-change notifications between nodes, by direction: 'sent' or 'received'.");
        _keyCacheResets = meter.CreateCounter<long>("commerce.key_changes.cache_resets", "{reset}",
            "Times this node dropped every cached key because it may have missed notifications.");
        _storageErrors = meter.CreateCounter<long>("commerce.storage.errors", "{error}",
            "Requests answered 503 storage_unavailable, by exception type.");
    }

    public void GatewayAccepted() => _gatewayRequests.Add(1, new KeyValuePair<string, object?>("outcome", "ok"));

    public void GatewayRefused(string code) => _gatewayRequests.Add(1, new KeyValuePair<string, object?>("outcome", code));

    public void TokenVerified() => _tokenVerifications.Add(1);

    public void TokenCacheHit() => _tokenCacheHits.Add(1);

    public void ObserveKeyCacheSize(Func<int> size) => _keyCacheSize = size;

    public void KeyChangeSent() => _keyChangeNotifications.Add(1, new KeyValuePair<string, object?>("direction", "sent"));

    public void KeyChangeReceived() => _keyChangeNotifications.Add(1, new KeyValuePair<string, object?>("direction", "received"));

    public void KeyCacheReset() => _keyCacheResets.Add(1);

    public void StorageError(Exception exception) =>
        _storageErrors.Add(1, new KeyValuePair<string, object?>("exception", exception.GetType().Name));
}
