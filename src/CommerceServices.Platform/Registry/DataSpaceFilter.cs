using System.Security.Claims;
using CommerceServices.Platform.Gateway;
using CommerceServices.Platform.Gateway.Authentication;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;

namespace CommerceServices.Platform.Registry;

/// <summary>
/// When a gateway call names a data space (<c>x-data-space-id</c> or <c>Magento-Environment-Id</c>), checks that it
/// belongs to the caller's account (else 404 <c>data_space_not_found</c>, the same as one that does not exist) and adds
/// it to the caller's identity, so services behind the gateway read it from <c>HttpContext.User</c>.
/// </summary>
internal sealed class DataSpaceFilter(RegistryService registry) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var requested = GatewayHeaderValues.ReadOne(http.Request.Headers, GatewayHeaders.DataSpaceId, GatewayHeaders.DataSpaceIdAlias,
            out var problem);
        if (problem is not null)
        {
            return Problems.Of(ProblemCodes.InvalidRequest, $"Name one data space: {problem}");
        }

        if (requested is null)
        {
            return await next(context);
        }

        var caller = GatewayCaller.From(http.User);
        var dataSpace = requested.Length <= 100
            ? await registry.FindAsync(caller.AccountId, requested, tracked: false, http.RequestAborted)
            : null;
        if (dataSpace is null)
        {
            return Problems.Of(RegistryService.DataSpaceNotFound(requested.Length <= 100 ? requested : requested[..100] + "…"));
        }

        http.User.AddIdentity(new ClaimsIdentity([new Claim(GatewayClaims.DataSpaceId, dataSpace.Id)], "DataSpace"));
        return await next(context);
    }
}
