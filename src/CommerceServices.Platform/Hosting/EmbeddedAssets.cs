using System.Reflection;

namespace CommerceServices.Platform.Hosting;

/// <summary>
/// Stylesheets and scripts of the pages, embedded in the assembly so that the platform needs no files beside its binary.
/// Each is read once, at its first request, and may be cached by browsers for an hour.
/// </summary>
internal static class EmbeddedAssets
{
    /// <summary>GET <paramref name="path"/> answers the embedded resource <c>{resourcePrefix}.{path without '/'}</c>.</summary>
    public static RouteHandlerBuilder MapEmbeddedAsset(this IEndpointRouteBuilder endpoints, string resourcePrefix, string path, string contentType)
    {
        var name = $"{resourcePrefix}.{path.TrimStart('/')}";
        var bytes = new Lazy<byte[]>(() => Read(name));
        return endpoints.MapGet(path, (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=3600";
            return Results.Bytes(bytes.Value, contentType);
        });
    }

    private static byte[] Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded resource {name} is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
