using System.Net.Http.Headers;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Services.Tokens;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Services;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace CommerceServices.Platform.Services.Forwarding;

/// <summary>
/// What the upstream receives, as YARP transforms on every service route: the merchant's credentials removed
/// (<c>x-api-key</c>, <c>magento-api-key</c>, <c>x-gw-signature</c>, and any <c>Authorization</c> of its own), the data
/// space headers removed (the token carries the checked data space), and <c>Authorization: Bearer</c> the platform's
/// token for this call with its request id, also sent as <c>x-request-id</c>. YARP's defaults do the rest:
/// <c>X-Forwarded-For</c>/<c>-Proto</c>/<c>-Host</c>/<c>-Prefix</c> set, hop-by-hop headers dropped, <c>traceparent</c>
/// carried on, bodies streamed both ways.
/// </summary>
internal sealed class ForwardingTransforms(ServiceRegistry registry, GatewayTokenIssuer issuer) : ITransformProvider
{
    private static readonly string[] MerchantHeaders =
    [
        GatewayHeaders.ApiKey, GatewayHeaders.ApiKeyAlias, GatewayHeaders.Signature, GatewayHeaders.DataSpaceId, GatewayHeaders.DataSpaceIdAlias,
        GatewayTokenClaims.RequestIdHeader,
    ];

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        foreach (var header in MerchantHeaders)
        {
            context.AddRequestHeaderRemove(header);
        }

        var serviceId = context.Route.RouteId;
        context.AddRequestTransform(transform =>
        {
            // The registry's current definition: ServiceAdmission admitted the call with it a moment ago.
            var service = registry.Find(serviceId) ?? throw new InvalidOperationException($"Service {serviceId} went away during the call.");
            var requestId = Ids.New("req");
            var headers = transform.ProxyRequest.Headers;
            headers.Authorization = new AuthenticationHeaderValue("Bearer", issuer.IssueForCall(service, transform.HttpContext.User, requestId));
            headers.TryAddWithoutValidation(GatewayTokenClaims.RequestIdHeader, requestId);
            return ValueTask.CompletedTask;
        });
    }
}
