using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace CommerceServices.Platform.Hosting;

/// <summary>
/// Session cookies that end when their user's security stamp changes (sign-out elsewhere, a new password or second
/// factor, a removed user): the stamp in the cookie is checked against the stored one at every request.
/// </summary>
internal static class SecurityStampCookies
{
    /// <summary>
    /// An <c>OnValidatePrincipal</c> handler: the principal's <paramref name="stampClaim"/> must equal the stamp
    /// <paramref name="storedStamp"/> finds for its name identifier, else it is rejected and <paramref name="scheme"/>'s
    /// cookie removed.
    /// </summary>
    public static Func<CookieValidatePrincipalContext, Task> Validator(string scheme, string stampClaim,
        Func<IServiceProvider, string, CancellationToken, Task<string?>> storedStamp) => async context =>
    {
        var id = context.Principal?.FindFirstValue(ClaimTypes.NameIdentifier);
        var stamp = context.Principal?.FindFirstValue(stampClaim);
        if (id is null || stamp is null || await storedStamp(context.HttpContext.RequestServices, id, context.HttpContext.RequestAborted) != stamp)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(scheme);
        }
    };
}
