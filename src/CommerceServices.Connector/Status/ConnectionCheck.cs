using System.Globalization;
using CommerceServices.Protocol;

namespace CommerceServices.Connector.Status;

/// <summary>
/// The checks behind <see cref="CommerceServicesConnector.GetStatusAsync"/> (R2, R10, R21): what is missing from the
/// store, whether the keys parse, which gateway the URL reaches and its clock, whether the gateway accepts the pair, and
/// whether the data space is bound to this instance. Each refusal names what to do about it.
/// </summary>
internal sealed class ConnectionCheck(ConnectorState state, RegistryClient registry)
{
    /// <summary>A clock further than this from the gateway's is reported as <c>clock_skew</c>.</summary>
    public static readonly TimeSpan MaximumClockOffset = Protocol.Tokens.GatewayTokenRules.ClockSkew;

    public async Task<ConnectionStatus> CheckAsync(ConnectorSettings settings, CancellationToken ct)
    {
        var environment = state.EnvironmentOf(settings);
        var name = environment.ToName();
        var status = new ConnectionStatus
        {
            State = ConnectionState.NotConfigured, Message = "", Environment = environment, ProjectId = settings.ProjectId,
            DataSpaceId = settings.DataSpaceId, InstanceId = settings.InstanceId,
        };

        var keys = settings.KeysFor(environment);
        var missing = Missing(settings, keys, name);
        if (keys is null)
        {
            return NotConfigured(status, name, missing);
        }

        var credentials = state.CredentialsFor(environment, keys);
        if (!credentials.Success)
        {
            return status with { Code = credentials.Code, Message = credentials.Message! };
        }

        var gatewayUrl = state.GatewayUrlOf(settings, environment);
        var info = await registry.GetGatewayInfoAsync(gatewayUrl, ct);
        if (info.Failure is { Kind: GatewayFailureKind.Unreachable } down)
        {
            return Unreachable(status, name, down);
        }

        TimeSpan? offset = info.Value is { } gateway ? gateway.ServerTime - state.Time.GetUtcNow() : null;
        status = status with { ClockOffset = offset };
        var wrongGateway = info.Value is { } answered && answered.Environment != name
            ? $" {gatewayUrl} is the {answered.Environment} gateway, not the {name} one: set the {name} gateway URL " +
              $"(`--{name}-gateway` on `commerce-services connector configure`, or {(environment == GatewayEnvironment.Production ? "ProductionGatewayUrl" : "SandboxGatewayUrl")} in the CommerceServices settings)."
            : "";
        var skewed = offset is { } o && o.Duration() > MaximumClockOffset;

        var dataSpaceId = missing.Count == 0 ? settings.DataSpaceId : null;
        var ping = await registry.PingAsync(new GatewayTarget(gatewayUrl, credentials.Credentials!, dataSpaceId), ct);
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
                              $"({failure.Code}: {failure.Message}). Set the clock right (for example, turn on NTP time sync: `timedatectl set-ntp true`).",
                };
            }

            return status with { State = ConnectionState.Refused, Code = failure.Code, Message = RefusalMessage(failure, offset, name) + wrongGateway };
        }

        var pong = ping.Value!;
        status = status with { AccountId = pong.AccountId, KeysAccepted = true };
        if (skewed)
        {
            return status with
            {
                State = ConnectionState.Refused, Code = ConnectorCodes.ClockSkew,
                Message = $"{ClockSentence(offset!.Value)} The gateway accepts signatures only within {MaximumClockOffset.TotalSeconds:0} seconds " +
                          "of its own clock, so requests will fail. Set the clock right (for example, turn on NTP time sync: `timedatectl set-ntp true`).",
            };
        }

        if (missing.Count > 0)
        {
            // The keys work; what is left is choosing where the data goes.
            return NotConfigured(status, name, missing) with
            {
                Message = $"The {name} key pair works (account {pong.AccountId}). Choose a data space to connect " +
                          $"(`commerce-services connector configure --store <folder>{ConfigureFlags(missing)}`, or the connector's admin page).",
            };
        }

        if (pong.DataSpace is { } dataSpace)
        {
            status = status with { DataSpaceName = dataSpace.Name, ProjectId = dataSpace.ProjectId };
            if (dataSpace.InstanceId != settings.InstanceId)
            {
                return status with
                {
                    State = ConnectionState.Refused,
                    Code = dataSpace.InstanceId is null ? ConnectorCodes.DataSpaceNotBound : ProblemCodes.DataSpaceBoundElsewhere,
                    Message = dataSpace.InstanceId is null
                        ? $"Data space '{dataSpace.Name}' ({dataSpace.Id}) is not bound to this instance. Bind it with " +
                          $"`commerce-services connector use-data-space --store <folder> --data-space {dataSpace.Id}`, or save the SaaS identifier again " +
                          "on the connector's admin page."
                        : $"Data space '{dataSpace.Name}' ({dataSpace.Id}) is bound to another instance ({dataSpace.InstanceId}); " +
                          "each instance needs its own data space (R13). Choose another one (`commerce-services connector use-data-space " +
                          "--store <folder> --data-space <id>`), or, if that instance is gone, free this one with " +
                          $"`commerce-services data-spaces release --account {pong.AccountId} --data-space {dataSpace.Id}`.",
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

    private static ConnectionStatus NotConfigured(ConnectionStatus status, string name, List<string> missing) => status with
    {
        Code = ConnectorCodes.NotConfigured,
        Message = $"The connector is not configured for {name}: {ConnectorText.JoinList(missing)} {(missing.Count == 1 ? "is" : "are")} missing. " +
                  $"Set {(missing.Count == 1 ? "it" : "them")} on the connector's admin page, " +
                  $"or with `commerce-services connector configure --store <folder> --environment {name}{ConfigureFlags(missing)}`.",
        Missing = missing,
    };

    private static List<string> Missing(ConnectorSettings settings, EnvironmentKeys? keys, string name)
    {
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

        return missing;
    }

    /// <summary>The flags of <c>connector configure</c> that set what is missing.</summary>
    private static string ConfigureFlags(IReadOnlyList<string> missing) =>
        (missing.Any(m => m.EndsWith("key", StringComparison.Ordinal)) ? " --api-key <key> --private-key-file <pem>" : "") +
        (missing.Contains("project") ? " --project <prj_…>" : "") +
        (missing.Contains("data space") ? " --data-space <ds_…>" : "");

    /// <summary>The gateway's refusal, with what to do where the code says it.</summary>
    private static string RefusalMessage(GatewayFailure failure, TimeSpan? offset, string environment) => failure.Code switch
    {
        ProblemCodes.TokenExpired or ProblemCodes.TokenNotYetValid =>
            failure.Message + " Request signatures are dated with this machine's clock: check that it is right." +
            (offset is { } known ? " " + ClockSentence(known) : ""),
        ProblemCodes.RevokedApiKey or ProblemCodes.UnknownApiKey or ProblemCodes.InvalidSignature =>
            failure.Message + $" Make a new {environment} pair in the account portal (Keys page) or with `commerce-services keys create " +
            $"--environment {environment}`, then save it here (R9).",
        _ => failure.Message,
    };

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
}
