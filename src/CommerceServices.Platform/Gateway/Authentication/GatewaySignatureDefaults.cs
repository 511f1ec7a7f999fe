namespace CommerceServices.Platform.Gateway.Authentication;

public static class GatewaySignatureDefaults
{
    public const string AuthenticationScheme = "GatewaySignature";

    /// <summary>The scheme named in <c>WWW-Authenticate</c> on a 401 from a gateway.</summary>
    public const string ChallengeScheme = "GatewaySignature";
}

/// <summary>
/// The verified identity the gateway puts on <c>HttpContext.User</c>. Services behind the gateway know the caller only
/// through these claims, never through keys.
/// </summary>
public static class GatewayClaims
{
    public const string AccountId = "cs:account";
    public const string Environment = "cs:environment";
    public const string ApiKey = "cs:api_key";
    public const string KeyPairId = "cs:key_pair";
    public const string DataSpaceId = "cs:data_space";

    /// <summary>The type (production, testing) of <see cref="DataSpaceId"/>, added with it.</summary>
    public const string DataSpaceType = "cs:data_space_type";
}
