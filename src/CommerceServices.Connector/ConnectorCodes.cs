namespace CommerceServices.Connector;

/// <summary>
/// The connector's own reason codes, beside the gateway's (<see cref="Protocol.ProblemCodes"/>), which it passes on
/// unchanged.
/// </summary>
public static class ConnectorCodes
{
    /// <summary>Keys, project or data space are missing; the message lists which.</summary>
    public const string NotConfigured = "not_configured";

    /// <summary>The private key is not an RSA key in PEM.</summary>
    public const string MalformedPrivateKey = "malformed_private_key";

    /// <summary>A gateway URL is not an absolute http(s) URL.</summary>
    public const string InvalidGatewayUrl = "invalid_gateway_url";

    /// <summary>The gateway could not be reached: connection refused, DNS, timeout.</summary>
    public const string PlatformUnreachable = "platform_unreachable";

    /// <summary>The gateway answered something that is not the protocol (a proxy page, a truncated body).</summary>
    public const string UnexpectedResponse = "unexpected_response";

    /// <summary>This machine's clock is more than a minute away from the gateway's; signatures fail because of it.</summary>
    public const string ClockSkew = "clock_skew";

    /// <summary>The gateway URL answers as the other environment's gateway.</summary>
    public const string WrongGateway = "wrong_gateway";

    /// <summary>The data space is not bound to any instance; saving the SaaS identifier again binds it.</summary>
    public const string DataSpaceNotBound = "data_space_not_bound";

    /// <summary>
    /// Moving a production instance to another data space would leave its data behind (R12): the caller must choose
    /// to carry it over or to discard it.
    /// </summary>
    public const string DataLossConfirmationRequired = "data_loss_confirmation_required";

    /// <summary>The settings store cannot be read or written.</summary>
    public const string StoreUnavailable = "store_unavailable";
}
