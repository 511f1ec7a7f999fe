using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CommerceServices.Connector.Admin;

/// <summary>
/// The pages' stylesheet, embedded in the library and served under the pages' prefix, so a host adds no static-file
/// middleware and the pages need no inline style (their Content-Security-Policy has no 'unsafe-inline').
/// </summary>
internal static class AdminAssets
{
    private const string ResourceName = "CommerceServices.Connector.Admin.Assets.admin.css";
    private static readonly Lazy<byte[]> Stylesheet = new(() => Read(ResourceName));

    public static string StylesheetPath(string prefix) => $"{prefix}/admin.css";

    /// <summary>
    /// Maps the stylesheet outside the pages' authorization: it holds nothing private, and the "access refused" page
    /// a signed-out or unauthorized user meets uses it too.
    /// </summary>
    public static void Map(IEndpointRouteBuilder endpoints, string prefix) =>
        endpoints.MapGet(StylesheetPath(prefix), (HttpContext http) =>
        {
            AdminSecurityHeaders.Apply(http.Response, http.Request.IsHttps);
            http.Response.Headers.CacheControl = "public, max-age=3600";
            return Results.Bytes(Stylesheet.Value, "text/css; charset=utf-8");
        }).AllowAnonymous().ExcludeFromDescription();

    private static byte[] Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded resource {name} is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
