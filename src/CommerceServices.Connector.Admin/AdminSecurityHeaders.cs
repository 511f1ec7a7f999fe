using Microsoft.AspNetCore.Http;

namespace CommerceServices.Connector.Admin;

/// <summary>
/// The response headers of the admin pages, set by the pages themselves (an endpoint filter on their group), so they
/// hold in any host — with or without a headers middleware of its own — and touch none of the host's other pages. The
/// pages take a private key as input and show the shop's payments: nothing on them may run but the library's own
/// markup, nothing may frame them, and nothing keeps a copy.
/// </summary>
public static class AdminSecurityHeaders
{
    /// <summary>No script at all; styles from the library's stylesheet only; forms post to this site only.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; " +
        "form-action 'self'; frame-ancestors 'none'";

    /// <summary>Features the pages never use, turned off.</summary>
    public const string PermissionsPolicy =
        "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), fullscreen=(), geolocation=(), " +
        "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), picture-in-picture=(), publickey-credentials-get=(), " +
        "screen-wake-lock=(), sync-xhr=(), usb=(), web-share=(), xr-spatial-tracking=()";

    internal static void Apply(HttpResponse response, bool https)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Permissions-Policy"] = PermissionsPolicy;
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers.CacheControl = "no-store";
        if (https)
        {
            headers.StrictTransportSecurity = "max-age=31536000";
        }
    }
}
