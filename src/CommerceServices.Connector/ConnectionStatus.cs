using System.Text.Json.Serialization;
using CommerceServices.Protocol;

namespace CommerceServices.Connector;

/// <summary>Whether the instance is connected (R2, R10), in one word; in JSON the same word as the CLI's <c>state</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConnectionState>))]
public enum ConnectionState
{
    /// <summary>Keys, project or data space are missing; <see cref="ConnectionStatus.Missing"/> lists which.</summary>
    [JsonStringEnumMemberName("not_configured")]
    NotConfigured,

    /// <summary>The gateway accepted the keys, and the data space is bound to this instance.</summary>
    [JsonStringEnumMemberName("verified")]
    Verified,

    /// <summary>The gateway answered but refused; <see cref="ConnectionStatus.Code"/> says why.</summary>
    [JsonStringEnumMemberName("refused")]
    Refused,

    /// <summary>The platform could not be reached: nothing is known about the keys.</summary>
    [JsonStringEnumMemberName("unreachable")]
    Unreachable,
}

/// <summary>
/// The connector's answer to "am I connected, and if not, why?" (R2, R10, R21): a state, a stable code, and a sentence
/// a merchant can act on.
/// </summary>
public sealed record ConnectionStatus
{
    public required ConnectionState State { get; init; }

    /// <summary>Null when verified; otherwise the gateway's code or one of <see cref="ConnectorCodes"/>.</summary>
    public string? Code { get; init; }

    public required string Message { get; init; }

    public GatewayEnvironment Environment { get; init; }

    public string? AccountId { get; init; }

    public string? ProjectId { get; init; }

    public string? DataSpaceId { get; init; }

    public string? DataSpaceName { get; init; }

    public string? InstanceId { get; init; }

    /// <summary>What must still be entered, when not configured: e.g. "production API key", "data space".</summary>
    public IReadOnlyList<string> Missing { get; init; } = [];

    /// <summary>
    /// The gateway accepted the key pair. True when verified, and also while the data space is still to be chosen: the
    /// merchant is then one step from connected ("keys work — choose a data space").
    /// </summary>
    public bool KeysAccepted { get; init; }

    /// <summary>The gateway's clock minus this machine's, when the gateway could be asked.</summary>
    public TimeSpan? ClockOffset { get; init; }

    public bool IsVerified => State == ConnectionState.Verified;

    public static string StateName(ConnectionState state) => state switch
    {
        ConnectionState.NotConfigured => "not_configured",
        ConnectionState.Verified => "verified",
        ConnectionState.Refused => "refused",
        ConnectionState.Unreachable => "unreachable",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };
}
