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
        // One query for both questions (entitled? which kind of data space?): this runs on every payment call.
        var account = caller.AccountId;
        var dataSpaceId = caller.DataSpaceId;
        var found = dataSpaceId is null ? null : await db.DataSpaces.Where(d => d.Id == dataSpaceId)
            .Select(d => new { d.Type, Entitled = db.Entitlements.Any(e => e.AccountId == account && e.Service == ServiceCatalog.Payments) })
            .FirstOrDefaultAsync(http.RequestAborted);
        var entitled = found?.Entitled
                       ?? await db.Entitlements.AnyAsync(e => e.AccountId == account && e.Service == ServiceCatalog.Payments, http.RequestAborted);
        if (!entitled)
        {
            return Problems.Of(ProblemCodes.NotEntitled,
                "This account is not entitled to Payment Services; keys made by an entitled account are needed.");
        }

        if (dataSpaceId is null)
        {
            return Problems.Of(ProblemCodes.DataSpaceRequired,
                $"Payment Services acts on a data space: send its id in '{GatewayHeaders.DataSpaceId}'.");
        }

        var expected = caller.Environment == GatewayEnvironment.Production ? DataSpaceType.Production : DataSpaceType.Testing;
        if (found is { } space && space.Type != expected)
        {
            return Problems.Of(ProblemCodes.DataSpaceTypeMismatch, caller.Environment == GatewayEnvironment.Production
                ? $"Data space '{dataSpaceId}' is a testing data space; production payments go to the production data space. Use a sandbox key pair for testing data spaces."
                : $"Data space '{dataSpaceId}' is the production data space; sandbox payments go to testing data spaces. Use the production key pair for live payments.");
        }

        return await next(context);
    }
}
