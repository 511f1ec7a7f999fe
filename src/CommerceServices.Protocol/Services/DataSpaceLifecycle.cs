namespace CommerceServices.Protocol.Services;

/// <summary>
/// The data space lifecycle contract: what a service that keeps data per data space answers, so that the platform's
/// holdings, copy (R18), delete guard and the connector's data-loss guard (R12) cover it. Paths are relative to the
/// service's <c>lifecycleUrl</c>; every call carries the platform's bearer token with <c>aud</c> the service id and
/// <c>scope</c> <see cref="GatewayTokenClaims.LifecycleScope"/>.
/// <list type="bullet">
/// <item><c>GET data-spaces/{ds}/holdings</c> → <see cref="LifecycleHoldings"/></item>
/// <item><c>POST data-spaces/{to}/copy</c> with <see cref="LifecycleCopyRequest"/> → <see cref="LifecycleCopyResult"/>;
/// idempotent: copying the same source again adds nothing</item>
/// <item><c>DELETE data-spaces/{ds}</c> → <see cref="LifecycleDeleteResult"/>; idempotent: a second delete deletes 0</item>
/// </list>
/// </summary>
public static class LifecyclePaths
{
    public static string Holdings(string dataSpaceId) => $"data-spaces/{Uri.EscapeDataString(dataSpaceId)}/holdings";

    public static string Copy(string toDataSpaceId) => $"data-spaces/{Uri.EscapeDataString(toDataSpaceId)}/copy";

    public static string Delete(string dataSpaceId) => $"data-spaces/{Uri.EscapeDataString(dataSpaceId)}";
}

/// <summary>
/// What a service keeps in one data space, in its own words: <see cref="Items"/> counted as <see cref="ItemsName"/>
/// ("reviews"), one of them <see cref="ItemName"/> ("review"; by default <see cref="ItemsName"/> without its final s), and,
/// when one word does not say it, <see cref="Description"/> ("1 payment, 1 declined attempt"), shown instead of the count.
/// </summary>
public sealed record LifecycleHoldings(int Items, string? ItemsName, string? ItemName = null, string? Description = null);

/// <summary>The body of a copy: the data space to copy from, of the same account.</summary>
public sealed record LifecycleCopyRequest(string From);

/// <summary>How many items the copy added (0 when the target held them all already).</summary>
public sealed record LifecycleCopyResult(int Copied);

/// <summary>How many items the delete removed (0 when there was nothing left).</summary>
public sealed record LifecycleDeleteResult(int Deleted);

/// <summary>
/// The claims of the token the platform signs for a service behind the gateway (ES256, <c>kid</c> in its header, the keys
/// published at <c>{iss}/.well-known/jwks.json</c>): <c>iss</c> the platform's public portal URL, <c>aud</c> the service
/// id, <c>sub</c> the account id, <c>iat</c>/<c>nbf</c>/<c>exp</c> (at most 60 s), <c>jti</c> (the request id), and these.
/// </summary>
public static class GatewayTokenClaims
{
    /// <summary><c>sandbox</c> or <c>production</c>: the gateway the call came through.</summary>
    public const string Environment = "environment";

    /// <summary>The data space the call acts on, checked to belong to the account; absent when the call named none.</summary>
    public const string DataSpaceId = "data_space_id";

    /// <summary>The data space's type (<c>production</c> or <c>testing</c>), with <see cref="DataSpaceId"/>.</summary>
    public const string DataSpaceType = "data_space_type";

    /// <summary>The id of the merchant's key pair that signed the call (never the key itself).</summary>
    public const string ApiKeyId = "api_key_id";

    /// <summary>The gateway's id of this request, also sent as <c>x-request-id</c>; equal to <c>jti</c>.</summary>
    public const string RequestId = "request_id";

    /// <summary>Set on the platform's own lifecycle calls only: <see cref="LifecycleScope"/>.</summary>
    public const string Scope = "scope";

    public const string LifecycleScope = "lifecycle";

    /// <summary>The header that carries <see cref="RequestId"/> to the upstream.</summary>
    public const string RequestIdHeader = "x-request-id";
}
