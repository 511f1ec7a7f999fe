using CommerceServices.Platform.Hosting;

namespace CommerceServices.Platform.Services.Tokens;

/// <summary>
/// What an upstream needs to check the gateway's tokens with a stock JWT library, on the portal listener and without
/// authentication: <c>/.well-known/openid-configuration</c> (OpenID Connect Discovery: the issuer and where its keys
/// are) and <c>/.well-known/jwks.json</c> (RFC 7517: the published signing keys, next and retiring ones included).
/// </summary>
public static class OpenIdConfigurationEndpoints
{
    public const string ConfigurationPath = "/.well-known/openid-configuration";
    public const string JwksPath = "/.well-known/jwks.json";

    public static IEndpointRouteBuilder MapGatewayTokenMetadata(this IEndpointRouteBuilder app)
    {
        app.MapGet(ConfigurationPath, (GatewayTokenIssuer issuer, HttpContext http) =>
            {
                http.Response.Headers.CacheControl = "public, max-age=300";
                return TypedResults.Json(new OpenIdConfiguration(issuer.Issuer, issuer.Issuer + JwksPath, [GatewaySigningKey.Algorithm],
                    ["public"], ["id_token"]));
            })
            .RequireListener(PlatformListener.Portal)
            .WithName("OpenIdConfiguration")
            .WithSummary("The issuer of the gateway's tokens for upstream services, and where its keys are.")
            .ExcludeFromDescription();

        app.MapGet(JwksPath, (SigningKeyRing keys, HttpContext http) =>
            {
                // Short: a roll shows within a minute to upstreams that honour caching (the stock JwtBearer handler does not).
                http.Response.Headers.CacheControl = "public, max-age=60";
                return TypedResults.Json(new JsonWebKeySet(keys.Published()));
            })
            .RequireListener(PlatformListener.Portal)
            .WithName("JsonWebKeySet")
            .WithSummary("The public keys of the gateway's tokens for upstream services.")
            .ExcludeFromDescription();
        return app;
    }

    private sealed record OpenIdConfiguration(
        [property: System.Text.Json.Serialization.JsonPropertyName("issuer")] string Issuer,
        [property: System.Text.Json.Serialization.JsonPropertyName("jwks_uri")] string JwksUri,
        [property: System.Text.Json.Serialization.JsonPropertyName("id_token_signing_alg_values_supported")] IReadOnlyList<string> Algorithms,
        [property: System.Text.Json.Serialization.JsonPropertyName("subject_types_supported")] IReadOnlyList<string> SubjectTypes,
        [property: System.Text.Json.Serialization.JsonPropertyName("response_types_supported")] IReadOnlyList<string> ResponseTypes);

    private sealed record JsonWebKeySet([property: System.Text.Json.Serialization.JsonPropertyName("keys")] IReadOnlyList<PublicJsonWebKey> Keys);
}
