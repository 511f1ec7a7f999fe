using Microsoft.AspNetCore.Authentication;

namespace CommerceServices.Platform.Gateway.Authentication;

/// <summary>
/// Hooks into gateway authentication, for metrics or extra checks. Every hook is optional; an unset one costs
/// nothing on the hot path.
/// </summary>
public class GatewaySignatureEvents
{
    /// <summary>After a request was verified; a hook may still <see cref="ResultContext{TOptions}.Fail(string)"/> it.</summary>
    public Func<GatewaySignatureValidatedContext, Task>? OnValidated { get; set; }

    /// <summary>When a request is refused, with its code, before the 401 is written.</summary>
    public Func<GatewaySignatureRefusedContext, Task>? OnRefused { get; set; }
}

public sealed class GatewaySignatureValidatedContext(HttpContext context, AuthenticationScheme scheme, GatewaySignatureOptions options)
    : ResultContext<GatewaySignatureOptions>(context, scheme, options);

public sealed class GatewaySignatureRefusedContext(
    HttpContext context, AuthenticationScheme scheme, GatewaySignatureOptions options, string code, string message)
    : BaseContext<GatewaySignatureOptions>(context, scheme, options)
{
    public string Code { get; } = code;

    public string Message { get; } = message;
}
