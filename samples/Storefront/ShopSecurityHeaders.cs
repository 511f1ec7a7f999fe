namespace Storefront;

/// <summary>
/// The shop's response headers, in one place (NetEscapades.AspNetCore.SecurityHeaders): a strict policy for every page,
/// the Payment Request feature allowed on the checkout only, and the connector's admin pages left to the headers the
/// admin library sets on them itself.
/// </summary>
public static class ShopSecurityHeaders
{
    public const string CheckoutPolicy = "shop-checkout";

    /// <summary>An empty policy: for the admin library's pages, which set their own headers.</summary>
    public const string AdminLibraryPolicy = "commerce-services-admin";

    public static IServiceCollection AddShopSecurityHeaders(this IServiceCollection services)
    {
        services.AddSecurityHeaderPolicies()
            .SetDefaultPolicy(policy => Shop(policy, paymentOnThisPage: false))
            .AddPolicy(CheckoutPolicy, policy => Shop(policy, paymentOnThisPage: true))
            .AddPolicy(AdminLibraryPolicy, _ => { });
        return services;
    }

    private static void Shop(HeaderPolicyCollection policy, bool paymentOnThisPage) => policy
        .AddContentTypeOptionsNoSniff()
        .AddFrameOptionsDeny()
        .AddReferrerPolicyNoReferrer()
        .AddStrictTransportSecurityMaxAge()
        .AddContentSecurityPolicy(csp =>
        {
            csp.AddDefaultSrc().Self();
            csp.AddScriptSrc().None(); // the shop's pages have no script
            csp.AddStyleSrc().Self();
            csp.AddImgSrc().Self();
            csp.AddObjectSrc().None();
            csp.AddBaseUri().None();
            csp.AddFormAction().Self();
            csp.AddFrameAncestors().None();
        })
        .AddPermissionsPolicy(permissions =>
        {
            permissions.AddCamera().None();
            permissions.AddMicrophone().None();
            permissions.AddGeolocation().None();
            permissions.AddUsb().None();
            permissions.AddSyncXHR().None();
            if (paymentOnThisPage)
            {
                permissions.AddPayment().Self();
            }
            else
            {
                permissions.AddPayment().None();
            }
        })
        .AddCrossOriginOpenerPolicy(coop => coop.SameOrigin())
        .AddCrossOriginResourcePolicy(corp => corp.SameOrigin())
        .RemoveServerHeader();
}
