using CommerceServices.Protocol;

namespace CommerceServices.Platform.Gateway.Authentication;

/// <summary>
/// Why the gateway refused a request: a stable code (DESIGN.md section 4) and a sentence for people. It travels as the
/// failure of the <see cref="Microsoft.AspNetCore.Authentication.AuthenticateResult"/>, the way JwtBearer carries its
/// errors, and the challenge reads it back to write the answer. It is a value passed along, never thrown.
/// </summary>
public sealed class GatewayRefusalException(string code, string message, TimeSpan? retryAfter = null) : Exception(message)
{
    public string Code { get; } = code;

    /// <summary>For <c>rate_limited</c>: when the caller may try again.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public int Status => ProblemCatalog.StatusOf(Code);
}
