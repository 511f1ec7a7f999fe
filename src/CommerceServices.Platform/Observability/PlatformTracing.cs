using System.Diagnostics;

namespace CommerceServices.Platform.Observability;

/// <summary>
/// The platform's own spans, in one <see cref="ActivitySource"/> named <see cref="SourceName"/>: the gateway's steps
/// inside the ASP.NET Core request span (authenticate, admit, resolve the data space, forward) and the operations of
/// the services behind it. Each step is one line where it runs: <c>using var span = PlatformTracing.Start(PlatformTracing.Forward);</c>.
/// When the request is not sampled, or nothing listens, <see cref="Start"/> returns null and costs a branch.
/// </summary>
public static class PlatformTracing
{
    public const string SourceName = PlatformMetrics.MeterName;

    /// <summary>The protocol check: API key, signature, key pair (<c>Gateway/Authentication</c>).</summary>
    public const string Authenticate = "gateway.authenticate";

    /// <summary>The caller's rate limit.</summary>
    public const string Admit = "gateway.admit";

    /// <summary>The data space named in <c>x-data-space-id</c>, checked against the caller's account.</summary>
    public const string ResolveDataSpace = "gateway.resolve_data_space";

    /// <summary>Forwarding to a service that runs as its own process.</summary>
    public const string Forward = "gateway.forward";

    /// <summary>Prefix of a Payment Services operation's span (<c>payments.AuthorizePayment</c>, ...).</summary>
    public const string PaymentsPrefix = "payments.";

    /// <summary>Attribute: the problem code a step refused the request with.</summary>
    public const string RefusalCode = "commerce.refusal.code";

    /// <summary>Attribute: the data space the call acts on.</summary>
    public const string DataSpaceId = "commerce.data_space.id";

    /// <summary>Attribute: the service a forwarded call is for.</summary>
    public const string ServiceId = "commerce.service.id";

    /// <summary>Attribute: the key pair that signed the call (its id, never the key).</summary>
    public const string KeyPairId = "commerce.key_pair.id";

    internal static readonly ActivitySource Source = new(SourceName);

    /// <summary>Starts a step as a child of the current span; dispose it when the step ends.</summary>
    public static Activity? Start(string name) => Source.StartActivity(name);

    /// <summary>
    /// One span per operation of a service behind the gateway, named <paramref name="prefix"/> and the handler's name
    /// (<c>payments.authorize</c>), around the handler: the service's entry point, under which its own phases and its
    /// database calls appear.
    /// </summary>
    public static TBuilder WithOperationSpans<TBuilder>(this TBuilder builder, string prefix)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilterFactory((context, next) =>
        {
            var name = prefix + context.MethodInfo.Name.ToLowerInvariant();
            return async invocation =>
            {
                using var span = Start(name);
                return await next(invocation);
            };
        });

    /// <summary>Marks the step as refused with a problem code (a refusal is an answer, not an error of the platform).</summary>
    public static void Refused(this Activity? span, string code) => span?.SetTag(RefusalCode, code);
}
