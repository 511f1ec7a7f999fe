using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Observability;
using CommerceServices.Platform.Services;
using Npgsql;

namespace CommerceServices.Platform.Scaling;

/// <summary>
/// Hears the key changes of the nodes sharing one PostgreSQL database (R23) with <c>LISTEN/NOTIFY</c>. A change is
/// notified inside its own transaction (<see cref="KeyChangeFeed.NotifyOtherNodesAsync"/>), so PostgreSQL delivers the
/// notification exactly when the change commits; every node, this one too, listens on a connection of its own and drops
/// the key from its caches when the notification comes. A node that loses that connection may have missed
/// notifications: it drops every cached key, reconnects, and drops them again once listening. The same connection
/// listens for the service registry's changes (<see cref="ServiceChangeFeed.Channel"/>: services, entitlements, signing
/// keys), which are also notified inside the transaction that makes them.
/// </summary>
internal sealed partial class PostgresKeyChanges : BackgroundService
{
    private const string Channel = KeyChangeFeed.Channel;

    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromMilliseconds(250);

    private readonly KeyChangeFeed _feed;
    private readonly ServiceChangeFeed _serviceChanges;
    private readonly PlatformMetrics _metrics;
    private readonly ILogger<PostgresKeyChanges> _logger;
    private readonly string? _listenConnectionString;

    /// <summary>Does nothing unless the storage is PostgreSQL (configuration read at start, when the host is built).</summary>
    public PostgresKeyChanges(IConfiguration configuration, KeyChangeFeed feed, ServiceChangeFeed serviceChanges, PlatformMetrics metrics,
        ILogger<PostgresKeyChanges> logger)
    {
        _feed = feed;
        _serviceChanges = serviceChanges;
        _metrics = metrics;
        _logger = logger;
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        if (storage.Provider != StorageProvider.PostgreSql || string.IsNullOrWhiteSpace(storage.ConnectionString))
        {
            return;
        }

        var connectionString = PostgresTimeouts.Apply(storage.ConnectionString);
        // The listening connection is long-lived and owned here: outside the pool, so the pool never hands it out.
        _listenConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _listenConnectionString is null ? Task.CompletedTask : ListenAsync(_listenConnectionString, stoppingToken);

    private async Task ListenAsync(string listenConnectionString, CancellationToken stoppingToken)
    {
        var listening = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(listenConnectionString);
                connection.Notification += (_, e) =>
                {
                    if (e.Channel == ServiceChangeFeed.Channel)
                    {
                        _serviceChanges.Receive(e.Payload);
                        return;
                    }

                    _metrics.KeyChangeReceived();
                    _feed.Receive(e.Payload);
                };
                await connection.OpenAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}; LISTEN {ServiceChangeFeed.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // Whatever changed before LISTEN took effect was not heard: start again from the database.
                ResetCaches();
                if (!listening)
                {
                    LogListening(_logger);
                    listening = true;
                }

                while (true)
                {
                    // A quiet connection is probed now and then, so a dead one is noticed within seconds.
                    if (!await connection.WaitAsync(ProbeInterval, stoppingToken))
                    {
                        await using var probe = new NpgsqlCommand("SELECT 1", connection);
                        await probe.ExecuteScalarAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or IOException)
            {
                if (listening)
                {
                    LogLost(_logger, e.GetType().Name);
                    ResetCaches();
                    listening = false;
                }

                try
                {
                    await Task.Delay(ReconnectDelay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void ResetCaches()
    {
        _metrics.KeyCacheReset();
        _feed.ReceiveUnknownChanges();
        _serviceChanges.ReceiveUnknownChanges();
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Listening for key changes of other nodes.")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning,
        Message = "Lost the key-change connection ({ExceptionType}); dropped every cached key and reconnecting.")]
    private static partial void LogLost(ILogger logger, string exceptionType);
}
