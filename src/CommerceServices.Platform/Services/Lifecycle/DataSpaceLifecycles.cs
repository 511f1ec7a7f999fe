using CommerceServices.Platform.Registry;
using CommerceServices.Platform.Services.Tokens;
using CommerceServices.Protocol.Registry;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Services.Lifecycle;

/// <summary>
/// Every service that keeps data per data space, in the registry's order: those inside the platform with a store, and
/// those with a <c>lifecycleUrl</c>. Holdings ask them all at once; one that does not answer is listed with unknown items,
/// never as empty.
/// </summary>
public sealed class DataSpaceLifecycles(
    ServiceRegistry registry, IServiceScopeFactory scopes, IHttpClientFactory httpClients, GatewayTokenIssuer issuer,
    IOptions<ServiceGatewayOptions> options)
{
    public ServiceRegistry Registry => registry;

    /// <summary>The services that take part now.</summary>
    public IReadOnlyList<IServiceLifecycle> Participants()
    {
        using var scope = scopes.CreateScope();
        var stores = scope.ServiceProvider.GetServices<IDataSpaceStore>().Select(s => s.Service).ToHashSet(StringComparer.Ordinal);
        var participants = new List<IServiceLifecycle>();
        foreach (var service in registry.All)
        {
            if (stores.Contains(service.Id))
            {
                participants.Add(new InProcessServiceLifecycle(service, scopes));
            }
            else if (service.LifecycleUrl is not null)
            {
                var http = httpClients.CreateClient(RemoteServiceLifecycle.HttpClientName);
                http.Timeout = options.Value.LifecycleTimeout;
                participants.Add(new RemoteServiceLifecycle(service, http, issuer));
            }
        }

        return participants;
    }

    public IServiceLifecycle? Participant(string serviceId) => Participants().FirstOrDefault(p => p.Service.Id == serviceId);

    /// <summary>What each service holds in the data space, asked in parallel.</summary>
    public async Task<IReadOnlyList<Holding>> HoldingsAsync(string accountId, string dataSpaceId, CancellationToken cancellationToken) =>
        await Task.WhenAll(Participants().Select(async p =>
        {
            try
            {
                var held = await p.HoldingsAsync(accountId, dataSpaceId, cancellationToken);
                return new Holding(p.Service.Id, held.Items, held.ItemsName, held.ItemName, held.Description, p.Service.Name);
            }
            catch (LifecycleCallException e)
            {
                return new Holding(p.Service.Id, null, Name: p.Service.Name, Problem: e.Message);
            }
        }));
}
