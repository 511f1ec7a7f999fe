using CommerceServices.Protocol;
using Microsoft.Extensions.Options;

namespace CommerceServices.Connector;

/// <summary>
/// The connector's settings as this process sees them: loaded from the store once and again when the file changes
/// (checked at most once a second), plus the signing credentials of each environment, built once per key pair.
/// </summary>
public sealed class ConnectorState
{
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(1);

    private readonly CommerceServicesConnectorOptions _options;
    private readonly Lock _gate = new();
    private ConnectorSettings? _settings;
    private DateTime _fileWrittenAt;
    private long _checkedAt;
    // One immutable object per environment, read without the lock: a reference is read whole, so the keys and the
    // credentials read together always belong together (a pair of fields could be read half old, half new).
    private volatile Signing? _sandbox;
    private volatile Signing? _production;

    public ConnectorState(IOptions<CommerceServicesConnectorOptions> options, TimeProvider time)
    {
        _options = options.Value;
        Time = time;
        Store = new ConnectorSettingsStore(_options.ResolveStoreDirectory());
    }

    public ConnectorSettingsStore Store { get; }

    public TimeProvider Time { get; }

    public CommerceServicesConnectorOptions Options => _options;

    /// <summary>The current settings. Throws <see cref="ConnectorStoreException"/> when the store cannot be read.</summary>
    public ConnectorSettings Settings
    {
        get
        {
            var settings = _settings;
            var now = Environment.TickCount64;
            if (settings is not null && now - Interlocked.Read(ref _checkedAt) < RecheckInterval.TotalMilliseconds)
            {
                return settings;
            }

            lock (_gate)
            {
                Interlocked.Exchange(ref _checkedAt, now);
                if (_settings is null || Store.CurrentWriteTime() != _fileWrittenAt)
                {
                    // The time kept is the time of the file the settings were read from, never one read afterwards:
                    // a write landing between the two would otherwise look already seen, and be missed for good.
                    var loaded = Store.LoadVersion();
                    _settings = loaded.Settings;
                    _fileWrittenAt = loaded.WrittenAt;
                }

                return _settings;
            }
        }
    }

    /// <summary>The environment whose keys sign requests.</summary>
    public GatewayEnvironment ActiveEnvironment => EnvironmentOf(Settings);

    public GatewayEnvironment EnvironmentOf(ConnectorSettings settings) =>
        settings.Environment ?? (GatewayEnvironments.TryParse(_options.Environment, out var environment) ? environment : GatewayEnvironment.Sandbox);

    public Uri GatewayUrlOf(ConnectorSettings settings, GatewayEnvironment environment) => environment == GatewayEnvironment.Production
        ? settings.ProductionGatewayUrl ?? _options.ProductionGatewayUrl
        : settings.SandboxGatewayUrl ?? _options.SandboxGatewayUrl;

    /// <summary>Saves <paramref name="settings"/> to the store and uses them from now on.</summary>
    public void Save(ConnectorSettings settings)
    {
        lock (_gate)
        {
            _fileWrittenAt = Store.SaveVersion(settings);
            _settings = settings;
        }
    }

    /// <summary>
    /// The credentials of the active environment, or null when its keys are missing or unusable. The same object (and so
    /// the same cached token) is returned for as long as the keys do not change.
    /// </summary>
    public GatewayCredentials? ActiveCredentials()
    {
        var settings = Settings;
        var environment = EnvironmentOf(settings);
        return settings.KeysFor(environment) is { } keys ? CredentialsFor(environment, keys).Credentials : null;
    }

    public CredentialsResult CredentialsFor(GatewayEnvironment environment, EnvironmentKeys keys)
    {
        if (CachedCredentials(environment, keys) is { } hit)
        {
            return CredentialsResult.Ok(hit);
        }

        var result = GatewayCredentials.Create(environment, keys, Time);
        if (result.Credentials is { } credentials)
        {
            if (environment == GatewayEnvironment.Production)
            {
                _production = new Signing(keys, credentials);
            }
            else
            {
                _sandbox = new Signing(keys, credentials);
            }
        }

        return result;
    }

    /// <summary>The credentials built for <paramref name="keys"/>, when they are the ones cached; nothing is built.</summary>
    internal GatewayCredentials? CachedCredentials(GatewayEnvironment environment, EnvironmentKeys keys)
    {
        var cached = environment == GatewayEnvironment.Production ? _production : _sandbox;
        return cached is not null && cached.Keys.Equals(keys) ? cached.Credentials : null;
    }

    /// <summary>An environment's keys with the credentials built from them.</summary>
    private sealed record Signing(EnvironmentKeys Keys, GatewayCredentials Credentials);
}
