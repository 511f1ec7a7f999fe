using CommerceServices.Platform.Gateway;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Tokens;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace CommerceServices.Platform.Portal;

/// <summary>
/// The API reference at <c>/docs</c> on the portal listener: Scalar's page over two OpenAPI documents, the management
/// API (<c>/openapi/v1.json</c>) and the gateway API (<c>/openapi/gateway.json</c>), whose description says how a call
/// is signed. Scalar's script is served from its package (embedded in its assembly): the page loads nothing from
/// another site, and sends no telemetry.
/// </summary>
public static class ApiReference
{
    public const string Path = "/docs";
    public const string ManagementDocument = "v1";
    public const string GatewayDocument = "gateway";
    public const string ManagementTitle = "Commerce Services management API";
    public const string GatewayTitle = "Commerce Services gateway API";

    private const string ApiKeyScheme = "ApiKey";
    private const string SignatureScheme = "Signature";
    private const string BearerScheme = "Bearer";

    /// <summary>The gateway's document: its registry and Payment Services calls, with the signing as its security.</summary>
    public static IServiceCollection AddGatewayOpenApiDocument(this IServiceCollection services) =>
        services.AddOpenApi(GatewayDocument, o =>
        {
            o.ShouldInclude = description => IsGatewayPath(description.RelativePath);
            o.AddDocumentTransformer((document, context, _) =>
            {
                document.Info.Title = GatewayTitle;
                document.Info.Description = SigningDescription;
                var listeners = context.ApplicationServices.GetRequiredService<PlatformListeners>();
                document.Servers =
                [
                    new OpenApiServer { Url = listeners.UrlOf(PlatformListener.ProductionGateway).ToString(), Description = "Production gateway (production keys)" },
                    new OpenApiServer { Url = listeners.UrlOf(PlatformListener.SandboxGateway).ToString(), Description = "Sandbox gateway (sandbox keys)" },
                ];
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
                {
                    [ApiKeyScheme] = new OpenApiSecurityScheme
                    {
                        Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = GatewayHeaders.ApiKey,
                        Description = $"The public API key of the pair (`{GatewayHeaders.ApiKeyAlias}` is read too).",
                    },
                    [SignatureScheme] = new OpenApiSecurityScheme
                    {
                        Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = GatewayHeaders.Signature,
                        Description = "An RS256 JWT signed with the pair's private key; see the description of this API.",
                    },
                };
                return Task.CompletedTask;
            });
            o.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<GatewayEndpointMetadata>().Any())
                {
                    operation.Security =
                    [
                        new OpenApiSecurityRequirement
                        {
                            [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [],
                            [new OpenApiSecuritySchemeReference(SignatureScheme, context.Document)] = [],
                        },
                    ];
                }

                return Task.CompletedTask;
            });
        });

    /// <summary>The management API's title, and its bearer token: the operator token, or an account token of the account.</summary>
    public static Task DescribeManagementApi(OpenApiDocument document, Microsoft.AspNetCore.OpenApi.OpenApiDocumentTransformerContext context,
        CancellationToken cancellationToken)
    {
        document.Info.Title = ManagementTitle;
        document.Info.Description = "The platform's management API, on the portal listener. Every call sends "
            + "`Authorization: Bearer <token>`: the operator token (all accounts), or an account token made in the portal "
            + "(its own account only). Refusals are `application/problem+json` with a stable `code`.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer",
                Description = "The operator token, or an account token (`cs_tok_…`) for the calls about its own account.",
            },
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];
        return Task.CompletedTask;
    }

    /// <summary>Scalar's page at <see cref="Path"/>, on the portal listener only.</summary>
    public static IEndpointRouteBuilder MapApiReference(this IEndpointRouteBuilder app)
    {
        app.MapScalarApiReference(Path, o => o
                .WithTitle("Commerce Services API reference")
                .AddDocument(ManagementDocument, "Management API", isDefault: true)
                .AddDocument(GatewayDocument, "Gateway API")
                .DisableDefaultFonts()
                .DisableTelemetry()
                .HideDeveloperTools()
                .DisableAgent()
                .DisableMcp())
            .RequireListener(PlatformListener.Portal)
            .WithSecurityHeadersPolicy(SecurityHeaders.PageOwnCspPolicy);
        return app;
    }

    /// <summary>
    /// The page's Content-Security-Policy. Scalar's page starts with one inline module script (its start-up call with the
    /// options); the policy allows exactly that script by its SHA-256, taken from the page as served, so no other inline
    /// script can run. Styles are the exception to the platform's page policy: Scalar's script adds its styles as
    /// <c>&lt;style&gt;</c> elements, so <c>style-src</c> allows inline styles here, and only here — a page with no form, no
    /// secret and no account data (docs/security.md).
    /// </summary>
    public static IApplicationBuilder UseApiReferenceContentSecurityPolicy(this IApplicationBuilder app) =>
        app.UseWhen(context => HttpMethods.IsGet(context.Request.Method) && context.Request.Path.StartsWithSegments(Path), docs => docs.Use(
            async (context, next) =>
            {
                var response = context.Response;
                var body = response.Body;
                using var buffer = new MemoryStream();
                response.Body = buffer;
                try
                {
                    await next(context);
                }
                finally
                {
                    response.Body = body;
                }

                if (response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
                {
                    response.Headers.ContentSecurityPolicy = ContentSecurityPolicyFor(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
                }

                buffer.Position = 0;
                await buffer.CopyToAsync(body, context.RequestAborted);
            }));

    internal static string ContentSecurityPolicyFor(ReadOnlySpan<byte> html)
    {
        var hashes = InlineScript.Matches(Encoding.UTF8.GetString(html))
            .Select(m => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(m.Groups["body"].Value)))}'");
        return $"default-src 'self'; script-src 'self' {string.Join(' ', hashes)}; style-src 'self' 'unsafe-inline'; " +
               "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
               "form-action 'self'; frame-ancestors 'none'";
    }

    private static readonly Regex InlineScript = new(@"<script(?![^>]*\bsrc\s*=)[^>]*>(?<body>.*?)</script>",
        RegexOptions.Singleline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    private static bool IsGatewayPath(string? path) =>
        path is not null && (path.StartsWith("merchant-registry/", StringComparison.Ordinal) || path.StartsWith("payments/", StringComparison.Ordinal));

    private static readonly string SigningDescription = $$"""
        Every call through a gateway is signed by the instance with its key pair (DESIGN.md section 3). The same calls
        answer on both gateways; a key works only on the gateway of its own environment.

        **Headers of a signed call**

        | header | value |
        | --- | --- |
        | `{{GatewayHeaders.ApiKey}}` (alias `{{GatewayHeaders.ApiKeyAlias}}`) | the public API key (`cs_sbx_…` or `cs_prd_…`) |
        | `{{GatewayHeaders.Signature}}` | a JWT signed with the private key of the pair |
        | `{{GatewayHeaders.DataSpaceId}}` (alias `{{GatewayHeaders.DataSpaceIdAlias}}`) | the data space the call acts on, where the call needs one |
        | `{{GatewayHeaders.IdempotencyKey}}` | on a Payment Services POST: the same value on every retry of one operation |

        **The signature token**

        - Header `{"alg":"RS256","typ":"JWT"}`: RSASSA-PKCS1-v1_5 with SHA-256. `none` and HMAC are refused
          (`unsupported_algorithm`).
        - Claims: `exp` is required, in the future and at most {{(int)GatewayTokenRules.MaximumLifetime.TotalSeconds}} seconds ahead
          (plus the gateway's clock skew, at least two minutes). `nbf` and `iat` are honoured when present, with the same
          skew. Other claims (`iss`, `sub`, `aud`, custom ones) are ignored.
        - The signature is verified with the public key registered for the API key. One token may be reused for every call
          until shortly before its `exp`; the gateway verifies it once and remembers it.
        - The connector (`CommerceServices.Connector`, `AddCommerceServicesSigning`) does all of this for .NET apps.

        **Refusals** are `application/problem+json` with a stable `code` (and `message`, the same sentence as `detail`);
        401 answers carry `WWW-Authenticate`. Signing codes: `missing_api_key`, `malformed_api_key`, `unknown_api_key`,
        `revoked_api_key`, `environment_mismatch`, `missing_signature`, `malformed_signature`, `unsupported_algorithm`,
        `invalid_signature`, `token_expired`, `token_not_yet_valid`, `token_lifetime_too_long`; then `rate_limited` (429 with
        `Retry-After`), `data_space_required`, `data_space_not_found`, `not_entitled`.

        **Tracing**: a call may carry a W3C `traceparent`; the gateway's spans join that trace.
        """;
}
