using System.Text.Json.Serialization;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Registry;

namespace CommerceServices.Connector;

/// <summary>
/// What a save changes; null members keep their stored value. Keys are given for <see cref="Environment"/>, which also
/// becomes the active environment.
/// </summary>
public sealed record ConnectorChange
{
    public GatewayEnvironment? Environment { get; init; }

    public string? ApiKey { get; init; }

    /// <summary>The private key as PEM (PKCS#8 or PKCS#1; a paste that lost its line breaks is repaired).</summary>
    public string? PrivateKeyPem { get; init; }

    public string? ProjectId { get; init; }

    public string? DataSpaceId { get; init; }

    public Uri? SandboxGatewayUrl { get; init; }

    public Uri? ProductionGatewayUrl { get; init; }

    public override string ToString() =>
        $"environment={Environment}, apiKey={ApiKey}, privateKey={(PrivateKeyPem is null ? "unchanged" : "given")}, project={ProjectId}, dataSpace={DataSpaceId}";
}

/// <summary>What to do with a production instance's data when it moves to another data space (R12, R18).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DataSpaceMove>))]
public enum DataSpaceMove
{
    /// <summary>Neither chosen: a move that would leave data behind is refused.</summary>
    [JsonStringEnumMemberName("none")]
    None,

    /// <summary>Copy the data into the new data space, bind it, then release the old one.</summary>
    [JsonStringEnumMemberName("carry_over")]
    CarryOver,

    /// <summary>Bind the new data space without copying; the old data stays behind, no longer used by this instance.</summary>
    [JsonStringEnumMemberName("discard")]
    Discard,
}

/// <summary>The outcome of a save: the new settings, or why nothing was saved.</summary>
public sealed record ConfigureResult
{
    public bool Success => Code is null;

    public string? Code { get; init; }

    public required string Message { get; init; }

    /// <summary>Whether the failure is the platform being unreachable (rather than a refusal or a bad input).</summary>
    public bool Unreachable { get; init; }

    /// <summary>Whether the input was refused before anything was sent (a malformed key, a key in the wrong field).</summary>
    public bool Offline { get; init; }

    public ConnectorSettings? Settings { get; init; }

    /// <summary>When refused by the data-loss guard: what the old data space holds and the move would leave behind.</summary>
    public IReadOnlyList<Holding> WouldLose { get; init; } = [];

    /// <summary>After a move: the previous data space, when it could not be released (it stays bound to this instance).</summary>
    public string? PreviousDataSpaceKept { get; init; }

    /// <summary>After a carry-over: what was copied into the new data space.</summary>
    public IReadOnlyList<Holding> Copied { get; init; } = [];

    public static ConfigureResult Fail(string code, string message, bool unreachable = false) =>
        new() { Code = code, Message = message, Unreachable = unreachable };

    public static ConfigureResult Invalid(string code, string message) => new() { Code = code, Message = message, Offline = true };

    public static ConfigureResult Fail(GatewayFailure failure, string context) =>
        new() { Code = failure.Code, Message = $"{context}: {failure.Message}", Unreachable = failure.Kind == GatewayFailureKind.Unreachable };
}
