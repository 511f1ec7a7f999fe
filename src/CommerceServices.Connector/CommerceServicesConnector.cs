using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;
using CommerceServices.Protocol.Tokens;
using Microsoft.Extensions.Logging;

namespace CommerceServices.Connector;

/// <summary>
/// What a commerce app (its admin pages, the CLI) does with the connector: save keys and the SaaS identifier, ask
/// whether the instance is connected and why not, list projects and data spaces, move to another data space without
/// losing data by accident, and make its own key pair.
/// </summary>
public sealed partial class CommerceServicesConnector(
    ConnectorState state, IHttpClientFactory httpClients, ILogger<CommerceServicesConnector> logger)
{
    public const string ManagementHttpClientName = "CommerceServices.Management";

    /// <summary>A clock further than this from the gateway's is reported as <c>clock_skew</c>.</summary>
    public static readonly TimeSpan MaximumClockOffset = GatewayTokenRules.ClockSkew;

    public ConnectorState State => state;

    /// <summary>The stored settings.</summary>
    public ConnectorSettings Settings => state.Settings;

    private RegistryClient Registry() => new(httpClients.CreateClient(RegistryClient.HttpClientName));

    /// <summary>Whether the instance is connected (R2, R10, R21). Reads the store, then asks the gateway.</summary>
    public async Task<ConnectionStatus> GetStatusAsync(CancellationToken ct = default)
    {
        var status = await CheckAsync(ct);
        LogStatus(logger, ConnectionStatus.StateName(status.State), status.Code, status.Environment.ToName());
        return status;
    }

    private async Task<ConnectionStatus> CheckAsync(CancellationToken ct)
    {
        ConnectorSettings settings;
        try
        {
            settings = state.Settings;
        }
        catch (ConnectorStoreException e)
        {
            return new ConnectionStatus
            {
                State = ConnectionState.NotConfigured, Code = ConnectorCodes.StoreUnavailable, Message = e.Message,
                Environment = GatewayEnvironments.TryParse(state.Options.Environment, out var fallback) ? fallback : GatewayEnvironment.Sandbox,
            };
        }

        var environment = state.EnvironmentOf(settings);
        var name = environment.ToName();
        var status = new ConnectionStatus
        {
            State = ConnectionState.NotConfigured, Message = "", Environment = environment, ProjectId = settings.ProjectId,
            DataSpaceId = settings.DataSpaceId, InstanceId = settings.InstanceId,
        };

        var keys = settings.KeysFor(environment);
        var missing = new List<string>();
        if (keys is null)
        {
            missing.Add($"{name} API key");
            missing.Add($"{name} private key");
        }

        if (string.IsNullOrEmpty(settings.ProjectId))
        {
            missing.Add("project");
        }

        if (string.IsNullOrEmpty(settings.DataSpaceId))
        {
            missing.Add("data space");
        }

        if (missing.Count > 0)
        {
            return status with
            {
                Code = ConnectorCodes.NotConfigured,
                Message = $"The connector is not configured for {name}: {JoinList(missing)} {(missing.Count == 1 ? "is" : "are")} missing.",
                Missing = missing,
            };
        }

        var credentials = state.CredentialsFor(environment, keys!);
        if (!credentials.Success)
        {
            return status with { Code = credentials.Code, Message = credentials.Message! };
        }

        var gatewayUrl = state.GatewayUrlOf(settings, environment);
        var registry = Registry();
        var info = await registry.GetGatewayInfoAsync(gatewayUrl, ct);
        if (info.Failure is { Kind: GatewayFailureKind.Unreachable } down)
        {
            return Unreachable(status, name, down);
        }

        TimeSpan? offset = info.Value is { } gateway ? gateway.ServerTime - state.Time.GetUtcNow() : null;
        status = status with { ClockOffset = offset };
        var wrongGateway = info.Value is { } answered && answered.Environment != name
            ? $" {gatewayUrl} is the {answered.Environment} gateway, not the {name} one: check the {name} gateway URL."
            : "";
        var skewed = offset is { } o && o.Duration() > MaximumClockOffset;

        var ping = await registry.PingAsync(new GatewayTarget(gatewayUrl, credentials.Credentials!, settings.DataSpaceId), ct);
        if (ping.Failure is { } failure)
        {
            if (failure.Kind == GatewayFailureKind.Unreachable)
            {
                return Unreachable(status, name, failure);
            }

            if (skewed)
            {
                return status with
                {
                    State = ConnectionState.Refused, Code = ConnectorCodes.ClockSkew,
                    Message = $"{ClockSentence(offset!.Value)} Request signatures are dated with this clock, so the gateway refused them " +
                              $"({failure.Code}: {failure.Message}). Set the clock right (for example, turn on NTP time sync).",
                };
            }

            var message = failure.Message;
            if (failure.Code is ProblemCodes.TokenExpired or ProblemCodes.TokenNotYetValid)
            {
                message += " Request signatures are dated with this machine's clock: check that it is right." +
                           (offset is { } known ? " " + ClockSentence(known) : "");
            }

            return status with { State = ConnectionState.Refused, Code = failure.Code, Message = message + wrongGateway };
        }

        var pong = ping.Value!;
        status = status with { AccountId = pong.AccountId };
        if (skewed)
        {
            return status with
            {
                State = ConnectionState.Refused, Code = ConnectorCodes.ClockSkew,
                Message = $"{ClockSentence(offset!.Value)} The gateway accepts signatures only within {MaximumClockOffset.TotalSeconds:0} seconds " +
                          "of its own clock, so requests will fail. Set the clock right (for example, turn on NTP time sync).",
            };
        }

        if (pong.DataSpace is { } dataSpace)
        {
            status = status with { DataSpaceName = dataSpace.Name, ProjectId = dataSpace.ProjectId ?? status.ProjectId };
            if (dataSpace.InstanceId != settings.InstanceId)
            {
                return status with
                {
                    State = ConnectionState.Refused,
                    Code = dataSpace.InstanceId is null ? ConnectorCodes.DataSpaceNotBound : ProblemCodes.DataSpaceBoundElsewhere,
                    Message = dataSpace.InstanceId is null
                        ? $"Data space '{dataSpace.Name}' ({dataSpace.Id}) is not bound to this instance: save the SaaS identifier again to bind it."
                        : $"Data space '{dataSpace.Name}' ({dataSpace.Id}) is bound to another instance ({dataSpace.InstanceId}); " +
                          "each instance needs its own data space. Choose another data space.",
                };
            }
        }

        return status with
        {
            State = ConnectionState.Verified,
            Message = $"Connected to {name} as account {pong.AccountId}" +
                      (pong.DataSpace is { } ds ? $", data space '{ds.Name}' ({ds.Id}) bound to this instance." : $", data space {settings.DataSpaceId}."),
        };
    }

    /// <summary>
    /// Saves keys, the SaaS identifier and gateway URLs. Keys are checked offline first (R20). When keys or the data
    /// space change, the gateway checks the pair and the data space is bound to this instance (R13) before anything is
    /// saved. A production instance is not moved away from its data space unless <paramref name="move"/> says what to do
    /// with the data (R12, R18).
    /// </summary>
    public async Task<ConfigureResult> ConfigureAsync(ConnectorChange change, DataSpaceMove move = DataSpaceMove.None, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        ConnectorSettings current;
        try
        {
            current = state.Settings;
        }
        catch (ConnectorStoreException e)
        {
            return ConfigureResult.Fail(ConnectorCodes.StoreUnavailable, e.Message);
        }

        foreach (var url in new[] { change.SandboxGatewayUrl, change.ProductionGatewayUrl })
        {
            if (url is not null && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
            {
                return ConfigureResult.Invalid(ConnectorCodes.InvalidGatewayUrl, $"'{url}' is not an http:// or https:// URL.");
            }
        }

        var previousEnvironment = state.EnvironmentOf(current);
        var environment = change.Environment ?? previousEnvironment;
        var next = current with
        {
            Environment = change.Environment ?? current.Environment,
            ProjectId = Blank(change.ProjectId) ?? current.ProjectId,
            DataSpaceId = Blank(change.DataSpaceId) ?? current.DataSpaceId,
            SandboxGatewayUrl = change.SandboxGatewayUrl ?? current.SandboxGatewayUrl,
            ProductionGatewayUrl = change.ProductionGatewayUrl ?? current.ProductionGatewayUrl,
        };

        GatewayCredentials? credentials = null;
        if (change.ApiKey is not null || change.PrivateKeyPem is not null)
        {
            var existing = current.KeysFor(environment);
            var built = GatewayCredentials.Create(environment,
                new EnvironmentKeys(change.ApiKey ?? existing?.ApiKey ?? "", change.PrivateKeyPem ?? existing?.PrivateKeyPem ?? ""), state.Time);
            if (!built.Success)
            {
                return ConfigureResult.Invalid(built.Code!, built.Message!);
            }

            credentials = built.Credentials!;
            next = next.WithKeys(environment, new EnvironmentKeys(credentials.ApiKey, credentials.PrivateKeyPem));
        }
        else if (next.KeysFor(environment) is { } stored)
        {
            var built = state.CredentialsFor(environment, stored);
            credentials = built.Credentials;
        }

        var gatewayUrl = state.GatewayUrlOf(next, environment);
        var changed = next.DataSpaceId != current.DataSpaceId || !Equals(next.KeysFor(environment), current.KeysFor(environment))
                      || environment != previousEnvironment || gatewayUrl != state.GatewayUrlOf(current, environment);
        if (credentials is null || !changed)
        {
            // Nothing the gateway could check yet (no keys), or nothing it would see differently.
            return Save(next, credentials is null ? "Saved. Enter the key pair to connect." : "Saved.");
        }

        var registry = Registry();
        var target = new GatewayTarget(gatewayUrl, credentials);
        if (next.DataSpaceId is null)
        {
            var ping = await registry.PingAsync(target, ct);
            return ping.Failure is { } refused
                ? ConfigureResult.Fail(refused, $"The {environment.ToName()} gateway did not accept the key pair; nothing was saved")
                : Save(next, $"Saved. The {environment.ToName()} key pair works (account {ping.Value!.AccountId}); choose a project and data space to connect.");
        }

        // R12: a production instance leaving the data space that holds its data.
        var oldDataSpace = current.DataSpaceId;
        GatewayTarget? oldTarget = oldDataSpace is not null && current.KeysFor(previousEnvironment) is { } oldKeys
                                   && state.CredentialsFor(previousEnvironment, oldKeys).Credentials is { } oldCredentials
            ? new GatewayTarget(state.GatewayUrlOf(current, previousEnvironment), oldCredentials)
            : null;
        var movingAway = previousEnvironment == GatewayEnvironment.Production && oldDataSpace is not null && oldDataSpace != next.DataSpaceId;
        if (movingAway && move == DataSpaceMove.None)
        {
            return await RefuseDataLossAsync(registry, oldTarget, oldDataSpace!, next.DataSpaceId, change, ct);
        }

        IReadOnlyList<Holding> copied = [];
        if (movingAway && move == DataSpaceMove.CarryOver)
        {
            var copy = await registry.CopyAsync(target, next.DataSpaceId, oldDataSpace!, ct);
            if (copy.Failure is { } copyFailure)
            {
                return ConfigureResult.Fail(copyFailure, $"Copying data space {oldDataSpace} into {next.DataSpaceId} failed; nothing was changed");
            }

            copied = copy.Value!;
        }

        var bind = await registry.BindAsync(target, next.DataSpaceId, next.InstanceId, ct);
        if (bind.Failure is { } bindFailure)
        {
            return ConfigureResult.Fail(bindFailure, $"Data space {next.DataSpaceId} could not be bound to this instance; nothing was saved");
        }

        next = next with { ProjectId = bind.Value!.ProjectId ?? next.ProjectId };
        var saved = Save(next, $"Saved. Data space '{bind.Value.Name}' ({bind.Value.Id}) is bound to this instance.");
        if (!saved.Success)
        {
            return saved;
        }

        var message = saved.Message;
        if (copied.Count > 0)
        {
            message += $" Carried over from {oldDataSpace}: {DescribeHoldings(copied)}.";
        }

        if (oldDataSpace is not null && oldDataSpace != next.DataSpaceId && oldTarget is not null)
        {
            var release = await registry.ReleaseAsync(oldTarget, oldDataSpace, current.InstanceId, ct);
            message += release.Failure is { } releaseFailure
                ? $" The previous data space {oldDataSpace} could not be released ({releaseFailure.Code}: {releaseFailure.Message})."
                : $" The previous data space {oldDataSpace} was released" + (move == DataSpaceMove.Discard ? "; its data was left there, unused." : ".");
        }

        return saved with { Message = message, Copied = copied };
    }

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
    public async Task<GatewayResult<IReadOnlyList<GatewayService>>> ListServicesAsync(CancellationToken ct = default)
    {
        var target = ActiveTarget();
        return target.Failure is { } failure ? failure : await Registry().ListServicesAsync(target.Value!, ct);
    }

    /// <summary>
    /// Bring your own key (R19): makes an RSA 2048 pair here, registers only its public key with the platform's
    /// management API, and keeps the private key in the store. It never leaves this machine.
    /// </summary>
    public async Task<ConfigureResult> GenerateKeyPairAsync(GatewayEnvironment environment, Uri portalUrl, string? operatorToken, string accountId,
        CancellationToken ct = default)
    {
        using var rsa = RsaPem.CreateKey();
        var privateKeyPem = RsaPem.ExportPrivateKeyPkcs8(rsa);
        var root = portalUrl.AbsoluteUri.EndsWith('/') ? portalUrl : new Uri(portalUrl.AbsoluteUri + "/");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(root, $"api/v1/accounts/{Uri.EscapeDataString(accountId)}/keys"))
        {
            Content = JsonContent.Create(new { environment = environment.ToName(), publicKey = RsaPem.ExportPublicKey(rsa) }),
        };
        if (!string.IsNullOrEmpty(operatorToken))
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", operatorToken);
        }

        JsonNode? body;
        try
        {
            using var response = await httpClients.CreateClient(ManagementHttpClientName).SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            body = string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
            if (!response.IsSuccessStatusCode)
            {
                var code = (body?["code"] as JsonValue)?.GetValue<string>() ?? $"http_{(int)response.StatusCode}";
                var detail = (body?["detail"] as JsonValue)?.GetValue<string>() ?? response.ReasonPhrase ?? "";
                return ConfigureResult.Fail(code, $"The platform did not register the public key: {detail}");
            }
        }
        catch (HttpRequestException e)
        {
            return ConfigureResult.Fail(ConnectorCodes.PlatformUnreachable, $"Could not reach the platform at {portalUrl} ({e.Message}).", unreachable: true);
        }
        catch (System.Text.Json.JsonException)
        {
            return ConfigureResult.Fail(ConnectorCodes.UnexpectedResponse, $"The platform at {portalUrl} answered with a body that is not JSON.");
        }

        var apiKey = (body?["apiKey"] as JsonValue)?.GetValue<string>();
        var check = ApiKeyFormat.Check(apiKey);
        if (!check.IsValid || check.Environment != environment)
        {
            return ConfigureResult.Fail(ConnectorCodes.UnexpectedResponse,
                $"The platform answered without a valid {environment.ToName()} API key for the registered public key.");
        }

        ConnectorSettings current;
        try
        {
            current = state.Settings;
        }
        catch (ConnectorStoreException e)
        {
            return ConfigureResult.Fail(ConnectorCodes.StoreUnavailable, e.Message);
        }

        var next = current.WithKeys(environment, new EnvironmentKeys(check.ApiKey!, privateKeyPem)) with
        {
            Environment = current.Environment ?? environment,
        };
        return Save(next, $"Registered a new {environment.ToName()} key pair: API key {check.ApiKey}. Only its public key was sent; " +
                          "the private key is kept, encrypted, in this instance's settings store.");
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
                    $"The connector has no usable {environment.ToName()} key pair: configure it first.")
                : new GatewayTarget(state.GatewayUrlOf(settings, environment), credentials);
        }
        catch (ConnectorStoreException e)
        {
            return new GatewayFailure(GatewayFailureKind.Refused, ConnectorCodes.StoreUnavailable, e.Message);
        }
    }

    private async Task<ConfigureResult> RefuseDataLossAsync(RegistryClient registry, GatewayTarget? oldTarget, string oldDataSpace, string newDataSpace,
        ConnectorChange change, CancellationToken ct)
    {
        var what = $"data space {oldDataSpace}";
        IReadOnlyList<Holding> holdings = [];
        string held;
        var details = oldTarget is null ? default : await registry.GetDataSpaceAsync(oldTarget, oldDataSpace, ct);
        if (details.Value is { } dataSpace)
        {
            what = $"data space '{dataSpace.Name}' ({dataSpace.Id})";
            holdings = dataSpace.Holdings;
            held = holdings.Any(h => h.Items > 0) ? $"which holds {DescribeHoldings(holdings)}" : "which holds no data the platform knows of";
        }
        else
        {
            held = details.Failure is { } f
                ? $"whose contents could not be read ({f.Code}: {f.Message}), so it may hold data"
                : "whose contents could not be read, so it may hold data";
        }

        var withKeys = change.ApiKey is not null || change.PrivateKeyPem is not null ? " with new keys" : "";
        return new ConfigureResult
        {
            Code = ConnectorCodes.DataLossConfirmationRequired,
            Message = $"This production instance is bound to {what}, {held}. Moving it{withKeys} to data space {newDataSpace} would leave " +
                      "that data behind. Nothing was changed. Choose carry-over to copy the data into the new data space first, " +
                      "or discard to move without it.",
            WouldLose = holdings,
        };
    }

    private ConfigureResult Save(ConnectorSettings next, string message)
    {
        try
        {
            state.Save(next);
        }
        catch (ConnectorStoreException e)
        {
            return ConfigureResult.Fail(ConnectorCodes.StoreUnavailable, e.Message);
        }

        LogSaved(logger, state.Store.Directory, state.EnvironmentOf(next).ToName(), next.DataSpaceId);
        return new ConfigureResult { Message = message, Settings = next };
    }

    private static ConnectionStatus Unreachable(ConnectionStatus status, string environment, GatewayFailure failure) => status with
    {
        State = ConnectionState.Unreachable, Code = failure.Code,
        Message = $"The {environment} gateway could not be reached, so the keys could not be checked. {failure.Message}",
    };

    private static string ClockSentence(TimeSpan offset)
    {
        // offset = gateway - local: positive means this machine is behind.
        var seconds = Math.Abs(offset.TotalSeconds).ToString("0", CultureInfo.InvariantCulture);
        return $"This machine's clock is {seconds} seconds {(offset > TimeSpan.Zero ? "behind" : "ahead of")} the gateway's.";
    }

    internal static string DescribeHoldings(IEnumerable<Holding> holdings) =>
        JoinList(holdings.Select(h => $"{h.Items} {h.Service} item{(h.Items == 1 ? "" : "s")}").ToList());

    private static string JoinList(IReadOnlyList<string> items) => items.Count switch
    {
        0 => "nothing",
        1 => items[0],
        _ => string.Join(", ", items.Take(items.Count - 1)) + " and " + items[^1],
    };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Connector status: {State} ({Code}) for {Environment}")]
    private static partial void LogStatus(ILogger logger, string state, string? code, string environment);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Connector settings saved in {Directory}: {Environment}, data space {DataSpaceId}")]
    private static partial void LogSaved(ILogger logger, string directory, string environment, string? dataSpaceId);
}
