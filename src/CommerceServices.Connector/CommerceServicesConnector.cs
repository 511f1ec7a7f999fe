using CommerceServices.Connector.Configuration;
using CommerceServices.Connector.Status;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Registry;
using Microsoft.Extensions.Logging;

namespace CommerceServices.Connector;

/// <summary>
/// What a commerce app (its admin pages, the CLI) does with the connector: save keys and the SaaS identifier, ask
/// whether the instance is connected and why not, list projects and data spaces, move to another data space without
/// losing data by accident, and make its own key pair. A thin entry point: the work is done in <c>Status/</c>,
/// <c>Configuration/</c> and <c>KeyRegistration/</c>; a settings store that cannot be read or written is turned into
/// a <c>store_unavailable</c> result here, once, for all of them.
/// </summary>
public sealed partial class CommerceServicesConnector(
    ConnectorState state, IHttpClientFactory httpClients, ILogger<CommerceServicesConnector> logger)
{
    public const string ManagementHttpClientName = "CommerceServices.Management";

    /// <summary>A clock further than this from the gateway's is reported as <c>clock_skew</c>.</summary>
    public static readonly TimeSpan MaximumClockOffset = ConnectionCheck.MaximumClockOffset;

    public ConnectorState State => state;

    /// <summary>The stored settings.</summary>
    public ConnectorSettings Settings => state.Settings;

    private RegistryClient Registry() => new(httpClients.CreateClient(RegistryClient.HttpClientName));

    private SettingsSaver Saver() => new(state, logger);

    /// <summary>Whether the instance is connected (R2, R10, R21). Reads the store, then asks the gateway.</summary>
    public async Task<ConnectionStatus> GetStatusAsync(CancellationToken ct = default)
    {
        ConnectionStatus status;
        try
        {
            status = await new ConnectionCheck(state, Registry()).CheckAsync(state.Settings, ct);
        }
        catch (ConnectorStoreException e)
        {
            status = new ConnectionStatus
            {
                State = ConnectionState.NotConfigured, Code = ConnectorCodes.StoreUnavailable, Message = e.Message,
                Environment = GatewayEnvironments.TryParse(state.Options.Environment, out var fallback) ? fallback : GatewayEnvironment.Sandbox,
            };
        }

        if (status.Code is { } code)
        {
            LogStatus(logger, ConnectionStatus.StateName(status.State), code, status.Environment.ToName());
        }
        else
        {
            LogStatusWithoutCode(logger, ConnectionStatus.StateName(status.State), status.Environment.ToName());
        }

        return status;
    }

    /// <summary>
    /// Saves keys, the SaaS identifier and gateway URLs. Keys are checked offline first (R20). When keys or the data
    /// space change, the gateway checks the pair and the data space is bound to this instance (R13) before anything is
    /// saved. A production instance is not moved away from its data space unless <paramref name="move"/> says what to do
    /// with the data (R12, R18); a carry-over binds the new data space first, then copies into it.
    /// </summary>
    public Task<ConfigureResult> ConfigureAsync(ConnectorChange change, DataSpaceMove move = DataSpaceMove.None, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        return WithStoreAsync(settings => new ConnectorConfiguration(state, Registry(), Saver(), logger).ConfigureAsync(settings, change, move, ct));
    }

    /// <summary>
    /// Saves the key pair of <paramref name="environment"/> without making it the active environment: for the environment
    /// this instance does not run in, the keys are checked offline (R20) and by that environment's gateway, then stored;
    /// the active environment, the data space and its binding stay as they are. For the active environment this is
    /// <see cref="ConfigureAsync"/> with the keys alone (the data space is checked and bound with them). A null
    /// <paramref name="apiKey"/> or <paramref name="privateKeyPem"/> keeps the stored one.
    /// </summary>
    public Task<ConfigureResult> SaveKeysAsync(GatewayEnvironment environment, string? apiKey, string? privateKeyPem, CancellationToken ct = default) =>
        WithStoreAsync(settings => state.EnvironmentOf(settings) == environment
            ? new ConnectorConfiguration(state, Registry(), Saver(), logger).ConfigureAsync(settings,
                new ConnectorChange { Environment = environment, ApiKey = apiKey, PrivateKeyPem = privateKeyPem }, DataSpaceMove.None, ct)
            : new ConnectorConfiguration(state, Registry(), Saver(), logger).SaveOtherKeysAsync(settings, environment, apiKey, privateKeyPem, ct));

    /// <summary>Moves this instance to <paramref name="dataSpaceId"/> (R13), with the data-loss guard (R12, R18).</summary>
    public Task<ConfigureResult> UseDataSpaceAsync(string dataSpaceId, DataSpaceMove move = DataSpaceMove.None, string? projectId = null,
        CancellationToken ct = default) =>
        ConfigureAsync(new ConnectorChange { DataSpaceId = dataSpaceId, ProjectId = projectId }, move, ct);

    /// <summary>The account's projects and their data spaces, through the active environment's gateway.</summary>
    public async Task<GatewayResult<IReadOnlyList<RegistryProject>>> ListProjectsAsync(CancellationToken ct = default)
    {
        var target = ActiveTarget();
        return target.Failure is { } failure ? failure : await Registry().ListProjectsAsync(target.Value!, ct);
    }

    /// <summary>The services behind the active environment's gateway (R11).</summary>
    public async Task<GatewayResult<IReadOnlyList<ServiceView>>> ListServicesAsync(CancellationToken ct = default)
    {
        var target = ActiveTarget();
        return target.Failure is { } failure ? failure : await Registry().ListServicesAsync(target.Value!, ct);
    }

    /// <summary>
    /// Bring your own key (R19): makes an RSA 2048 pair here, registers only its public key with the platform's
    /// management API, and keeps the private key in the store. It never leaves this machine.
    /// </summary>
    public Task<ConfigureResult> GenerateKeyPairAsync(GatewayEnvironment environment, Uri portalUrl, string? operatorToken, string accountId,
        CancellationToken ct = default) =>
        WithStoreAsync(_ => new KeyRegistration.KeyRegistration(state, httpClients.CreateClient(ManagementHttpClientName), Saver())
            .GenerateAsync(environment, portalUrl, operatorToken, accountId, ct));

    /// <summary>Runs <paramref name="operation"/> on the stored settings; a store that fails becomes <c>store_unavailable</c>.</summary>
    private async Task<ConfigureResult> WithStoreAsync(Func<ConnectorSettings, Task<ConfigureResult>> operation)
    {
        try
        {
            return await operation(state.Settings);
        }
        catch (ConnectorStoreException e)
        {
            return ConfigureResult.Fail(ConnectorCodes.StoreUnavailable, e.Message);
        }
    }

    private GatewayResult<GatewayTarget> ActiveTarget()
    {
        try
        {
            var settings = state.Settings;
            var environment = state.EnvironmentOf(settings);
            var credentials = state.ActiveCredentials();
            return credentials is null
                ? new GatewayFailure(GatewayFailureKind.Refused, ConnectorCodes.NotConfigured,
                    $"The connector has no usable {environment.ToName()} key pair. Save one first: `commerce-services connector configure " +
                    $"--environment {environment.ToName()} --api-key <key> --private-key-file <pem>`, or the Keys fields on the connector's admin page.")
                : new GatewayTarget(state.GatewayUrlOf(settings, environment), credentials);
        }
        catch (ConnectorStoreException e)
        {
            return new GatewayFailure(GatewayFailureKind.Refused, ConnectorCodes.StoreUnavailable, e.Message);
        }
    }

    [LoggerMessage(EventId = ConnectorLogEvents.Status, Level = LogLevel.Information, Message = "Connector status: {State} ({Code}) for {Environment}")]
    private static partial void LogStatus(ILogger logger, string state, string code, string environment);

    /// <summary>Verified carries no code: "verified for sandbox", not "verified ((null))".</summary>
    [LoggerMessage(EventId = ConnectorLogEvents.StatusWithoutCode, Level = LogLevel.Information, Message = "Connector status: {State} for {Environment}")]
    private static partial void LogStatusWithoutCode(ILogger logger, string state, string environment);
}
