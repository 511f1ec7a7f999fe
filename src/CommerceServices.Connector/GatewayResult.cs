using System.Text.Json.Serialization;

namespace CommerceServices.Connector;

/// <summary>How a gateway call ended when it did not succeed. In JSON: <c>refused</c> or <c>unreachable</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GatewayFailureKind>))]
public enum GatewayFailureKind
{
    /// <summary>The gateway answered with a refusal (a problem+json <c>code</c>).</summary>
    [JsonStringEnumMemberName("refused")]
    Refused,

    /// <summary>The gateway could not be reached: connection refused, DNS, timeout.</summary>
    [JsonStringEnumMemberName("unreachable")]
    Unreachable,
}

/// <summary>Why a gateway call failed: the gateway's stable code and sentence, or why it could not be reached.</summary>
public sealed record GatewayFailure(GatewayFailureKind Kind, string Code, string Message, int? Status = null);

/// <summary>The value of a gateway call, or its failure. Expected failures are values, not exceptions.</summary>
public readonly record struct GatewayResult<T>(T? Value, GatewayFailure? Failure)
{
    public bool Success => Failure is null;

    public static implicit operator GatewayResult<T>(T value) => new(value, null);

    public static implicit operator GatewayResult<T>(GatewayFailure failure) => new(default, failure);
}
