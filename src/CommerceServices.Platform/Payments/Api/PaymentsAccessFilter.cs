using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Gateway;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Registry;
using CommerceServices.Protocol;

namespace CommerceServices.Platform.Payments;

/// <summary>
/// Payment Services needs an account entitled to it (R14), a data space on every call, and a data space of the gateway's
/// kind: sandbox calls act on testing data spaces, production calls on the production one, so test money never lands in
/// live books, nor the reverse.
/// </summary>
internal sealed class PaymentsAccessFilter(PlatformDbContext db) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var caller = GatewayCaller.From(http.User);
        if (!await db.Entitlements.AnyAsync(e => e.AccountId == caller.AccountId && e.Service == ServiceCatalog.Payments, http.RequestAborted))
        {
            return Problems.Of(ProblemCodes.NotEntitled,
                "This account is not entitled to Payment Services; keys made by an entitled account are needed.");
        }

        if (caller.DataSpaceId is not { } dataSpaceId)
        {
            return Problems.Of(ProblemCodes.DataSpaceRequired,
                $"Payment Services acts on a data space: send its id in '{GatewayHeaders.DataSpaceId}'.");
        }

        var type = await db.DataSpaces.Where(d => d.Id == dataSpaceId).Select(d => (DataSpaceType?)d.Type).FirstOrDefaultAsync(http.RequestAborted);
        var expected = caller.Environment == GatewayEnvironment.Production ? DataSpaceType.Production : DataSpaceType.Testing;
        if (type is { } actual && actual != expected)
        {
            return Problems.Of(ProblemCodes.DataSpaceTypeMismatch, caller.Environment == GatewayEnvironment.Production
                ? $"Data space '{dataSpaceId}' is a testing data space; production payments go to the production data space. Use a sandbox key pair for testing data spaces."
                : $"Data space '{dataSpaceId}' is the production data space; sandbox payments go to testing data spaces. Use the production key pair for live payments.");
        }

        return await next(context);
    }
}
