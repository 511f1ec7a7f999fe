using System.Threading.Channels;
using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Observability;
using CommerceServices.Platform.Services;
using Npgsql;

namespace CommerceServices.Platform.Scaling;

/// <summary>
/// Carries key changes between the nodes sharing one PostgreSQL database (R23) with <c>LISTEN/NOTIFY</c>. A change
/// committed on this node (<see cref="KeyChangeFeed.Published"/>) is sent with <c>pg_notify</c> right after its
/// commit; every node, this one too, listens on a connection of its own and drops the key from its caches when the
/// notification comes. A node that loses that connection may have missed notifications: it drops every cached key,
/// reconnects, and drops them again once listening. A notification lost anyway (a node killed between its commit and
/// the send) is covered by the key cache's time limit, <c>Gateway:KeyCacheSeconds</c>. The same connection listens for
/// the service registry's changes (<see cref="ServiceChangeFeed.Channel"/>: services, entitlements, signing keys), which
/// are sent inside the transaction that makes them.
/// </summary>
internal sealed partial class PostgresKeyChanges : BackgroundService
{
    /// <summary>NOTIFY channels are per database, so nodes of different databases on one server never mix.</summary>
    public const string Channel = "commerce_key_changes";

    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromMilliseconds(250);

    private readonly Channel<string> _outgoing = System.Threading.Channels.Channel.CreateUnbounded<string>(
        new UnboundedChannelOptions { SingleReader = true });
    private readonly KeyChangeFeed _feed;
    private readonly ServiceChangeFeed _serviceChanges;
    private readonly PlatformMetrics _metrics;
    private readonly ILogger<PostgresKeyChanges> _logger;
    private readonly string _listenConnectionString = "";
    private readonly NpgsqlDataSource? _sender;

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
        _sender = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 2 }.ConnectionString);
        _feed.Published += Enqueue;
    }

    public override void Dispose()
    {
        _feed.Published -= Enqueue;
        _sender?.Dispose();
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _sender is null ? Task.CompletedTask : Task.WhenAll(ListenAsync(stoppingToken), SendAsync(_sender, stoppingToken));

    private void Enqueue(string apiKey) => _outgoing.Writer.TryWrite(apiKey);

    private async Task SendAsync(NpgsqlDataSource sender, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var apiKey in _outgoing.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await using var command = sender.CreateCommand($"SELECT pg_notify('{Channel}', $1)");
                    command.Parameters.Add(new NpgsqlParameter { Value = apiKey });
                    await command.ExecuteNonQueryAsync(stoppingToken);
                    _metrics.KeyChangeSent();
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    // The change is committed; the other nodes see it when their cached copy expires.
                    LogSendFailed(_logger, e.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var listening = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_listenConnectionString);
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

    [LoggerMessage(EventId = 1303, Level = LogLevel.Warning,
        Message = "Could not notify other nodes of a key change ({ExceptionType}); they apply it within Gateway:KeyCacheSeconds.")]
    private static partial void LogSendFailed(ILogger logger, string exceptionType);
}
