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

    /// <summary>
    /// When a request is refused, with its code, before the answer is written. A hook that writes its own answer calls
    /// <see cref="GatewaySignatureRefusedContext.HandleResponse"/>, and the gateway then writes nothing.
    /// </summary>
    public Func<GatewaySignatureRefusedContext, Task>? OnRefused { get; set; }
}

public sealed class GatewaySignatureValidatedContext(HttpContext context, AuthenticationScheme scheme, GatewaySignatureOptions options)
    : ResultContext<GatewaySignatureOptions>(context, scheme, options);

public sealed class GatewaySignatureRefusedContext(
    HttpContext context, AuthenticationScheme scheme, GatewaySignatureOptions options, AuthenticationProperties properties,
    GatewayRefusalException refusal)
    : PropertiesContext<GatewaySignatureOptions>(context, scheme, options, properties)
{
    /// <summary>The refusal, as the authentication result carried it.</summary>
    public GatewayRefusalException Refusal { get; } = refusal;

    public string Code => Refusal.Code;

    public string Message => Refusal.Message;

    /// <summary>Whether a hook wrote the answer itself.</summary>
    public bool Handled { get; private set; }

    /// <summary>Skips the gateway's own answer: the hook has written one.</summary>
    public void HandleResponse() => Handled = true;
}
