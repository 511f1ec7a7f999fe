namespace CommerceServices.Platform.Hosting;

/// <summary>
/// The platform's response headers, in one place (NetEscapades.AspNetCore.SecurityHeaders). Every answer gets the API
/// policy unless its endpoint names another; pages (the portal, and any page feature added later, such as an operator
/// console) opt into the page policy with one line: <c>.WithPageSecurityHeaders()</c>. docs/security.md says why each
/// header is there.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>The policy of HTML pages: scripts and styles from the platform's own files only, never framed.</summary>
    public const string PagePolicy = "platform-pages";

    /// <summary>
    /// The page policy without its Content-Security-Policy, for a page that sets its own (the API reference, whose CSP
    /// names its one inline script by hash: <see cref="Portal.ApiReference"/>).
    /// </summary>
    public const string PageOwnCspPolicy = "platform-pages-own-csp";

    /// <summary>How long a browser keeps to https once it has seen the platform over https (one year).</summary>
    public const int StrictTransportSecuritySeconds = 365 * 24 * 60 * 60;

    public static IServiceCollection AddPlatformSecurityHeaders(this IServiceCollection services)
    {
        services.AddSecurityHeaderPolicies()
            .SetDefaultPolicy(ApiPolicy)
            .AddPolicy(PagePolicy, PagesPolicy)
            .AddPolicy(PageOwnCspPolicy, policy => PageHeadersOtherThanCsp(policy));
        return services;
    }

    /// <summary>Gives these endpoints the page policy (<see cref="PagePolicy"/>) instead of the API one.</summary>
    public static TBuilder WithPageSecurityHeaders<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithSecurityHeadersPolicy(PagePolicy);

    /// <summary>
    /// JSON and plain answers (the management API, the gateways, health): nothing in them may run or be framed, nothing
    /// is sniffed as another type, and no answer is stored by a browser or a proxy — some carry secrets (a private key,
    /// a token, an invitation link) and the rest are an account's data.
    /// </summary>
    private static void ApiPolicy(HeaderPolicyCollection policy) => policy
        .AddContentTypeOptionsNoSniff()
        .AddFrameOptionsDeny()
        .AddReferrerPolicyNoReferrer()
        .AddStrictTransportSecurityMaxAge(StrictTransportSecuritySeconds)
        .AddContentSecurityPolicy(csp =>
        {
            csp.AddDefaultSrc().None();
            csp.AddFrameAncestors().None();
        })
        .AddCustomHeader("Cache-Control", "no-store")
        .RemoveServerHeader();

    private static void PagesPolicy(HeaderPolicyCollection policy) => PageHeadersOtherThanCsp(policy)
        .AddContentSecurityPolicy(csp =>
        {
            csp.AddDefaultSrc().Self();
            csp.AddScriptSrc().Self();
            csp.AddStyleSrc().Self();
            csp.AddImgSrc().Self();
            csp.AddObjectSrc().None();
            csp.AddBaseUri().None();
            csp.AddFormAction().Self();
            csp.AddFrameAncestors().None();
        });

    private static HeaderPolicyCollection PageHeadersOtherThanCsp(HeaderPolicyCollection policy) => policy
        .AddContentTypeOptionsNoSniff()
        .AddFrameOptionsDeny()
        .AddReferrerPolicyNoReferrer()
        .AddStrictTransportSecurityMaxAge(StrictTransportSecuritySeconds)
        .AddPermissionsPolicyWithDefaultSecureDirectives()
        .AddCrossOriginOpenerPolicy(coop => coop.SameOrigin())
        .AddCrossOriginResourcePolicy(corp => corp.SameOrigin())
        .RemoveServerHeader();
}
