using System.Security.Claims;
using CommerceServices.Platform.Gateway;
using CommerceServices.Platform.Gateway.Authentication;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Observability;
using CommerceServices.Protocol;

namespace CommerceServices.Platform.Registry;

/// <summary>
/// When a gateway call names a data space (<c>x-data-space-id</c> or <c>Magento-Environment-Id</c>), checks that it
/// belongs to the caller's account (else 404 <c>data_space_not_found</c>, the same as one that does not exist) and adds
/// it to the caller's identity. A middleware rather than an endpoint filter, because it must run before parameter
/// binding: endpoints receive a complete <see cref="GatewayCaller"/>.
/// </summary>
internal sealed class DataSpaceResolution(RequestDelegate next)
{
    private const int MaximumIdLength = 100;

    public async Task InvokeAsync(HttpContext http)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<GatewayEndpointMetadata>() is null
            || http.User.FindFirstValue(GatewayClaims.AccountId) is not { } accountId)
        {
            await next(http);
            return;
        }

        var requested = GatewayHeaderValues.ReadOne(http.Request.Headers, GatewayHeaders.DataSpaceId, GatewayHeaders.DataSpaceIdAlias,
            out var problem);
        if (problem is not null)
        {
            await Problems.WriteAsync(http, ProblemCodes.InvalidRequest, $"Name one data space: {problem}");
            return;
        }

        if (requested is not null)
        {
            // The step's span ends before the endpoint runs: the service's spans are its siblings, not its children.
            using var span = PlatformTracing.Start(PlatformTracing.ResolveDataSpace);
            // Resolved only here: a call that names no data space needs no database context.
            var registry = http.RequestServices.GetRequiredService<RegistryService>();
            var dataSpace = requested.Length <= MaximumIdLength
                ? await registry.FindAsync(accountId, requested, tracked: false, http.RequestAborted)
                : null;
            if (dataSpace is null)
            {
                span.Refused(ProblemCodes.DataSpaceNotFound);
                await Problems.Of(RegistryService.DataSpaceNotFound(
                    requested.Length <= MaximumIdLength ? requested : requested[..MaximumIdLength] + "…")).ExecuteAsync(http);
                return;
            }

            if (dataSpace.DeletionRequestedAt is not null)
            {
                await Problems.WriteAsync(http, ProblemCodes.DataSpaceNotFound,
                    $"Data space '{dataSpace.Id}' is being deleted; it takes no more calls. Choose another data space.");
                return;
            }

            span?.SetTag(PlatformTracing.DataSpaceId, dataSpace.Id);
            http.User.AddIdentity(new ClaimsIdentity(
                [new Claim(GatewayClaims.DataSpaceId, dataSpace.Id), new Claim(GatewayClaims.DataSpaceType, dataSpace.Type.ToName())], "DataSpace"));
        }

        await next(http);
    }
}
